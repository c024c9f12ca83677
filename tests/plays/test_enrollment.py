"""The enrollment step on hand-made accounts: entry, exit, history, caps."""

import datetime

import pytest

from accounts.models import Opportunity
from plays.models import ChangeKind, Enrollment, EnrollmentChange
from plays.services import enrollments_recompute

from .conftest import NOW, leave_segment, make_account, make_play, make_segment

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def statuses(play):
    return {e.account.name: e.status for e in Enrollment.objects.filter(play=play).select_related("account")}


def test_members_of_entry_segment_enter():
    inside, outside = make_account("Inside"), make_account("Outside")
    play = make_play(segments=[make_segment("fintech", [inside])])

    counts = enrollments_recompute(now=NOW)

    assert statuses(play) == {"Inside": "active"}
    assert counts["entered"] == 1
    enrollment = Enrollment.objects.get(play=play)
    assert enrollment.entered_at == NOW
    assert enrollment.entered_on == datetime.date(2026, 3, 2)
    assert outside.enrollments.count() == 0


def test_criteria_combine_with_and():
    make_account("Tier 1 customer", icp_tier=1, lifecycle_stage="customer")
    make_account("Tier 1 prospect", icp_tier=1, lifecycle_stage="prospect")
    make_account("Tier 2 prospect", icp_tier=2, lifecycle_stage="prospect")
    make_account("Not ICP prospect", lifecycle_stage="prospect")
    play = make_play(eligible_tiers=[1], entry_lifecycle_stages=["prospect"])

    enrollments_recompute(now=NOW)

    assert statuses(play) == {"Tier 1 prospect": "active"}


def test_entry_rule_uses_rule_engine():
    make_account("Software US", industry="Software", country="US")
    make_account("Software DE", industry="Software", country="DE")
    make_account("Retail US", industry="Retail", country="US")
    rule = {"all": [{"field": "industry", "op": "eq", "value": "software"},
                    {"field": "country", "op": "eq", "value": "US"}]}
    play = make_play(entry_rule=rule)

    enrollments_recompute(now=NOW)

    assert statuses(play) == {"Software US": "active"}


def test_draft_and_paused_plays_enroll_no_one():
    account = make_account(icp_tier=1)
    make_play(eligible_tiers=[1], status="draft")
    make_play(eligible_tiers=[1], status="paused")

    enrollments_recompute(now=NOW)

    assert account.enrollments.count() == 0


def test_rerun_changes_nothing():
    accounts = [make_account(icp_tier=1) for _ in range(3)]
    play = make_play(eligible_tiers=[1], sla_hours=24)

    first = enrollments_recompute(now=NOW)
    second = enrollments_recompute(now=NOW)
    third = enrollments_recompute(now=NOW + DAY / 4)

    assert first["entered"] == 3
    assert second["entered"] == 0
    assert third["entered"] == 0
    assert Enrollment.objects.filter(play=play).count() == len(accounts)
    assert EnrollmentChange.objects.filter(kind=ChangeKind.ENTERED).count() == 3


def test_leaving_segment_exits_with_history():
    account = make_account("Mover")
    segment = make_segment("fintech", [account])
    play = make_play(segments=[segment], reentry_after_days=0)
    enrollments_recompute(now=NOW)

    leave_segment(segment, account, at=NOW + DAY)
    enrollments_recompute(now=NOW + DAY)
    exited = Enrollment.objects.get(play=play)
    assert exited.status == "exited"
    assert exited.exit_reason == "left_entry_criteria"
    assert exited.exited_at == NOW + DAY

    segment.memberships.create(account=account, entered_at=NOW + 2 * DAY)
    enrollments_recompute(now=NOW + 2 * DAY)
    history = list(Enrollment.objects.filter(play=play).order_by("id").values_list("status", "exit_reason"))
    assert history == [("exited", "left_entry_criteria"), ("active", "")]
    kinds = list(EnrollmentChange.objects.filter(play=play).order_by("id").values_list("kind", flat=True))
    assert kinds == ["entered", "exited", "entered"]


def test_no_reentry_without_setting():
    account = make_account()
    segment = make_segment("fintech", [account])
    play = make_play(segments=[segment])
    enrollments_recompute(now=NOW)
    leave_segment(segment, account, at=NOW + DAY)
    enrollments_recompute(now=NOW + DAY)
    segment.memberships.create(account=account, entered_at=NOW + 2 * DAY)

    enrollments_recompute(now=NOW + 30 * DAY)

    assert Enrollment.objects.filter(play=play).count() == 1


def test_reentry_waits_the_set_days():
    account = make_account()
    segment = make_segment("fintech", [account])
    play = make_play(segments=[segment], reentry_after_days=10)
    enrollments_recompute(now=NOW)
    leave_segment(segment, account, at=NOW + DAY)
    enrollments_recompute(now=NOW + DAY)
    segment.memberships.create(account=account, entered_at=NOW + 2 * DAY)

    enrollments_recompute(now=NOW + 11 * DAY - datetime.timedelta(seconds=1))
    assert Enrollment.objects.filter(play=play, status="active").count() == 0
    enrollments_recompute(now=NOW + 11 * DAY)
    assert Enrollment.objects.filter(play=play, status="active").count() == 1


def test_exit_on_stage_reached():
    account = make_account(icp_tier=1, lifecycle_stage="prospect")
    play = make_play(eligible_tiers=[1], exit_lifecycle_stages=["customer"])
    enrollments_recompute(now=NOW)

    account.lifecycle_stage = "customer"
    account.save()
    enrollments_recompute(now=NOW + DAY)

    assert Enrollment.objects.get(play=play).exit_reason == "stage_reached"


