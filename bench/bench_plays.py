"""Benchmark the play enrollment step on the standard data set (1,000,000 accounts).

Two active plays are created for the run and deleted after it:

- a rule play (four industries and at least 100 employees, 24-hour SLA),
  which enrolls every account that meets its rule;
- a capped play (accounts in the US, at most 20,000 at once, overflow
  skipped), which enrolls the highest ICP scores first.

The step (plays.services.enrollments_recompute) runs three times. In the
first run every account enters. A rerun at the same time changes nothing.
A run two days later records first touches and SLA breaches. The baseline is hand-written SQL that does the first run's
entries and change log (INSERT ... SELECT into copies of the two tables
with the same indexes) and its rerun, measured in the same run.

Usage: python bench/bench_plays.py
"""

import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PLAY_PREFIX = "bench-plays-"
CAPPED_PLAY_CAP = 20_000
RULE_INDUSTRIES = ["Software", "Financial Services", "Insurance", "Healthcare"]
RULE_MIN_EMPLOYEES = 100
RULE_COUNTRY = "US"
# Entry three days before the data set's as-of date, so the data contains
# touches after entry and the later run finds first touches and breaches.
ENTRY_TIME = datetime.datetime.combine(
    common.STANDARD_AS_OF - datetime.timedelta(days=3), datetime.time(12), tzinfo=datetime.timezone.utc
)
LATER_TIME = ENTRY_TIME + datetime.timedelta(days=2)

BASELINE_ENROLLMENTS = "bench_plays_baseline_enrollment"
BASELINE_CHANGES = "bench_plays_baseline_change"


def plays_delete():
    """Delete the plays this benchmark creates, with their enrollments and changes."""
    from plays.models import Enrollment, EnrollmentChange, Play

    plays = Play.objects.filter(slug__startswith=PLAY_PREFIX)
    EnrollmentChange.objects.filter(play__in=plays).delete()
    Enrollment.objects.filter(play__in=plays).delete()
    plays.delete()


def plays_create():
    from plays.models import Play

    rule_play = Play.objects.create(
        name="Bench rule play",
        slug=f"{PLAY_PREFIX}rule",
        motion="acquire",
        owner_team="sales",
        status="active",
        entry_rule={
            "all": [
                {"field": "industry", "op": "in", "value": RULE_INDUSTRIES},
                {"field": "employee_count", "op": "gte", "value": RULE_MIN_EMPLOYEES},
            ]
        },
        sla_hours=24,
        sla_at_risk_hours=4,
        exit_after_days=30,
    )
    capped_play = Play.objects.create(
        name="Bench capped play",
        slug=f"{PLAY_PREFIX}capped",
        motion="acquire",
        owner_team="marketing",
        status="active",
        entry_rule={"field": "country", "op": "eq", "value": RULE_COUNTRY},
        enrollment_cap=CAPPED_PLAY_CAP,
        overflow_policy="skip",
    )
    return rule_play, capped_play


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def baseline_tables_create(cursor):
    cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_ENROLLMENTS}, {BASELINE_CHANGES}")
    cursor.execute(f"CREATE TABLE {BASELINE_ENROLLMENTS} (LIKE plays_enrollment INCLUDING ALL)")
    cursor.execute(f"CREATE TABLE {BASELINE_CHANGES} (LIKE plays_enrollmentchange INCLUDING ALL)")


