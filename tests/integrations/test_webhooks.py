"""Webhooks: address checks, signed deliveries to a local receiver, backoff, the log and replay."""

import hashlib
import hmac
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.models import WebhookAttempt, WebhookDelivery
from integrations.models.webhooks import DeliveryStatus
from integrations.services import webhook_delivery_replay, webhook_events_publish, webhook_subscription_create
from integrations.tasks import webhook_send_due_task
from integrations.webhooks import signing
from integrations.webhooks.addresses import check_webhook_url
from integrations.webhooks.sending import backoff_seconds, webhook_delivery_send
from tests.api.conftest import assert_error

from .receiver import Receiver

pytestmark = pytest.mark.django_db

TIER_EVENT = {
    "type": "tier.changed",
    "id": "tier-change-1",
    "occurred_at": "2026-03-01T02:00:00Z",
    "data": {"account_id": 7, "external_id": "A-7", "from_tier": 2, "to_tier": 1},
}


@pytest.fixture
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def receiver(allow_loopback):
    with Receiver() as running:
        yield running


@pytest.fixture
def no_queue():
    """Keep published deliveries pending, so each test sends them itself."""
    with mock.patch("integrations.tasks.webhook_deliver_task.delay") as delay:
        yield delay


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_internal_addresses_are_refused(url):
    with pytest.raises(ValidationError, match="private, loopback or link-local"):
        check_webhook_url(url)


