from .segments import Lens, ObjectType, Segment, SegmentMembership, SegmentStatus, SegmentVersion

__all__ = [
    "Lens",
    "ObjectType",
    "Segment",
    "SegmentMembership",
    "SegmentStatus",
    "SegmentVersion",
]
