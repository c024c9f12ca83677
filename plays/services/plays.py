"""Writes to plays: save with cadence steps, status changes, steps marked done."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.models import IcpTier, LifecycleStage
from segmentation.models import ObjectType, Segment
from segmentation.rules import validate_rule

from ..criteria import PlayCriteria
from ..models import CadenceStep, Enrollment, EnrollmentStatus, JourneyStage, Kpi, Play, PlayStatus, StepCompletion

# The status changes RevOps can make; retired is final.
STATUS_CHANGES = {
    PlayStatus.DRAFT: {PlayStatus.ACTIVE, PlayStatus.RETIRED},
    PlayStatus.ACTIVE: {PlayStatus.PAUSED, PlayStatus.RETIRED},
    PlayStatus.PAUSED: {PlayStatus.ACTIVE, PlayStatus.RETIRED},
    PlayStatus.RETIRED: set(),
}


class PlayValidationError(ValidationError):
    """Problems of a play's settings by field, and of its cadence steps by step index (0 for the first step).

    The messages by field, which forms show, list each step's problems
    under NON_FIELD_ERRORS as "step N: field: message".
    """

    def __init__(self, field_errors: dict[str, list[str]], step_errors: dict[int, dict[str, list[str]]]):
        messages = {field: list(problems) for field, problems in field_errors.items()}
        for index, problems in sorted(step_errors.items()):
            lines = [f"{field}: {message}" for field, field_messages in problems.items() for message in field_messages]
            messages.setdefault(NON_FIELD_ERRORS, []).append(f"step {index + 1}: {'; '.join(lines)}")
        super().__init__(messages)
        self.field_errors = field_errors
        self.step_errors = step_errors


def _unknown(values, allowed):
    return [value for value in values if value not in allowed]


def _check_list(errors, field, values, allowed, what):
    if not isinstance(values, list):
        errors[field] = f"Expected a list of {what}, got {values!r}."
        return
    unknown = _unknown(values, allowed)
    if unknown:
        errors[field] = f"Unknown {what}: {', '.join(map(repr, unknown))}. Allowed: {', '.join(map(str, allowed))}."


def play_validate(*, play: Play, segment_ids) -> None:
    """Raise ValidationError, keyed by field, for every problem in a play's settings."""
    errors = {}
    try:
        play.full_clean(exclude=["entry_segments"], validate_unique=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    if play.slug in RESERVED_SLUGS:
        errors["slug"] = (
            f"The slug {play.slug!r} is the address of a plays page: choose another, such as {play.slug}-play."
        )

    _check_list(errors, "eligible_tiers", play.eligible_tiers, IcpTier.values, "tiers")
    stages = LifecycleStage.values
    _check_list(errors, "entry_lifecycle_stages", play.entry_lifecycle_stages, stages, "lifecycle stages")
    _check_list(errors, "exit_lifecycle_stages", play.exit_lifecycle_stages, stages, "lifecycle stages")
    journey_keys = list(JourneyStage.objects.values_list("key", flat=True))
    _check_list(errors, "exit_journey_stages", play.exit_journey_stages, journey_keys, "journey stages")
    _check_list(errors, "kpis", play.kpis, Kpi.values, "KPIs")

    if play.entry_rule:
        rule_errors = validate_rule(play.entry_rule, object_type="accounts")
        if rule_errors:
            errors["entry_rule"] = [str(error) for error in rule_errors]

    segment_ids = list(segment_ids)
    contact_segments = Segment.objects.filter(id__in=segment_ids).exclude(object_type=ObjectType.ACCOUNTS)
    if contact_segments.exists():
        names = ", ".join(contact_segments.values_list("name", flat=True))
        errors["entry_segments"] = f"Plays enroll accounts, so entry segments must be account segments: {names}."

    if play.sla_hours and play.sla_at_risk_hours >= play.sla_hours:
        errors["sla_at_risk_hours"] = (
            f"The at-risk warning ({play.sla_at_risk_hours} hours) must be shorter than the SLA "
            f"({play.sla_hours} hours)."
        )
    if play.status == PlayStatus.ACTIVE and not _has_entry_criteria(play, segment_ids):
        errors.setdefault("__all__", []).append(
            "An active play needs at least one entry criterion: a segment, a tier, a lifecycle stage or a rule."
        )
    if errors:
        raise ValidationError(errors)


def _has_entry_criteria(play, segment_ids):
    criteria = PlayCriteria(
        segment_ids=tuple(segment_ids),
        tiers=tuple(play.eligible_tiers or ()),
        lifecycle_stages=tuple(play.entry_lifecycle_stages or ()),
        rule=play.entry_rule or None,
    )
    return criteria.has_entry_criteria


# Paths under /plays/ that a play's slug must not take.
RESERVED_SLUGS = {"new", "preview", "queue", "journeys", "enrollments"}


def unique_play_slug(name: str, *, exclude_pk=None) -> str:
    """Return a slug made from name that no other play uses and no page path takes."""
    base = slugify(name)[:56] or "play"
    if base in RESERVED_SLUGS:
        base = f"{base}-play"
    slug, number = base, 2
    while Play.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def play_save(*, play: Play, segment_ids, steps: list[dict] | None) -> Play:
    """Validate and save a new or edited play with its entry segments and cadence steps.

    steps is the whole cadence, as dicts of day_offset, channel, action and
    owner_role in order; it replaces the stored steps, and None keeps them.
    Raises PlayValidationError with every problem of the settings and the
    steps. Settings apply from the next recompute: enrolled accounts keep
    their SLA due times.
    """
    if not play.slug:
        play.slug = unique_play_slug(play.name, exclude_pk=play.pk)
    field_errors = {}
    try:
        play_validate(play=play, segment_ids=segment_ids)
    except ValidationError as error:
        field_errors = error.message_dict

    step_objects = [CadenceStep(play=play, position=index + 1, **step) for index, step in enumerate(steps or [])]
    step_errors = {}
    for index, step in enumerate(step_objects):
        try:
            step.full_clean(exclude=["play"])
        except ValidationError as error:
            step_errors[index] = error.message_dict
    if field_errors or step_errors:
        raise PlayValidationError(field_errors, step_errors)

    with transaction.atomic():
        play.save()
        play.entry_segments.set(segment_ids)
        if steps is not None:
            play.steps.all().delete()
            for step in step_objects:
                step.play = play
            CadenceStep.objects.bulk_create(step_objects)
    return play


def play_status_set(*, play: Play, status: str) -> Play:
    """Move a play to another status; enrollments follow at the next recompute.

    Retiring closes every open enrollment at the next recompute; pausing
    keeps them but admits no one and exits no one until the play is active.
    """
    if status not in PlayStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}. Allowed: {', '.join(PlayStatus.values)}."})
    current = PlayStatus(play.status)
    if status not in STATUS_CHANGES[current]:
        allowed = ", ".join(sorted(STATUS_CHANGES[current])) or "none, a retired play stays retired"
        raise ValidationError({"status": f"A {current.label.lower()} play cannot become {status}. Allowed: {allowed}."})
    play.status = status
    play_validate(play=play, segment_ids=play.entry_segments.values_list("id", flat=True))
    play.save(update_fields=["status", "updated_at"])
    return play


def cadence_step_complete(*, enrollment: Enrollment, step: CadenceStep, user, now: datetime.datetime) -> StepCompletion:
    """Mark a cadence step done for an active enrollment; marking it again keeps the first record."""
    if step.play_id != enrollment.play_id:
        raise ValidationError(f"Step {step.pk} belongs to another play than enrollment {enrollment.pk}.")
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError(
            f"Enrollment {enrollment.pk} is {enrollment.status}; only active enrollments have steps due."
        )
    try:
        with transaction.atomic():
            completion, _ = StepCompletion.objects.get_or_create(
                enrollment=enrollment, step=step, defaults={"completed_at": now, "completed_by": user}
            )
    except IntegrityError:
        completion = StepCompletion.objects.get(enrollment=enrollment, step=step)
    return completion