@pytest.mark.parametrize("url", ["ftp://93.184.216.34/x", "http:///x", "http://user:pw@93.184.216.34/", "https://93.184.216.34:99999/"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(ValidationError, match="Invalid webhook URL"):
        check_webhook_url(url)


def test_public_address_is_accepted():
    check_webhook_url("https://93.184.216.34/hooks")


def test_setting_allows_loopback(allow_loopback):
    check_webhook_url("http://127.0.0.1:9/hook")


def test_subscription_api_refuses_internal_url(api):
    response = api.post("/api/v1/webhooks/", {"name": "Internal", "url": "http://10.0.0.8/x", "events": ["tier.changed"]}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "url" in body["fields"]


def test_subscription_api_rejects_unknown_event(api):
    response = api.post("/api/v1/webhooks/", {"name": "X", "url": "https://93.184.216.34/x", "events": ["tier.exploded"]}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "events" in body["fields"]


def test_subscription_secret_is_shown_once(api):
    created = api.post(
        "/api/v1/webhooks/", {"name": "CRM", "url": "https://93.184.216.34/x", "events": ["tier.changed"]}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    detail = api.get(f"/api/v1/webhooks/{created.json()['id']}/")
    assert "secret" not in detail.json()


def test_subscription_update_checks_url(api):
    created = api.post(
        "/api/v1/webhooks/", {"name": "CRM", "url": "https://93.184.216.34/x", "events": ["tier.changed"]}, format="json"
    ).json()
    response = api.patch(f"/api/v1/webhooks/{created['id']}/", {"url": "http://127.0.0.1/x"}, format="json")
    assert_error(response, 400, "invalid")
    response = api.patch(f"/api/v1/webhooks/{created['id']}/", {"is_active": False}, format="json")
    assert response.json()["is_active"] is False


def test_read_token_cannot_subscribe(read_api):
    response = read_api.post("/api/v1/webhooks/", {"name": "X", "url": "https://93.184.216.34/x", "events": ["tier.changed"]}, format="json")
    assert_error(response, 403, "permission_denied")


def test_publish_fans_out_by_event_type(allow_loopback, no_queue):
    tiers, _ = webhook_subscription_create(name="Tiers", url="http://127.0.0.1:9/a", events=["tier.changed"])
    webhook_subscription_create(name="Stages", url="http://127.0.0.1:9/b", events=["stage.changed"])
    assert webhook_events_publish(events=[TIER_EVENT]) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == tiers
    assert delivery.payload["data"] == TIER_EVENT["data"]


def test_publish_queues_after_commit(allow_loopback, no_queue, django_capture_on_commit_callbacks):
    webhook_subscription_create(name="Tiers", url="http://127.0.0.1:9/a", events=["tier.changed"])
    with django_capture_on_commit_callbacks(execute=True):
        webhook_events_publish(events=[TIER_EVENT])
    no_queue.assert_called_once_with(WebhookDelivery.objects.get().pk)


def test_delivery_is_signed(receiver, no_queue):
    subscription, secret = webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()

    assert webhook_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED

    request = receiver.requests[0]
    timestamp = request["headers"]["Tierline-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["Tierline-Signature"] == f"v1={expected}"
    assert request["headers"]["Tierline-Event"] == "tier.changed"
    assert json.loads(request["body"])["data"]["to_tier"] == 1
    assert signing.verify(secret, timestamp, request["body"], request["headers"]["Tierline-Signature"])


def test_verify_rejects_tampering_and_old_timestamps():
    body = b'{"a":1}'
    signature = signing.sign("s3cret", 1_000_000, body)
    assert signing.verify("s3cret", "1000000", body, signature, now=1_000_010)
    assert not signing.verify("s3cret", "1000000", b'{"a":2}', signature, now=1_000_010)
    assert not signing.verify("other", "1000000", body, signature, now=1_000_010)
    assert not signing.verify("s3cret", "1000000", body, signature, now=1_000_000 + 301)
    assert not signing.verify("s3cret", "soon", body, signature)


def test_delivery_log_records_status_and_time(receiver, no_queue):
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    attempt = WebhookAttempt.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.last_status_code == 200
    assert delivery.last_response_ms is not None
    assert attempt.status_code == 200
    assert attempt.response_ms >= 0


def test_failed_delivery_backs_off_then_succeeds(receiver, no_queue):
    receiver.statuses = [500, 503]
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()

    assert webhook_delivery_send(delivery_id=delivery.pk, now=start) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert delivery.last_error == "The receiver answered HTTP 500."
    # Not due yet: a second task for the same attempt sends nothing.
    assert webhook_delivery_send(delivery_id=delivery.pk, now=start + timedelta(seconds=10)) is None

    assert webhook_delivery_send(delivery_id=delivery.pk, now=start + timedelta(seconds=31)) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(seconds=31 + 60)

    assert webhook_delivery_send(delivery_id=delivery.pk, now=start + timedelta(seconds=200)) == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 3
    assert list(WebhookAttempt.objects.values_list("status_code", flat=True)) == [500, 503, 200]


def test_backoff_is_exponential_and_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30) == 6 * 3600


def test_delivery_fails_after_max_attempts(receiver, no_queue, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()
    webhook_delivery_send(delivery_id=delivery.pk, now=start)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=start + timedelta(minutes=5)) == DeliveryStatus.FAILED


def test_unreachable_receiver_is_an_error(allow_loopback, no_queue):
    with Receiver() as stopped:
        url = stopped.url
    webhook_subscription_create(name="Gone", url=url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert "ConnectionError" in delivery.last_error


def test_delivery_rechecks_address_before_sending(receiver, no_queue, settings):
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert "loopback" in delivery.last_error


def test_redirects_are_not_followed(receiver, no_queue):
    receiver.statuses = [302]
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    assert len(receiver.requests) == 1


def test_replay_sends_same_event_again(receiver, no_queue, api):
    webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    original = WebhookDelivery.objects.get()
    webhook_delivery_send(delivery_id=original.pk)

    response = api.post(f"/api/v1/webhook-deliveries/{original.pk}/replay/")
    assert response.status_code == 202
    replay = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert replay.replay_of == original
    webhook_delivery_send(delivery_id=replay.pk)
    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert bodies[0]["id"] == bodies[1]["id"] == TIER_EVENT["id"]
    assert receiver.requests[0]["headers"]["Tierline-Delivery"] != receiver.requests[1]["headers"]["Tierline-Delivery"]


def test_delivery_log_endpoints(receiver, no_queue, api):
    subscription, _ = webhook_subscription_create(name="CRM", url=receiver.url, events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    webhook_delivery_send(delivery_id=WebhookDelivery.objects.get().pk)
    log = api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()["results"]
    assert log[0]["status"] == "succeeded"
    assert log[0]["attempt_log"][0]["status_code"] == 200
    assert api.get("/api/v1/webhook-deliveries/?status=succeeded").json()["results"][0]["id"] == log[0]["id"]
    assert_error(api.post("/api/v1/webhook-deliveries/999999/replay/"), 404, "not_found")


def test_sweeper_queues_due_and_stuck_deliveries(allow_loopback, no_queue):
    webhook_subscription_create(name="CRM", url="http://127.0.0.1:9/a", events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT, {**TIER_EVENT, "id": "tier-change-2"}])
    first, second = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=second.pk).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    no_queue.reset_mock()
    assert webhook_send_due_task() == 1
    no_queue.assert_called_once_with(first.pk)


def test_replay_service_keeps_payload(allow_loopback, no_queue):
    webhook_subscription_create(name="CRM", url="http://127.0.0.1:9/a", events=["tier.changed"])
    webhook_events_publish(events=[TIER_EVENT])
    replay = webhook_delivery_replay(delivery=WebhookDelivery.objects.get())
    assert replay.payload == WebhookDelivery.objects.get(replay_of__isnull=True).payload
