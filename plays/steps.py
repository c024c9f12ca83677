"""The recompute pipeline's steps of this app, listed in config/pipeline.py.

Both run in the publishing phase, after segment memberships: journey rules
may reference segments, and play exits may use the journey stage. The
enrollment step covers every account on every run, because time alone
moves SLA states and time limits. Journey placement reads only what
segment rules read, so an incremental run that changed none of it skips it.
"""

from accounts.pipeline import PipelineStep
from segmentation.steps import run_has_rule_inputs_changed

from .models import JourneyStage
from .services import enrollments_recompute, journey_stages_place


def journey_publish(context):
    if not context.full and not run_has_rule_inputs_changed(context):
        return {"journey_stage_moves": 0}
    result = journey_stages_place(now=context.now, run=context.run_id)
    return {"journey_stage_moves": result["moved"]}


def journey_ladder_fingerprint():
    """Return the ladder's keys, positions and rules, so an edited ladder makes the next run a full one."""
    return repr(list(JourneyStage.objects.order_by("position").values_list("key", "position", "rule")))


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


JOURNEY_STEP = PipelineStep(
    name="journey_stages", publish=journey_publish, config_fingerprint=journey_ladder_fingerprint
)
ENROLLMENT_STEP = PipelineStep(name="play_enrollments", publish=enrollments_publish)
