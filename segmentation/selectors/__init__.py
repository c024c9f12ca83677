from .segments import (
    record_segments,
    segment_entries,
    segment_exits,
    segment_list,
    segment_members,
)

__all__ = ["record_segments", "segment_entries", "segment_exits", "segment_list", "segment_members"]
