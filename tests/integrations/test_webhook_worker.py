"""A real Celery worker sends a published event to a receiver on 127.0.0.1, signed."""

import hashlib
import hmac
import os
import time

import pytest
from django.db import transaction

from integrations.models import WebhookDelivery
from integrations.models.webhooks import DeliveryStatus
from integrations.services import webhook_events_publish, webhook_subscription_create

from .receiver import Receiver

# The worker runs in a subprocess started for the session with this
# process's environment, so the receiver's loopback address is allowed there.
# This process's settings were read before this module, so they stay strict.
os.environ["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"

DELIVERY_TIMEOUT_SECONDS = 60
EVENT = {"type": "stage.changed", "id": "stages-worker-1", "occurred_at": "2026-03-01T02:00:00Z", "data": {"to_stage": "customer"}}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_delivers_signed_event(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    with Receiver() as receiver:
        _, secret = webhook_subscription_create(name="Worker", url=receiver.url, events=["stage.changed"])
        with transaction.atomic():
            webhook_events_publish(events=[EVENT])

        deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
        delivery = WebhookDelivery.objects.get()
        while delivery.status != DeliveryStatus.SUCCEEDED and time.monotonic() < deadline:
            time.sleep(0.5)
            delivery.refresh_from_db()

    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    timestamp = request["headers"]["Tierline-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["Tierline-Signature"] == f"v1={expected}"
