"""Reads for the lenses overview and the segment list."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, Sum

from ..models import Lens, LensSetting, Segment, SegmentMembership, SegmentStatus
from ..rules.validation import load_segment_infos, validate_rule

TREND_DAYS = 7


@dataclass
class SegmentRow:
    segment: Segment
    entered: int = 0
    exited: int = 0
    errors: list = field(default_factory=list)

    @property
    def trend(self):
        return self.entered - self.exited


def segment_rows(*, text="", lens="", status="", owner=None, only_errors=False, now):
    """Return a SegmentRow per segment matching the filters, with entries and exits of the last days.

    Entries and exits come from two index range scans on the membership
    history, so the list stays fast however large the segments are.
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

    ids = [row.segment.pk for row in rows]
    since = now - timedelta(days=TREND_DAYS)
    entered = dict(
        SegmentMembership.objects.filter(segment_id__in=ids, entered_at__gte=since)
        .order_by()
        .values_list("segment_id")
        .annotate(n=Count("id"))
    )
    exited = dict(
        SegmentMembership.objects.filter(segment_id__in=ids, exited_at__gte=since)
        .order_by()
        .values_list("segment_id")
        .annotate(n=Count("id"))
    )
    infos = load_segment_infos()
    for row in rows:
        row.entered = entered.get(row.segment.pk, 0)
        row.exited = exited.get(row.segment.pk, 0)
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
