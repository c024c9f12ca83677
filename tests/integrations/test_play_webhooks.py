"""Play webhooks: entries, exits and SLA breaches of a recompute become deliveries once, signed."""

import datetime
import hashlib
import hmac
import json
import time
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from integrations.models import FeedCursor, FeedEvent, WebhookDelivery
from integrations.models.webhooks import DeliveryStatus
from integrations.services import webhook_changes_publish, webhook_subscription_create
from integrations.triggers import play_feed_triggers_install
from integrations.webhooks.sending import webhook_delivery_send
from plays.models import ChangeKind, Enrollment, EnrollmentChange
from segmentation.services.segments import segment_create
from tests.api.conftest import assert_error
from tests.plays.conftest import NOW, make_account, make_play
from tests.segmentation.pipeline_helpers import edit, eager_pipeline, run_pipeline  # noqa: F401
from tests.workspace.conftest import revops  # noqa: F401

from .receiver import Receiver

# Feed events show only after their transaction commits, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
HOUR = datetime.timedelta(hours=1)
PUBLISH_WAIT_SECONDS = 60
SOFTWARE = {"field": "industry", "op": "eq", "value": "Software"}


@pytest.fixture
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def no_queue():
    """Keep published deliveries pending, so each test sends them itself."""
    with mock.patch("integrations.tasks.webhook_deliver_task.delay") as delay:
        yield delay


@pytest.fixture
def software_play(eager_pipeline):  # noqa: F811
    """A play with a 24-hour SLA for the members of a Software segment, and one member."""
    account = make_account("Code Co", industry="Software", external_id="crm-code")
    make_account("Shop Co", industry="Retail")
    segment = segment_create(name="Software", slug="software", lens="firmographic", status="active", rule=SOFTWARE)
    play = make_play(name="Software play", slug="software-play", segments=[segment], sla_hours=24)
    return play, account


def play_deliveries(**filters):
    return WebhookDelivery.objects.filter(event_type__startswith="play.", **filters)


def publish_until(expected):
    """Publish the change feeds until `expected` play deliveries exist, for up to a minute; return the total.

    On PostgreSQL an event shows once every older transaction on the server
    has ended, so a long write elsewhere delays it.
    """
    deadline = time.monotonic() + PUBLISH_WAIT_SECONDS
    while True:
        webhook_changes_publish()
        count = play_deliveries().count()
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


def test_breach_publishes_once_per_subscription(software_play, allow_loopback, no_queue):
    play, account = software_play
    breaches, _ = webhook_subscription_create(name="Breaches", url="http://127.0.0.1:9/a", events=["play.sla_breached"])
    both, _ = webhook_subscription_create(
        name="Both", url="http://127.0.0.1:9/b", events=["play.sla_breached", "play.entered"]
    )
    tiers, _ = webhook_subscription_create(name="Tiers", url="http://127.0.0.1:9/c", events=["tier.changed"])
    paused, _ = webhook_subscription_create(
        name="Paused", url="http://127.0.0.1:9/d", events=["play.sla_breached"], is_active=False
    )

    entry_run = run_pipeline(now=NOW, full=True)
    assert entry_run.status == "published", entry_run.error
    assert publish_until(1) == 1
    assert play_deliveries(subscription=both, event_type="play.entered").count() == 1

    # At risk, four hours before the due time: logged, but no webhook event.
    run_pipeline(now=NOW + 21 * HOUR, full=True)
    assert EnrollmentChange.objects.filter(kind=ChangeKind.SLA_AT_RISK).count() == 1
    breach_run = run_pipeline(now=NOW + 25 * HOUR, full=True)
    assert breach_run.counts["sla_breached"] == 1
    assert publish_until(3) == 3

    assert play_deliveries(subscription=breaches, event_type="play.sla_breached").count() == 1
    assert play_deliveries(subscription=both, event_type="play.sla_breached").count() == 1
    assert not play_deliveries(subscription=tiers).exists()
    assert not play_deliveries(subscription=paused).exists()
    breach = play_deliveries(subscription=breaches).get()
    assert breach.payload["data"]["run"] == breach_run.pk
    assert breach.event_id == play_deliveries(subscription=both, event_type="play.sla_breached").get().event_id

    events_before = FeedEvent.objects.filter(feed="plays").count()
    later_run = run_pipeline(now=NOW + 26 * HOUR, full=True)
    assert later_run.status == "published", later_run.error
    webhook_changes_publish()
    webhook_changes_publish()
    assert FeedEvent.objects.filter(feed="plays").count() == events_before == 2
    assert play_deliveries().count() == 3
    assert FeedCursor.objects.get(feed="plays").event_id == FeedEvent.objects.filter(feed="plays").latest("id").pk


