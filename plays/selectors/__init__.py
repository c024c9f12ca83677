from .changes import enrollment_changes
from .journeys import journey_accounts, journey_heatmap, journey_ladder
from .plays import (
    enrollments_with_live_sla,
    play_enrollments,
    play_entry_preview,
    play_kpis,
    play_list,
    play_sla_summary,
)
from .work_queue import account_enrollments, slas_needing_attention, steps_due, work_queue

__all__ = [
    "account_enrollments",
    "enrollment_changes",
    "enrollments_with_live_sla",
    "journey_accounts",
    "journey_heatmap",
    "journey_ladder",
    "play_enrollments",
    "play_entry_preview",
    "play_kpis",
    "play_list",
    "play_sla_summary",
    "slas_needing_attention",
    "steps_due",
    "work_queue",
]