def baseline_run(cursor, rule_play, capped_play, now):
    """Enroll both plays' accounts and log the entries with hand-written SQL; return the rows entered."""
    due = now + datetime.timedelta(hours=rule_play.sla_hours)
    at_risk = due - datetime.timedelta(hours=rule_play.sla_at_risk_hours)
    # Neither enrolled now nor enrolled before: the plays allow no re-entry.
    not_enrolled = (
        f"NOT EXISTS (SELECT 1 FROM {BASELINE_ENROLLMENTS} e WHERE e.play_id = %s AND e.account_id = a.id "
        "AND e.status IN ('active', 'waitlisted')) "
        f"AND NOT EXISTS (SELECT 1 FROM {BASELINE_ENROLLMENTS} e WHERE e.play_id = %s AND e.account_id = a.id "
        "AND e.status = 'exited')"
    )
    columns = (
        "play_id, account_id, status, entered_at, entered_on, exit_reason, sla_due_at, sla_at_risk_at, "
        "sla_status, updated_at"
    )

    cursor.execute(
        f"""
        INSERT INTO {BASELINE_ENROLLMENTS} ({columns})
        SELECT %s, a.id, 'active', %s, %s, '', %s, %s, 'on_time', %s
        FROM accounts_account a
        WHERE lower(btrim(a.industry)) = ANY(%s) AND a.employee_count >= %s AND {not_enrolled}
        """,
        [rule_play.pk, now, now.date(), due, at_risk, now,
         [industry.lower() for industry in RULE_INDUSTRIES], RULE_MIN_EMPLOYEES, rule_play.pk, rule_play.pk],
    )
    entered = cursor.rowcount

    cursor.execute(f"SELECT count(*) FROM {BASELINE_ENROLLMENTS} WHERE play_id = %s AND status = 'active'",
                   [capped_play.pk])
    places = max(CAPPED_PLAY_CAP - cursor.fetchone()[0], 0)
    cursor.execute(
        f"""
        INSERT INTO {BASELINE_ENROLLMENTS} ({columns})
        SELECT %s, a.id, 'active', %s, %s, '', NULL, NULL, '', %s
        FROM accounts_account a
        WHERE a.country = %s AND {not_enrolled}
        ORDER BY a.icp_score DESC NULLS LAST, a.id
        LIMIT %s
        """,
        [capped_play.pk, now, now.date(), now, RULE_COUNTRY, capped_play.pk, capped_play.pk, places],
    )
    entered += cursor.rowcount

    cursor.execute(
        f"""
        INSERT INTO {BASELINE_CHANGES} (kind, recorded_at, run_id, enrollment_id, play_id, account_id, exit_reason,
                                        occurred_at)
        SELECT 'entered', %s, NULL, e.id, e.play_id, e.account_id, e.exit_reason, e.entered_at
        FROM {BASELINE_ENROLLMENTS} e
        WHERE e.entered_at = %s
          AND NOT EXISTS (SELECT 1 FROM {BASELINE_CHANGES} c WHERE c.enrollment_id = e.id AND c.kind = 'entered')
        """,
        [now, now],
    )
    # Fresh planner statistics, as the step takes: without them the rerun's
    # anti-join against the rows just written becomes a nested loop over both.
    cursor.execute(f"ANALYZE {BASELINE_ENROLLMENTS}, {BASELINE_CHANGES}")
    return entered


def main():
    common.standard_dataset_ensure()
    from django.db import connection, transaction

    from plays.models import Enrollment, EnrollmentChange
    from plays.services import enrollments_recompute

    print(f"Machine: {common.machine_description()}", flush=True)
    plays_delete()
    rule_play, capped_play = plays_create()
    try:
        with connection.cursor() as cursor:
            # Count the accounts; the pass also warms the cache for both paths.
            cursor.execute("SELECT count(*) FROM accounts_account")
            accounts = cursor.fetchone()[0]

            baseline_tables_create(cursor)
            with transaction.atomic():
                baseline_first, baseline_entered = timed(baseline_run, cursor, rule_play, capped_play, ENTRY_TIME)
            with transaction.atomic():
                baseline_rerun, baseline_again = timed(baseline_run, cursor, rule_play, capped_play, ENTRY_TIME)

        step_first, first = timed(enrollments_recompute, now=ENTRY_TIME)
        step_rerun, rerun = timed(enrollments_recompute, now=ENTRY_TIME)
        step_later, later = timed(enrollments_recompute, now=LATER_TIME)

        step_entered = first["entered"]
        if step_entered != baseline_entered or rerun["entered"] != 0 or baseline_again != 0:
            print(
                f"MISMATCH: the step entered {step_entered:,} accounts and the baseline {baseline_entered:,}; "
                f"reruns entered {rerun['entered']:,} and {baseline_again:,} (expected 0).",
                flush=True,
            )
            return 1

        enrollments = Enrollment.objects.filter(play__slug__startswith=PLAY_PREFIX).count()
        changes = EnrollmentChange.objects.filter(play__slug__startswith=PLAY_PREFIX).count()
        print(f"\nAccounts: {accounts:,}. Enrollments written: {enrollments:,}. Changes logged: {changes:,}.")
        print(f"First run: {first['entered']:,} entered, {first['overflow']:,} over the cap.")
        print(f"Later run: {later['sla']} SLA changes, {later['exited']:,} exits.\n")
        header = f"{'run':<40} {'step s':>8} {'baseline s':>11} {'ratio':>6}"
        print(header)
        print("-" * len(header))
        print(f"{'first run: entries and change log':<40} {step_first:>8.2f} {baseline_first:>11.2f} "
              f"{step_first / baseline_first:>6.1f}")
        print(f"{'rerun at the same time: no changes':<40} {step_rerun:>8.2f} {baseline_rerun:>11.2f} "
              f"{step_rerun / baseline_rerun:>6.1f}")
        print(f"{'two days later: touches, SLA, exits':<40} {step_later:>8.2f} {'':>11} {'':>6}")
        print("\nThe baseline does only the entries and the change log; the step also checks every exit "
              "criterion and updates SLAs before and after the entries.")
        return 0
    finally:
        plays_delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_ENROLLMENTS}, {BASELINE_CHANGES}")


if __name__ == "__main__":
    raise SystemExit(main())
