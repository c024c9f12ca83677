"""Records API: list, filter, order, page, read by id or external id, create, update, delete."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity

from .conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(make_user):
    owner = make_user("olivia", "sales")
    rows = [
        Account(name="Acme", external_id="A-1", domain="acme.com", industry="Software", country="US", icp_tier=1, icp_score=90, lifecycle_stage="customer", owner=owner),
        Account(name="Globex", external_id="A-2", domain="globex.com", industry="Manufacturing", country="DE", icp_tier=2, icp_score=70, lifecycle_stage="prospect"),
        Account(name="Initech", external_id="A-3", domain="initech.com", industry="software", country="US", icp_tier=None, icp_score=20, lifecycle_stage="prospect"),
        Account(name="Umbrella", external_id="A-4", domain="umbrella.com", industry="Pharma", country="GB", icp_tier=3, icp_score=40, lifecycle_stage="at_risk"),
    ]
    return Account.objects.bulk_create(rows)


def names(response):
    return [row["name"] for row in response.json()["results"]]


def test_account_list_uses_contract_fields(api, accounts):
    response = api.get("/api/v1/accounts/")
    assert response.status_code == 200
    row = response.json()["results"][0]
    for field in ["external_id", "name", "domain", "industry", "employee_count", "employee_band", "annual_revenue",
                  "currency", "country", "region", "state", "ownership_type", "technologies", "strategic_value",
                  "needs", "owner", "parent", "arr", "health_score", "lifecycle_stage", "motion", "journey_stage",
                  "icp_score", "icp_tier", "engagement_score", "in_market", "open_pipeline", "won_revenue",
                  "last_activity_at"]:
        assert field in row
    assert row["owner"] == "olivia"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("tier=1", ["Acme"]),
        ("tier=2,3", ["Globex", "Umbrella"]),
        ("tier=none", ["Initech"]),
        ("stage=prospect", ["Globex", "Initech"]),
        ("stage=prospect&stage=customer", ["Acme", "Globex", "Initech"]),
        ("owner=olivia", ["Acme"]),
        ("owner=none", ["Globex", "Initech", "Umbrella"]),
        ("industry=SOFTWARE", ["Acme", "Initech"]),
        ("country=us,gb", ["Acme", "Initech", "Umbrella"]),
        ("external_id=a-2", ["Globex"]),
    ],
)
def test_account_filters(api, accounts, query, expected):
    response = api.get(f"/api/v1/accounts/?{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == expected


def test_account_filter_updated_since(api, accounts):
    Account.objects.filter(name="Acme").update(updated_at=timezone.now() - timedelta(days=10))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = api.get("/api/v1/accounts/", {"updated_since": since})
    assert sorted(names(response)) == ["Globex", "Initech", "Umbrella"]


def test_account_filter_rejects_bad_tier(api, accounts):
    body = assert_error(api.get("/api/v1/accounts/?tier=7"), 400, "invalid")
    assert "tier" in body["fields"]


def test_account_filter_rejects_bad_date(api, accounts):
    body = assert_error(api.get("/api/v1/accounts/?updated_since=yesterday"), 400, "invalid")
    assert "updated_since" in body["fields"]


def test_account_ordering_with_nulls(api, accounts):
    response = api.get("/api/v1/accounts/?ordering=icp_tier")
    assert names(response) == ["Acme", "Globex", "Umbrella", "Initech"]
    response = api.get("/api/v1/accounts/?ordering=-icp_score")
    assert names(response) == ["Acme", "Globex", "Umbrella", "Initech"]


@pytest.mark.parametrize("ordering", ["id", "-id", "icp_tier", "-icp_tier", "name", "-updated_at"])
def test_cursor_pages_cover_every_row_once(api, ordering):
    Account.objects.bulk_create(
        [Account(name=f"Company {i:02d}", icp_tier=(i % 4) or None, icp_score=i % 7) for i in range(23)]
    )
    seen = []
    url = f"/api/v1/accounts/?page_size=5&ordering={ordering}"
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += names(response)
        url = response.json()["next"]
        pages += 1
    assert pages == 5
    assert len(seen) == 23
    assert len(set(seen)) == 23


def test_cursor_survives_inserts_between_pages(api):
    Account.objects.bulk_create([Account(name=f"Company {i}") for i in range(4)])
    first = api.get("/api/v1/accounts/?page_size=2").json()
    Account.objects.create(name="Newcomer")
    second = api.get("/api/v1/accounts/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("/api/v1/accounts/", {"page_size": 2, "cursor": second["next_cursor"]}).json()
    assert [row["name"] for row in second["results"]] == ["Company 2", "Company 3"]
    assert [row["name"] for row in third["results"]] == ["Newcomer"]
    assert third["next"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjpbImlkIl19", "W10"])
def test_invalid_cursor_is_400(api, accounts, cursor):
    body = assert_error(api.get("/api/v1/accounts/", {"cursor": cursor}), 400, "invalid")
    assert "cursor" in body["fields"]


def test_cursor_from_other_ordering_is_400(api, accounts):
    cursor = api.get("/api/v1/accounts/?page_size=1&ordering=name").json()["next_cursor"]
    body = assert_error(api.get("/api/v1/accounts/", {"cursor": cursor, "ordering": "-id"}), 400, "invalid")
    assert "cursor" in body["fields"]


@pytest.mark.parametrize("size", ["0", "1001", "ten"])
def test_invalid_page_size_is_400(api, accounts, size):
    body = assert_error(api.get("/api/v1/accounts/", {"page_size": size}), 400, "invalid")
    assert "page_size" in body["fields"]


def test_account_retrieve_by_id_and_external_id(api, accounts):
    by_id = api.get(f"/api/v1/accounts/{accounts[1].pk}/")
    by_external = api.get("/api/v1/accounts/by-external-id/a-2/")
    assert by_id.status_code == 200
    assert by_external.status_code == 200
    assert by_id.json() == by_external.json()


def test_account_not_found_is_404(api, accounts):
    assert_error(api.get("/api/v1/accounts/999999/"), 404, "not_found")
    body = assert_error(api.get("/api/v1/accounts/by-external-id/NOPE/"), 404, "not_found")
    assert "NOPE" in body["message"]


def test_external_id_in_two_sources_needs_source(api):
    Account.objects.create(name="From CRM", external_id="X-1", source="crm")
    Account.objects.create(name="From CSV", external_id="X-1", source="csv")
    assert_error(api.get("/api/v1/accounts/by-external-id/X-1/"), 409, "conflict")
    response = api.get("/api/v1/accounts/by-external-id/X-1/?source=csv")
    assert response.json()["name"] == "From CSV"


def test_account_create_normalizes_values(api):
    response = api.post(
        "/api/v1/accounts/",
        {"name": "Hooli", "external_id": "H-1", "domain": "https://WWW.Hooli.com/about", "country": "us", "technologies": ["Kafka"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    account = Account.objects.get(external_id="H-1")
    assert account.domain == "hooli.com"
    assert account.country == "US"
    assert account.technologies == ["Kafka"]


def test_account_create_reports_each_bad_field(api):
    response = api.post(
        "/api/v1/accounts/",
        {"name": "", "country": "USA", "health_score": 120, "strategic_value": 9, "annual_revenue": -5,
         "ownership_type": "cooperative"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"name", "country", "health_score", "strategic_value", "annual_revenue", "ownership_type"}
    assert Account.objects.count() == 0


def test_account_create_rejects_taken_external_id(api, accounts):
    body = assert_error(api.post("/api/v1/accounts/", {"name": "Copy", "external_id": "a-1"}, format="json"), 400, "invalid")
    assert body["fields"]["external_id"] == ["Another record from this source already has this external id."]


def test_account_derived_fields_are_read_only(api, accounts):
    response = api.patch(f"/api/v1/accounts/{accounts[2].pk}/", {"icp_tier": 1, "industry": "Fintech"}, format="json")
    assert response.status_code == 200
    accounts[2].refresh_from_db()
    assert accounts[2].icp_tier is None
    assert accounts[2].industry == "Fintech"


def test_account_patch_by_external_id(api, accounts):
    response = api.patch("/api/v1/accounts/by-external-id/A-4/", {"region": "EMEA"}, format="json")
    assert response.status_code == 200
    assert Account.objects.get(external_id="A-4").region == "EMEA"


def test_account_cannot_be_own_parent(api, accounts):
    body = assert_error(api.patch(f"/api/v1/accounts/{accounts[0].pk}/", {"parent": accounts[0].pk}, format="json"), 400, "invalid")
    assert "parent" in body["fields"]


def test_account_delete(api, accounts):
    assert api.delete(f"/api/v1/accounts/{accounts[0].pk}/").status_code == 204
    assert api.delete("/api/v1/accounts/by-external-id/A-2/").status_code == 204
    assert Account.objects.count() == 2


def test_put_is_not_allowed(api, accounts):
    assert_error(api.put(f"/api/v1/accounts/{accounts[0].pk}/", {"name": "X"}, format="json"), 405, "method_not_allowed")


def test_malformed_json_is_parse_error(api):
    response = api.post("/api/v1/accounts/", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_unsupported_media_type(api):
    response = api.post("/api/v1/accounts/", data="name=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_unknown_api_url_is_json_404(api):
    assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_contact_create_by_account_external_id(api, accounts):
    response = api.post(
        "/api/v1/contacts/",
        {"account_external_id": "A-1", "email": "Jane@Acme.COM", "first_name": "Jane", "seniority": "vp", "buying_role": "champion"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["account"] == accounts[0].pk
    assert response.json()["account_external_id"] == "A-1"
    assert Contact.objects.get().email == "jane@acme.com"


def test_contact_needs_an_account(api, accounts):
    body = assert_error(api.post("/api/v1/contacts/", {"email": "x@y.com"}, format="json"), 400, "invalid")
    assert "account" in body["fields"]
    body = assert_error(api.post("/api/v1/contacts/", {"account_external_id": "missing", "email": "x@y.com"}, format="json"), 400, "invalid")
    assert "account_external_id" in body["fields"]


def test_contact_rejects_unknown_choice(api, accounts):
    body = assert_error(
        api.post("/api/v1/contacts/", {"account": accounts[0].pk, "seniority": "intern"}, format="json"), 400, "invalid"
    )
    assert "seniority" in body["fields"]


def test_child_record_lists_filter_by_account(api, accounts):
    now = timezone.now()
    Opportunity.objects.create(account=accounts[0], name="Big deal", amount=1000, status="open")
    Opportunity.objects.create(account=accounts[1], name="Small deal", amount=10, status="won")
    EngagementEvent.objects.create(account=accounts[0], type="meeting", occurred_at=now)
    IntentSignal.objects.create(account=accounts[1], topic="CRM", score=80, observed_at=now)
    opportunities = api.get("/api/v1/opportunities/", {"account_external_id": "A-1"}).json()["results"]
    assert [row["name"] for row in opportunities] == ["Big deal"]
    assert [row["status"] for row in api.get("/api/v1/opportunities/?status=won").json()["results"]] == ["won"]
    assert len(api.get(f"/api/v1/events/?account={accounts[0].pk}").json()["results"]) == 1
    assert api.get("/api/v1/intent-signals/?topic=crm").json()["results"][0]["score"] == 80


def test_opportunity_create_checks_dates(api, accounts):
    body = assert_error(
        api.post(
            "/api/v1/opportunities/",
            {"account": accounts[0].pk, "created_date": "2026-05-01", "closed_date": "2026-04-01", "status": "won"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert body["fields"]["non_field_errors"] == ["An opportunity cannot close before it was created."]


def test_event_and_intent_create(api, accounts):
    event = api.post(
        "/api/v1/events/", {"account": accounts[0].pk, "type": "web_visit", "occurred_at": "2026-01-02T10:00:00Z"}, format="json"
    )
    intent = api.post(
        "/api/v1/intent-signals/",
        {"account_external_id": "A-2", "topic": "Data", "score": 101, "observed_at": "2026-01-02T10:00:00Z"},
        format="json",
    )
    assert event.status_code == 201
    assert_error(intent, 400, "invalid")


def test_list_query_count_does_not_grow(api, accounts, django_assert_max_num_queries):
    contacts = [Contact(account=account, email=f"p{i}@x.com") for i, account in enumerate(accounts)]
    Contact.objects.bulk_create(contacts)
    # Authentication, last-used stamp, then one query for the page.
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/contacts/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/accounts/").status_code == 200


def test_reads_say_when_tiers_were_computed(api, accounts):
    from django.core.cache import caches

    from segmentation.models import RecomputeRun, RunStatus, RunTrigger

    response = api.get("/api/v1/accounts/")
    assert response["Tiers-Computed-At"] == "never"
    finished = timezone.now()
    RecomputeRun.objects.create(
        trigger=RunTrigger.NIGHTLY, status=RunStatus.PUBLISHED, active=None, full=True, as_of=finished, finished_at=finished
    )
    caches["api"].delete("tiers-computed-at")
    assert api.get("/api/v1/accounts/")["Tiers-Computed-At"] == finished.isoformat()
