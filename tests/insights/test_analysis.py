"""Statistics, the ICP backtest, overlap and segment verdicts on cases with known results."""

from datetime import date

import pytest
from django.apps import apps

from insights.backtest import icp_backtest
from insights.overlap import overlap_matrix
from insights.periods import parse_period
from insights.stats import benjamini_hochberg, fisher_exact_p, t_interval, two_proportion_z_test, wilson_interval
from insights.verdicts import DUPLICATE_JACCARD, RETIRE, REVIEW, KEEP, segment_verdicts
from segmentation.models import TierChange
from segmentation.services.icp import icp_model_create

from .builders import add_member, local, make_account, make_deal, make_segment

MARCH = parse_period("2024-03")


# Statistics


def test_wilson_interval_known_values():
    assert wilson_interval(5, 10) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    assert wilson_interval(0, 0) == (None, None)


def test_t_interval_known_values():
    mean, low, high = t_interval(3, 1 + 2 + 3, 1 + 4 + 9)
    assert mean == 2
    assert (low, high) == pytest.approx((2 - 4.302653 / 3**0.5, 2 + 4.302653 / 3**0.5), abs=1e-5)
    assert t_interval(1, 5, 25) == (5, None, None)
    assert t_interval(0, 0, 0) == (None, None, None)


def test_proportion_tests():
    assert fisher_exact_p(8, 10, 2, 10) == pytest.approx(0.023014, abs=1e-6)
    assert fisher_exact_p(1, 1, 0, 0) is None
    assert two_proportion_z_test(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_z_test(80, 100, 20, 100) < 1e-6
    assert two_proportion_z_test(0, 10, 0, 10) == 1.0


def test_benjamini_hochberg_keeps_missing_values():
    assert benjamini_hochberg([0.01, 0.04, None, 0.03]) == pytest.approx([0.03, 0.04, None, 0.04])
    assert benjamini_hochberg([None]) == [None]


# Backtest


@pytest.fixture
def tiered_deals():
    """Tier 1 accounts won 8 of 10 deals in March, Tier 2 accounts won 2 of 10."""
    for index in range(10):
        tier_one = make_account(icp_tier=1, employee_count=5000)
        tier_two = make_account(icp_tier=2, employee_count=10)
        status_one = "won" if index < 8 else "lost"
        status_two = "won" if index < 2 else "lost"
        make_deal(tier_one, status=status_one, created=date(2024, 2, 1), closed=date(2024, 3, 1), amount=100 * (index + 1))
        make_deal(tier_two, status=status_two, created=date(2024, 3, 1), closed=date(2024, 3, 11), amount=50)


@pytest.mark.django_db
def test_backtest_win_rates_with_intervals(tiered_deals):
    result = icp_backtest(period=MARCH)
    tiers = {outcome.group.label: outcome for outcome in result.tiers}

    assert tiers["Tier 1"].closed == 10
    assert tiers["Tier 1"].win_rate == pytest.approx(0.8)
    assert (tiers["Tier 1"].win_rate_low, tiers["Tier 1"].win_rate_high) == pytest.approx((0.490162, 0.943318), abs=1e-6)
    assert tiers["Tier 2"].win_rate == pytest.approx(0.2)
    assert tiers["Tier 3"].closed == 0
    assert tiers["Tier 3"].win_rate is None
    assert tiers["All deals"].closed == 20
    first = result.comparisons[0]
    assert (first["upper"], first["lower"]) == ("Tier 1", "Tier 2")
    assert first["p_value"] == pytest.approx(0.023014, abs=1e-6)
    assert first["upper_wins_more"] is True


@pytest.mark.django_db
def test_backtest_deal_size_and_cycle_intervals(tiered_deals):
    tiers = {outcome.group.label: outcome for outcome in icp_backtest(period=MARCH).tiers}

    # Won Tier 1 deals are 100..800: mean 450, sample standard deviation 244.95.
    assert tiers["Tier 1"].avg_deal_size == pytest.approx(450)
    half_width = 2.364624 * 244.948974 / 8**0.5
    assert tiers["Tier 1"].deal_size_low == pytest.approx(450 - half_width, rel=1e-5)
    assert tiers["Tier 1"].cycle_days == pytest.approx(29)
    assert tiers["Tier 2"].cycle_days == pytest.approx(10)
    # Every won Tier 2 cycle is 10 days, so the interval has no width.
    assert tiers["Tier 2"].cycle_low == pytest.approx(10)


@pytest.mark.django_db
def test_backtest_of_draft_model(tiered_deals):
    draft = icp_model_create(
        name="Headcount only",
        criteria=[{"label": "Large", "points": 10, "field": "employee_count", "minimum": 1000, "maximum": None}],
        tier_1_min_score=80,
        tier_2_min_score=50,
        tier_3_min_score=20,
    )
    result = icp_backtest(period=MARCH, basis="draft", model_id=draft.pk)
    tiers = {outcome.group.label: outcome for outcome in result.tiers}

    # The draft puts the large accounts in Tier 1 and the small ones outside the ICP.
    assert tiers["Tier 1"].win_rate == pytest.approx(0.8)
    assert tiers["Tier 2"].closed == 0
    assert tiers["Not ICP"].win_rate == pytest.approx(0.2)
    assert "Headcount only" in result.label


@pytest.mark.django_db
def test_backtest_rejects_unknown_model():
    with pytest.raises(ValueError, match="ICP model 999 was not found"):
        icp_backtest(period=MARCH, basis="draft", model_id=999)


@pytest.mark.django_db
def test_backtest_as_of_entry_uses_tier_history(django_user_model):
    from segmentation.models import RecomputeRun

    account = make_account(icp_tier=1)
    run = RecomputeRun.objects.create(trigger="cli", full=True, as_of=local(date(2024, 3, 15)), active=None)
    TierChange.objects.create(
        account=account, run=run, from_tier=3, to_tier=1, reason="score", changed_at=local(date(2024, 3, 15))
    )
    make_deal(account, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 20), amount=10)
    make_deal(account, status="lost", created=date(2024, 3, 16), closed=date(2024, 3, 20), amount=10)

    tiers = {outcome.group.label: outcome for outcome in icp_backtest(period=MARCH, basis="entry").tiers}

    # The first deal was created while the account was Tier 3, the second after it moved to Tier 1.
    assert tiers["Tier 3"].won == 1
    assert tiers["Tier 1"].closed == 1
    assert tiers["Tier 1"].won == 0


