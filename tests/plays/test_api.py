"""The plays API contract: fields, filters, the change feed, errors and access."""

import datetime
import time

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from integrations.services import api_token_create
from plays.models import JourneyStage
from plays.services import enrollments_recompute

from .conftest import NOW, leave_segment, make_account, make_play, make_segment

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clear_throttle_counts():
    # A new key version starts the counts afresh; clear() would flush the
    # whole Redis database, which the Celery broker shares in CI.
    caches["api"].version = time.time_ns()


def client_with(scopes):
    _, secret = api_token_create(name="CRM sync", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api():
    return client_with(["read"])


@pytest.fixture
def enrolled():
    accounts = [make_account(f"Acme {n}", external_id=f"crm-{n}", icp_tier=1) for n in range(3)]
    segment = make_segment("fintech", accounts)
    play = make_play(name="Tier 1 fintech", slug="tier-1-fintech", segments=[segment], sla_hours=24,
                     kpis=["enrolled"])
    enrollments_recompute(now=NOW)
    return play, segment, accounts


def test_requires_credentials():
    response = APIClient().get("/api/v1/plays/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "fields"}


def test_play_list_and_detail(api, enrolled):
    play, segment, _ = enrolled

    listing = api.get("/api/v1/plays/").json()
    detail = api.get(f"/api/v1/plays/{play.slug}/").json()

    assert [row["slug"] for row in listing["results"]] == ["tier-1-fintech"]
    assert set(listing) == {"next", "next_cursor", "results"}
    assert detail["entry_segments"] == ["fintech"]
    assert detail["enrolled"] == 3
    assert detail["waitlisted"] == 0
    assert detail["sla_hours"] == 24
    assert detail["motion"] == "acquire"
    assert detail["steps"] == []


def test_play_filters(api, enrolled):
    make_play(name="Grow", slug="grow", motion="grow", status="draft")

    assert [r["slug"] for r in api.get("/api/v1/plays/", {"motion": "grow"}).json()["results"]] == ["grow"]
    assert [r["slug"] for r in api.get("/api/v1/plays/", {"status": "active"}).json()["results"]] == ["tier-1-fintech"]
    bad = api.get("/api/v1/plays/", {"motion": "expand"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert "motion" in bad.json()["fields"]


def test_unknown_play_is_404_in_error_shape(api):
    response = api.get("/api/v1/plays/nope/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_enrollments_with_filters(api, enrolled):
    play, segment, accounts = enrolled
    leave_segment(segment, accounts[0], at=NOW + HOUR)
    enrollments_recompute(now=NOW + HOUR)

    everything = api.get("/api/v1/enrollments/").json()["results"]
    active = api.get("/api/v1/enrollments/", {"status": "active", "play": play.slug}).json()["results"]
    by_external = api.get("/api/v1/enrollments/", {"account_external_id": "CRM-0"}).json()["results"]

    assert len(everything) == 3
    assert {row["account_external_id"] for row in active} == {"crm-1", "crm-2"}
    assert [(row["status"], row["exit_reason"]) for row in by_external] == [("exited", "left_entry_criteria")]
    row = by_external[0]
    assert set(row) == {
        "id", "play", "account", "account_external_id", "status", "waitlisted_at", "entered_at", "entered_on",
        "exited_at", "exit_reason", "sla_status", "sla_due_at", "sla_breached_at", "first_touch_at", "updated_at",
    }
    assert row["play"] == play.slug


def test_enrollments_page_with_cursor(api, enrolled):
    first = api.get("/api/v1/enrollments/", {"page_size": 2}).json()
    second = api.get("/api/v1/enrollments/", {"page_size": 2, "cursor": first["next_cursor"]}).json()

    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(ids) == 3 == len(set(ids))
    assert second["next_cursor"] is None


def test_change_feed_reads_each_change_once(api, enrolled):
    play, segment, accounts = enrolled
    first = api.get("/api/v1/enrollments/changes/", {"page_size": 2}).json()
    rest = api.get("/api/v1/enrollments/changes/", {"after": first["next_after"]}).json()

    assert [c["kind"] for c in first["results"] + rest["results"]] == ["entered"] * 3
    assert first["has_more"] is True
    assert rest["has_more"] is False

    enrollments_recompute(now=NOW + 25 * HOUR)
    breaches = api.get(
        "/api/v1/enrollments/changes/", {"after": rest["next_after"], "kind": "sla_breached"}
    ).json()
    assert len(breaches["results"]) == 3
    assert breaches["results"][0]["occurred_at"] == "2026-03-03T15:00:00Z"

    enrollments_recompute(now=NOW + 26 * HOUR)
    again = api.get("/api/v1/enrollments/changes/", {"after": breaches["next_after"]}).json()
    assert again == {"results": [], "next_after": breaches["next_after"], "has_more": False}


@pytest.mark.parametrize(
    "params, field",
    [({"after": "-1"}, "after"), ({"after": "x"}, "after"), ({"page_size": "0"}, "page_size"),
     ({"kind": "deleted"}, "kind"), ({"play": "nope"}, "play")],
)
def test_change_feed_rejects_bad_parameters(api, params, field):
    response = api.get("/api/v1/enrollments/changes/", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_journey_stages_and_accounts(api):
    JourneyStage.objects.all().delete()
    JourneyStage.objects.create(key="target", name="Target", position=1)
    in_market = {"field": "in_market", "op": "eq", "value": True}
    JourneyStage.objects.create(key="aware", name="Aware", position=2, rule=in_market)
    make_account("Hot", external_id="crm-hot", journey_stage="aware")
    make_account("Cold", journey_stage="target")

    stages = api.get("/api/v1/journey-stages/").json()
    assert [(s["key"], s["account_count"]) for s in stages] == [("aware", 1), ("target", 1)]
    assert api.get("/api/v1/journey-stages/aware/").json()["position"] == 2
    assert api.get("/api/v1/journey-stages/nope/").status_code == 404

    hot = api.get("/api/v1/account-journeys/", {"stage": "aware"}).json()["results"]
    assert [(a["external_id"], a["journey_stage"]) for a in hot] == [("crm-hot", "aware")]
    one = api.get(f"/api/v1/account-journeys/{hot[0]['id']}/").json()
    assert one["journey_stage"] == "aware"


def test_enrollments_are_read_only(enrolled):
    writer = client_with(["read", "write"])
    enrollment_id = writer.get("/api/v1/enrollments/").json()["results"][0]["id"]
    assert writer.post("/api/v1/enrollments/", {"play": "tier-1-fintech"}, format="json").status_code == 405
    assert writer.patch(f"/api/v1/enrollments/{enrollment_id}/", {"status": "exited"}, format="json").status_code == 405
    assert writer.get(f"/api/v1/enrollments/{enrollment_id}/").json()["status"] == "active"


def test_schema_lists_endpoints():
    client = APIClient()
    from .conftest import make_user

    client.force_login(make_user("rita", "revops"))
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/enrollments/changes/" in paths
    assert "/api/v1/account-journeys/{id}/" in paths
