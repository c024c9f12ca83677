"""Reads of the journey ladder and the segments-by-stage heatmap."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from accounts.models import Account
from segmentation.models import ObjectType, Segment, SegmentMembership, SegmentStatus

from ..models import JourneyStage

UNPLACED = ""
UNPLACED_LABEL = "Not placed"


@dataclass
class HeatmapCell:
    stage_key: str
    count: int
    share: float


@dataclass
class HeatmapRow:
    segment: Segment
    total: int
    cells: list = field(default_factory=list)
    cluster: str | None = None


@dataclass
class Heatmap:
    columns: list  # (key, name) from the least advanced stage up, then "not placed"
    rows: list


def journey_ladder():
    """Return the stages from the most advanced down, each with its number of accounts."""
    counts = dict(Account.objects.order_by().values_list("journey_stage").annotate(n=Count("id")))
    stages = list(JourneyStage.objects.order_by("-position"))
    for stage in stages:
        stage.account_count = counts.get(stage.key, 0)
    return stages


def heatmap_counts():
    """Return {(segment id, journey stage): current members} over active account segments, in one query."""
    rows = (
        SegmentMembership.objects.filter(
            exited_at__isnull=True,
            account__isnull=False,
            segment__status=SegmentStatus.ACTIVE,
            segment__object_type=ObjectType.ACCOUNTS,
        )
        .order_by()
        .values_list("segment_id", "account__journey_stage")
        .annotate(members=Count("id"))
    )
    return {(segment_id, stage): members for segment_id, stage, members in rows}


def journey_heatmap():
    """Return active account segments against journey stages, with where each segment clusters.

    A cell's share is its part of the segment's current members. A segment
    clusters on the stage with the most members, or on the more advanced one
    of a tie. Accounts on no stage, or on a stage since deleted, fall in the
    "not placed" column.
    """
    stages = list(JourneyStage.objects.order_by("position").values_list("key", "name"))
    keys = [key for key, _ in stages]
    counts = heatmap_counts()
    segments = Segment.objects.filter(status=SegmentStatus.ACTIVE, object_type=ObjectType.ACCOUNTS).order_by("name")

    rows = []
    for segment in segments:
        by_stage = {key: counts.get((segment.pk, key), 0) for key in keys}
        by_stage[UNPLACED] = sum(
            members for (segment_id, stage), members in counts.items() if segment_id == segment.pk and stage not in keys
        )
        total = sum(by_stage.values())
        row = HeatmapRow(segment=segment, total=total)
        for key in keys + [UNPLACED]:
            row.cells.append(HeatmapCell(key, by_stage[key], by_stage[key] / total if total else 0.0))
        placed = [cell for cell in row.cells if cell.stage_key != UNPLACED and cell.count]
        if placed:
            row.cluster = max(reversed(placed), key=lambda cell: cell.count).stage_key
        rows.append(row)
    return Heatmap(columns=stages + [(UNPLACED, UNPLACED_LABEL)], rows=rows)


def journey_accounts(*, segment: Segment | None = None, stage_key: str | None = None):
    """Return the accounts of a heatmap cell: current members of segment on the journey stage.

    stage_key "" means accounts on no stage or on a stage that no longer exists.
    """
    accounts = Account.objects.select_related("owner")
    if segment is not None:
        accounts = accounts.filter(
            Exists(SegmentMembership.objects.filter(segment=segment, account_id=OuterRef("pk"), exited_at__isnull=True))
        )
    if stage_key == UNPLACED:
        accounts = accounts.exclude(journey_stage__in=JourneyStage.objects.values("key"))
    elif stage_key is not None:
        accounts = accounts.filter(journey_stage=stage_key)
    return accounts.order_by("name", "id")
