"""ICP scores, tiers, explanations, previews, publishing and manual overrides."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from segmentation.models import IcpExplanation, IcpModel, IcpModelStatus, RecomputeRun, TierChange, TierOverride
from segmentation.selectors.history import account_tier_history, icp_explanation, tier_changes
from segmentation.services.icp import (
    icp_model_create,
    icp_model_preview,
    icp_model_publish,
    tier_override_create,
    tier_override_revoke,
)

from .pipeline_helpers import (  # noqa: F401 - eager_pipeline is a fixture
    add_contact,
    eager_pipeline,
    edit,
    make_account,
    make_user,
    publish_model,
    refreshed,
    run_pipeline,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_pipeline")]

CRITERIA = [
    {"label": "Software", "points": 50, "rule": {"field": "industry", "op": "eq", "value": "Software"}},
    {"label": "100 to 1,000 employees", "points": 30, "field": "employee_count", "minimum": 100, "maximum": 1000},
    {"label": "High strategic value", "points": 20, "field": "strategic_value", "minimum": 4},
]


@pytest.fixture
def model():
    return publish_model(CRITERIA, thresholds=(80, 50, 30))


def test_tier_thresholds_on_hand_made_accounts(model):
    cases = [
        # name, fields, expected score, expected tier
        ("all three", {"industry": "Software", "employee_count": 500, "strategic_value": 5}, 100, 1),
        ("tier 1 boundary", {"industry": " software ", "employee_count": 1000}, 80, 1),
        ("tier 2 boundary", {"industry": "Software", "employee_count": 1001}, 50, 2),
        ("size and value", {"employee_count": 100, "strategic_value": 4}, 50, 2),
        ("tier 3 boundary", {"industry": "Retail", "employee_count": 300}, 30, 3),
        ("value only", {"strategic_value": 5}, 20, None),
        ("nothing known", {}, 0, None),
    ]
    accounts = {name: make_account(name, **fields) for name, fields, _, _ in cases}

    run = run_pipeline()

    assert run.status == "published", run.error
    for name, _, score, tier in cases:
        account = refreshed(accounts[name])
        assert account.icp_score == score, name
        assert account.icp_tier == tier, name


def test_score_rounds_half_up():
    publish_model(
        [
            {"label": "Software", "points": 1, "rule": {"field": "industry", "op": "eq", "value": "Software"}},
            {"label": "Big", "points": 2, "field": "employee_count", "minimum": 1000},
        ],
        thresholds=(90, 60, 30),
    )
    third = make_account("Third", industry="Software")
    two_thirds = make_account("Two thirds", employee_count=5000)

    run_pipeline()

    assert refreshed(third).icp_score == 33
    assert refreshed(two_thirds).icp_score == 67
    assert refreshed(two_thirds).icp_tier == 2


def test_explanation_gives_points_and_inputs(model):
    account = make_account("Acme", industry="Software", employee_count=50, strategic_value=4)

    run = run_pipeline()
    explanation = icp_explanation(account)

    assert explanation["run_id"] == run.pk
    assert explanation["model_version"] == model.version
    assert explanation["score"] == 70
    assert explanation["tier"] == 2
    assert [(item["label"], item["points"], item["matched"]) for item in explanation["criteria"]] == [
        ("Software", 50, True),
        ("100 to 1,000 employees", 0, False),
        ("High strategic value", 20, True),
    ]
    assert explanation["inputs"] == {"employee_count": 50, "industry": "Software", "strategic_value": 4}


def test_explanation_kept_for_earlier_runs(model):
    account = make_account("Acme", industry="Software", employee_count=50)
    first = run_pipeline()
    edit(account, employee_count=500)

    second = run_pipeline()

    assert icp_explanation(account, run=first)["score"] == 50
    assert icp_explanation(account, run=second)["score"] == 80
    assert icp_explanation(account)["tier"] == 1
    assert IcpExplanation.objects.filter(account=account).count() == 2
    assert IcpExplanation.objects.filter(account=account, is_current=True).get().run_id == second.pk


def test_tier_changes_record_from_to_and_run(model):
    account = make_account("Acme", industry="Software")
    first = run_pipeline()
    edit(account, employee_count=200)

    second = run_pipeline()

    history = list(account_tier_history(account))
    assert [(change.from_tier, change.to_tier, change.run_id) for change in history] == [
        (2, 1, second.pk),
        (None, 2, first.pk),
    ]
    assert history[0].from_score == 50
    assert history[0].to_score == 80
    assert history[0].reason == "score"
    assert list(tier_changes(run=second).values_list("account_id", flat=True)) == [account.pk]
    assert second.changes["tier_moves"] == {"tier 2 -> tier 1": 1}


def test_related_rule_criterion_counts_contacts():
    publish_model(
        [
            {
                "label": "Economic buyer known",
                "points": 10,
                "rule": {
                    "related": "contacts",
                    "where": {"field": "buying_role", "op": "eq", "value": "economic_buyer"},
                    "op": "gte",
                    "count": 1,
                },
            }
        ]
    )
    with_buyer = make_account("With buyer")
    add_contact(with_buyer, "economic_buyer")
    without = make_account("Without")
    add_contact(without, "user")

    run_pipeline()

    assert refreshed(with_buyer).icp_tier == 1
    assert refreshed(without).icp_tier is None


def test_preview_counts_moves_without_writing(model):
    make_account("Strong", industry="Software", employee_count=500, strategic_value=5)
    make_account("Middle", industry="Software", employee_count=500)
    make_account("Weak", strategic_value=5)
    run_pipeline()
    runs_before = RecomputeRun.objects.count()
    stricter = icp_model_create(name="Stricter", criteria=CRITERIA, tier_1_min_score=90, tier_2_min_score=60,
                                tier_3_min_score=20)

    preview = icp_model_preview(model=stricter)

    assert preview["accounts"] == 3
    assert preview["moves"] == {(1, 1): 1, (1, 2): 1, (None, 3): 1}
    assert preview["changed"] == 2
    assert preview["tiers"] == {1: 1, 2: 1, 3: 1}
    assert RecomputeRun.objects.count() == runs_before
    assert sorted(refreshed_tiers(), key=lambda tier: tier or 9) == [1, 1, None]


def refreshed_tiers():
    from accounts.models import Account

    return list(Account.objects.values_list("icp_tier", flat=True))


def test_publish_archives_previous_and_recomputes(model):
    account = make_account("Acme", industry="Software")
    run_pipeline()
    assert refreshed(account).icp_tier == 2
    draft = icp_model_create(name="Easier", criteria=CRITERIA, tier_1_min_score=50, tier_2_min_score=40,
                             tier_3_min_score=10)

    run = icp_model_publish(model=draft, published_by=make_user())

    assert run.status == "published", run.error
    assert run.trigger == "model_published"
    assert run.full
    assert refreshed(account).icp_tier == 1
    assert IcpModel.objects.get(pk=model.pk).status == IcpModelStatus.ARCHIVED
    assert IcpModel.objects.get(pk=draft.pk).status == IcpModelStatus.PUBLISHED
    assert icp_explanation(account)["model_version"] == draft.version


def test_publish_rejects_a_published_model(model):
    with pytest.raises(ValidationError, match="only a draft can be published"):
        icp_model_publish(model=model)


@pytest.mark.parametrize(
    "criterion, message",
    [
        ({"label": "Bad field", "points": 5, "rule": {"field": "colour", "op": "eq", "value": "red"}}, "colour"),
        ({"label": "Text range", "points": 5, "field": "industry", "minimum": 1}, "not a number or money field"),
        ({"label": "No bound", "points": 5, "field": "employee_count"}, "needs a minimum, a maximum or both"),
        ({"label": "Upside down", "points": 5, "field": "employee_count", "minimum": 9, "maximum": 1},
         "above the maximum"),
        ({"label": "Zero", "points": 0, "field": "employee_count", "minimum": 1}, "from 1 to 1000"),
        ({"label": "", "points": 5, "field": "employee_count", "minimum": 1}, "label is missing"),
    ],
)
def test_create_rejects_invalid_criterion(criterion, message):
    with pytest.raises(ValidationError) as error:
        icp_model_create(name="Bad", criteria=[criterion], tier_1_min_score=70, tier_2_min_score=50,
                         tier_3_min_score=30)

    assert any(message in text for text in error.value.messages), error.value.messages
    assert not IcpModel.objects.exists()


def test_create_rejects_unordered_thresholds():
    with pytest.raises(ValidationError, match="must fall from Tier 1 to Tier 3"):
        icp_model_create(name="Bad", criteria=CRITERIA, tier_1_min_score=50, tier_2_min_score=50,
                         tier_3_min_score=30)


def test_override_sets_tier_and_keeps_score(model):
    account = make_account("Acme", industry="Software")
    run_pipeline()
    author = make_user()
    override = tier_override_create(
        account=account, tier=1, reason="Board-level relationship", author=author,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )

    run = run_pipeline()

    account = refreshed(account)
    assert account.icp_tier == 1
    assert account.icp_score == 50
    change = TierChange.objects.get(run=run)
    assert (change.from_tier, change.to_tier, change.reason) == (2, 1, "override")
    explanation = icp_explanation(account)
    assert explanation["computed_tier"] == 2
    assert explanation["override"] == override


def test_override_can_mark_not_icp(model):
    account = make_account("Acme", industry="Software", employee_count=500)
    tier_override_create(account=account, tier=None, reason="Competitor's subsidiary", author=make_user(),
                         expires_on=timezone.localdate() + datetime.timedelta(days=5))

    run_pipeline()

    assert refreshed(account).icp_tier is None
    assert refreshed(account).icp_score == 80


def test_expired_override_lapses_and_is_recorded(model):
    account = make_account("Acme", industry="Software")
    expires_on = timezone.localdate() + datetime.timedelta(days=3)
    override = tier_override_create(account=account, tier=1, reason="Strategic", author=make_user(),
                                    expires_on=expires_on)
    run_pipeline()
    assert refreshed(account).icp_tier == 1
    later = timezone.now() + datetime.timedelta(days=3)

    run = run_pipeline(now=later)

    override.refresh_from_db()
    assert override.end_reason == "expired"
    assert override.ended_run_id == run.pk
    assert refreshed(account).icp_tier == 2
    change = TierChange.objects.get(run=run)
    assert (change.from_tier, change.to_tier, change.reason) == (1, 2, "override_ended")
    assert run.counts["overrides_expired"] == 1


def test_revoked_override_ends_at_next_run(model):
    account = make_account("Acme", industry="Software")
    override = tier_override_create(account=account, tier=3, reason="Paused", author=make_user(),
                                    expires_on=timezone.localdate() + datetime.timedelta(days=10))
    run_pipeline()

    tier_override_revoke(override=override)
    run = run_pipeline()

    assert refreshed(account).icp_tier == 2
    assert TierChange.objects.get(run=run).reason == "override_ended"
    with pytest.raises(ValidationError, match="ended"):
        tier_override_revoke(override=override)


def test_new_override_replaces_open_one(model):
    account = make_account("Acme")
    author = make_user()
    first = tier_override_create(account=account, tier=1, reason="First", author=author,
                                 expires_on=timezone.localdate() + datetime.timedelta(days=10))

    second = tier_override_create(account=account, tier=2, reason="Second", author=author,
                                  expires_on=timezone.localdate() + datetime.timedelta(days=10))

    first.refresh_from_db()
    assert first.end_reason == "replaced"
    assert TierOverride.objects.filter(account=account, ended_at__isnull=True).get() == second


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"reason": "  "}, "needs a reason"),
        ({"tier": 4}, "Tier 4 is not valid"),
        ({"expires_on": "soon"}, "is not a date"),
        ({"days": 0}, "is not after today"),
        ({"author": None}, "needs an author"),
    ],
)
def test_override_rejects_invalid_input(changes, message):
    account = make_account("Acme")
    arguments = {
        "account": account,
        "tier": 1,
        "reason": "Because",
        "author": make_user(),
        "expires_on": timezone.localdate() + datetime.timedelta(days=changes.pop("days", 5)),
    }
    arguments.update(changes)

    with pytest.raises(ValidationError) as error:
        tier_override_create(**arguments)

    assert any(message in text for text in error.value.messages), error.value.messages
    assert not TierOverride.objects.exists()


def test_no_published_model_leaves_scores_alone():
    account = make_account("Acme", industry="Software")

    run = run_pipeline()

    assert run.status == "published"
    assert run.counts["icp_model_version"] is None
    assert refreshed(account).icp_score is None
