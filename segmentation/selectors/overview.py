"""Reads for the lenses overview and the segment list."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q, Sum

from ..models import Lens, LensSetting, Segment, SegmentMembership, SegmentStatus
from ..rules.validation import load_segment_infos, validate_rule

TREND_DAYS = 7
# Entries or exits beyond this many show as "10,000+": a capped count reads
# at most this many index entries per segment.
TREND_COUNT_LIMIT = 10_000


def recent_changes(segment_ids, *, since, limit=TREND_COUNT_LIMIT):
    """Return {segment id: (entries, exits)} since a time, each counted up to limit, in one statement."""
    if not segment_ids:
        return {}
    quote = connection.ops.quote_name
    memberships = quote(SegmentMembership._meta.db_table)
    segments = quote(Segment._meta.db_table)
    since_value = connection.ops.adapt_datetimefield_value(since)
    placeholders = ", ".join(["%s"] * len(segment_ids))
    capped = (
        "(SELECT COUNT(*) FROM (SELECT 1 FROM {table} m WHERE m.segment_id = s.id AND m.{column} >= %s LIMIT %s) c)"
    )
    sql = (
        f"SELECT s.id, {capped.format(table=memberships, column='entered_at')}, "
        f"{capped.format(table=memberships, column='exited_at')} "
        f"FROM {segments} s WHERE s.id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since_value, limit, since_value, limit, *segment_ids])
        return {segment_id: (entered, exited) for segment_id, entered, exited in cursor.fetchall()}


@dataclass
class SegmentRow:
    segment: Segment
    entered: int = 0
    exited: int = 0
    errors: list = field(default_factory=list)

    @property
    def trend(self):
        return self.entered - self.exited

    @property
    def trend_is_capped(self):
        return TREND_COUNT_LIMIT in (self.entered, self.exited)


def segment_rows(*, text="", lens="", status="", owner=None, only_errors=False, now):
    """Return a SegmentRow per segment matching the filters, with entries and exits of the last days.

    Entries and exits are counted up to TREND_COUNT_LIMIT each, so the
    list stays fast however many records joined a segment.
    """
    segments = Segment.objects.select_related("owner").order_by("name", "id")
    if text:
        segments = segments.filter(Q(name__icontains=text) | Q(slug__icontains=text) | Q(description__icontains=text))
    if lens:
        segments = segments.filter(lens=lens)
    if status:
        segments = segments.filter(status=status)
    if owner is not None:
        segments = segments.filter(owner=owner)
    rows = [SegmentRow(segment) for segment in segments]
    if not rows:
        return rows

    counts = recent_changes([row.segment.pk for row in rows], since=now - timedelta(days=TREND_DAYS))
    infos = load_segment_infos()
    for row in rows:
        row.entered, row.exited = counts.get(row.segment.pk, (0, 0))
        if row.segment.status != SegmentStatus.RETIRED:
            row.errors = [
                str(error)
                for error in validate_rule(
                    row.segment.rule, object_type=row.segment.object_type, slug=row.segment.slug, segments=infos
                )
            ]
    if only_errors:
        rows = [row for row in rows if row.errors]
    return rows


def lens_overview():
    """Return one entry per lens: its segments by status and the members of its active segments."""
    counts = {}
    for row in (
        Segment.objects.order_by()
        .values("lens", "status")
        .annotate(n=Count("id"), members=Sum("member_count"))
    ):
        entry = counts.setdefault(row["lens"], {"draft": 0, "active": 0, "retired": 0, "members": 0})
        entry[row["status"]] = row["n"]
        if row["status"] == SegmentStatus.ACTIVE:
            entry["members"] = row["members"] or 0
    segments = {}
    for segment in Segment.objects.exclude(status=SegmentStatus.RETIRED).order_by("-member_count", "name"):
        segments.setdefault(segment.lens, []).append(segment)
    off = set(LensSetting.objects.filter(enabled=False).values_list("lens", flat=True))
    return [
        {
            "lens": lens,
            "label": label,
            "on": lens not in off,
            "counts": counts.get(lens, {"draft": 0, "active": 0, "retired": 0, "members": 0}),
            "segments": segments.get(lens, []),
        }
        for lens, label in Lens.choices
    ]
