"""The enrollment step: accounts that meet a play's entry criteria enter,
those that meet its exit criteria leave, and every change is logged.

Each statement covers one play's accounts at once (UPDATE or INSERT ...
SELECT); the only Python loop is over the plays.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Account
from segmentation.rules import RuleValidationError

from ..criteria import (
    PRIORITY_ORDER,
    PlayCriteria,
    entry_candidates,
    entry_condition,
    exit_stage_condition,
    to_utc,
    won_deal_since_entry,
)
from ..models import (
    OPEN_ENROLLMENT_STATUSES,
    ChangeKind,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    ExitReason,
    OverflowPolicy,
    Play,
    PlayStatus,
    SlaStatus,
)
from ..sql import analyze, insert_select
from .changes import enrollment_changes_record
from .slas import enrollment_slas_update

logger = logging.getLogger(__name__)

def _run_id(run):
    return getattr(run, "pk", run)


def sla_fields(play, now):
    """Return the SLA columns of an enrollment that enters play at now."""
    if not play.sla_hours:
        return {"sla_due_at": None, "sla_at_risk_at": None, "sla_status": ""}
    due = now + datetime.timedelta(hours=play.sla_hours)
    at_risk = due - datetime.timedelta(hours=play.sla_at_risk_hours)
    return {
        "sla_due_at": due,
        "sla_at_risk_at": at_risk,
        "sla_status": SlaStatus.AT_RISK if at_risk <= now else SlaStatus.ON_TIME,
    }


def entry_fields(play, now, run_id):
    return {
        "status": EnrollmentStatus.ACTIVE,
        "entered_at": now,
        "entered_on": timezone.localdate(now),
        "entered_run_id": run_id,
        **sla_fields(play, now),
    }


def _close(enrollments, *, reason, now, run_id):
    return enrollments.update(
        status=EnrollmentStatus.EXITED, exited_at=now, exit_reason=reason, exited_run_id=run_id, updated_at=now
    )


def _exits(play, criteria, *, now, run_id):
    """Close the play's open enrollments that meet an exit criterion; return the count by reason."""
    open_enrollments = Enrollment.objects.filter(play=play, status__in=OPEN_ENROLLMENT_STATUSES)
    active = open_enrollments.filter(status=EnrollmentStatus.ACTIVE)
    counts = {}

    # The first matching reason wins, in this order.
    if play.exit_on_won_deal:
        counts[ExitReason.DEAL_WON] = _close(
            active.filter(won_deal_since_entry()), reason=ExitReason.DEAL_WON, now=now, run_id=run_id
        )
    at_exit_stage = exit_stage_condition(criteria, prefix="account__")
    if at_exit_stage is not None:
        counts[ExitReason.STAGE_REACHED] = _close(
            open_enrollments.filter(at_exit_stage), reason=ExitReason.STAGE_REACHED, now=now, run_id=run_id
        )
    if play.exit_after_days:
        limit = now - datetime.timedelta(days=play.exit_after_days)
        counts[ExitReason.TIME_LIMIT] = _close(
            active.filter(entered_at__lte=limit), reason=ExitReason.TIME_LIMIT, now=now, run_id=run_id
        )

    # A waitlisted account that no longer meets entry stops waiting even
    # when the play keeps enrolled accounts that leave its criteria.
    meets_entry = Exists(Account.objects.filter(entry_condition(criteria, now=now), pk=OuterRef("account_id")))
    leaving = open_enrollments if play.exit_on_leaving_entry else open_enrollments.filter(
        status=EnrollmentStatus.WAITLISTED
    )
    counts[ExitReason.LEFT_ENTRY_CRITERIA] = _close(
        leaving.filter(~Q(meets_entry)), reason=ExitReason.LEFT_ENTRY_CRITERIA, now=now, run_id=run_id
    )
    return {str(reason): count for reason, count in counts.items() if count}


def _promote_waitlisted(play, *, places, now, run_id):
    """Move up to `places` waitlisted accounts into the play, first come first served."""
    waiting = Enrollment.objects.filter(play=play, status=EnrollmentStatus.WAITLISTED)
    if places is not None:
        if places <= 0:
            return 0
        first_ids = waiting.order_by("waitlisted_at", "id").values("id")[:places]
        waiting = Enrollment.objects.filter(id__in=first_ids)
    return waiting.update(**entry_fields(play, now, run_id), updated_at=now)


def _insert(play, accounts, fields, now):
    return insert_select(
        Enrollment,
        constants={"play_id": play.pk, "exit_reason": "", "updated_at": now, **fields},
        copied={"account_id": "id"},
        source=accounts,
    )


