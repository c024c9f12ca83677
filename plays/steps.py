"""The recompute pipeline's steps of this app, listed in config/pipeline.py.

Both run in the publishing phase, after segment memberships: journey rules
may reference segments, and play exits may use the journey stage. Each step
covers every account on every run, because time alone moves SLA states,
time limits and "within the last D days" windows.
"""

from accounts.pipeline import PipelineStep

from .services import enrollments_recompute, journey_stages_place


def journey_publish(context):
    result = journey_stages_place(now=context.now, run=context.run_id)
    return {"journey_stage_moves": result["moved"]}


def enrollments_publish(context):
    result = enrollments_recompute(now=context.now, run=context.run_id)
    sla = result["sla"]
    return {
        "play_entries": result["entered"] + result["promoted"],
        "play_waitlisted": result["waitlisted"],
        "play_exits": result["exited"],
        "play_overflow": result["overflow"],
        "sla_at_risk": sla.get("sla_at_risk", 0),
        "sla_breached": sla.get("sla_breached", 0),
        "sla_met": sla.get("sla_met", 0),
        "plays_invalid": len(result["skipped"]),
    }


JOURNEY_STEP = PipelineStep(name="journey_stages", publish=journey_publish)
ENROLLMENT_STEP = PipelineStep(name="play_enrollments", publish=enrollments_publish)