def test_breach_delivery_is_signed_with_public_fields(software_play, allow_loopback, no_queue):
    play, account = software_play
    with Receiver() as receiver:
        _, secret = webhook_subscription_create(name="CRM", url=receiver.url, events=["play.sla_breached"])
        run_pipeline(now=NOW, full=True)
        breach_run = run_pipeline(now=NOW + 25 * HOUR, full=True)
        assert publish_until(1) == 1
        delivery = play_deliveries().get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED

    request = receiver.requests[0]
    timestamp = request["headers"]["Tierline-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["Tierline-Signature"] == f"v1={expected}"
    assert request["headers"]["Tierline-Event"] == "play.sla_breached"
    body = json.loads(request["body"])
    enrollment = Enrollment.objects.get(play=play)
    assert body["type"] == "play.sla_breached"
    assert body["id"] == delivery.event_id
    assert body["occurred_at"] == "2026-03-03T15:00:00Z"
    assert body["data"] == {
        "play": "software-play",
        "enrollment": enrollment.pk,
        "account": account.pk,
        "external_id": "crm-code",
        "sla_due_at": "2026-03-03T15:00:00Z",
        "run": breach_run.pk,
    }


def test_entry_and_exit_events(software_play, allow_loopback, no_queue):
    play, account = software_play
    webhook_subscription_create(name="CRM", url="http://127.0.0.1:9/a", events=["play.entered", "play.exited"])
    entry_run = run_pipeline(now=NOW, full=True)
    edit(account, industry="Retail")
    exit_run = run_pipeline(now=NOW + HOUR, full=True)
    assert exit_run.counts["play_exits"] == 1

    assert publish_until(2) == 2
    entered = play_deliveries(event_type="play.entered").get().payload
    exited = play_deliveries(event_type="play.exited").get().payload
    assert entered["data"]["run"] == entry_run.pk
    assert entered["occurred_at"] == "2026-03-02T15:00:00Z"
    assert entered["data"]["sla_due_at"] == "2026-03-03T15:00:00Z"
    assert "exit_reason" not in entered["data"]
    assert exited["data"]["run"] == exit_run.pk
    assert exited["data"]["exit_reason"] == "left_entry_criteria"
    assert exited["occurred_at"] == "2026-03-02T16:00:00Z"


def test_reinstalled_trigger_adds_one_event(software_play):
    play_feed_triggers_install(connection)
    play_feed_triggers_install(connection)
    run_pipeline(now=NOW, full=True)
    events = FeedEvent.objects.filter(feed="plays")
    assert [(event.kind, event.source_id) for event in events] == [
        ("entered", EnrollmentChange.objects.get(kind=ChangeKind.ENTERED).pk)
    ]


def test_webhook_page_and_api_offer_play_events(client, revops, api, allow_loopback):  # noqa: F811
    client.force_login(revops)
    page = client.get(reverse("integrations:webhook_list")).content.decode()
    for event in ("play.entered", "play.exited", "play.sla_breached"):
        assert f'value="{event}"' in page

    response = client.post(
        reverse("integrations:webhook_list"),
        {"name": "Page", "url": "http://127.0.0.1:9/hook", "events": ["play.sla_breached"]},
    )
    assert response.status_code == 200, response.content
    created = api.post(
        "/api/v1/webhooks/",
        {"name": "API", "url": "http://127.0.0.1:9/hook", "events": ["play.sla_breached", "play.exited"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["events"] == ["play.exited", "play.sla_breached"]
    body = assert_error(
        api.post("/api/v1/webhooks/", {"name": "X", "url": "http://127.0.0.1:9/x", "events": ["play.waitlisted"]},
                 format="json"),
        400,
        "invalid",
    )
    assert "events" in body["fields"]


def test_schema_lists_play_events(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    events = schema["components"]["schemas"]["WebhookSubscription"]["properties"]["events"]
    enum = schema["components"]["schemas"][events["items"]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert {"play.entered", "play.exited", "play.sla_breached"} <= set(enum)
    assert "play.sla_breached" in events["description"]


def test_plays_feed_is_not_an_api_feed(api):
    assert_error(api.get("/api/v1/changes/plays/"), 404, "not_found")
