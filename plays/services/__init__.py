from .enrollments import enrollments_recompute, play_enrollments_recompute
from .journeys import journey_stage_delete, journey_stage_save, journey_stages_place
from .plays import (
    PlayValidationError,
    cadence_step_complete,
    play_save,
    play_status_set,
    play_validate,
    unique_play_slug,
)
from .slas import enrollment_slas_update

__all__ = [
    "PlayValidationError",
    "cadence_step_complete",
    "enrollment_slas_update",
    "enrollments_recompute",
    "journey_stage_delete",
    "journey_stage_save",
    "journey_stages_place",
    "play_enrollments_recompute",
    "play_save",
    "play_status_set",
    "play_validate",
    "unique_play_slug",
]
