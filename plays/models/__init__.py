from .choices import (
    OPEN_ENROLLMENT_STATUSES,
    TOUCH_EVENT_TYPES,
    ChangeKind,
    Channel,
    Coverage,
    EnrollmentStatus,
    ExitReason,
    Kpi,
    OverflowPolicy,
    OwnerTeam,
    PlayStatus,
    SlaStatus,
    StepOwnerRole,
)
from .enrollments import Enrollment, EnrollmentChange, StepCompletion
from .journeys import JourneyStage
from .plays import PLAY_SETTINGS_FIELDS, CadenceStep, Play

__all__ = [
    "PLAY_SETTINGS_FIELDS",
    "OPEN_ENROLLMENT_STATUSES",
    "TOUCH_EVENT_TYPES",
    "CadenceStep",
    "ChangeKind",
    "Channel",
    "Coverage",
    "Enrollment",
    "EnrollmentChange",
    "EnrollmentStatus",
    "ExitReason",
    "JourneyStage",
    "Kpi",
    "OverflowPolicy",
    "OwnerTeam",
    "Play",
    "PlayStatus",
    "SlaStatus",
    "StepCompletion",
    "StepOwnerRole",
]
