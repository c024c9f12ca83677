from .segments import (
    RecomputeAllResult,
    RecomputeCounts,
    segment_create,
    segment_delete,
    segment_dependents,
    segment_explain,
    segment_preview,
    segment_recompute,
    segment_update,
    segments_recompute_all,
)

__all__ = [
    "RecomputeAllResult",
    "RecomputeCounts",
    "segment_create",
    "segment_delete",
    "segment_dependents",
    "segment_explain",
    "segment_preview",
    "segment_recompute",
    "segment_update",
    "segments_recompute_all",
]
