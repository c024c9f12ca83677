"""Webhook subscriptions, publishing events to them, and replaying deliveries."""

import json
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from integrations.models import Feed, FeedCursor, WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.models.webhooks import DeliveryStatus
from integrations.webhooks.addresses import check_webhook_url


def check_events(events) -> list[str]:
    if not isinstance(events, list) or not events:
        raise ValidationError({"events": [f"Choose one or more events from {', '.join(WebhookEvent.values)}."]})
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown event {unknown[0]!r}: choose from {', '.join(WebhookEvent.values)}."]}
        )
    return sorted(set(events))


def check_url(url: str) -> str:
    try:
        check_webhook_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    return url


def webhook_subscription_create(
    *, name: str, url: str, events: list[str], is_active: bool = True, created_by=None
) -> tuple[WebhookSubscription, str]:
    """Subscribe a URL to events; return the subscription and its signing secret."""
    if not (name or "").strip():
        raise ValidationError({"name": ["A webhook needs a name."]})
    secret = "whsec_" + secrets.token_hex(24)
    subscription = WebhookSubscription.objects.create(
        name=name.strip(),
        url=check_url(url),
        events=check_events(events),
        secret=secret,
        is_active=is_active,
        created_by=created_by,
    )
    return subscription, secret


def webhook_subscription_update(
    *, subscription: WebhookSubscription, name=None, url=None, events=None, is_active=None
) -> WebhookSubscription:
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": ["A webhook needs a name."]})
        subscription.name = name.strip()
    if url is not None:
        subscription.url = check_url(url)
    if events is not None:
        subscription.events = check_events(events)
    if is_active is not None:
        subscription.is_active = is_active
    subscription.save()
    return subscription


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    from integrations.tasks import webhook_deliver_task

    def send():
        for delivery_id in delivery_ids:
            webhook_deliver_task.delay(delivery_id)

    transaction.on_commit(send)


def json_safe(event: dict) -> dict:
    """Return the event as plain JSON values (dates as ISO 8601 text), as receivers get it."""
    return json.loads(json.dumps(event, cls=DjangoJSONEncoder))


def webhook_events_publish(*, events: list[dict], now: datetime | None = None) -> int:
    """Create a delivery of each event for every active subscription to its type, and queue them.

    An event is a dict with `type` (a WebhookEvent value), `id` (stable for
    the event, so receivers can drop duplicates) and `data`. Returns the
    number of deliveries created.
    """
    now = now or timezone.now()
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    deliveries = [
        WebhookDelivery(
            subscription=subscription,
            event_type=event["type"],
            event_id=event["id"],
            payload=json_safe(event),
            next_attempt_at=now,
        )
        for event in events
        for subscription in subscriptions
        if event["type"] in subscription.events
    ]
    created = WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    enqueue_deliveries([delivery.pk for delivery in created])
    return len(created)


def webhook_delivery_replay(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery's event again as a new delivery, keeping the event id."""
    replay = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event_type=delivery.event_type,
        event_id=delivery.event_id,
        payload=delivery.payload,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now or timezone.now(),
        replay_of=delivery,
    )
    enqueue_deliveries([replay.pk])
    return replay


def webhook_changes_publish(*, batch_size: int = 500, max_batches: int = 20) -> int:
    """Publish the change feeds' new events to the webhook subscriptions; return the events read.

    The feeds are the tier, stage and membership history and the enrollment
    change log of plays (entries, exits and SLA breaches), which triggers
    copy into FeedEvent in the transaction that records each change. Each
    feed's position is stored in a FeedCursor row, locked while its events
    are published, so two workers never publish one event twice and a crash
    before commit publishes the batch again from the same place. Events that
    arrive while no subscription wants them are skipped, not kept for later
    subscriptions.
    """
    from integrations.feeds import FeedPosition, feed_page

    total = 0
    for feed in Feed.values:
        for _ in range(max_batches):
            with transaction.atomic():
                FeedCursor.objects.get_or_create(feed=feed)
                cursor = FeedCursor.objects.select_for_update().get(feed=feed)
                after = FeedPosition(cursor.transaction_id, cursor.event_id) if cursor.event_id else None
                page = feed_page(feed=feed, after=after, limit=batch_size)
                if page.position is None or page.position == after:
                    break
                webhook_events_publish(events=page.events)
                cursor.transaction_id, cursor.event_id = page.position.transaction_id, page.position.event_id
                cursor.save()
                total += len(page.events)
            if not page.has_more:
                break
    return total
