"""SLA states at their boundary times, in a time zone with daylight saving time."""

import datetime
import zoneinfo

import pytest

from plays.models import ChangeKind, Enrollment, EnrollmentChange
from plays.services import enrollments_recompute

from .conftest import make_account, make_event, make_play

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SECOND = datetime.timedelta(seconds=1)
# 14:00 in New York on the day before clocks move forward, so the 24-hour
# SLA falls due at 15:00 local time: hours are elapsed hours.
ENTRY = datetime.datetime(2026, 3, 7, 14, 0, tzinfo=NEW_YORK)
DUE = datetime.datetime(2026, 3, 8, 15, 0, tzinfo=NEW_YORK)
AT_RISK = DUE - datetime.timedelta(hours=4)


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def enrolled():
    account = make_account(icp_tier=1)
    play = make_play(eligible_tiers=[1], sla_hours=24, sla_at_risk_hours=4)
    enrollments_recompute(now=ENTRY)
    return Enrollment.objects.get(play=play, account=account)


def sla_at(enrollment, moment):
    enrollments_recompute(now=moment)
    enrollment.refresh_from_db()
    return enrollment.sla_status


def test_due_time_counts_elapsed_hours(enrolled):
    assert enrolled.sla_due_at == DUE
    # Subtracting two datetimes of one zone ignores the offsets, so compare in UTC.
    utc = datetime.timezone.utc
    assert DUE.astimezone(utc) - ENTRY.astimezone(utc) == datetime.timedelta(hours=24)
    assert enrolled.entered_on == datetime.date(2026, 3, 7)


def test_states_at_boundaries(enrolled):
    assert sla_at(enrolled, AT_RISK - SECOND) == "on_time"
    assert sla_at(enrolled, AT_RISK) == "at_risk"
    assert sla_at(enrolled, DUE) == "at_risk"
    assert sla_at(enrolled, DUE + SECOND) == "breached"
    assert enrolled.sla_breached_at == DUE


def test_touch_at_due_time_meets(enrolled):
    make_event(enrolled.account, "call", DUE)

    assert sla_at(enrolled, DUE + datetime.timedelta(hours=1)) == "met"
    assert enrolled.first_touch_at == DUE


def test_touch_after_due_time_is_late(enrolled):
    make_event(enrolled.account, "meeting", DUE + SECOND)

    assert sla_at(enrolled, DUE + datetime.timedelta(hours=1)) == "breached"
    assert enrolled.first_touch_at == DUE + SECOND


def test_only_touches_after_entry_count(enrolled):
    make_event(enrolled.account, "meeting", ENTRY - SECOND)
    make_event(enrolled.account, "web_visit", ENTRY + SECOND)
    make_event(enrolled.account, "email_click", ENTRY + SECOND)

    assert sla_at(enrolled, ENTRY + datetime.timedelta(hours=1)) == "on_time"
    assert enrolled.first_touch_at is None

    reply = make_event(enrolled.account, "email_reply", ENTRY)
    assert sla_at(enrolled, ENTRY + datetime.timedelta(hours=2)) == "met"
    assert enrolled.first_touch_event_id == reply.pk


def test_met_is_final(enrolled):
    make_event(enrolled.account, "call", ENTRY + datetime.timedelta(hours=1))
    sla_at(enrolled, ENTRY + datetime.timedelta(hours=2))

    assert sla_at(enrolled, DUE + datetime.timedelta(days=3)) == "met"


def test_breach_recorded_once(enrolled):
    for hours in (1, 2, 30):
        sla_at(enrolled, DUE + datetime.timedelta(hours=hours))
    make_event(enrolled.account, "call", DUE + datetime.timedelta(hours=40))
    sla_at(enrolled, DUE + datetime.timedelta(hours=41))

    breaches = EnrollmentChange.objects.filter(enrollment=enrolled, kind=ChangeKind.SLA_BREACHED)
    assert breaches.count() == 1
    assert breaches.get().occurred_at == DUE
    assert enrolled.sla_status == "breached"


def test_change_log_follows_states(enrolled):
    sla_at(enrolled, AT_RISK)
    make_event(enrolled.account, "call", AT_RISK + SECOND)
    sla_at(enrolled, AT_RISK + datetime.timedelta(minutes=5))

    kinds = list(EnrollmentChange.objects.filter(enrollment=enrolled).order_by("id").values_list("kind", flat=True))
    assert kinds == ["entered", "sla_at_risk", "sla_met"]


def test_exit_freezes_state():
    account = make_account(icp_tier=1)
    play = make_play(eligible_tiers=[1], sla_hours=24, sla_at_risk_hours=4)
    enrollments_recompute(now=ENTRY)
    account.icp_tier = 2
    account.save()

    enrollments_recompute(now=DUE + SECOND)
    make_event(account, "call", DUE + datetime.timedelta(hours=2))
    enrollments_recompute(now=DUE + datetime.timedelta(hours=3))

    enrollment = Enrollment.objects.get(play=play)
    assert enrollment.status == "exited"
    assert enrollment.sla_status == "breached"
    assert enrollment.first_touch_at is None


def test_no_sla_without_hours():
    make_account(icp_tier=1)
    play = make_play(eligible_tiers=[1])

    enrollments_recompute(now=ENTRY)

    enrollment = Enrollment.objects.get(play=play)
    assert enrollment.sla_status == ""
    assert enrollment.sla_due_at is None
