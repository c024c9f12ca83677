"""Named edge cases of the rule semantics.

Each test checks the compiled SQL query and the reference evaluator against
the same expected records, so both stay tied to the documented semantics.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models import JSONField, Value
from django.test import override_settings

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity
from segmentation.models import Lens, Segment, SegmentMembership, SegmentStatus

from .rule_helpers import assert_selects

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def make_accounts(field, values):
    """Create one account per value, named after its position, and return the names by value index."""
    names = []
    for index, value in enumerate(values):
        name = f"a{index}"
        Account.objects.create(name=name, **{field: value})
        names.append(name)
    return names


# Text


def test_text_eq_ignores_case_and_white_space():
    make_accounts("industry", ["Software", " software ", "SOFTWARE\t", "Soft", "", "Softwares"])
    assert_selects({"field": "industry", "op": "eq", "value": "  SoftWare "}, {"a0", "a1", "a2"}, now=NOW)


def test_text_neq_includes_blank_values():
    make_accounts("industry", ["Software", "Retail", "", "   "])
    assert_selects({"field": "industry", "op": "neq", "value": "software"}, {"a1", "a2", "a3"}, now=NOW)


def test_text_is_empty_matches_blank_and_white_space():
    make_accounts("industry", ["", "   ", "\t\n", "Retail"])
    assert_selects({"field": "industry", "op": "is_empty"}, {"a0", "a1", "a2"}, now=NOW)
    assert_selects({"field": "industry", "op": "is_not_empty"}, {"a3"}, now=NOW)


def test_text_in_and_not_in():
    make_accounts("region", ["EMEA", "emea ", "North America", ""])
    rule = {"field": "region", "op": "in", "value": ["emea", "APAC"]}
    assert_selects(rule, {"a0", "a1"}, now=NOW)
    assert_selects({"field": "region", "op": "not_in", "value": ["emea", "APAC"]}, {"a2", "a3"}, now=NOW)


def test_text_contains_treats_like_wildcards_as_text():
    for name in ["50% off", "500 club", "a_b", "axb", "Growth 50%"]:
        Account.objects.create(name=name)
    assert_selects({"field": "name", "op": "contains", "value": "50%"}, {"50% off", "Growth 50%"}, now=NOW)
    assert_selects({"field": "name", "op": "contains", "value": "A_B"}, {"a_b"}, now=NOW)
    assert_selects(
        {"field": "name", "op": "not_contains", "value": "50%"}, {"500 club", "a_b", "axb"}, now=NOW
    )


def test_text_starts_with_ignores_leading_white_space():
    make_accounts("city", ["  Berlin", "berlingen", "West Berlin", ""])
    assert_selects({"field": "city", "op": "starts_with", "value": "BERLIN"}, {"a0", "a1"}, now=NOW)


def test_text_folds_accented_letters():
    make_accounts("city", ["ÉVRY", "évry", "Evry"])
    assert_selects({"field": "city", "op": "eq", "value": "Évry"}, {"a0", "a1"}, now=NOW)


def test_country_code_matches_any_case():
    make_accounts("country", ["US", "DE", ""])
    assert_selects({"field": "country", "op": "eq", "value": " us"}, {"a0"}, now=NOW)
    assert_selects({"field": "country", "op": "neq", "value": "us"}, {"a1", "a2"}, now=NOW)
    assert_selects({"field": "country", "op": "contains", "value": "e"}, {"a1"}, now=NOW)


def test_custom_attribute_compares_text_only():
    Account.objects.create(name="text", extra={"segment_code": " Gold "})
    Account.objects.create(name="number", extra={"segment_code": 5})
    Account.objects.create(name="missing", extra={})
    Account.objects.create(name="list", extra=["segment_code"])
    assert_selects({"field": "extra.segment_code", "op": "eq", "value": "gold"}, {"text"}, now=NOW)
    assert_selects({"field": "extra.segment_code", "op": "is_empty"}, {"number", "missing", "list"}, now=NOW)
    assert_selects(
        {"field": "extra.segment_code", "op": "neq", "value": "gold"}, {"number", "missing", "list"}, now=NOW
    )


def test_owner_and_parent_compare_related_names():
    user = get_user_model().objects.create_user("Dana")
    parent = Account.objects.create(name="Parent Co")
    Account.objects.create(name="owned", owner=user, parent=parent)
    Account.objects.create(name="unowned")
    assert_selects({"field": "owner", "op": "eq", "value": "dana"}, {"owned"}, now=NOW)
    assert_selects({"field": "owner", "op": "is_empty"}, {"unowned", "Parent Co"}, now=NOW)
    assert_selects({"field": "parent", "op": "neq", "value": "parent co"}, {"unowned", "Parent Co"}, now=NOW)


# Choices


def test_choice_eq_ignores_case():
    make_accounts("ownership_type", ["public", "private", ""])
    assert_selects({"field": "ownership_type", "op": "eq", "value": "Public"}, {"a0"}, now=NOW)
    assert_selects({"field": "ownership_type", "op": "neq", "value": "public"}, {"a1", "a2"}, now=NOW)
    assert_selects({"field": "ownership_type", "op": "is_empty"}, {"a2"}, now=NOW)


def test_icp_tier_empty_means_not_icp():
    make_accounts("icp_tier", [1, 2, 3, None])
    assert_selects({"field": "icp_tier", "op": "in", "value": [1, 2]}, {"a0", "a1"}, now=NOW)
    assert_selects({"field": "icp_tier", "op": "neq", "value": 1}, {"a1", "a2", "a3"}, now=NOW)
    assert_selects({"field": "icp_tier", "op": "is_empty"}, {"a3"}, now=NOW)
    assert_selects({"field": "icp_tier", "op": "not_in", "value": [1, 2]}, {"a2", "a3"}, now=NOW)


# Numbers and money


def test_number_comparison_with_missing_value_is_false():
    make_accounts("employee_count", [5, 10, 11, None])
    assert_selects({"field": "employee_count", "op": "gt", "value": 10}, {"a2"}, now=NOW)
    assert_selects({"field": "employee_count", "op": "lte", "value": 10}, {"a0", "a1"}, now=NOW)
    assert_selects({"field": "employee_count", "op": "eq", "value": 10}, {"a1"}, now=NOW)


def test_number_negation_includes_missing_value():
    make_accounts("employee_count", [5, 10, 11, None])
    assert_selects({"field": "employee_count", "op": "neq", "value": 10}, {"a0", "a2", "a3"}, now=NOW)
    assert_selects({"not": {"field": "employee_count", "op": "gt", "value": 10}}, {"a0", "a1", "a3"}, now=NOW)
    assert_selects({"field": "employee_count", "op": "not_in", "value": [5, 11]}, {"a1", "a3"}, now=NOW)


def test_number_fraction_against_integer_column():
    make_accounts("employee_count", [10, 11])
    assert_selects({"field": "employee_count", "op": "gte", "value": 10.5}, {"a1"}, now=NOW)
    assert_selects({"field": "employee_count", "op": "eq", "value": 10.5}, set(), now=NOW)
    assert_selects({"field": "employee_count", "op": "lt", "value": 10.5}, {"a0"}, now=NOW)


def test_number_between_is_inclusive():
    make_accounts("employee_count", [9, 10, 20, 21, None])
    assert_selects({"field": "employee_count", "op": "between", "value": [10, 20]}, {"a1", "a2"}, now=NOW)


def test_money_compares_exact_decimals():
    make_accounts("annual_revenue", [Decimal("0.10"), Decimal("0.11"), Decimal("1000000.00"), None])
    assert_selects({"field": "annual_revenue", "op": "eq", "value": 0.1}, {"a0"}, now=NOW)
    assert_selects({"field": "annual_revenue", "op": "gt", "value": 0.1}, {"a1", "a2"}, now=NOW)
    assert_selects({"field": "annual_revenue", "op": "is_empty"}, {"a3"}, now=NOW)


def test_is_empty_on_required_number_is_false():
    make_accounts("open_pipeline", [Decimal("0"), Decimal("5")])
    assert_selects({"field": "open_pipeline", "op": "is_empty"}, set(), now=NOW)
    assert_selects({"field": "open_pipeline", "op": "is_not_empty"}, {"a0", "a1"}, now=NOW)


def test_boolean_eq_and_neq():
    make_accounts("in_market", [True, False])
    assert_selects({"field": "in_market", "op": "eq", "value": True}, {"a0"}, now=NOW)
    assert_selects({"field": "in_market", "op": "neq", "value": True}, {"a1"}, now=NOW)
    assert_selects({"field": "in_market", "op": "eq", "value": False}, {"a1"}, now=NOW)


# Tags


def test_tags_match_ignoring_case_and_white_space():
    make_accounts("technologies", [["Salesforce", "HubSpot"], [" salesforce "], ["Marketo"], []])
    assert_selects({"field": "technologies", "op": "any_of", "value": ["SALESFORCE", "x"]}, {"a0", "a1"}, now=NOW)
    assert_selects(
        {"field": "technologies", "op": "all_of", "value": ["salesforce", "hubspot"]}, {"a0"}, now=NOW
    )
    assert_selects({"field": "technologies", "op": "none_of", "value": ["salesforce"]}, {"a2", "a3"}, now=NOW)


def test_tags_is_empty_for_blank_lists():
    make_accounts("technologies", [[], [], ["", "  "], {"a": "b"}, "Salesforce", [3], ["Marketo"]])
    # A JSON null, as an import may store it.
    Account.objects.filter(name="a1").update(technologies=Value(None, output_field=JSONField()))
    assert_selects({"field": "technologies", "op": "is_empty"}, {"a0", "a1", "a2", "a3", "a4", "a5"}, now=NOW)
    assert_selects({"field": "technologies", "op": "is_not_empty"}, {"a6"}, now=NOW)


def test_tags_ignore_elements_that_are_not_text():
    make_accounts("needs", [[1, "1"], [1], [None, True]])
    assert_selects({"field": "needs", "op": "any_of", "value": ["1"]}, {"a0"}, now=NOW)
    assert_selects({"field": "needs", "op": "any_of", "value": ["true"]}, set(), now=NOW)


def test_tags_with_quotes_backslashes_and_tabs():
    make_accounts("technologies", [['Say "hi"'], ["back\\slash"], ["tab\tinside"], ["50%_off"], ["50x off"]])
    for index, tag in enumerate(['say "HI"', "BACK\\slash", "tab\tinside", "50%_OFF"]):
        assert_selects({"field": "technologies", "op": "any_of", "value": [tag]}, {f"a{index}"}, now=NOW)


def test_tags_match_whole_tags_only():
    make_accounts("technologies", [["Salesforce Marketing Cloud"], ["Salesforce"], ["salesforce.com"]])
    assert_selects({"field": "technologies", "op": "any_of", "value": ["salesforce"]}, {"a1"}, now=NOW)
    assert_selects({"field": "technologies", "op": "none_of", "value": ["salesforce"]}, {"a0", "a2"}, now=NOW)


def test_buying_roles_covered_choice_tags():
    make_accounts("buying_roles_covered", [["economic_buyer", "champion"], ["champion"], []])
    rule = {"field": "buying_roles_covered", "op": "all_of", "value": ["Economic_Buyer", "champion"]}
    assert_selects(rule, {"a0"}, now=NOW)


# Dates in the configured time zone


@override_settings(TIME_ZONE="America/New_York")
def test_within_last_days_counts_local_calendar_days():
    new_york = ZoneInfo("America/New_York")
    now = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=new_york)
    moments = {
        "today": datetime.datetime(2026, 3, 10, 0, 0, tzinfo=new_york),
        "yesterday start": datetime.datetime(2026, 3, 9, 0, 0, tzinfo=new_york),
        "two days ago end": datetime.datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=new_york),
        "later today": datetime.datetime(2026, 3, 10, 9, 30, 1, tzinfo=new_york),
        "missing": None,
    }
    for name, moment in moments.items():
        Account.objects.create(name=name, last_activity_at=moment)
    rule = {"field": "last_activity_at", "op": "within_last_days", "value": 2}
    assert_selects(rule, {"today", "yesterday start"}, now=now)
    assert_selects({"field": "last_activity_at", "op": "within_last_days", "value": 1}, {"today"}, now=now)
    assert_selects(
        {"not": rule}, {"two days ago end", "later today", "missing"}, now=now
    )


@override_settings(TIME_ZONE="America/New_York")
def test_within_last_days_across_daylight_saving_change():
    # Clocks in New York moved forward on 2026-03-08, so that day has 23 hours.
    new_york = ZoneInfo("America/New_York")
    now = datetime.datetime(2026, 3, 9, 0, 30, tzinfo=new_york)
    Account.objects.create(name="start of 8 March", last_activity_at=datetime.datetime(2026, 3, 8, 0, 0, tzinfo=new_york))
    Account.objects.create(
        name="end of 7 March", last_activity_at=datetime.datetime(2026, 3, 7, 23, 59, 59, tzinfo=new_york)
    )
    assert_selects(
        {"field": "last_activity_at", "op": "within_last_days", "value": 2}, {"start of 8 March"}, now=now
    )


@override_settings(TIME_ZONE="America/Sao_Paulo")
def test_day_that_starts_at_one_in_the_morning():
    # On 2018-11-04 Sao Paulo moved clocks from 00:00 to 01:00, so that day
    # began at 01:00 local time (03:00 UTC).
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    now = datetime.datetime(2018, 11, 4, 1, 30, tzinfo=sao_paulo)
    Account.objects.create(name="late 3 Nov", last_activity_at=datetime.datetime(2018, 11, 4, 2, 59, 59, tzinfo=UTC))
    Account.objects.create(name="first instant", last_activity_at=datetime.datetime(2018, 11, 4, 3, 0, tzinfo=UTC))
    assert_selects({"field": "last_activity_at", "op": "within_last_days", "value": 1}, {"first instant"}, now=now)
    assert_selects({"field": "last_activity_at", "op": "eq", "value": "2018-11-03"}, {"late 3 Nov"}, now=now)


@override_settings(TIME_ZONE="America/Sao_Paulo")
def test_day_after_an_hour_repeated_before_midnight():
    # On 2019-02-16 Sao Paulo moved clocks back from 24:00 to 23:00, so the
    # 23:00 hour of 16 February happened twice and 17 February began at 03:00 UTC.
    now = datetime.datetime(2019, 2, 17, 12, 0, tzinfo=UTC)
    Account.objects.create(name="second 23:30", last_activity_at=datetime.datetime(2019, 2, 17, 2, 30, tzinfo=UTC))
    Account.objects.create(name="midnight", last_activity_at=datetime.datetime(2019, 2, 17, 3, 0, tzinfo=UTC))
    assert_selects({"field": "last_activity_at", "op": "within_last_days", "value": 1}, {"midnight"}, now=now)
    assert_selects({"field": "last_activity_at", "op": "before", "value": "today"}, {"second 23:30"}, now=now)


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_date_operators_use_local_dates():
    kolkata = ZoneInfo("Asia/Kolkata")
    now = datetime.datetime(2026, 3, 10, 12, tzinfo=kolkata)
    # 2026-03-01 00:10 in Kolkata is still 28 February in UTC.
    Account.objects.create(name="early 1 March", last_activity_at=datetime.datetime(2026, 3, 1, 0, 10, tzinfo=kolkata))
    Account.objects.create(name="late 28 Feb", last_activity_at=datetime.datetime(2026, 2, 28, 23, 50, tzinfo=kolkata))
    Account.objects.create(name="never")
    assert_selects({"field": "last_activity_at", "op": "eq", "value": "2026-03-01"}, {"early 1 March"}, now=now)
    assert_selects({"field": "last_activity_at", "op": "before", "value": "2026-03-01"}, {"late 28 Feb"}, now=now)
    assert_selects({"field": "last_activity_at", "op": "after", "value": "2026-02-28"}, {"early 1 March"}, now=now)
    assert_selects(
        {"field": "last_activity_at", "op": "between", "value": ["2026-02-28", "2026-02-28"]},
        {"late 28 Feb"},
        now=now,
    )
    assert_selects(
        {"field": "last_activity_at", "op": "neq", "value": "2026-03-01"}, {"late 28 Feb", "never"}, now=now
    )
    assert_selects({"field": "last_activity_at", "op": "before", "value": "today"}, {"early 1 March", "late 28 Feb"},
                   now=now)


# Related records


@pytest.fixture
def accounts_with_activity():
    """Three accounts with contacts, events, intent and opportunities around NOW."""
    busy = Account.objects.create(name="busy")
    quiet = Account.objects.create(name="quiet")
    Account.objects.create(name="empty")
    Contact.objects.create(account=busy, email="cfo@busy.test", seniority="c_level", buying_role="economic_buyer")
    Contact.objects.create(account=busy, email="dev@busy.test", seniority="individual_contributor", buying_role="user")
    Contact.objects.create(account=quiet, email="vp@quiet.test", seniority="vp", buying_role="champion")
    for days_ago in (0, 1, 29, 30):
        EngagementEvent.objects.create(
            account=busy, type="content_download", theme="Security", occurred_at=NOW - datetime.timedelta(days=days_ago)
        )
    EngagementEvent.objects.create(account=quiet, type="web_visit", theme="pricing", occurred_at=NOW)
    IntentSignal.objects.create(account=busy, topic="Data Security", score=80, observed_at=NOW)
    IntentSignal.objects.create(account=quiet, topic="data security", score=40, observed_at=NOW)
    Opportunity.objects.create(
        account=busy, status="won", amount=Decimal("5000"), created_date=datetime.date(2025, 1, 1),
        closed_date=datetime.date(2026, 3, 1),
    )
    Opportunity.objects.create(account=quiet, status="open", created_date=datetime.date(2026, 3, 9))
    return busy, quiet


def test_related_contacts_with_role_and_seniority(accounts_with_activity):
    rule = {
        "related": "contacts",
        "where": {"all": [
            {"field": "buying_role", "op": "eq", "value": "economic_buyer"},
            {"field": "seniority", "op": "in", "value": ["c_level", "vp"]},
        ]},
        "op": "gte",
        "count": 1,
    }
    assert_selects(rule, {"busy"}, now=NOW)


def test_related_count_operators(accounts_with_activity):
    for op, count, expected in [
        ("gte", 2, {"busy"}),
        ("gt", 1, {"busy"}),
        ("eq", 1, {"quiet"}),
        ("eq", 0, {"empty"}),
        ("neq", 1, {"busy", "empty"}),
        ("lt", 2, {"quiet", "empty"}),
        ("lte", 1, {"quiet", "empty"}),
        ("gte", 0, {"busy", "quiet", "empty"}),
    ]:
        assert_selects({"related": "contacts", "op": op, "count": count}, expected, now=NOW)


def test_related_events_within_days(accounts_with_activity):
    rule = {
        "related": "events",
        "where": {"field": "type", "op": "eq", "value": "content_download"},
        "within_days": 30,
        "op": "gte",
        "count": 3,
    }
    assert_selects(rule, {"busy"}, now=NOW)
    assert_selects({**rule, "count": 4}, set(), now=NOW)
    assert_selects({**rule, "within_days": 31, "count": 4}, {"busy"}, now=NOW)


def test_related_defaults_to_at_least_one(accounts_with_activity):
    assert_selects({"related": "intent", "where": {"all": [
        {"field": "topic", "op": "eq", "value": "data security"},
        {"field": "score", "op": "gte", "value": 50},
    ]}, "within_days": 7}, {"busy"}, now=NOW)


def test_related_opportunity_window_uses_close_date(accounts_with_activity):
    won_recently = {
        "related": "opportunities",
        "where": {"field": "status", "op": "eq", "value": "won"},
        "within_days": 10,
    }
    assert_selects(won_recently, {"busy"}, now=NOW)
    # An open opportunity counts on its created date.
    assert_selects({"related": "opportunities", "within_days": 2}, {"quiet"}, now=NOW)
    assert_selects({"related": "opportunities", "within_days": 9}, {"quiet"}, now=NOW)
    assert_selects({"related": "opportunities", "within_days": 10}, {"busy", "quiet"}, now=NOW)


def test_not_related_includes_accounts_without_records(accounts_with_activity):
    assert_selects({"not": {"related": "events"}}, {"empty"}, now=NOW)


def test_nested_related_from_contacts_to_events(accounts_with_activity):
    busy, _ = accounts_with_activity
    contact = busy.contacts.get(email="cfo@busy.test")
    EngagementEvent.objects.create(account=busy, contact=contact, type="meeting", occurred_at=NOW)
    rule = {"related": "contacts", "where": {"related": "events", "where": {
        "field": "type", "op": "eq", "value": "meeting"}}}
    assert_selects(rule, {"busy"}, now=NOW)


def test_contact_rules_reach_the_account(accounts_with_activity):
    Account.objects.filter(name="busy").update(industry="Software")
    rule = {"all": [
        {"related": "account", "where": {"field": "industry", "op": "eq", "value": "software"}},
        {"field": "seniority", "op": "neq", "value": "c_level"},
    ]}
    assert_selects(rule, {"dev@busy.test"}, now=NOW, object_type="contacts")


# Segment references


def test_segment_reference_uses_current_membership():
    inside = Account.objects.create(name="inside")
    left = Account.objects.create(name="left")
    Account.objects.create(name="never")
    segment = Segment.objects.create(name="Base", slug="base", lens=Lens.FIRMOGRAPHIC, rule={
        "field": "name", "op": "is_not_empty"}, status=SegmentStatus.ACTIVE)
    SegmentMembership.objects.create(segment=segment, account=inside, entered_at=NOW)
    SegmentMembership.objects.create(
        segment=segment, account=left, entered_at=NOW - datetime.timedelta(days=3), exited_at=NOW
    )
    assert_selects({"segment": "base"}, {"inside"}, now=NOW)
    assert_selects({"not": {"segment": "base"}}, {"left", "never"}, now=NOW)


def test_groups_combine_conditions():
    Account.objects.create(name="sw-us", industry="Software", country="US")
    Account.objects.create(name="sw-de", industry="Software", country="DE")
    Account.objects.create(name="rt-us", industry="Retail", country="US")
    rule = {"any": [
        {"all": [{"field": "industry", "op": "eq", "value": "software"}, {"field": "country", "op": "eq", "value": "DE"}]},
        {"not": {"field": "industry", "op": "eq", "value": "software"}},
    ]}
    assert_selects(rule, {"sw-de", "rt-us"}, now=NOW)