def test_account_at_exit_stage_never_enters():
    make_account(icp_tier=1, journey_stage="customer")
    play = make_play(eligible_tiers=[1], exit_journey_stages=["customer"])

    enrollments_recompute(now=NOW)

    assert Enrollment.objects.filter(play=play).count() == 0


def test_exit_after_time_limit():
    make_account(icp_tier=1)
    play = make_play(eligible_tiers=[1], exit_after_days=30)
    enrollments_recompute(now=NOW)

    enrollments_recompute(now=NOW + 30 * DAY - datetime.timedelta(seconds=1))
    assert Enrollment.objects.get(play=play).status == "active"
    enrollments_recompute(now=NOW + 30 * DAY)
    assert Enrollment.objects.get(play=play).exit_reason == "time_limit"


def test_exit_on_won_deal_after_entry_only():
    early, late = make_account("Won before", icp_tier=1), make_account("Won after", icp_tier=1)
    Opportunity.objects.create(account=early, status="won", closed_date=datetime.date(2026, 3, 1))
    play = make_play(eligible_tiers=[1], exit_on_won_deal=True)
    enrollments_recompute(now=NOW)
    Opportunity.objects.create(account=late, status="won", closed_date=datetime.date(2026, 3, 2))

    enrollments_recompute(now=NOW + DAY)

    assert statuses(play) == {"Won before": "active", "Won after": "exited"}
    assert Enrollment.objects.get(account=late).exit_reason == "deal_won"


def test_staying_when_exit_on_leaving_is_off():
    account = make_account()
    segment = make_segment("fintech", [account])
    play = make_play(segments=[segment], exit_on_leaving_entry=False)
    enrollments_recompute(now=NOW)
    leave_segment(segment, account)

    enrollments_recompute(now=NOW + DAY)

    assert Enrollment.objects.get(play=play).status == "active"


def test_retiring_closes_open_enrollments():
    make_account(icp_tier=1)
    play = make_play(eligible_tiers=[1])
    enrollments_recompute(now=NOW)
    play.status = "retired"
    play.save()

    enrollments_recompute(now=NOW + DAY)

    assert Enrollment.objects.get(play=play).exit_reason == "play_retired"


def test_account_in_several_plays():
    account = make_account(icp_tier=1, lifecycle_stage="prospect")
    make_play(eligible_tiers=[1])
    make_play(entry_lifecycle_stages=["prospect"])

    enrollments_recompute(now=NOW)

    assert account.enrollments.filter(status="active").count() == 2


class TestCap:
    def test_highest_icp_scores_enter_first(self):
        for score in (50, 90, None, 70):
            make_account(f"Score {score}", icp_tier=1, icp_score=score)
        play = make_play(eligible_tiers=[1], enrollment_cap=2, overflow_policy="skip")

        counts = enrollments_recompute(now=NOW)

        assert statuses(play) == {"Score 90": "active", "Score 70": "active"}
        assert counts["overflow"] == 2
        play.refresh_from_db()
        assert play.overflow_count == 2

    def test_waitlist_moves_up_first_come_first_served(self):
        for n in range(3):
            make_account(f"First {n}", icp_tier=1, icp_score=50)
        play = make_play(eligible_tiers=[1], enrollment_cap=2, overflow_policy="waitlist", exit_after_days=5)
        enrollments_recompute(now=NOW)
        assert sorted(statuses(play).values()) == ["active", "active", "waitlisted"]
        waiting = Enrollment.objects.get(play=play, status="waitlisted")

        make_account("Late high score", icp_tier=1, icp_score=99)
        enrollments_recompute(now=NOW + DAY)
        assert Enrollment.objects.get(account__name="Late high score").status == "waitlisted"

        enrollments_recompute(now=NOW + 5 * DAY)
        waiting.refresh_from_db()
        assert waiting.status == "active"
        assert waiting.entered_at == NOW + 5 * DAY
        assert Enrollment.objects.get(account__name="Late high score").status == "active"
        assert Enrollment.objects.filter(play=play, status="active").count() == 2

    def test_cap_holds_over_reruns(self):
        for _ in range(5):
            make_account(icp_tier=1)
        play = make_play(eligible_tiers=[1], enrollment_cap=3, overflow_policy="skip")

        for hours in range(3):
            enrollments_recompute(now=NOW + datetime.timedelta(hours=hours))

        assert Enrollment.objects.filter(play=play, status="active").count() == 3

    def test_waitlisted_account_leaving_entry_stops_waiting(self):
        for _ in range(2):
            make_account(icp_tier=1)
        play = make_play(eligible_tiers=[1], enrollment_cap=1, exit_on_leaving_entry=False)
        enrollments_recompute(now=NOW)
        waiting = Enrollment.objects.get(play=play, status="waitlisted")
        waiting.account.icp_tier = 2
        waiting.account.save()

        enrollments_recompute(now=NOW + DAY)

        waiting.refresh_from_db()
        assert waiting.status == "exited"
        assert waiting.exit_reason == "left_entry_criteria"


def test_play_with_broken_rule_is_skipped():
    account = make_account(icp_tier=1)
    segment = make_segment("doomed", [account])
    broken = make_play(name="Broken", entry_rule={"segment": "doomed"})
    working = make_play(name="Working", eligible_tiers=[1])
    segment.delete()

    counts = enrollments_recompute(now=NOW)

    assert list(counts["skipped"]) == [broken.slug]
    assert "doomed" in counts["skipped"][broken.slug][0]
    assert statuses(working) == {account.name: "active"}
    assert Enrollment.objects.filter(play=broken).count() == 0


def test_deleting_account_removes_its_history():
    account = make_account(icp_tier=1)
    make_play(eligible_tiers=[1])
    enrollments_recompute(now=NOW)

    account.delete()

    assert Enrollment.objects.count() == 0
    assert EnrollmentChange.objects.count() == 0
