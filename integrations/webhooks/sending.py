"""Sending one webhook delivery: claim it, POST it signed, record the attempt."""

import json
import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from integrations.models import WebhookAttempt, WebhookDelivery
from integrations.models.webhooks import DeliveryStatus

from . import signing
from .addresses import check_webhook_url

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# A claimed delivery whose worker died is sent again after this lease.
SENDING_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 500


def backoff_seconds(attempt: int) -> int:
    """Return the wait after failed attempt number `attempt`: 30 s, 60 s, 120 s, ... up to 6 hours."""
    return min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)


def claim(delivery_id: int, now: datetime) -> bool:
    """Mark a due delivery as sending; False when another worker has it or it is not due."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING]) & Q(
        next_attempt_at__lte=now
    )
    return bool(
        WebhookDelivery.objects.filter(due, pk=delivery_id).update(
            status=DeliveryStatus.SENDING, next_attempt_at=now + SENDING_LEASE
        )
    )


def post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, int, str]:
    """POST the delivery; return (status code or None, milliseconds, error text)."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tierline-Webhooks/1",
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(delivery.subscription.secret, timestamp, body),
        signing.EVENT_HEADER: delivery.event_type,
        signing.DELIVERY_HEADER: str(delivery.pk),
    }
    started = time.monotonic()
    try:
        check_webhook_url(delivery.subscription.url)
        response = requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            # A redirect could lead to an internal address the check above never saw.
            allow_redirects=False,
        )
    except ValidationError as error:
        return None, 0, " ".join(error.messages)
    except requests.RequestException as error:
        return None, elapsed_ms(started), f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    error = "" if 200 <= response.status_code < 300 else f"The receiver answered HTTP {response.status_code}."
    return response.status_code, elapsed_ms(started), error


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_delivery_send(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send one due delivery once and record the attempt.

    Returns the new status, or None when the delivery was not due or another
    worker has claimed it, so running this twice for one attempt sends once.
    """
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    status_code, response_ms, error = post(delivery, now)
    attempt = delivery.attempts + 1
    WebhookAttempt.objects.create(
        delivery=delivery, number=attempt, sent_at=now, status_code=status_code, response_ms=response_ms, error=error
    )

    updates = {
        "attempts": attempt,
        "last_status_code": status_code,
        "last_response_ms": response_ms,
        "last_error": error,
    }
    if not error:
        updates.update(status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None)
    elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        updates.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        logger.warning(
            "Webhook delivery %s to subscription %s failed for good after %s attempts: %s",
            delivery.pk, delivery.subscription_id, attempt, error,
        )
    else:
        wait = backoff_seconds(attempt)
        updates.update(status=DeliveryStatus.RETRYING, next_attempt_at=now + timedelta(seconds=wait))
        logger.info(
            "Webhook delivery %s attempt %s failed (%s); retrying in %s s", delivery.pk, attempt, error, wait
        )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**updates)
    return updates["status"]


def due_delivery_ids(now: datetime, limit: int) -> list[int]:
    """Ids of deliveries waiting to be sent, including those whose sending lease expired."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
