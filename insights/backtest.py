"""ICP backtest: how closed deals turned out by tier, with 95 % confidence intervals.

Win rates get Wilson score intervals. Mean deal size and mean sales cycle
get Student's t intervals, computed from the count, sum and sum of squares
that SQL returns, so no deal is loaded into Python. A draft ICP model is
backtested by scoring today's accounts with the scoring service of the
segmentation app and grouping the same deals by the tier the draft gives.
"""

from dataclasses import dataclass, field

import pandas as pd
from django.utils import timezone

from segmentation.models import IcpModel
from segmentation.scoring import scoring_select

from .currency import convert_frame, rates_on
from .kpis.groups import NOT_ICP, Group, TierGrouping
from .kpis.queries import BASIS_CURRENT, BASIS_ENTRY, TOTAL, UNASSIGNED, deal_figures
from .models import Grouping
from .stats import fisher_exact_p, t_interval, wilson_interval

BASIS_DRAFT = "draft"


class DraftTierGrouping:
    """Tiers that a draft (or any) ICP model would give today's accounts, before any override."""

    grouping = Grouping.TIER
    records_first_touch = False

    def __init__(self, model, *, now=None):
        self.model = model
        self.now = now or timezone.now()
        self.groups = TierGrouping().groups
        self.keys = [group.key for group in self.groups]

    def members_now(self):
        criteria = list(self.model.criteria.all())
        sql, params = scoring_select(self.model, criteria, now=self.now, today=timezone.localdate(self.now))
        return f"SELECT COALESCE(s.computed_tier, {NOT_ICP}) AS group_key, s.account_id AS member_id FROM ({sql}) s", params


@dataclass
class TierOutcome:
    group: Group
    closed: int
    won: int
    win_rate: float | None
    win_rate_low: float | None
    win_rate_high: float | None
    deals_sized: int
    avg_deal_size: float | None
    deal_size_low: float | None
    deal_size_high: float | None
    cycles: int
    cycle_days: float | None
    cycle_low: float | None
    cycle_high: float | None


@dataclass
class Backtest:
    label: str
    period: object
    currency: str
    tiers: list
    comparisons: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def frame(self):
        return pd.DataFrame.from_records(
            [{"tier": outcome.group.label, **{k: v for k, v in vars(outcome).items() if k != "group"}} for outcome in self.tiers]
        )


def backtest_grouping(basis, *, model_id=None):
    """Return the tier grouping and a label for a basis: current, entry or draft (with an ICP model id)."""
    if basis == BASIS_DRAFT:
        model = IcpModel.objects.filter(pk=model_id).first() if model_id else None
        if model is None:
            raise ValueError(f"ICP model {model_id!r} was not found: pick a model from the list to backtest it.")
        return DraftTierGrouping(model), f"{model} (tiers it gives today's accounts)", BASIS_CURRENT
    if basis == BASIS_ENTRY:
        return TierGrouping(), "Published model, tier held when each deal was created", BASIS_ENTRY
    if basis == BASIS_CURRENT:
        return TierGrouping(), "Published model, tier today", BASIS_CURRENT
    raise ValueError(f"Unknown backtest basis {basis!r}: use current, entry or draft.")


def icp_backtest(*, period, basis=BASIS_CURRENT, model_id=None):
    """Win rate, deal size and cycle by tier for the deals closed in the period."""
    grouping, label, deal_basis = backtest_grouping(basis, model_id=model_id)
    rates = rates_on(period.end)
    figures = deal_figures(grouping, period, deal_basis)
    notes = []
    if not figures.empty:
        missing = convert_frame(figures, rates, money_columns=["won_amount"], squared_columns=["won_amount_sq"])
        figures.loc[figures["won_amount"].isna(), "won_amount_n"] = 0
        for currency in sorted(missing):
            notes.append(f"Won deals in {currency} are left out of deal size: no exchange rate to {rates.target}.")
        keys = figures["group_key"].astype(str)
        figures = figures.drop(columns=["currency", "group_key"]).apply(pd.to_numeric, errors="coerce")
        figures["group_key"] = keys
    outcomes = [_outcome(group, figures) for group in grouping.groups]
    unassigned = _outcome(Group(UNASSIGNED, "Unassigned"), figures)
    if unassigned.closed:
        outcomes.append(unassigned)
        notes.append(f"{unassigned.closed} closed deals have no tier on this basis and are shown as unassigned.")
    outcomes.append(_outcome(Group(TOTAL, "All deals"), figures))
    return Backtest(
        label=label, period=period, currency=rates.target, tiers=outcomes, comparisons=_adjacent(outcomes), notes=notes
    )


def _sum_for(figures, key):
    if figures.empty:
        return {}
    rows = figures[figures["group_key"] == str(key)]
    return rows.drop(columns=["group_key"]).sum(min_count=1).to_dict()


def _number(sums, name):
    value = sums.get(name)
    return 0.0 if value is None or pd.isna(value) else float(value)


def _outcome(group, figures):
    sums = _sum_for(figures, group.key)
    won, lost = int(_number(sums, "won_n")), int(_number(sums, "lost_n"))
    closed = won + lost
    low, high = wilson_interval(won, closed)
    sized = int(_number(sums, "won_amount_n"))
    size, size_low, size_high = t_interval(sized, _number(sums, "won_amount"), _number(sums, "won_amount_sq"))
    cycles = int(_number(sums, "cycle_n"))
    cycle, cycle_low, cycle_high = t_interval(cycles, _number(sums, "cycle_sum"), _number(sums, "cycle_sq"))
    return TierOutcome(
        group=group,
        closed=closed,
        won=won,
        win_rate=won / closed if closed else None,
        win_rate_low=low,
        win_rate_high=high,
        deals_sized=sized,
        avg_deal_size=size,
        deal_size_low=size_low,
        deal_size_high=size_high,
        cycles=cycles,
        cycle_days=cycle,
        cycle_low=cycle_low,
        cycle_high=cycle_high,
    )


def _adjacent(outcomes):
    """Fisher's exact test of win rate between each tier and the next one down."""
    tiers = [outcome for outcome in outcomes if outcome.group.key in (1, 2, 3, NOT_ICP)]
    comparisons = []
    for upper, lower in zip(tiers, tiers[1:]):
        p_value = fisher_exact_p(upper.won, upper.closed, lower.won, lower.closed)
        comparisons.append(
            {
                "upper": upper.group.label,
                "lower": lower.group.label,
                "p_value": p_value,
                "upper_wins_more": None if p_value is None else upper.win_rate > lower.win_rate,
            }
        )
    return comparisons
