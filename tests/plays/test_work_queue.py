"""The rep's work queue: steps due by local calendar date, SLAs needing attention."""

import datetime
import zoneinfo

import pytest

from plays.models import CadenceStep, Enrollment
from plays.selectors import account_enrollments, slas_needing_attention, steps_due
from plays.selectors.work_queue import OVERDUE_WINDOW_DAYS
from plays.services import cadence_step_complete, enrollments_recompute

from .conftest import make_account, make_event, make_play, make_user

pytestmark = pytest.mark.django_db
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
# 23:30 on 1 March in Kolkata is 18:00 UTC the same day. Half an hour later
# it is 2 March there, while UTC is still on 1 March.
ENTRY = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=KOLKATA)


@pytest.fixture(autouse=True)
def kolkata(settings):
    settings.TIME_ZONE = "Asia/Kolkata"


@pytest.fixture
def rep():
    return make_user("sam", "sales")


@pytest.fixture
def cadence(rep):
    account = make_account("Acme", icp_tier=1, owner=rep)
    play = make_play(name="Cadence", eligible_tiers=[1], sla_hours=8, sla_at_risk_hours=2)
    steps = {
        offset: CadenceStep.objects.create(play=play, position=offset + 1, day_offset=offset, channel="email",
                                           action=f"Day {offset} email")
        for offset in (0, 1, 3)
    }
    enrollments_recompute(now=ENTRY)
    return Enrollment.objects.get(account=account, play=play), steps


def due_actions(rep, moment):
    return [(item.step.action, item.due_on.isoformat(), item.overdue) for item in steps_due(user=rep, now=moment)]


def test_entry_date_is_local(cadence):
    enrollment, _ = cadence
    assert enrollment.entered_on == datetime.date(2026, 3, 1)


def test_day_boundary_is_local_midnight(cadence, rep):
    before_midnight = ENTRY + datetime.timedelta(minutes=29)
    after_midnight = ENTRY + datetime.timedelta(minutes=30)

    assert due_actions(rep, before_midnight) == [("Day 0 email", "2026-03-01", False)]
    assert due_actions(rep, after_midnight) == [
        ("Day 0 email", "2026-03-01", True),
        ("Day 1 email", "2026-03-02", False),
    ]


def test_done_steps_leave_queue(cadence, rep):
    enrollment, steps = cadence
    cadence_step_complete(enrollment=enrollment, step=steps[0], user=rep, now=ENTRY)

    moment = ENTRY + datetime.timedelta(days=1)
    assert [action for action, *_ in due_actions(rep, moment)] == ["Day 1 email"]


def test_old_overdue_steps_leave_queue(cadence, rep):
    moment = ENTRY + datetime.timedelta(days=3 + OVERDUE_WINDOW_DAYS + 1)
    assert due_actions(rep, moment) == []


def test_other_reps_accounts_stay_out(cadence):
    other = make_user("olga", "sales")
    assert steps_due(user=other, now=ENTRY) == []


def test_step_of_other_role_stays_out(cadence, rep):
    enrollment, _ = cadence
    CadenceStep.objects.create(play=enrollment.play, position=9, day_offset=0, channel="advertising",
                               action="Start the ad", owner_role="marketing")
    actions = [action for action, *_ in due_actions(rep, ENTRY)]
    assert actions == ["Day 0 email"]
    marketer = make_user("mia", "marketing")
    enrollment.account.owner = marketer
    enrollment.account.save()
    assert sorted(item.step.action for item in steps_due(user=marketer, now=ENTRY)) == ["Day 0 email", "Start the ad"]


def test_paused_play_has_no_steps_due(cadence, rep):
    enrollment, _ = cadence
    enrollment.play.status = "paused"
    enrollment.play.save()
    assert due_actions(rep, ENTRY) == []


def test_sla_at_risk_and_overdue_listed_until_touched(cadence, rep):
    enrollment, _ = cadence
    assert list(slas_needing_attention(user=rep, now=ENTRY)) == []

    at_risk = ENTRY + datetime.timedelta(hours=6)
    listed = list(slas_needing_attention(user=rep, now=at_risk))
    assert [(e.pk, e.live_sla_status) for e in listed] == [(enrollment.pk, "at_risk")]

    overdue = ENTRY + datetime.timedelta(hours=9)
    assert [e.live_sla_status for e in slas_needing_attention(user=rep, now=overdue)] == ["breached"]

    # A call logged since the last recompute takes the item off at once.
    make_event(enrollment.account, "call", overdue)
    assert list(slas_needing_attention(user=rep, now=overdue)) == []


def test_account_section_shows_live_state(cadence):
    enrollment, _ = cadence
    make_event(enrollment.account, "meeting", ENTRY + datetime.timedelta(hours=1))

    found = account_enrollments(account=enrollment.account, now=ENTRY + datetime.timedelta(hours=2))

    assert [e.live_sla_status for e in found["open"]] == ["met"]
    assert found["past"] == []
