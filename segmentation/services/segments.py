def segment_recompute(*, segment, now, run=None):
    raise NotImplementedError


def segments_recompute_all(*, now, run=None):
    raise NotImplementedError


def segment_preview(*, object_type, rule, now, segment=None, sample_size=20):
    raise NotImplementedError
