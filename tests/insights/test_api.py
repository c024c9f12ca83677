"""The insights API: the same figures as the pages, the API's auth and error shape."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error, client_for, make_token, make_user  # noqa: F401

from .builders import add_member, make_account, make_deal, make_segment

pytestmark = pytest.mark.django_db

ENDPOINTS = ["kpis", "backtest", "overlap", "verdicts", "trends", "accounts"]


@pytest.fixture
def read_api(make_token):  # noqa: F811
    _, secret = make_token(scopes=["read"], name="BI")
    return client_for(secret)


@pytest.fixture
def world():
    won, lost, outsider = make_account("Acme", icp_tier=1), make_account("Globex", icp_tier=1), make_account("Initech")
    segment = make_segment("Software")
    for account in (won, lost):
        add_member(segment, account, entered=date(2024, 1, 1))
    make_deal(won, status="won", created=date(2024, 2, 1), closed=date(2024, 3, 5), amount=1000)
    make_deal(lost, status="lost", created=date(2024, 2, 1), closed=date(2024, 3, 6), amount=0)
    make_deal(outsider, status="open", created=date(2024, 3, 1), amount=300)
    return segment


def session_for(make_user, role, name):  # noqa: F811
    client = APIClient()
    client.force_login(make_user(name, role))
    return client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_needs_authentication(endpoint):
    response = APIClient().get(f"/api/v1/insights/{endpoint}/")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_sales_session_is_refused(make_user, endpoint):  # noqa: F811
    response = session_for(make_user, "sales", "sam").get(f"/api/v1/insights/{endpoint}/")
    body = assert_error(response, 403, "permission_denied")
    assert "Only RevOps and leaders" in body["message"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_leader_session_and_read_token_are_served(make_user, read_api, world, endpoint):  # noqa: F811
    leader = session_for(make_user, "leader", "lena")
    for client in (leader, read_api):
        response = client.get(f"/api/v1/insights/{endpoint}/", {"period": "2024-03"})
        assert response.status_code == 200, response.content


def test_kpi_table_matches_the_page(read_api, world):
    body = read_api.get("/api/v1/insights/kpis/", {"period": "2024-03"}).json()
    rows = {row["group"]: row for row in body["results"]}

    assert body["period"] == {"label": "2024-03", "start": "2024-03-01", "end": "2024-03-31"}
    assert body["currency"] == "USD"
    assert rows["Software"]["values"]["win_rate"] == pytest.approx(0.5)
    assert rows["Software"]["samples"]["win_rate"] == 2
    assert rows["Unassigned"]["values"]["open_pipeline"] == pytest.approx(300)
    assert rows["All accounts"]["values"]["accounts"] == 3
    assert {d["key"] for d in body["definitions"]} >= {"win_rate", "nrr", "cac"}
    assert "/api/v1/insights/accounts/?" in rows["Software"]["accounts"]["win_rate"]


def test_accounts_behind_a_figure(read_api, world):
    response = read_api.get(
        "/api/v1/insights/accounts/", {"grouping": "segment", "group": world.pk, "kpi": "win_rate", "period": "2024-03"}
    )
    body = response.json()

    assert [row["name"] for row in body["results"]] == ["Acme", "Globex"]
    assert body["next_cursor"] is None


def test_accounts_are_paged_with_a_cursor(read_api, world):
    first = read_api.get("/api/v1/insights/accounts/", {"grouping": "tier", "group": 1, "kpi": "accounts", "page_size": 1})
    second = read_api.get(
        "/api/v1/insights/accounts/",
        {"grouping": "tier", "group": 1, "kpi": "accounts", "page_size": 1, "cursor": first.json()["next_cursor"]},
    )

    assert [row["name"] for row in first.json()["results"] + second.json()["results"]] == ["Acme", "Globex"]


@pytest.mark.parametrize(
    "endpoint, query, field",
    [
        ("kpis", {"period": "2024-Q5"}, "period"),
        ("kpis", {"grouping": "region"}, "grouping"),
        ("kpis", {"basis": "yesterday"}, "basis"),
        ("accounts", {"kpi": "profit"}, "kpi"),
        ("accounts", {"segments": "a,b"}, "segments"),
        ("backtest", {"basis": "draft"}, "model"),
        ("backtest", {"basis": "draft", "model": 999}, "model"),
        ("trends", {"kpi": "profit"}, "kpi"),
    ],
)
def test_bad_input_gets_field_errors(read_api, endpoint, query, field):
    body = assert_error(read_api.get(f"/api/v1/insights/{endpoint}/", query), 400, "invalid")
    assert field in body["fields"], body


def test_backtest_and_verdicts_shapes(read_api, world):
    backtest = read_api.get("/api/v1/insights/backtest/", {"period": "2024-03"}).json()
    verdicts = read_api.get("/api/v1/insights/verdicts/", {"period": "2024-03"}).json()

    tier_one = next(tier for tier in backtest["tiers"] if tier["tier"] == "Tier 1")
    assert tier_one["closed"] == 2
    assert tier_one["win_rate"] == pytest.approx(0.5)
    assert "Wilson" in backtest["intervals"]
    assert verdicts["results"][0]["segment"] == "software"
    assert verdicts["results"][0]["outcome"] == "review"
    assert "Fisher's exact test" in verdicts["method"]


def test_writes_are_not_allowed(make_token):  # noqa: F811
    _, secret = make_token(scopes=["read", "write"])
    response = client_for(secret).post("/api/v1/insights/kpis/", {})
    assert_error(response, 405, "method_not_allowed")


def test_backtest_propensity_needs_enough_deals(read_api, world):
    response = read_api.get("/api/v1/insights/backtest/", {"period": "2024-03", "propensity": "true"})
    body = assert_error(response, 400, "invalid")
    assert "needs at least 20 won and 20 lost deals" in body["fields"]["propensity"][0]


@pytest.mark.parametrize(
    "endpoint, query, field",
    [
        ("kpis", {"period": "9999-Q4"}, "period"),
        ("kpis", {"period": "0001-01"}, "period"),
        ("kpis", {"segments": "99999999999999999999"}, "segments"),
        ("accounts", {"group": "99999999999999999999"}, "group"),
        ("accounts", {"segments": "99999999999999999999"}, "segments"),
        ("backtest", {"basis": "draft", "model": 2**64}, "model"),
    ],
)
def test_out_of_range_input_is_rejected(read_api, endpoint, query, field):
    body = assert_error(read_api.get(f"/api/v1/insights/{endpoint}/", query), 400, "invalid")
    assert field in body["fields"], body


def test_repeated_segments_all_count(read_api, world):
    twin = make_segment("Software twin")
    response = read_api.get("/api/v1/insights/kpis/", {"period": "2024-03", "segments": [world.pk, twin.pk]})

    assert response.status_code == 200
    labels = {row["group"] for row in response.json()["results"]}
    assert {"Software", "Software twin"} <= labels


def test_verdicts_and_trends_take_segments(read_api, world):
    verdicts = read_api.get("/api/v1/insights/verdicts/", {"period": "2024-03", "segments": str(world.pk)})
    trends = read_api.get("/api/v1/insights/trends/", {"segments": str(world.pk)})

    assert verdicts.status_code == 200, verdicts.content
    assert [row["segment"] for row in verdicts.json()["results"]] == [world.slug]
    assert trends.status_code == 200, trends.content


def test_unknown_drilldown_kpi_named(read_api, world):
    response = read_api.get("/api/v1/insights/accounts/", {"kpi": "happiness"})
    body = assert_error(response, 400, "invalid")
    assert "kpi" in body["fields"]


def test_overlap_takes_segments(read_api, world):
    other = make_segment("Other")
    chosen = read_api.get("/api/v1/insights/overlap/", {"segments": f"{world.pk},{other.pk}"})
    invalid = read_api.get("/api/v1/insights/overlap/", {"segments": "abc"})

    assert chosen.status_code == 200, chosen.content
    assert {item["slug"] for item in chosen.json()["segments"]} == {world.slug, other.slug}
    assert_error(invalid, 400, "invalid")
