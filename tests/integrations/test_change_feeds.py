"""Change feeds: ordered events, resumable by cursor without gaps or repeats, and their webhooks."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from integrations.models import FeedEvent, WebhookDelivery
from integrations.services import webhook_changes_publish, webhook_subscription_create
from segmentation.models import RecomputeRun, RunStatus, RunTrigger, StageChange, TierChange
from segmentation.services import segment_create, segment_recompute
from tests.api.conftest import assert_error

# Feed events show only after their transaction commits, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
FEED_WAIT_SECONDS = 60


@pytest.fixture
def run():
    return RecomputeRun.objects.create(
        trigger=RunTrigger.NIGHTLY, status=RunStatus.PUBLISHED, active=None, full=True, as_of=timezone.now()
    )


@pytest.fixture
def account():
    return Account.objects.create(name="Acme", external_id="A-1", industry="Software")


def tier_change(account, run, to_tier, from_tier=None):
    return TierChange.objects.create(
        account=account, run=run, from_tier=from_tier, to_tier=to_tier, reason="score", changed_at=run.as_of
    )


def read_all(client, url, limit=2, cursor=None, expect=0):
    """Follow a feed to its end, waiting up to a minute for `expect` events; return the events and the last cursor.

    On PostgreSQL an event shows once every transaction older than its own
    has ended, so a long write elsewhere on the same server delays it.
    """
    events = []
    deadline = time.monotonic() + FEED_WAIT_SECONDS
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params).json()
        events += body["results"]
        cursor = body["next_cursor"]
        if body["has_more"]:
            continue
        if len(events) >= expect or time.monotonic() > deadline:
            return events, cursor
        time.sleep(0.2)


def test_tier_feed_in_order(api, account, run):
    for tier in (3, 2, 1):
        tier_change(account, run, tier)
    events, _ = read_all(api, "/api/v1/changes/tiers/", expect=3)
    assert [event["data"]["to_tier"] for event in events] == [3, 2, 1]
    assert events[0]["type"] == "tier.changed"
    assert events[0]["data"]["external_id"] == "A-1"
    assert events[0]["data"]["run"] == run.pk


def test_resume_misses_and_repeats_nothing(api, account, run):
    tier_change(account, run, 3)
    tier_change(account, run, 2)
    first, cursor = read_all(api, "/api/v1/changes/tiers/", expect=2)
    tier_change(account, run, 1)
    later, cursor_after = read_all(api, "/api/v1/changes/tiers/", cursor=cursor, expect=1)
    again, _ = read_all(api, "/api/v1/changes/tiers/", cursor=cursor_after)
    assert [event["data"]["to_tier"] for event in first] == [3, 2]
    assert [event["data"]["to_tier"] for event in later] == [1]
    assert again == []


def test_empty_page_keeps_cursor(api, account, run):
    tier_change(account, run, 1)
    read_all(api, "/api/v1/changes/tiers/", expect=1)
    body = api.get("/api/v1/changes/tiers/").json()
    empty = api.get("/api/v1/changes/tiers/", {"cursor": body["next_cursor"]}).json()
    assert empty["results"] == []
    assert empty["next_cursor"] == body["next_cursor"]
    assert empty["has_more"] is False


def test_stage_feed(api, account, run):
    StageChange.objects.create(
        account=account, run=run, from_stage="prospect", to_stage="customer", from_motion="acquire", to_motion="grow",
        changed_at=run.as_of,
    )
    events, _ = read_all(api, "/api/v1/changes/stages/", expect=1)
    assert events[0]["type"] == "stage.changed"
    assert events[0]["data"]["to_stage"] == "customer"
    assert api.get("/api/v1/changes/tiers/").json()["results"] == []


def test_membership_feed_entries_and_exits(api, account):
    other = Account.objects.create(name="Globex", industry="Retail")
    segment = segment_create(
        name="Software", slug="software", lens="firmographic", rule={"field": "industry", "op": "eq", "value": "Software"}
    )
    segment_recompute(segment=segment, now=timezone.now())
    Account.objects.filter(pk=account.pk).update(industry="Retail")
    Account.objects.filter(pk=other.pk).update(industry="Software")
    segment_recompute(segment=segment, now=timezone.now())
    events, _ = read_all(api, "/api/v1/changes/memberships/", limit=10, expect=3)
    assert [(event["type"], event["data"]["account"]) for event in events] == [
        ("segment.entered", account.pk),
        ("segment.exited", account.pk),
        ("segment.entered", other.pk),
    ]
    assert events[1]["data"]["segment"] == "software"


def test_since_starts_at_a_time(api, account, run):
    tier_change(account, run, 3)
    FeedEvent.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    tier_change(account, run, 2)
    read_all(api, "/api/v1/changes/tiers/", expect=2)
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    events = api.get("/api/v1/changes/tiers/", {"since": since}).json()["results"]
    assert [event["data"]["to_tier"] for event in events] == [2]


def test_deleted_account_events_are_skipped(api, run):
    deleted = Account.objects.create(name="Deleted")
    remaining = Account.objects.create(name="Remaining")
    tier_change(deleted, run, 1)
    tier_change(remaining, run, 2)
    deleted.delete()
    read_all(api, "/api/v1/changes/tiers/", expect=1)
    events = api.get("/api/v1/changes/tiers/").json()["results"]
    assert [event["data"]["account"] for event in events] == [remaining.pk]


@pytest.mark.parametrize("cursor", ["junk", "eyJmIjoic3RhZ2VzIiwidCI6bnVsbCwiaSI6MX0"])
def test_invalid_cursor_is_400(api, cursor):
    body = assert_error(api.get("/api/v1/changes/tiers/", {"cursor": cursor}), 400, "invalid")
    assert "cursor" in body["fields"]


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_invalid_limit_is_400(api, limit):
    assert_error(api.get("/api/v1/changes/tiers/", {"limit": limit}), 400, "invalid")


def test_feeds_need_a_token(db):
    from rest_framework.test import APIClient

    assert_error(APIClient().get("/api/v1/changes/tiers/"), 401, "not_authenticated")


def test_changes_become_webhook_deliveries(api, account, run, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    webhook_subscription_create(name="CRM", url="http://127.0.0.1:9/hook", events=["tier.changed"])
    change = tier_change(account, run, 1)
    read_all(api, "/api/v1/changes/tiers/", expect=1)
    with mock.patch("integrations.tasks.webhook_deliver_task.delay"):
        assert webhook_changes_publish() == 1
        assert webhook_changes_publish() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "tier.changed"
    assert delivery.payload["data"]["to_tier"] == 1
    assert delivery.event_id == f"tiers-{FeedEvent.objects.get(source_id=change.pk).pk}"


needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="transactions that overlap need PostgreSQL; SQLite runs one write transaction at a time",
)


@needs_postgres
def test_late_commit_is_not_skipped(api, account, run):
    """A change that commits after a later one must still reach a client that read past the later one."""
    first_written, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            tier_change(account, run, 3)
            first_written.set()
            assert release.wait(10)
        connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert first_written.wait(10)
    tier_change(account, run, 2)

    during, cursor = read_all(api, "/api/v1/changes/tiers/", limit=10)
    release.set()
    thread.join(10)
    after, _ = read_all(api, "/api/v1/changes/tiers/", limit=10, cursor=cursor, expect=2)

    assert during == []
    assert [event["data"]["to_tier"] for event in after] == [3, 2]