# Overlap and verdicts


@pytest.fixture
def verdict_world():
    """Forty accounts with one closed deal each, in four blocks of ten.

    Block A won 5 of 10, block B won all 10, block C won 5 of 10 and block D
    lost all 10, so the overall win rate is 20 of 40.
    """
    blocks = {}
    for name, wins in (("a", 5), ("b", 10), ("c", 5), ("d", 0)):
        blocks[name] = []
        for index in range(10):
            account = make_account(f"{name}{index}")
            make_deal(account, status="won" if index < wins else "lost", created=date(2024, 3, 1),
                      closed=date(2024, 3, 5), amount=100)
            blocks[name].append(account)
    segments = {
        "even": make_segment("Even"),
        "even_twin": make_segment("Even twin"),
        "winners": make_segment("Winners"),
        "lonely": make_segment("Lonely"),
    }
    for account in blocks["a"]:
        add_member(segments["even"], account, entered=date(2024, 1, 1))
    for account in blocks["a"][:9]:
        add_member(segments["even_twin"], account, entered=date(2024, 1, 1))
    for account in blocks["b"]:
        add_member(segments["winners"], account, entered=date(2024, 1, 1))
    for account in blocks["c"]:
        add_member(segments["lonely"], account, entered=date(2024, 1, 1))
    return segments


@pytest.mark.django_db
@pytest.mark.usefixtures("membership_source")
def test_overlap_matrix_counts_and_jaccard(verdict_world):
    segments = list(verdict_world.values())
    overlap = overlap_matrix(segments=segments)
    even, twin, winners = verdict_world["even"], verdict_world["even_twin"], verdict_world["winners"]

    assert overlap.sizes[even.pk] == 10
    assert overlap.shared.at[even.pk, twin.pk] == 9
    assert overlap.shared.at[twin.pk, even.pk] == 9
    assert overlap.jaccard.at[even.pk, twin.pk] == pytest.approx(0.9)
    assert overlap.jaccard.at[even.pk, winners.pk] == 0
    assert overlap.pairs()[0][:2] == (even, twin)


