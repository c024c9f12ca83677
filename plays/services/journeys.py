"""Journey placement and the editing of the journey ladder."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, Value, When

from accounts.models import Account
from segmentation.rules import compile_rule, validate_rule

from ..models import JourneyStage

logger = logging.getLogger(__name__)


def journey_stage_expression(stages, *, now: datetime.datetime):
    """Build the journey stage of an account as one CASE over the stages' rules.

    stages are checked from the highest position down, so an account that
    meets several stages gets the most advanced. The first stage without a
    rule catches every account not placed above it. Without such a stage, an
    account that meets no rule gets the empty stage.
    """
    whens = []
    default = Value("")
    for stage in sorted(stages, key=lambda item: item.position, reverse=True):
        if not stage.rule:
            default = Value(stage.key)
            break
        whens.append(When(compile_rule(stage.rule, object_type="accounts", now=now), then=Value(stage.key)))
    if not whens:
        return default
    return Case(*whens, default=default)


def journey_stages_place(*, now: datetime.datetime, run=None) -> dict:
    """Write every account's journey_stage from the ladder; return the moves and the count by stage."""
    stages = list(JourneyStage.objects.all())
    expression = journey_stage_expression(stages, now=now)
    with transaction.atomic():
        moved = Account.objects.exclude(journey_stage=expression).update(journey_stage=expression)
        by_stage = dict(Account.objects.order_by().values_list("journey_stage").annotate(count=Count("id")))
    logger.info("Journey placement at %s moved %d accounts", now.isoformat(), moved)
    return {"moved": moved, "by_stage": {key or "unplaced": count for key, count in by_stage.items()}}


def _clean_stage(stage):
    stage.full_clean()
    if stage.rule:
        errors = validate_rule(stage.rule, object_type="accounts")
        if errors:
            raise ValidationError({"rule": [str(error) for error in errors]})


def journey_stage_save(*, stage: JourneyStage) -> JourneyStage:
    """Validate and save a new or edited stage of the ladder."""
    if stage.pk:
        stored_key = JourneyStage.objects.filter(pk=stage.pk).values_list("key", flat=True).get()
        if stored_key != stage.key:
            raise ValidationError(
                {"key": f"The key of a stage cannot change (it is {stored_key!r}); add a new stage instead."}
            )
    _clean_stage(stage)
    stage.save()
    return stage


def journey_stage_delete(*, stage: JourneyStage) -> None:
    """Delete a stage; its accounts move at the next recompute."""
    stage.delete()
