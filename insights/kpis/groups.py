"""Groups that KPIs are cut by, each as SQL over (group_key, account_id).

A grouping gives three relations, all built with the ORM so that time zone
handling and parameter quoting match the database:

- members now: the accounts in each group today;
- members on a day: the accounts in each group at the end of that calendar day;
- stays: (group_key, account_id, entered_on, exited_on) with local calendar
  dates, where an account belongs to the group on day d when
  entered_on <= d < exited_on (an empty bound is open). KPIs grouped as of
  entry join opportunities to stays on the opportunity's created date.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db.models import Count, F, IntegerField, Q, Value, Window
from django.db.models.functions import Coalesce, Lead, RowNumber, TruncDate

from accounts.models import Account, IcpTier
from segmentation.models import ObjectType, Segment, SegmentMembership, SegmentStatus, TierChange

from .. import combinations as segment_combinations
from .. import touches
from ..models import (
    AccountCombination,
    Grouping,
    SegmentCombination,
    SegmentCombinationMember,
    SegmentEntryCount,
)
from ..periods import local_midnight

NOT_ICP = 0
COMBINATION_TABLE = SegmentCombination._meta.db_table


class GroupingError(ValueError):
    """An unknown grouping or group; the message names it and the accepted values."""


@dataclass(frozen=True)
class Combinations:
    """Accounts sorted into disjoint combinations, and the groups each combination belongs to.

    accounts is SQL of (account_id, combination_id), one row per account at
    most; groups is SQL of (combination_id, group_key); sizes is SQL of
    (combination_id, accounts). Each is a pair of SQL and parameters. Sums
    per combination, joined to groups, give sums per group without reading a
    row per membership.
    """

    accounts: tuple
    groups: tuple
    sizes: tuple


@dataclass(frozen=True)
class Group:
    key: int
    label: str
    slug: str = ""


def keys_or_none(keys):
    """Return the keys to filter on; Django cannot compile an empty IN list, and id 0 never exists."""
    return keys or [0]


def sql_of(queryset):
    """Return the SQL and parameters of a queryset, to embed as a subquery."""
    return queryset.query.sql_with_params()


class SegmentGrouping:
    grouping = Grouping.SEGMENT
    records_first_touch = False

    def __init__(self, segments):
        self.groups = [Group(segment.pk, segment.name, segment.slug) for segment in segments]
        self.keys = [group.key for group in self.groups]

    def _memberships(self):
        return SegmentMembership.objects.filter(segment_id__in=keys_or_none(self.keys), account_id__isnull=False).order_by()

    def members_now(self):
        rows = self._memberships().filter(exited_at__isnull=True)
        return sql_of(rows.values(group_key=F("segment_id"), member_id=F("account_id")))

    def combinations(self):
        """Return the segment combinations, limited to the chosen segments, or None while they are stale.

        A stale build requests a new one, and the caller reads the memberships meanwhile.
        """
        if not segment_combinations.combinations_ready():
            return None
        rows = SegmentCombinationMember.objects.filter(segment_id__in=keys_or_none(self.keys)).order_by()
        return Combinations(
            accounts=sql_of(AccountCombination.objects.order_by().values("account_id", "combination_id")),
            groups=sql_of(rows.values("combination_id", group_key=F("segment_id"))),
            # Counted at the build, which the fingerprint check above found current.
            sizes=(f"SELECT c.id AS combination_id, c.account_count AS accounts FROM {COMBINATION_TABLE} c", ()),
        )

    def entry_counts(self, period):
        """SQL of (group_key, entries, answered, touch_microseconds) for the entries of the period, or None while stale.

        The rows come from the stored counts: the entries per entry instant,
        those with a first touch within the response window, and the time to
        those touches.
        """
        if not touches.touch_figures_ready():
            return None
        rows = SegmentEntryCount.objects.filter(
            segment_id__in=keys_or_none(self.keys), entered_at__gte=period.start_at, entered_at__lt=period.end_before
        ).order_by()
        return sql_of(rows.values("entries", "answered", "touch_microseconds", group_key=F("segment_id")))

    def members_on(self, day):
        cutoff = local_midnight(day + timedelta(days=1))
        rows = self._memberships().filter(Q(entered_at__lt=cutoff), Q(exited_at__isnull=True) | Q(exited_at__gte=cutoff))
        return sql_of(rows.values(group_key=F("segment_id"), member_id=F("account_id")))

    def stays(self):
        rows = self._memberships().values(
            group_key=F("segment_id"),
            member_id=F("account_id"),
            entered_on=TruncDate("entered_at"),
            exited_on=TruncDate("exited_at"),
        )
        return sql_of(rows)

    def entries(self, period):
        """Stays that began in the period: (group_key, member_id, entered_at, exited_at)."""
        rows = self._memberships().filter(entered_at__gte=period.start_at, entered_at__lt=period.end_before)
        return sql_of(
            rows.values(group_key=F("segment_id"), member_id=F("account_id"), start_at=F("entered_at"), end_at=F("exited_at"))
        )


class TierGrouping:
    """Tiers 1-3 and not ICP (key 0); the history comes from recorded tier changes."""

    grouping = Grouping.TIER
    records_first_touch = False

    def __init__(self):
        self.groups = [Group(tier.value, tier.label) for tier in IcpTier] + [Group(NOT_ICP, "Not ICP")]
        self.keys = [group.key for group in self.groups]

    def combinations(self):
        """Return each tier as a combination of its own, since every account is in exactly one."""
        tier = Coalesce("icp_tier", Value(NOT_ICP), output_field=IntegerField())
        tiers = Account.objects.order_by().values(account_id=F("id"), combination_id=tier)
        sizes = Account.objects.order_by().values(combination_id=tier).annotate(accounts=Count("id"))
        groups = " UNION ALL ".join(f"SELECT {key} AS combination_id, {key} AS group_key" for key in self.keys)
        return Combinations(accounts=sql_of(tiers), groups=(groups, ()), sizes=sql_of(sizes))

    def entry_counts(self, period):
        """Tier changes are counted, and matched with touches, as they are read."""
        return None

    def members_now(self):
        rows = Account.objects.order_by().values(
            group_key=Coalesce("icp_tier", Value(NOT_ICP), output_field=IntegerField()), member_id=F("id")
        )
        return sql_of(rows)

    def members_on(self, day):
        # Tier on a day: the last change before the day ended, else the tier before the first later change,
        # else today's tier.
        sql, params = self.stays()
        day_text = day.isoformat()
        return (
            f"SELECT s.group_key, s.member_id FROM ({sql}) s "
            f"WHERE (s.entered_on IS NULL OR s.entered_on <= '{day_text}') "
            f"AND (s.exited_on IS NULL OR s.exited_on > '{day_text}')",
            params,
        )

    def stays(self):
        changes = TierChange.objects.order_by().annotate(
            changed_on=TruncDate("changed_at"),
            next_on=Window(Lead(TruncDate("changed_at")), partition_by=[F("account_id")], order_by=[F("changed_at"), F("id")]),
            position=Window(RowNumber(), partition_by=[F("account_id")], order_by=[F("changed_at"), F("id")]),
        )
        after_change = changes.values(
            group_key=Coalesce("to_tier", Value(NOT_ICP), output_field=IntegerField()),
            member_id=F("account_id"),
            entered_on=F("changed_on"),
            exited_on=F("next_on"),
        )
        before_first = changes.filter(position=1).values(
            group_key=Coalesce("from_tier", Value(NOT_ICP), output_field=IntegerField()),
            member_id=F("account_id"),
            exited_on=F("changed_on"),
        )
        never_changed = Account.objects.order_by().exclude(tier_changes__isnull=False)
        unchanged = never_changed.values(
            group_key=Coalesce("icp_tier", Value(NOT_ICP), output_field=IntegerField()), member_id=F("id")
        )
        parts = [sql_of(after_change), sql_of(before_first), sql_of(unchanged)]
        sql = (
            f"SELECT group_key, member_id, entered_on, exited_on FROM ({parts[0][0]}) a "
            f"UNION ALL SELECT group_key, member_id, NULL, exited_on FROM ({parts[1][0]}) b "
            f"UNION ALL SELECT group_key, member_id, NULL, NULL FROM ({parts[2][0]}) c"
        )
        return sql, (*parts[0][1], *parts[1][1], *parts[2][1])

    def entries(self, period):
        rows = TierChange.objects.order_by().filter(changed_at__gte=period.start_at, changed_at__lt=period.end_before)
        return sql_of(
            rows.values(
                group_key=Coalesce("to_tier", Value(NOT_ICP), output_field=IntegerField()),
                member_id=F("account_id"),
                start_at=F("changed_at"),
                end_at=Value(None, output_field=TierChange._meta.get_field("changed_at")),
            )
        )


class PlayGrouping:
    """Plays, from their enrollments; an enrollment waiting for a place is not a member."""

    grouping = Grouping.PLAY
    records_first_touch = True

    def __init__(self, plays):
        self.groups = [Group(play.pk, play.name, play.slug) for play in plays]
        self.keys = [group.key for group in self.groups]

    @staticmethod
    def _enrollment_model():
        return apps.get_model("plays", "Enrollment")

    def _enrollments(self):
        return self._enrollment_model().objects.filter(play_id__in=keys_or_none(self.keys), entered_at__isnull=False).order_by()

    def combinations(self):
        """Return None: an account is in few plays at a time, so plays are read from their enrollments."""
        return None

    def members_now(self):
        rows = self._enrollments().filter(exited_at__isnull=True)
        return sql_of(rows.values(group_key=F("play_id"), member_id=F("account_id")))

    def members_on(self, day):
        cutoff = local_midnight(day + timedelta(days=1))
        rows = self._enrollments().filter(Q(entered_at__lt=cutoff), Q(exited_at__isnull=True) | Q(exited_at__gte=cutoff))
        return sql_of(rows.values(group_key=F("play_id"), member_id=F("account_id")))

    def stays(self):
        # Enrollments store their local entry date as entered_on already.
        rows = self._enrollments().annotate(
            group_key=F("play_id"), member_id=F("account_id"), exited_on=TruncDate("exited_at")
        )
        return sql_of(rows.values("group_key", "member_id", "entered_on", "exited_on"))

    def entries(self, period):
        rows = self._enrollments().filter(entered_at__gte=period.start_at, entered_at__lt=period.end_before)
        return sql_of(
            rows.values(
                group_key=F("play_id"),
                member_id=F("account_id"),
                start_at=F("entered_at"),
                end_at=F("exited_at"),
                touched_at=F("first_touch_at"),
            )
        )


def plays_available():
    return apps.is_installed("plays")


def grouping_for(name, *, segment_ids=None, play_ids=None):
    """Build the grouping named segment, tier or play; segments default to every active account segment."""
    if name == Grouping.SEGMENT:
        segments = Segment.objects.filter(object_type=ObjectType.ACCOUNTS)
        if segment_ids:
            segments = segments.filter(pk__in=segment_ids)
        else:
            segments = segments.filter(status=SegmentStatus.ACTIVE)
        return SegmentGrouping(list(segments.order_by("name", "id")))
    if name == Grouping.TIER:
        return TierGrouping()
    if name == Grouping.PLAY:
        if not plays_available():
            raise GroupingError("KPIs by play need the plays app, which is not installed.")
        plays = apps.get_model("plays", "Play").objects.all()
        if play_ids:
            plays = plays.filter(pk__in=play_ids)
        return PlayGrouping(list(plays.order_by("name", "id")))
    raise GroupingError(f"Unknown grouping {name!r}: use segment, tier or play.")
