"""Segment verdicts: does a segment drive a play, change outcomes, or repeat another segment?

Each active account segment gets three checks:

1. Drives a play: an active play names it among its entry segments or in
   its entry rule.
2. Changes outcomes: its members' deals closed in the period differ from
   everyone else's, unassigned deals included. Win rate is compared by
   Fisher's exact test on won and lost counts, and mean won deal size by
   Welch's t-test. The p-values of all segments and both
   tests are adjusted together with the Benjamini-Hochberg procedure, and
   a difference counts when its adjusted p-value is below 0.05.
3. Distinct: no other active segment shares members with a Jaccard index
   of DUPLICATE_JACCARD or more.

A segment that fails all three is a candidate to retire. One that drives no
play and changes no outcome but is distinct is marked for review.
"""

import math
from dataclasses import dataclass, field

from django.apps import apps
from scipy import stats

from segmentation.models import ObjectType, Segment, SegmentStatus

from .currency import convert_frame, rates_on
from .kpis.groups import SegmentGrouping
from .kpis.facts import current_figures
from .kpis.queries import TOTAL
from .overlap import overlap_matrix
from .stats import benjamini_hochberg, fisher_exact_p

DUPLICATE_JACCARD = 0.8
SIGNIFICANCE = 0.05

KEEP = "keep"
REVIEW = "review"
RETIRE = "retire"


@dataclass
class Verdict:
    segment: Segment
    plays: list
    closed: int
    win_rate: float | None
    baseline_win_rate: float | None
    win_rate_p: float | None = None
    deal_size_p: float | None = None
    win_rate_p_adjusted: float | None = None
    deal_size_p_adjusted: float | None = None
    closest: Segment | None = None
    closest_jaccard: float = 0.0
    avg_deal_size: float | None = None
    baseline_deal_size: float | None = None
    reasons: list = field(default_factory=list)
    outcome: str = KEEP

    @property
    def drives_play(self):
        return bool(self.plays)

    @property
    def differs(self):
        adjusted = [p for p in (self.win_rate_p_adjusted, self.deal_size_p_adjusted) if p is not None]
        return any(p < SIGNIFICANCE for p in adjusted)

    @property
    def duplicate(self):
        return self.closest is not None and self.closest_jaccard >= DUPLICATE_JACCARD


def active_segments():
    return list(
        Segment.objects.filter(status=SegmentStatus.ACTIVE, object_type=ObjectType.ACCOUNTS).order_by("name", "id")
    )


def segment_verdicts(*, period, segments=None):
    """Check every active account segment (or the given ones) and decide keep, review or retire."""
    segments = active_segments() if segments is None else list(segments)
    if not segments:
        return []
    grouping = SegmentGrouping(segments)
    sums = _deal_sums(grouping, period)
    overlap = overlap_matrix(segments=segments)
    plays = plays_by_segment(segments)

    verdicts = [_deal_tests(segment, sums, plays.get(segment.pk, [])) for segment in segments]
    _adjust(verdicts)
    for verdict in verdicts:
        verdict.closest, verdict.closest_jaccard = overlap.closest(verdict.segment)
        _decide(verdict)
    return verdicts


def _deal_sums(grouping, period):
    figures, _ = current_figures(grouping, period, deals_only=True)
    if figures.empty:
        return {}
    convert_frame(figures, rates_on(period.end), money_columns=["won_amount"], squared_columns=["won_amount_sq"])
    figures.loc[figures["won_amount"].isna(), "won_amount_n"] = 0
    figures["won_amount"] = figures["won_amount"].fillna(0)
    figures["won_amount_sq"] = figures["won_amount_sq"].fillna(0)
    columns = ["won_n", "lost_n", "won_amount", "won_amount_n", "won_amount_sq"]
    figures[columns] = figures[columns].astype(float)
    figures["group_key"] = figures["group_key"].astype(str)
    return {key: rows[columns].sum().to_dict() for key, rows in figures.groupby("group_key")}


def _rest(sums, key):
    """Return the figures of every deal outside the group: the total minus the group."""
    total = sums.get(TOTAL, {})
    own = sums.get(key, {})
    return {name: total.get(name, 0.0) - own.get(name, 0.0) for name in total}


