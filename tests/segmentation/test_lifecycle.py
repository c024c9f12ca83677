"""Lifecycle stages from the default rules, custom rules, motions and stage history."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from segmentation.models import STAGE_MOTIONS, LifecycleRule, StageChange
from segmentation.rules import validate_rule
from segmentation.selectors.history import account_stage_history, stage_changes
from segmentation.services.defaults import DEFAULT_LIFECYCLE_RULES, pipeline_defaults_seed

from .pipeline_helpers import (  # noqa: F401 - eager_pipeline is a fixture
    add_opportunity,
    eager_pipeline,
    make_account,
    refreshed,
    run_pipeline,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_pipeline")]

RECENT = timezone.localdate() - datetime.timedelta(days=30)
LONG_AGO = timezone.localdate() - datetime.timedelta(days=800)


@pytest.fixture
def default_rules():
    pipeline_defaults_seed()


def test_default_rules_are_valid():
    for priority, stage, _, rule in DEFAULT_LIFECYCLE_RULES:
        assert validate_rule(rule, object_type="accounts") == [], (priority, stage)


def test_seed_is_idempotent():
    first = pipeline_defaults_seed()
    second = pipeline_defaults_seed()

    assert first["lifecycle_rules"] == len(DEFAULT_LIFECYCLE_RULES)
    assert first["icp_model"] == 1
    assert second == {"icp_model": None, "lifecycle_rules": 0}


@pytest.mark.usefixtures("default_rules")
def test_each_default_rule_gives_its_stage():
    accounts = {}

    accounts["prospect"] = make_account("No deals")
    accounts["lost only"] = make_account("Lost only")
    add_opportunity(accounts["lost only"], "lost", closed=RECENT)
    accounts["active_opportunity"] = make_account("Open deal")
    add_opportunity(accounts["active_opportunity"], "open")
    accounts["customer"] = make_account("Won deal")
    add_opportunity(accounts["customer"], "won")
    accounts["customer by arr"] = make_account("Has ARR", arr=Decimal("12000"))
    accounts["expansion"] = make_account("Expanding")
    add_opportunity(accounts["expansion"], "won")
    add_opportunity(accounts["expansion"], "open", type="expansion")
    accounts["renewal"] = make_account("Renewing")
    add_opportunity(accounts["renewal"], "won")
    add_opportunity(accounts["renewal"], "open", type="renewal")
    accounts["at_risk"] = make_account("Unhappy", health_score=25)
    add_opportunity(accounts["at_risk"], "won")
    accounts["healthy"] = make_account("Happy", health_score=40)
    add_opportunity(accounts["healthy"], "won")
    accounts["churned by arr"] = make_account("Gone", arr=Decimal("0"))
    add_opportunity(accounts["churned by arr"], "won", created=LONG_AGO, closed=LONG_AGO)
    accounts["churned by renewal"] = make_account("Lost renewal")
    add_opportunity(accounts["churned by renewal"], "won", created=LONG_AGO, closed=LONG_AGO)
    add_opportunity(accounts["churned by renewal"], "lost", type="renewal", created=RECENT, closed=RECENT)
    accounts["renewal lost then won"] = make_account("Won back")
    add_opportunity(accounts["renewal lost then won"], "lost", type="renewal", created=RECENT, closed=RECENT)
    add_opportunity(accounts["renewal lost then won"], "won", created=RECENT, closed=RECENT)

    run = run_pipeline()

    expected = {
        "prospect": "prospect",
        "lost only": "prospect",
        "active_opportunity": "active_opportunity",
        "customer": "customer",
        "customer by arr": "customer",
        "expansion": "expansion",
        "renewal": "renewal",
        "at_risk": "at_risk",
        "healthy": "customer",
        "churned by arr": "churned",
        "churned by renewal": "churned",
        "renewal lost then won": "customer",
    }
    assert run.status == "published", run.error
    for name, stage in expected.items():
        account = refreshed(accounts[name])
        assert account.lifecycle_stage == stage, name
        assert account.motion == STAGE_MOTIONS[stage], name


def test_motion_follows_stage():
    assert {stage: motion.value for stage, motion in STAGE_MOTIONS.items()} == {
        "prospect": "acquire",
        "active_opportunity": "acquire",
        "churned": "acquire",
        "customer": "grow",
        "expansion": "grow",
        "renewal": "defend",
        "at_risk": "defend",
    }


def test_lowest_priority_number_wins():
    software = {"field": "industry", "op": "eq", "value": "Software"}
    LifecycleRule.objects.create(priority=5, stage="at_risk", rule=software)
    LifecycleRule.objects.create(priority=1, stage="customer", rule=software)
    LifecycleRule.objects.create(priority=0, stage="churned", rule=software, enabled=False)
    account = make_account("Acme", industry="Software")
    other = make_account("Other", industry="Retail")

    run_pipeline()

    assert refreshed(account).lifecycle_stage == "customer"
    assert refreshed(other).lifecycle_stage == "prospect"


def test_no_rules_makes_every_account_a_prospect():
    account = make_account("Acme")
    add_opportunity(account, "won")

    run_pipeline()

    assert refreshed(account).lifecycle_stage == "prospect"
    assert refreshed(account).motion == "acquire"


@pytest.mark.usefixtures("default_rules")
def test_stage_changes_record_rule_and_run():
    account = make_account("Acme")
    first = run_pipeline()
    add_opportunity(account, "open")

    second = run_pipeline()

    history = list(account_stage_history(account))
    assert [(change.from_stage, change.to_stage, change.run_id) for change in history] == [
        ("prospect", "active_opportunity", second.pk),
        ("", "prospect", first.pk),
    ]
    assert history[0].rule.stage == "active_opportunity"
    assert history[0].from_motion == "acquire"
    assert history[1].rule is None
    assert second.changes["stage_moves"] == {"prospect -> active_opportunity": 1}
    assert list(stage_changes(run=second).values_list("account_id", flat=True)) == [account.pk]
    assert StageChange.objects.filter(run=second).count() == 1
