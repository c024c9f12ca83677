"""The home page by role, the data quality page and the error pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Opportunity
from accounts.models.imports import Synonym

pytestmark = pytest.mark.django_db


def test_home_needs_sign_in(client):
    assert client.get(reverse("home")).status_code == 302


def test_rep_home_lists_accounts_to_work_first(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [row["name"] for row in response.context["rep"]["work_first"]] == ["Acme"]
    assert reverse("workspace:home_recent_entries") in html
    assert "Data quality" not in html
    entries = client.get(reverse("workspace:home_recent_entries"), headers={"HX-Request": "true"})
    assert "Acme</a> joined Software in market" in entries.content.decode()
    assert "Globex" not in entries.content.decode()


def test_revops_home_has_overview_and_revops_navigation(client, revops, book):
    client.force_login(revops)
    html = client.get(reverse("home")).content.decode()
    assert "6</strong> accounts" in html
    assert reverse("workspace:data_quality") in html


def test_rep_without_accounts_sees_empty_state(client, other_rep, db):
    client.force_login(other_rep)
    assert "You own no accounts yet" in client.get(reverse("home")).content.decode()


def test_data_quality_is_revops_only(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("workspace:data_quality"))
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
    assert client.get(reverse("workspace:data_quality_accounts"), {"kind": "stale"}).status_code == 403


def test_data_quality_fill_rate_of_fields_rules_use(client, revops, book):
    client.force_login(revops)
    response = client.get(reverse("workspace:data_quality"))
    assert response.status_code == 200
    rates = {rate.field: rate for rate in response.context["rates"]}
    assert set(rates) == {"industry"}
    assert rates["industry"].filled == 5
    assert rates["industry"].missing == 1
    assert rates["industry"].used_by == ["Segment Software in market"]


def test_data_quality_missing_link_lists_the_accounts(client, revops, book):
    client.force_login(revops)
    response = client.get(reverse("workspace:data_quality_accounts"), {"kind": "missing", "field": "industry"})
    assert response.status_code == 200
    assert [row["name"] for row in response.context["page"].rows] == ["Hooli"]


def test_data_quality_stale_accounts(client, revops, book):
    Account.objects.filter(pk=book["hooli"].pk).update(updated_at=timezone.now() - timedelta(days=400))
    client.force_login(revops)
    assert client.get(reverse("workspace:data_quality")).context["stale_count"] == 1
    response = client.get(reverse("workspace:data_quality_accounts"), {"kind": "stale", "days": "180"})
    assert [row["name"] for row in response.context["page"].rows] == ["Hooli"]


def test_data_quality_unknown_values(client, revops, book):
    for known in ("Software", "Banking", "Manufacturing"):
        Synonym.objects.get_or_create(kind="industry", synonym=known.lower(), defaults={"value": known})
    Synonym.objects.filter(kind="industry", value="Pharmaceuticals").delete()
    Account.objects.filter(pk=book["hooli"].pk).update(industry="Widgets")
    Opportunity.objects.create(account=book["acme"], stage="Stage 7 - Legal")
    client.force_login(revops)
    response = client.get(reverse("workspace:data_quality"))
    assert ("Widgets", 1) in response.context["unknown_industries"]
    assert ("Pharmaceuticals", 1) in response.context["unknown_industries"]
    assert ("Software", 2) not in response.context["unknown_industries"]
    assert response.context["unknown_stages"] == [("Stage 7 - Legal", 1, 1)]
    drill = client.get(
        reverse("workspace:data_quality_accounts"), {"kind": "opportunity_stage", "value": "Stage 7 - Legal"}
    )
    assert [row["name"] for row in drill.context["page"].rows] == ["Acme"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "bogus"}, "Unknown figure &#x27;bogus&#x27;"),
        ({"kind": "missing", "field": "nope"}, "Unknown account field &#x27;nope&#x27;"),
        ({"kind": "stale", "days": "0"}, "Invalid number of days &#x27;0&#x27;"),
        ({"kind": "industry"}, "value=... is missing"),
    ],
)
def test_data_quality_drilldown_rejects_bad_query(client, revops, book, query, message):
    client.force_login(revops)
    response = client.get(reverse("workspace:data_quality_accounts"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_page_renders_404_template(client, rep):
    client.force_login(rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
