"""Writes to plays: save with cadence steps, status changes, steps marked done."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import IcpTier, LifecycleStage
from segmentation.models import ObjectType, Segment
from segmentation.rules import validate_rule

from ..criteria import PlayCriteria
from ..models import CadenceStep, Enrollment, EnrollmentStatus, JourneyStage, Kpi, Play, PlayStatus, StepCompletion

# The fields of a cadence step that a play's editor and API set.
STEP_FIELDS = ("day_offset", "channel", "action", "owner_role")

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


class PlayChangedError(Exception):
    """A save based on a version of a play that another save has replaced."""


def play_version(play: Play) -> str:
    """Return the version of a play: its updated_at in UTC to the microsecond, which every save changes."""
    return play.updated_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def play_lock_unchanged(*, play: Play, version: str) -> Play:
    """Lock a play's row for the enclosing transaction and return it, if it is still at the given version.

    Raises PlayChangedError when the version is missing or another save
    changed the play since that version was read. The lock makes a second
    save of the same version wait here, then fail the check, instead of
    overwriting the first.
    """
    current = Play.objects.select_for_update().get(pk=play.pk)
    if not version:
        raise PlayChangedError(
            "The form did not include the version of the play it edits, so your changes were not saved: "
            "open the editor again and save from there."
        )
    if play_version(current) != version:
        saved_at = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
        raise PlayChangedError(
            f"Someone saved this play at {saved_at} after you opened the editor, so your changes were not "
            "saved: open the play again to see theirs, then make yours."
        )
    return current


def play_save(*, play: Play, segment_ids, steps: list[dict] | None) -> Play:
    """Validate and save a new or edited play with its entry segments and cadence steps.

    steps is the whole cadence in order, as dicts of day_offset, channel,
    action, owner_role and an optional id, or None to keep the stored steps.
    Stored steps that the new cadence matches (see match_cadence_steps) are
    updated in place, so reps' completions of them stay. The other stored
    steps are deleted with their completions.
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

    step_objects, step_errors = match_cadence_steps(play=play, steps=steps) if steps is not None else ([], {})
    for index, step in enumerate(step_objects):
        try:
            step.full_clean(exclude=["play"])
        except ValidationError as error:
            problems = step_errors.setdefault(index, {})
            for field, messages in error.message_dict.items():
                problems.setdefault(field, []).extend(messages)
    if field_errors or step_errors:
        raise PlayValidationError(field_errors, step_errors)

    with transaction.atomic():
        play.save()
        play.entry_segments.set(segment_ids)
        if steps is not None:
            _cadence_steps_store(play, step_objects)
    return play


def match_cadence_steps(*, play: Play, steps: list[dict]) -> tuple[list[CadenceStep], dict[int, dict[str, list[str]]]]:
    """Build the new cadence of a play from step dicts and return it with the errors of the step ids by index.

    A step with an id updates the stored step of this play with that id. A
    step without one updates the stored step at the same index in the cadence
    as the editor and the API list it (by day, then position), unless another
    step of the request names that stored step by its id. Every other step is
    new. The returned steps take positions 1 to N in the order sent, and
    those that match a stored step carry its primary key.
    """
    stored = list(play.steps.all()) if play.pk else []
    stored_ids = {step.pk for step in stored}
    sent_ids = {step["id"] for step in steps if step.get("id") is not None}
    matched_ids = set()
    step_objects, errors = [], {}
    for index, values in enumerate(steps):
        values = dict(values)
        step_id = values.pop("id", None)
        if step_id is None and index < len(stored) and stored[index].pk not in sent_ids:
            step_id = stored[index].pk
        elif step_id is not None and step_id not in stored_ids:
            errors[index] = {"id": [
                f"No step of this play has the id {step_id!r}. It may have been removed after the cadence "
                "was read: reload the play and send the step ids it lists, or leave id out to add a new step."
            ]}
            step_id = None
        elif step_id is not None and step_id in matched_ids:
            errors[index] = {"id": [
                f"The step id {step_id!r} appears more than once: send each stored step once, "
                "and leave id out on the copies to add them as new steps."
            ]}
            step_id = None

        step = CadenceStep(play=play, position=index + 1, **values)
        if step_id is not None:
            matched_ids.add(step_id)
            step.pk = step_id
            # The row exists, so full_clean must not report its id as taken.
            step._state.adding = False
        step_objects.append(step)
    return step_objects, errors


def _cadence_steps_store(play: Play, step_objects: list[CadenceStep]) -> None:
    """Replace the stored cadence of a play with step_objects, from match_cadence_steps.

    Deleting the stored steps that no step matched deletes their completions
    too (CASCADE). The matched steps first move past every stored and new
    position, because the unique (play, position) constraint is checked
    row by row on PostgreSQL and SQLite, so steps that swap places would
    collide in a single UPDATE.
    """
    # NOTE: a matched step that another save deletes after match_cadence_steps read it is
    # not recreated. The API's update locks the play row first, but the editor does not.
    for step in step_objects:
        step.play = play
    matched = [step for step in step_objects if step.pk is not None]
    added = [step for step in step_objects if step.pk is None]
    play.steps.exclude(pk__in=[step.pk for step in matched]).delete()
    if matched:
        highest = play.steps.aggregate(highest=Max("position"))["highest"] or 0
        play.steps.update(position=F("position") + max(highest, len(step_objects)))
        CadenceStep.objects.bulk_update(matched, ["position", *STEP_FIELDS])
    CadenceStep.objects.bulk_create(added)


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
