"""Reads on segments and their membership history."""

from django.db.models import Exists, OuterRef, Q

from ..models import Segment, SegmentMembership
from ..rules.compiler import MEMBERSHIP_COLUMNS, MODELS


def segment_list(*, status: str | None = None, lens: str | None = None, object_type: str | None = None):
    """Return segments, optionally filtered by status, lens and object type."""
    segments = Segment.objects.select_related("owner")
    if status:
        segments = segments.filter(status=status)
    if lens:
        segments = segments.filter(lens=lens)
    if object_type:
        segments = segments.filter(object_type=object_type)
    return segments


def _stays_at(at):
    """Return the condition for membership stays that were open at time at (None: now)."""
    if at is None:
        return Q(exited_at__isnull=True)
    return Q(entered_at__lte=at) & (Q(exited_at__isnull=True) | Q(exited_at__gt=at))


def segment_members(*, segment: Segment, at=None):
    """Return the accounts (or contacts) that were members of segment at time at, or now."""
    column = MEMBERSHIP_COLUMNS[segment.object_type]
    stays = SegmentMembership.objects.filter(_stays_at(at), segment=segment, **{column: OuterRef("pk")})
    return MODELS[segment.object_type].objects.filter(Exists(stays))


def segment_entries(*, segment: Segment, start, end):
    """Return the stays that began from start up to, not including, end: who joined in that period."""
    return SegmentMembership.objects.filter(segment=segment, entered_at__gte=start, entered_at__lt=end)


def segment_exits(*, segment: Segment, start, end):
    """Return the stays that ended from start up to, not including, end: who left in that period."""
    return SegmentMembership.objects.filter(segment=segment, exited_at__gte=start, exited_at__lt=end)


def record_segments(*, account=None, contact=None, at=None):
    """Return the segments an account or a contact was a member of at time at, or now."""
    if (account is None) == (contact is None):
        raise ValueError("Give exactly one of account and contact.")
    record_filter = {"account": account} if account is not None else {"contact": contact}
    stays = SegmentMembership.objects.filter(_stays_at(at), segment=OuterRef("pk"), **record_filter)
    return Segment.objects.filter(Exists(stays))
