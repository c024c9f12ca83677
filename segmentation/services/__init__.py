from .segments import segment_preview, segment_recompute, segments_recompute_all

__all__ = ["segment_preview", "segment_recompute", "segments_recompute_all"]