@pytest.mark.django_db
@pytest.mark.usefixtures("membership_source")
def test_overlap_ignores_former_members(verdict_world):
    even, twin = verdict_world["even"], verdict_world["even_twin"]
    twin.memberships.filter(account__name="a0").update(exited_at=local(date(2024, 2, 1)))

    overlap = overlap_matrix(segments=[even, twin])

    assert overlap.shared.at[even.pk, twin.pk] == 8
    assert overlap.jaccard.at[even.pk, twin.pk] == pytest.approx(0.8)


@pytest.mark.django_db
@pytest.mark.usefixtures("membership_source")
def test_verdicts_on_constructed_segments(verdict_world):
    verdicts = {verdict.segment.name: verdict for verdict in segment_verdicts(period=MARCH)}

    winners = verdicts["Winners"]
    assert winners.win_rate == 1.0
    assert winners.baseline_win_rate == pytest.approx(10 / 30)
    assert winners.win_rate_p == pytest.approx(0.000436, abs=1e-6)
    assert winners.differs
    assert winners.outcome == KEEP

    even = verdicts["Even"]
    assert even.win_rate_p == pytest.approx(1.0)
    assert not even.differs
    assert even.closest == verdict_world["even_twin"]
    assert even.closest_jaccard == pytest.approx(0.9)
    assert even.closest_jaccard >= DUPLICATE_JACCARD
    assert even.outcome == RETIRE
    assert any("Nearly duplicates Even twin" in reason for reason in even.reasons)
    assert verdicts["Even twin"].outcome == RETIRE

    lonely = verdicts["Lonely"]
    assert not lonely.duplicate
    assert lonely.outcome == REVIEW


@pytest.mark.django_db
@pytest.mark.usefixtures("membership_source")
def test_verdict_keeps_segment_that_drives_a_play(verdict_world):
    if not apps.is_installed("plays"):
        pytest.skip("the plays app is not installed")
    Play = apps.get_model("plays", "Play")
    play = Play.objects.create(name="Nurture", slug="nurture", motion="acquire", owner_team="marketing", status="active")
    play.entry_segments.add(verdict_world["even"])
    Play.objects.create(
        name="By rule", slug="by-rule", motion="acquire", owner_team="sales", status="active",
        entry_rule={"all": [{"segment": "even-twin"}]},
    )

    verdicts = {verdict.segment.name: verdict for verdict in segment_verdicts(period=MARCH)}

    assert verdicts["Even"].plays == ["Nurture"]
    assert verdicts["Even"].outcome == KEEP
    assert verdicts["Even twin"].plays == ["By rule"]
    assert verdicts["Even twin"].outcome == KEEP


@pytest.mark.django_db
@pytest.mark.usefixtures("membership_source")
def test_verdicts_with_no_closed_deals():
    segment = make_segment("Quiet")
    add_member(segment, make_account(), entered=date(2024, 1, 1))

    (verdict,) = segment_verdicts(period=MARCH)

    assert verdict.win_rate_p is None
    assert verdict.outcome == REVIEW
    assert "Too few closed deals" in verdict.reasons[1]


# Propensity model


@pytest.fixture
def separable_deals():
    """Large accounts won 45 of 50 deals, small ones 5 of 50; the ICP score follows headcount."""
    for index in range(50):
        large = make_account(employee_count=5000 + index, icp_score=90, industry="Software")
        small = make_account(employee_count=20 + index, icp_score=10, industry="Retail")
        make_deal(large, status="won" if index < 45 else "lost", created=date(2024, 1, 1), closed=date(2024, 3, 1))
        make_deal(small, status="won" if index < 5 else "lost", created=date(2024, 1, 1), closed=date(2024, 3, 1))


@pytest.mark.django_db
def test_propensity_model_learns_headcount(separable_deals):
    from insights.propensity import propensity_fit

    result = propensity_fit(period=MARCH)

    assert result.deals == 100
    assert result.held_out == 25
    assert result.model_auc > 0.8
    assert result.rule_auc > 0.8
    top_features = [name for name, _ in result.weights[:3]]
    assert "log employee_count" in top_features or "industry = Software" in top_features
    assert dict(result.weights)["log employee_count"] > 0


@pytest.mark.django_db
def test_propensity_needs_enough_deals(tiered_deals):
    from insights.propensity import NotEnoughDeals, propensity_fit

    with pytest.raises(NotEnoughDeals, match="it has 10 won and 10 lost"):
        propensity_fit(period=MARCH)