def _entries(play, criteria, *, now, run_id):
    """Enroll the play's new candidates within its cap; return the counts."""
    candidates = entry_candidates(play, criteria, now=now)
    counts = {"entered": 0, "waitlisted": 0, "promoted": 0, "overflow": 0}

    places = None
    if play.enrollment_cap is not None:
        enrolled = Enrollment.objects.filter(play=play, status=EnrollmentStatus.ACTIVE).count()
        places = max(play.enrollment_cap - enrolled, 0)
    counts["promoted"] = _promote_waitlisted(play, places=places, now=now, run_id=run_id)
    if places is None:
        counts["entered"] = _insert(play, candidates, entry_fields(play, now, run_id), now)
        return counts

    places -= counts["promoted"]
    if places > 0:
        first = candidates.order_by(*PRIORITY_ORDER)[:places]
        counts["entered"] = _insert(play, first, entry_fields(play, now, run_id), now)
    # The candidates that found no place: the same query again, now that the
    # accounts that entered have open enrollments.
    if play.overflow_policy == OverflowPolicy.WAITLIST:
        counts["waitlisted"] = _insert(
            play,
            candidates,
            {"status": EnrollmentStatus.WAITLISTED, "waitlisted_at": now, "sla_status": ""},
            now,
        )
        counts["overflow"] = counts["waitlisted"]
    else:
        counts["overflow"] = candidates.count()
    return counts


def _record_play_changes(play, *, now, run_id):
    """Log the play's exits, waitlistings and entries at now; return the rows logged."""
    enrollments = Enrollment.objects.filter(play=play)
    logged = enrollment_changes_record(
        kind=ChangeKind.EXITED, enrollments=enrollments.filter(exited_at=now), occurred_column="exited_at",
        now=now, run_id=run_id,
    )
    logged += enrollment_changes_record(
        kind=ChangeKind.WAITLISTED, enrollments=enrollments.filter(waitlisted_at=now), occurred_column="waitlisted_at",
        now=now, run_id=run_id,
    )
    logged += enrollment_changes_record(
        kind=ChangeKind.ENTERED, enrollments=enrollments.filter(entered_at=now), occurred_column="entered_at",
        now=now, run_id=run_id,
    )
    return logged


def play_enrollments_recompute(*, play: Play, now: datetime.datetime, run=None) -> dict:
    """Apply one play's exit and entry criteria at now; return the counts of the changes."""
    run_id = _run_id(run)
    now = to_utc(now)
    counts = {"exited": {}, "entered": 0, "waitlisted": 0, "promoted": 0, "overflow": 0}
    with transaction.atomic():
        if play.status == PlayStatus.RETIRED:
            open_enrollments = Enrollment.objects.filter(play=play, status__in=OPEN_ENROLLMENT_STATUSES)
            closed = _close(open_enrollments, reason=ExitReason.PLAY_RETIRED, now=now, run_id=run_id)
            counts["exited"] = {ExitReason.PLAY_RETIRED.value: closed} if closed else {}
        elif play.status == PlayStatus.ACTIVE:
            criteria = PlayCriteria.for_play(play)
            counts["exited"] = _exits(play, criteria, now=now, run_id=run_id)
            counts.update(_entries(play, criteria, now=now, run_id=run_id))
            Play.objects.filter(pk=play.pk).update(overflow_count=counts["overflow"])
        written = counts["entered"] + counts["waitlisted"] + counts["promoted"] + sum(counts["exited"].values())
        analyze(Enrollment, rows_written=written)
        logged = _record_play_changes(play, now=now, run_id=run_id)
        analyze(EnrollmentChange, rows_written=logged)
    return counts


def enrollments_recompute(*, now: datetime.datetime, run=None) -> dict:
    """Run the enrollment step for every play; return the counts by play slug and in total.

    SLAs are brought up to date before the exits, so an enrollment that
    leaves keeps the SLA state it had at its exit, and again for the new
    entries, so a first touch at the moment of entry counts at once. Draft
    and paused plays are left as they are, and so is a play whose entry rule
    no longer compiles: the result lists it under "skipped".
    """
    now = to_utc(now)
    totals = {"entered": 0, "waitlisted": 0, "promoted": 0, "exited": 0, "overflow": 0}
    by_play = {}
    skipped = {}
    with transaction.atomic():
        analyze(Enrollment, EnrollmentChange)
        sla_before = enrollment_slas_update(now=now, run=run)
        plays = Play.objects.filter(status__in=[PlayStatus.ACTIVE, PlayStatus.RETIRED]).order_by("id")
        for play in plays:
            try:
                counts = play_enrollments_recompute(play=play, now=now, run=run)
            except RuleValidationError as error:
                # A rule that was valid when saved can break later, for
                # example when a segment it references is deleted. The play
                # keeps its enrollments and the other plays still run.
                skipped[play.slug] = [str(problem) for problem in error.errors]
                logger.error(
                    "Enrollment step skipped play %s (id %s): invalid entry rule: %s", play.slug, play.pk, error
                )
                continue
            if any(counts[key] for key in ("entered", "waitlisted", "promoted", "exited", "overflow")):
                by_play[play.slug] = counts
            for key in ("entered", "waitlisted", "promoted", "overflow"):
                totals[key] += counts[key]
            totals["exited"] += sum(counts["exited"].values())
        sla_after = enrollment_slas_update(now=now, run=run, entered_now_only=True)
    sla = {key: sla_before.get(key, 0) + sla_after.get(key, 0) for key in set(sla_before) | set(sla_after)}
    logger.info("Enrollment step at %s: %s, SLA changes %s", now.isoformat(), totals, sla)
    return {**totals, "sla": sla, "plays": by_play, "skipped": skipped}
