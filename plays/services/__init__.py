from .enrollments import enrollments_recompute, play_enrollments_recompute
from .journeys import journey_stage_delete, journey_stage_save, journey_stages_place
from .plays import (
    PlayChangedError,
    PlayValidationError,
    cadence_step_complete,
    play_lock_unchanged,
    play_save,
    play_status_set,
    play_validate,
    play_version,
    unique_play_slug,
)
from .slas import enrollment_slas_update

__all__ = [
    "PlayChangedError",
    "PlayValidationError",
    "cadence_step_complete",
    "enrollment_slas_update",
    "enrollments_recompute",
    "journey_stage_delete",
    "journey_stage_save",
    "journey_stages_place",
    "play_lock_unchanged",
    "play_enrollments_recompute",
    "play_save",
    "play_status_set",
    "play_validate",
    "play_version",
    "unique_play_slug",
]
