"""Every named database constraint rejects what it must and accepts its edges.

The rows are written with QuerySet.update and bulk_create, the paths bulk
imports use, so no model validation runs before the database sees them.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def account():
    return Account.objects.create(name="Initech", domain="initech.com")


def assert_rejected(constraint, write):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    assert constraint in str(error.value)


def assert_accepted(write):
    with transaction.atomic():
        write()


ACCOUNT_CASES = [
    # (constraint, field, rejected values, accepted values)
    ("account_annual_revenue_not_negative", "annual_revenue", [Decimal("-0.01")], [Decimal("0"), None]),
    ("account_arr_not_negative", "arr", [Decimal("-1")], [Decimal("0"), None]),
    ("account_derived_amounts_not_negative", "open_pipeline", [Decimal("-5")], [Decimal("0")]),
    ("account_derived_amounts_not_negative", "engagement_score", [-0.5], [0.0]),
    ("account_health_score_0_100", "health_score", [101], [0, 100, None]),
    ("account_icp_score_0_100", "icp_score", [101], [0, 100, None]),
    ("account_icp_tier_valid", "icp_tier", [0, 4], [1, 3, None]),
    ("account_strategic_value_1_5", "strategic_value", [0, 6], [1, 5, None]),
    ("account_ownership_type_valid", "ownership_type", ["family"], ["public", "government", ""]),
    ("account_lifecycle_stage_valid", "lifecycle_stage", ["lead"], ["prospect", "churned", ""]),
    ("account_motion_valid", "motion", ["retain"], ["acquire", "defend", ""]),
    ("account_employee_band_valid", "employee_band", ["50-200"], ["51-200", "10001+", ""]),
    ("account_country_iso_alpha2", "country", ["us", "U1", "U"], ["US", "DE", ""]),
    ("account_currency_iso", "currency", ["usd", "US", "US$", "", "U5D"], ["USD", "EUR"]),
    (
        "account_domain_normalized",
        "domain",
        ["Initech.com", "www.initech.com", "initech.com/about", "https://initech.com", "init ech.com"],
        ["initech.com", "sub.initech.co.uk", ""],
    ),
    ("account_name_not_blank", "name", [""], ["I"]),
]


@pytest.mark.parametrize(("constraint", "field", "rejected", "accepted"), ACCOUNT_CASES)
def test_account_constraint(account, constraint, field, rejected, accepted):
    rows = Account.objects.filter(pk=account.pk)
    for value in rejected:
        assert_rejected(constraint, lambda: rows.update(**{field: value}))
    for value in accepted:
        assert_accepted(lambda: rows.update(**{field: value}))


def test_account_cannot_be_its_own_parent(account):
    other = Account.objects.create(name="Initrode")
    rows = Account.objects.filter(pk=account.pk)
    assert_rejected("account_not_own_parent", lambda: rows.update(parent=account))
    assert_accepted(lambda: rows.update(parent=other))


def test_external_id_unique_per_source_ignoring_case():
    Account.objects.create(name="A", external_id="001ABC", source="salesforce")
    assert_rejected(
        "account_external_id_unique_per_source",
        lambda: Account.objects.bulk_create([Account(name="B", external_id="001abc", source="salesforce")]),
    )
    # The same id from another source, and any number of records without one, are fine.
    assert_accepted(lambda: Account.objects.create(name="C", external_id="001ABC", source="hubspot"))
    assert_accepted(lambda: Account.objects.bulk_create([Account(name="D"), Account(name="E")]))


def test_domain_is_not_unique():
    Account.objects.create(name="Parent Corp", domain="parent.com")
    assert_accepted(lambda: Account.objects.create(name="Parent Subsidiary", domain="parent.com"))


def test_contact_constraints(account):
    contact = Contact.objects.create(account=account, email="pat@initech.com")
    rows = Contact.objects.filter(pk=contact.pk)
    assert_rejected("contact_seniority_valid", lambda: rows.update(seniority="intern"))
    assert_rejected("contact_buying_role_valid", lambda: rows.update(buying_role="decider"))
    assert_rejected("contact_department_valid", lambda: rows.update(department="R&D"))
    assert_rejected("contact_email_lower_case", lambda: rows.update(email="Pat@Initech.com"))
    assert_accepted(lambda: rows.update(seniority="c_level", buying_role="economic_buyer", department="it"))
    assert_accepted(lambda: rows.update(seniority="", buying_role="", department="", email=""))
    Contact.objects.filter(pk=contact.pk).update(external_id="C-1")
    assert_rejected(
        "contact_external_id_unique_per_source",
        lambda: Contact.objects.create(account=account, external_id="c-1"),
    )


def test_opportunity_constraints(account):
    opportunity = Opportunity.objects.create(account=account, amount=Decimal("100"), created_date=datetime.date(2026, 1, 10))
    rows = Opportunity.objects.filter(pk=opportunity.pk)
    assert_rejected("opportunity_amount_not_negative", lambda: rows.update(amount=Decimal("-1")))
    assert_rejected("opportunity_status_valid", lambda: rows.update(status="pending"))
    assert_rejected("opportunity_status_valid", lambda: rows.update(status=""))
    assert_rejected("opportunity_type_valid", lambda: rows.update(type="upsell"))
    assert_rejected("opportunity_currency_iso", lambda: rows.update(currency="eur"))
    assert_rejected(
        "opportunity_closed_after_created", lambda: rows.update(closed_date=datetime.date(2026, 1, 9))
    )
    # Closing on the day it was created is the edge that must pass.
    assert_accepted(lambda: rows.update(closed_date=datetime.date(2026, 1, 10), status="won", amount=Decimal("0")))
    assert_accepted(lambda: rows.update(created_date=None, closed_date=datetime.date(2020, 1, 1)))


def test_event_type_must_be_known(account):
    assert_rejected(
        "event_type_valid",
        lambda: EngagementEvent.objects.bulk_create([EngagementEvent(account=account, type="tweet", occurred_at=NOW)]),
    )
    assert_accepted(lambda: EngagementEvent.objects.create(account=account, type="meeting", occurred_at=NOW))


def test_intent_constraints(account):
    def signal(**fields):
        defaults = {"account": account, "topic": "data security", "score": 50, "observed_at": NOW}
        return lambda: IntentSignal.objects.bulk_create([IntentSignal(**{**defaults, **fields})])

    assert_rejected("intent_score_0_100", signal(score=101))
    assert_rejected("intent_topic_not_blank", signal(topic=""))
    assert_accepted(signal(score=0))
    assert_accepted(signal(score=100))
