"""Celery tasks of the API: webhook deliveries, expired idempotency keys, API-driven recomputes."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from integrations.models import IdempotencyKey
from integrations.services.webhooks import webhook_changes_publish
from integrations.recompute import PENDING_KEY, RETRY_WHILE_RUNNING_SECONDS, schedule_recompute
from integrations.webhooks.sending import backoff_seconds, due_delivery_ids, webhook_delivery_send

logger = logging.getLogger(__name__)

# Deliveries the sweeper queues per run. Beat runs it once a minute, so a
# receiver that comes back up gets its backlog at most this fast.
DUE_DELIVERIES_PER_SWEEP = 500


@shared_task(name="integrations.tasks.webhook_deliver_task", time_limit=120, soft_time_limit=90)
def webhook_deliver_task(delivery_id: int) -> str | None:
    """Send one webhook delivery; on failure queue the next attempt after an exponential backoff."""
    status = webhook_delivery_send(delivery_id=delivery_id)
    if status == "retrying" and not settings.CELERY_TASK_ALWAYS_EAGER:
        from integrations.models import WebhookDelivery

        attempts = WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 1
        webhook_deliver_task.apply_async((delivery_id,), countdown=backoff_seconds(attempts))
    return status


@shared_task(name="integrations.tasks.webhook_send_due_task", time_limit=120, soft_time_limit=90)
def webhook_send_due_task() -> int:
    """Queue every delivery whose attempt is due, including those a dead worker left half-sent.

    Beat runs this every minute. In the embedded mode (eager tasks) it is
    what sends retries, since a countdown cannot wait there.
    """
    delivery_ids = due_delivery_ids(timezone.now(), DUE_DELIVERIES_PER_SWEEP)
    for delivery_id in delivery_ids:
        webhook_deliver_task.delay(delivery_id)
    if delivery_ids:
        logger.info("Queued %s due webhook deliveries", len(delivery_ids))
    return len(delivery_ids)


@shared_task(name="integrations.tasks.api_recompute_task", time_limit=120, soft_time_limit=90)
def api_recompute_task() -> int | None:
    """Start an incremental recompute for API writes; return the run id, or None when a run is running."""
    from segmentation.models import RunTrigger
    from segmentation.services.pipeline import RecomputeInProgress, recompute_request

    caches["api"].delete(PENDING_KEY)
    try:
        run = recompute_request(trigger=RunTrigger.API)
    except RecomputeInProgress as busy:
        logger.info("Recompute for API writes waits for run %s to finish", busy.run.pk)
        schedule_recompute(delay=RETRY_WHILE_RUNNING_SECONDS)
        return None
    return run.pk


@shared_task(name="integrations.tasks.webhook_publish_changes_task", time_limit=600, soft_time_limit=540)
def webhook_publish_changes_task() -> int:
    """Turn new tier, stage, membership and play changes into webhook deliveries; beat runs it every 30 seconds."""
    published = webhook_changes_publish()
    if published:
        logger.info("Published %s change events to webhook subscriptions", published)
    return published


@shared_task(name="integrations.tasks.idempotency_keys_purge_task", time_limit=600, soft_time_limit=540)
def idempotency_keys_purge_task() -> int:
    """Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    logger.info("Deleted %s expired idempotency keys", deleted)
    return deleted
