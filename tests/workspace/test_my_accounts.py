"""My accounts: ordering, filters, search, keyset pages and the CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from workspace.selectors.account_lists import AccountFilters, account_page

pytestmark = pytest.mark.django_db

URL = reverse("workspace:my_accounts")


def names_in(response):
    return [row["name"] for row in response.context["page"].rows]


def test_my_accounts_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_accounts_orders_by_tier_then_score(client, rep, book):
    client.force_login(rep)
    response = client.get(URL)
    assert response.status_code == 200
    assert names_in(response) == ["Acme", "Globex", "Initech", "Umbrella", "Hooli"]


def test_my_accounts_shows_only_own_accounts(client, rep, book):
    client.force_login(rep)
    assert "Stark Industries" not in names_in(client.get(URL))


def test_my_accounts_lists_segments_and_activity(client, rep, book):
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert "Software in market" in html
    assert "In market" in html
    assert "Active opportunity" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tier": "1"}, ["Acme", "Globex"]),
        ({"tier": ["2", "none"]}, ["Initech", "Umbrella", "Hooli"]),
        ({"stage": "prospect"}, ["Globex", "Umbrella"]),
        ({"in_market": "yes"}, ["Acme"]),
        ({"in_market": "no"}, ["Globex", "Initech", "Umbrella", "Hooli"]),
        ({"industry": "Banking"}, ["Initech"]),
        ({"country": "us"}, ["Acme", "Initech"]),
        ({"q": "glob"}, ["Globex"]),
        ({"q": "initech.com"}, ["Initech"]),
        ({"owner": "all", "tier": "1"}, ["Stark Industries", "Acme", "Globex"]),
    ],
)
def test_my_accounts_filters(client, rep, book, query, expected):
    client.force_login(rep)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert names_in(response) == expected


def test_my_accounts_segment_filter(client, rep, book):
    client.force_login(rep)
    response = client.get(URL, {"segment": book["segment"].pk})
    assert names_in(response) == ["Acme", "Globex"]


def test_my_accounts_rejects_invalid_filter(client, rep, book):
    client.force_login(rep)
    response = client.get(URL, {"tier": "7"})
    assert response.status_code == 400
    assert "Select a valid choice. 7 is not one of the available choices." in response.content.decode()


def test_my_accounts_keyset_pages_cover_every_row(rep, book):
    filters = AccountFilters(owner_id=rep.pk)
    seen = []
    cursor = None
    while True:
        page = account_page(filters, cursor=cursor, page_size=2)
        seen.extend(row["name"] for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["Acme", "Globex", "Initech", "Umbrella", "Hooli"]
    assert page.total == 5


def test_my_accounts_rejects_malformed_cursor(client, rep, book):
    client.force_login(rep)
    response = client.get(URL, {"after": "1.x"})
    assert response.status_code == 400
    assert "Invalid page cursor '1.x'" in response.content.decode()


def test_my_accounts_htmx_returns_results_only(client, rep, book):
    client.force_login(rep)
    response = client.get(URL, {"tier": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Acme" in html


def test_my_accounts_empty_state_for_rep_without_accounts(client, other_rep, db):
    client.force_login(other_rep)
    html = client.get(URL).content.decode()
    assert "You own no accounts yet" in html


def test_export_matches_the_filtered_list(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("workspace:my_accounts_export"), {"tier": ["1", "2"]})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ["Acme", "Globex", "Initech"]
    assert rows[0]["segments"] == "Software in market"
    assert rows[0]["icp_tier"] == "1"
    assert rows[0]["in_market"] == "true"
    assert rows[2]["segments"] == ""


def test_export_rejects_invalid_filters(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("workspace:my_accounts_export"), {"in_market": "maybe"})
    assert response.status_code == 400
    assert "in_market" in response.content.decode()


def test_text_search_defers_the_count(client, rep, book):
    client.force_login(rep)
    response = client.get(URL, {"q": "o"})
    assert response.context["page"].total is None
    assert "count_only=1" in response.content.decode()
    count = client.get(URL, {"q": "o", "count_only": "1"}, headers={"HX-Request": "true"})
    assert "<strong>5</strong> accounts matching" in count.content.decode()
