"""Edits from the segment editor, safe against two people saving the same segment."""

from dataclasses import dataclass

from django.db import transaction

from ..models import Segment, SegmentStatus, SegmentVersion
from .segments import segment_recompute, segment_update


class SegmentEditConflict(Exception):
    """Raised when a segment changed after the editor loaded it.

    versions lists the SegmentVersion rows saved since then, oldest first,
    so the editor can show who changed what.
    """

    def __init__(self, segment, expected_version, versions):
        self.segment = segment
        self.expected_version = expected_version
        self.versions = versions
        editors = sorted({version.changed_by.get_username() if version.changed_by else "an integration" for version in versions})
        super().__init__(
            f'Segment "{segment.slug}" was changed by {", ".join(editors)} after you opened it '
            f"(version {expected_version} is now {segment.version}). Your changes were not saved."
        )


@dataclass
class SegmentEditResult:
    segment: Segment
    changed: bool
    recomputed: bool


def segment_edit_save(*, segment: Segment, expected_version: int, changed_by, now, **changes) -> SegmentEditResult:
    """Save an edit made on top of expected_version, or raise SegmentEditConflict.

    The segment row stays locked from the version check to the save, so of
    two editors who loaded the same version exactly one saves. An active
    segment's membership is recomputed at once, so lists show the new rule.
    changes are segment_update's keyword arguments (name, description,
    lens, status, rule, owner); RuleValidationError and ValidationError
    pass through unchanged.
    """
    with transaction.atomic():
        locked = Segment.objects.select_for_update().get(pk=segment.pk)
        if locked.version != expected_version:
            newer = list(
                SegmentVersion.objects.filter(segment=locked, version__gt=expected_version)
                .select_related("changed_by")
                .order_by("version")
            )
            raise SegmentEditConflict(locked, expected_version, newer)
        before = locked.version
        updated = segment_update(segment=locked, changed_by=changed_by, **changes)
        changed = updated.version != before
        recomputed = False
        if changed and updated.status == SegmentStatus.ACTIVE:
            segment_recompute(segment=updated, now=now)
            recomputed = True
    return SegmentEditResult(segment=updated, changed=changed, recomputed=recomputed)
