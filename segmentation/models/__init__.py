from .icp import (
    CriterionKind,
    IcpCriterion,
    IcpExplanation,
    IcpModel,
    IcpModelStatus,
    IcpScoreStaging,
    OverrideEnd,
    TierChange,
    TierChangeReason,
    TierOverride,
)
from .lenses import LensSetting
from .lifecycle import DEFAULT_STAGE, STAGE_MOTIONS, LifecycleRule, LifecycleStaging, StageChange
from .runs import ChunkStatus, RecomputeChunk, RecomputeRun, RunStatus, RunTrigger
from .segments import Lens, ObjectType, Segment, SegmentMembership, SegmentStatus, SegmentVersion

__all__ = [
    "ChunkStatus",
    "CriterionKind",
    "DEFAULT_STAGE",
    "IcpCriterion",
    "IcpExplanation",
    "IcpModel",
    "IcpModelStatus",
    "IcpScoreStaging",
    "LensSetting",
    "LifecycleRule",
    "LifecycleStaging",
    "OverrideEnd",
    "RecomputeChunk",
    "RecomputeRun",
    "RunStatus",
    "RunTrigger",
    "STAGE_MOTIONS",
    "StageChange",
    "TierChange",
    "TierChangeReason",
    "TierOverride",
    "Lens",
    "ObjectType",
    "Segment",
    "SegmentMembership",
    "SegmentStatus",
    "SegmentVersion",
]