def _deal_tests(segment, sums, plays):
    key = str(segment.pk)
    own, rest = sums.get(key, {}), _rest(sums, key)
    won, closed = own.get("won_n", 0), own.get("won_n", 0) + own.get("lost_n", 0)
    rest_won, rest_closed = rest.get("won_n", 0), rest.get("won_n", 0) + rest.get("lost_n", 0)
    verdict = Verdict(
        segment=segment,
        plays=plays,
        closed=int(closed),
        win_rate=won / closed if closed else None,
        baseline_win_rate=rest_won / rest_closed if rest_closed else None,
        avg_deal_size=_mean(own),
        baseline_deal_size=_mean(rest),
    )
    verdict.win_rate_p = fisher_exact_p(int(won), int(closed), int(rest_won), int(rest_closed))
    verdict.deal_size_p = _welch_p(own, rest)
    return verdict


def _mean(sums):
    count = sums.get("won_amount_n", 0)
    return sums["won_amount"] / count if count else None


def _welch_p(own, rest):
    """Welch's t-test on mean won deal size from counts, sums and sums of squares; None below two deals a side."""
    parts = []
    for sums in (own, rest):
        count = sums.get("won_amount_n", 0)
        if count < 2:
            return None
        mean = sums["won_amount"] / count
        variance = max((sums["won_amount_sq"] - count * mean * mean) / (count - 1), 0.0)
        parts.append((mean, math.sqrt(variance), count))
    (mean_a, std_a, n_a), (mean_b, std_b, n_b) = parts
    if std_a == 0 and std_b == 0:
        return None if mean_a == mean_b else 0.0
    result = stats.ttest_ind_from_stats(mean_a, std_a, n_a, mean_b, std_b, n_b, equal_var=False)
    return float(result.pvalue)


def _adjust(verdicts):
    raw = [p for verdict in verdicts for p in (verdict.win_rate_p, verdict.deal_size_p)]
    adjusted = benjamini_hochberg(raw)
    for index, verdict in enumerate(verdicts):
        verdict.win_rate_p_adjusted, verdict.deal_size_p_adjusted = adjusted[2 * index], adjusted[2 * index + 1]


def _decide(verdict):
    reasons = []
    if verdict.drives_play:
        reasons.append("Drives " + ", ".join(verdict.plays) + ".")
    else:
        reasons.append("Drives no active play.")
    if verdict.differs:
        reasons.append("Outcomes differ from the other accounts' beyond chance (adjusted p < 0.05).")
    elif verdict.win_rate_p is None:
        reasons.append(f"Too few closed deals to compare with the other accounts ({verdict.closed} closed).")
    else:
        reasons.append("Win rate and deal size do not differ from the other accounts' beyond chance.")
    if verdict.duplicate:
        reasons.append(
            f"Nearly duplicates {verdict.closest.name}: Jaccard index {verdict.closest_jaccard:.2f}, "
            f"at least {DUPLICATE_JACCARD:.2f}."
        )
    elif verdict.closest is not None:
        reasons.append(f"Distinct: closest is {verdict.closest.name} at Jaccard {verdict.closest_jaccard:.2f}.")
    else:
        reasons.append("Distinct: shares no members with another active segment.")

    if not verdict.drives_play and not verdict.differs and verdict.duplicate:
        verdict.outcome = RETIRE
    elif not verdict.drives_play and not verdict.differs:
        verdict.outcome = REVIEW
    else:
        verdict.outcome = KEEP
    verdict.reasons = reasons


def plays_by_segment(segments):
    """Names of the active plays whose entry criteria name each segment, keyed by segment id."""
    if not apps.is_installed("plays"):
        return {}
    Play = apps.get_model("plays", "Play")
    by_id = {segment.pk: segment for segment in segments}
    by_slug = {segment.slug: segment.pk for segment in segments}
    found = {}
    for play in Play.objects.filter(status="active").prefetch_related("entry_segments").order_by("name"):
        named = {segment.pk for segment in play.entry_segments.all() if segment.pk in by_id}
        named |= {by_slug[slug] for slug in _rule_segment_slugs(play.entry_rule) if slug in by_slug}
        for segment_id in named:
            found.setdefault(segment_id, []).append(play.name)
    return found


def _rule_segment_slugs(node):
    """Return every slug a rule names in a {"segment": slug} condition."""
    if isinstance(node, dict):
        slugs = [node["segment"]] if isinstance(node.get("segment"), str) else []
        for value in node.values():
            slugs.extend(_rule_segment_slugs(value))
        return slugs
    if isinstance(node, list):
        return [slug for item in node for slug in _rule_segment_slugs(item)]
    return []
