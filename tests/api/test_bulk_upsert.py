"""Bulk upsert: per-record results in order, 200 or 207, matching by external id, domain or email."""

from unittest import mock

import pytest

from accounts.api.signals import records_written
from accounts.models import Account, Contact, EngagementEvent, Opportunity

from .conftest import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/bulk-upsert/"


def upsert(client, records, url=URL, **headers):
    return client.post(url, {"records": records}, format="json", **headers)


def statuses(response):
    return [result["status"] for result in response.json()["results"]]


def test_creates_then_reports_unchanged(api):
    records = [
        {"external_id": "A-1", "name": "Acme", "domain": "https://www.acme.com", "country": "us", "employee_count": 120},
        {"external_id": "A-2", "name": "Globex", "annual_revenue": "1200000.50", "technologies": ["Snowflake"]},
    ]
    first = upsert(api, records)
    assert first.status_code == 200
    assert statuses(first) == ["created", "created"]
    assert first.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    acme = Account.objects.get(external_id="A-1")
    assert acme.domain == "acme.com"
    assert acme.country == "US"
    assert first.json()["results"][0]["id"] == acme.pk

    second = upsert(api, records)
    assert statuses(second) == ["unchanged", "unchanged"]
    assert Account.objects.count() == 2


def test_updates_by_external_id_ignoring_case(api):
    Account.objects.create(external_id="A-1", name="Acme", industry="Software")
    response = upsert(api, [{"external_id": "a-1", "industry": "Fintech"}])
    assert statuses(response) == ["updated"]
    assert Account.objects.get().industry == "Fintech"


def test_matches_by_domain_without_external_id(api):
    account = Account.objects.create(name="Acme", domain="acme.com")
    response = upsert(api, [{"domain": "WWW.ACME.COM", "region": "EMEA"}])
    assert response.json()["results"][0] == {"index": 0, "status": "updated", "id": account.pk, "errors": {}}


def test_partial_failure_is_207_and_keeps_valid_records(api):
    records = [
        {"external_id": "A-1", "name": "Acme"},
        {"external_id": "A-2", "name": "Bad", "health_score": 250},
        {"external_id": "A-3", "name": "Initech", "icp_tier": 1},
        {"external_id": "A-4", "name": "Hooli", "employee_count": "many"},
        "not an object",
        {"external_id": "A-6", "name": "Umbrella", "ownership_type": "cooperative"},
        {"external_id": "A-7", "name": "Stark", "owner": "nobody"},
        {"external_id": "A-8", "name": "Wayne", "founded": 1939},
    ]
    response = upsert(api, records)
    assert response.status_code == 207
    results = response.json()["results"]
    assert [result["index"] for result in results] == list(range(8))
    assert statuses(response) == ["created"] + ["error"] * 7
    assert "health_score" in results[1]["errors"]
    assert "icp_tier" in results[2]["errors"]
    assert "employee_count" in results[3]["errors"]
    assert "non_field_errors" in results[4]["errors"]
    assert "ownership_type" in results[5]["errors"]
    assert "owner" in results[6]["errors"]
    assert "founded" in results[7]["errors"]
    assert all(result["id"] is None for result in results[1:])
    assert list(Account.objects.values_list("external_id", flat=True)) == ["A-1"]


def test_duplicate_keys_in_one_request(api):
    response = upsert(api, [{"external_id": "D-1", "name": "One"}, {"external_id": "d-1", "name": "Two"}])
    assert statuses(response) == ["created", "error"]
    assert "external_id" in response.json()["results"][1]["errors"]


def test_account_without_any_key_is_rejected(api):
    response = upsert(api, [{"name": "Nameless Inc"}])
    assert statuses(response) == ["error"]


def test_owner_by_user_name(api, make_user):
    owner = make_user("olivia", "sales")
    upsert(api, [{"external_id": "A-1", "name": "Acme", "owner": "olivia"}])
    assert Account.objects.get().owner == owner


