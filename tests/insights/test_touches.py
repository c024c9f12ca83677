"""First touches after entry: the change log the triggers write, the update that reads it, and its readers."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import EngagementEvent
from insights.combinations import combinations_fresh
from insights.kpis.groups import grouping_for
from insights.kpis.table import kpi_table
from insights.models import SegmentEntryCount, StayTouch, TouchChange
from insights.periods import parse_period
from insights.touches import touch_figures_current, touch_figures_ready, touch_figures_update

from tests.segmentation.pipeline_helpers import eager_pipeline, run_pipeline  # noqa: F401

from .builders import add_member, local, make_account, make_event, make_segment

pytestmark = pytest.mark.django_db

MARCH = parse_period("2024-03")
ENTERED = local(date(2024, 3, 1), 9)


@pytest.fixture
def settled():
    """Start from an up-to-date StayTouch, whatever the migrations and earlier writes logged."""
    touch_figures_update()
    assert touch_figures_current()


def first_touch(stay):
    row = StayTouch.objects.filter(membership=stay).first()
    return None if row is None else row.first_touch_at


@pytest.mark.usefixtures("settled")
def test_touch_event_and_stay_are_logged():
    account = make_account()
    add_member(make_segment("Logged"), account, entered=ENTERED)
    assert not touch_figures_current()
    touch_figures_update()

    make_event(account, "web_visit", ENTERED)
    assert touch_figures_current()

    make_event(account, "call", ENTERED)
    assert not touch_figures_current()


@pytest.mark.usefixtures("settled")
def test_first_touch_within_window():
    segment = make_segment("Window")
    on_time, at_limit, too_late, before = (make_account() for _ in range(4))
    stays = {account: add_member(segment, account, entered=ENTERED) for account in (on_time, at_limit, too_late, before)}
    make_event(on_time, "email_open", ENTERED + timedelta(hours=1))
    make_event(on_time, "meeting", ENTERED + timedelta(hours=5))
    make_event(on_time, "call", ENTERED + timedelta(hours=3))
    make_event(at_limit, "call", ENTERED + timedelta(days=14))
    make_event(too_late, "call", ENTERED + timedelta(days=14, seconds=1))
    make_event(before, "call", ENTERED - timedelta(seconds=1))

    update = touch_figures_update()

    assert first_touch(stays[on_time]) == ENTERED + timedelta(hours=3)
    assert first_touch(stays[at_limit]) == ENTERED + timedelta(days=14)
    assert first_touch(stays[too_late]) is None
    assert first_touch(stays[before]) is None
    assert update.stays == 2
    assert touch_figures_current()


@pytest.mark.usefixtures("settled")
def test_touch_edits_move_first_touch():
    account = make_account()
    stay = add_member(make_segment("Late"), account, entered=ENTERED)
    later = make_event(account, "meeting", ENTERED + timedelta(days=5))
    touch_figures_update()
    assert first_touch(stay) == ENTERED + timedelta(days=5)

    # A touch imported afterwards, from before the first one.
    earlier = make_event(account, "call", ENTERED + timedelta(days=1))
    touch_figures_update()
    assert first_touch(stay) == ENTERED + timedelta(days=1)

    EngagementEvent.objects.filter(pk=earlier.pk).update(occurred_at=ENTERED + timedelta(days=2))
    touch_figures_update()
    assert first_touch(stay) == ENTERED + timedelta(days=2)

    EngagementEvent.objects.filter(pk=earlier.pk).delete()
    touch_figures_update()
    assert first_touch(stay) == ENTERED + timedelta(days=5)

    EngagementEvent.objects.filter(pk=later.pk).update(type="web_visit")
    touch_figures_update()
    assert first_touch(stay) is None


def entry_counts(segment):
    return sorted(SegmentEntryCount.objects.filter(segment=segment).values_list("entered_at", "entries"))


@pytest.mark.usefixtures("settled")
def test_entry_counts_follow_changes():
    segment = make_segment("Counted")
    accounts = [make_account() for _ in range(3)]
    add_member(segment, accounts[0], entered=ENTERED, exited=ENTERED + timedelta(hours=12))
    for account in accounts[1:]:
        add_member(segment, account, entered=ENTERED)
    add_member(segment, accounts[0], entered=ENTERED + timedelta(days=1))
    touch_figures_update()
    assert entry_counts(segment) == [(ENTERED, 3), (ENTERED + timedelta(days=1), 1)]

    accounts[1].delete()
    assert not touch_figures_current()
    touch_figures_update()
    assert entry_counts(segment) == [(ENTERED, 2), (ENTERED + timedelta(days=1), 1)]

    accounts[0].delete()
    touch_figures_update()
    assert entry_counts(segment) == [(ENTERED, 1)]


def stored_counts():
    return sorted(SegmentEntryCount.objects.values_list("segment_id", "entered_at", "entries", "answered",
                                                        "touch_microseconds"))


@pytest.mark.usefixtures("settled")
def test_entry_count_touches_follow_changes():
    """Counts kept up from the log equal counts recomputed from scratch, after each kind of change."""
    segment, other = make_segment("Summed"), make_segment("Other")
    first, second, third = (make_account() for _ in range(3))
    for account in (first, second, third):
        add_member(segment, account, entered=ENTERED)
    add_member(other, first, entered=ENTERED + timedelta(days=2))
    call = make_event(first, "call", ENTERED + timedelta(hours=3, milliseconds=250))
    make_event(second, "meeting", ENTERED + timedelta(hours=30))
    touch_figures_update()
    row = SegmentEntryCount.objects.get(segment=segment, entered_at=ENTERED)
    assert (row.entries, row.answered) == (3, 2)
    # SQLite reads times to the millisecond.
    assert row.touch_microseconds == pytest.approx((3 + 30) * 3600 * 10**6 + 250_000, abs=1000)

    changes = [
        lambda: make_event(third, "email_reply", ENTERED + timedelta(minutes=20)),
        lambda: EngagementEvent.objects.filter(pk=call.pk).update(occurred_at=ENTERED + timedelta(days=3)),
        lambda: EngagementEvent.objects.filter(account=second).delete(),
        lambda: first.delete(),
    ]
    for change in changes:
        change()
        update = touch_figures_update()
        assert update.accounts is not None
        incremental = stored_counts()
        TouchChange.objects.create(everything=True)
        touch_figures_update()
        assert stored_counts() == incremental

    row = SegmentEntryCount.objects.get(segment=segment, entered_at=ENTERED)
    assert (row.entries, row.answered) == (2, 1)
    assert row.touch_microseconds == pytest.approx(20 * 60 * 10**6, abs=1000)


@pytest.mark.usefixtures("settled")
def test_update_limits_to_logged_accounts():
    segment = make_segment("Scoped")
    quiet, busy = make_account(), make_account()
    add_member(segment, quiet, entered=ENTERED)
    add_member(segment, busy, entered=ENTERED)
    make_event(quiet, "call", ENTERED + timedelta(hours=1))
    touch_figures_update()

    make_event(busy, "call", ENTERED + timedelta(hours=2))
    update = touch_figures_update()

    assert update.accounts == 1
    assert StayTouch.objects.count() == 2


@pytest.mark.usefixtures("settled")
def test_everything_recomputes_all_stays():
    account = make_account()
    stay = add_member(make_segment("All"), account, entered=ENTERED)
    make_event(account, "call", ENTERED + timedelta(hours=1))
    touch_figures_update()
    StayTouch.objects.all().delete()
    TouchChange.objects.create(everything=True)

    update = touch_figures_update()

    assert update.accounts is None
    assert first_touch(stay) == ENTERED + timedelta(hours=1)


@pytest.mark.usefixtures("settled")
def test_stored_touches_read_when_current(django_capture_on_commit_callbacks):
    account = make_account()
    segment = make_segment("Read")
    add_member(segment, account, entered=ENTERED)
    make_event(account, "call", ENTERED + timedelta(hours=4))

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        stale = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    assert not any(SegmentEntryCount._meta.db_table in query["sql"] for query in queries)
    assert [callback.args[0] for callback in callbacks].count("insights.tasks.touch_figures_update_task") == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert not touch_figures_ready()
    assert callbacks == []

    touch_figures_update()
    with CaptureQueriesContext(connection) as queries:
        current = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    assert any(SegmentEntryCount._meta.db_table in query["sql"] for query in queries)
    for table in (stale, current):
        values = next(row for row in table.rows if row.key == str(segment.pk)).values
        assert values["response_rate"] == 1
        assert values["speed_to_engage_hours"] == pytest.approx(4)


@pytest.mark.usefixtures("eager_pipeline")
def test_pipeline_run_updates_touch_figures():
    account = make_account()
    stay = add_member(make_segment("Piped"), account, entered=ENTERED)
    make_event(account, "call", ENTERED + timedelta(hours=2))

    run = run_pipeline()

    assert run.status == "published", run.error
    assert touch_figures_current()
    assert combinations_fresh()
    assert first_touch(stay) == ENTERED + timedelta(hours=2)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the update lock is a PostgreSQL advisory lock")
def test_second_concurrent_update_stops():
    from insights.touches import UPDATE_LOCK
    from tests.postgres import second_connection

    other = second_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [UPDATE_LOCK])
            assert touch_figures_update() is None
            cursor.execute("SELECT pg_advisory_unlock(%s)", [UPDATE_LOCK])
    finally:
        other.close()
    assert touch_figures_update() is not None


@pytest.mark.usefixtures("settled")
def test_touch_days_are_local_days(settings):
    from insights.models import AccountTouchYear

    account = make_account()
    make_event(account, "call", local(date(2024, 3, 1), 0))
    make_event(account, "meeting", local(date(2024, 3, 31), 23))
    make_event(account, "web_visit", local(date(2024, 3, 2), 12))
    touch_figures_update()

    year = AccountTouchYear.objects.get(account=account, year=2024)
    assert year.touches_03 == (1 << 0) | (1 << 30)
    assert year.meetings_03 == 1 << 30
    assert year.touches_02 == 0

    # Another time zone moves the local days, so every row is computed again.
    settings.TIME_ZONE = "Pacific/Kiritimati" if settings.TIME_ZONE != "Pacific/Kiritimati" else "UTC"
    assert not touch_figures_current()
    touch_figures_update()
    assert touch_figures_current()


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize(
    ("period", "touched", "met"),
    [
        ("2024-03", 2, 1),
        ("2024-03-02..2024-03-30", 0, 0),
        ("2024-02-15..2024-03-01", 1, 0),
        ("2024-03-31..2024-04-02", 2, 2),
        # Periods across a new year read the events instead of the touch days.
        ("2023-12-01..2024-03-01", 1, 0),
    ],
)
def test_meeting_acceptance_from_days(period, touched, met):
    segment = make_segment("Days")
    first, second = make_account(), make_account()
    add_member(segment, first, entered=local(date(2023, 1, 1), 0))
    add_member(segment, second, entered=local(date(2023, 1, 1), 0))
    make_event(first, "call", local(date(2024, 3, 1), 8))
    make_event(first, "meeting", local(date(2024, 4, 1), 8))
    make_event(second, "meeting", local(date(2024, 3, 31), 8))
    make_event(second, "email_reply", local(date(2024, 4, 2), 8))
    touch_figures_update()
    chosen = parse_period(period)

    with CaptureQueriesContext(connection) as queries:
        table = kpi_table(grouping=grouping_for("segment"), period=chosen)
    row = next(row for row in table.rows if row.key == str(segment.pk))

    read_days = any("insights_accounttouchyear" in query["sql"] for query in queries)
    assert read_days == (chosen.start.year == chosen.end.year)
    assert row.samples["meeting_acceptance"] == touched
    if touched:
        assert row.values["meeting_acceptance"] == pytest.approx(met / touched)