@pytest.mark.parametrize("records", [[], [{"name": "x"}] * 1001])
def test_record_count_limits(api, records):
    body = assert_error(upsert(api, records), 400, "invalid")
    assert "records" in body["fields"]


def test_body_without_records_is_400(api):
    body = assert_error(api.post(URL, {"rows": []}, format="json"), 400, "invalid")
    assert "records" in body["fields"]


def test_dry_run_writes_nothing(api):
    response = upsert(api, [{"external_id": "A-1", "name": "Acme"}], url=URL + "?dry_run=true")
    assert statuses(response) == ["created"]
    assert not Account.objects.exists()


def test_source_scopes_external_ids(api):
    Account.objects.create(external_id="A-1", name="From CRM", source="crm")
    response = upsert(api, [{"external_id": "A-1", "name": "From ERP"}], url=URL + "?source=erp")
    assert statuses(response) == ["created"]
    assert Account.objects.filter(external_id="A-1").count() == 2


def test_contacts_by_account_external_id(api):
    account = Account.objects.create(external_id="A-1", name="Acme")
    url = "/api/v1/contacts/bulk-upsert/"
    records = [
        {"email": "Jane@Acme.com", "first_name": "Jane", "account_external_id": "A-1", "buying_role": "champion"},
        {"email": "joe@acme.com", "account_external_id": "missing"},
    ]
    response = upsert(api, records, url=url)
    assert statuses(response) == ["created", "error"]
    assert "account_external_id" in response.json()["results"][1]["errors"]
    assert Contact.objects.get().account == account
    again = upsert(api, [{"email": "jane@acme.com", "title": "CTO"}], url=url)
    assert statuses(again) == ["updated"]


def test_opportunities_and_events_types(api):
    Account.objects.create(external_id="A-1", name="Acme")
    opportunities = upsert(
        api,
        [
            {"external_id": "O-1", "account_external_id": "A-1", "amount": 5000, "created_date": "2026-01-05", "status": "won", "closed_date": "2026-02-01"},
            {"external_id": "O-2", "account_external_id": "A-1", "created_date": "05/01/2026"},
        ],
        url="/api/v1/opportunities/bulk-upsert/",
    )
    assert statuses(opportunities) == ["created", "error"]
    assert "created_date" in opportunities.json()["results"][1]["errors"]
    assert Opportunity.objects.get().amount == 5000

    events = upsert(
        api,
        [{"account_external_id": "A-1", "type": "meeting", "occurred_at": "2026-02-01T10:00:00Z"}],
        url="/api/v1/events/bulk-upsert/",
    )
    assert statuses(events) == ["created"]
    assert EngagementEvent.objects.get().occurred_at.isoformat() == "2026-02-01T10:00:00+00:00"


def test_written_accounts_are_announced(api, django_capture_on_commit_callbacks):
    Account.objects.create(external_id="A-9", name="Same")
    receiver = mock.Mock()
    records_written.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = upsert(api, [{"external_id": "A-1", "name": "New"}, {"external_id": "A-9", "name": "Same"}])
    finally:
        records_written.disconnect(receiver)
    new_id = response.json()["results"][0]["id"]
    assert receiver.call_args.kwargs["account_ids"] == [new_id]


def test_bulk_upsert_needs_write_scope(read_api):
    assert_error(upsert(read_api, [{"external_id": "A-1", "name": "Acme"}]), 403, "permission_denied")


def test_retried_bulk_request_applies_once(api):
    records = [{"external_id": "A-1", "name": "Acme"}]
    first = upsert(api, records, HTTP_IDEMPOTENCY_KEY="batch-1")
    Account.objects.update(name="Renamed meanwhile")
    retry = upsert(api, records, HTTP_IDEMPOTENCY_KEY="batch-1")
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Account.objects.get().name == "Renamed meanwhile"
