"""Pages of plays and journeys, and who may change what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plays.models import CadenceStep, Enrollment, JourneyStage, Play, StepCompletion
from plays.services import enrollments_recompute, play_version

from .conftest import make_account, make_play, make_segment, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def revops(client):
    user = make_user("rita", "revops")
    client.force_login(user)
    return user


@pytest.fixture
def rep(client):
    user = make_user("sam", "sales")
    client.force_login(user)
    return user


def editor_data(**overrides):
    data = {
        "name": "Tier 1 fintech",
        "description": "",
        "motion": "acquire",
        "owner_team": "sales",
        "coverage": "one_to_one",
        "offer": "Architecture workshop",
        "eligible_tiers": ["1"],
        "entry_rule": "",
        "exit_on_leaving_entry": "on",
        "sla_at_risk_hours": "4",
        "sla_hours": "24",
        "overflow_policy": "waitlist",
        "kpis": ["enrolled", "sla_met_rate"],
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        "steps-0-day_offset": "0",
        "steps-0-channel": "email",
        "steps-0-action": "Send the benchmark report",
        "steps-0-owner_role": "account_owner",
        # An empty row as a browser posts it: the owner select keeps its default.
        "steps-1-day_offset": "",
        "steps-1-channel": "",
        "steps-1-action": "",
        "steps-1-owner_role": "account_owner",
    }
    data.update(overrides)
    return data


def test_anonymous_user_goes_to_sign_in(client):
    response = client.get(reverse("plays:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_list_shows_plays_to_any_role(client, rep):
    make_play(name="Grow customers", motion="grow")

    response = client.get(reverse("plays:list"))

    assert response.status_code == 200
    assert "Grow customers" in response.content.decode()
    assert reverse("plays:create") not in response.content.decode()


def test_rep_cannot_edit(client, rep):
    play = make_play(name="Locked")

    assert client.get(reverse("plays:create")).status_code == 403
    assert client.post(reverse("plays:create"), editor_data()).status_code == 403
    assert client.post(reverse("plays:status", args=[play.slug]), {"action": "retire"}).status_code == 403
    assert client.post(reverse("plays:preview"), editor_data()).status_code == 403
    play.refresh_from_db()
    assert play.status == "active"
    assert not Play.objects.filter(name="Tier 1 fintech").exists()


def test_revops_creates_play_with_cadence(client, revops):
    response = client.post(reverse("plays:create"), editor_data())

    assert response.status_code == 302
    play = Play.objects.get(name="Tier 1 fintech")
    assert response["Location"] == reverse("plays:detail", args=[play.slug])
    assert play.slug == "tier-1-fintech"
    assert play.status == "draft"
    assert play.eligible_tiers == [1]
    assert play.owner == revops
    assert list(play.steps.values_list("day_offset", "action")) == [(0, "Send the benchmark report")]


def test_editor_rejects_invalid_rule_with_path(client, revops):
    rule = '{"all": [{"field": "industry", "op": "gt", "value": "Software"}]}'

    response = client.post(reverse("plays:create"), editor_data(entry_rule=rule))

    assert response.status_code == 400
    body = response.content.decode()
    assert "$.all[0]" in body
    assert not Play.objects.exists()


def test_editor_rejects_malformed_json(client, revops):
    response = client.post(reverse("plays:create"), editor_data(entry_rule="{not json"))

    assert response.status_code == 400
    assert "valid JSON" in response.content.decode()


def test_editor_rejects_at_risk_longer_than_sla(client, revops):
    response = client.post(reverse("plays:create"), editor_data(sla_hours="4", sla_at_risk_hours="6"))

    assert response.status_code == 400
    assert "must be shorter than the SLA" in response.content.decode()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("sla_hours", "9000", "less than or equal to 8760"),
        ("exit_after_days", "4000", "less than or equal to 3650"),
        ("steps-0-day_offset", "400", "less than or equal to 365"),
    ],
)
def test_editor_rejects_durations_past_limit(client, revops, field, value, message):
    response = client.post(reverse("plays:create"), editor_data(**{field: value}))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Play.objects.exists()


def test_edit_replaces_cadence(client, revops):
    play = make_play(name="Edit me")
    CadenceStep.objects.create(play=play, position=1, day_offset=3, channel="call", action="Old call")
    data = editor_data(name="Edit me", version=play_version(play))
    data.update({"steps-1-day_offset": "5", "steps-1-channel": "call", "steps-1-action": "Follow-up call",
                 "steps-1-owner_role": "sales"})

    response = client.post(reverse("plays:edit", args=[play.slug]), data)

    assert response.status_code == 302
    steps = list(play.steps.values_list("day_offset", "action"))
    assert steps == [(0, "Send the benchmark report"), (5, "Follow-up call")]


def test_editor_form_includes_version(client, revops):
    play = make_play(name="Versioned")

    response = client.get(reverse("plays:edit", args=[play.slug]))

    assert f'name="version" value="{play_version(play)}"' in response.content.decode()


def test_stale_editor_save_is_rejected(client, revops):
    play = make_play(name="Opened twice")
    opened = play_version(play)
    first = client.post(reverse("plays:edit", args=[play.slug]), editor_data(name="First save", version=opened))
    assert first.status_code == 302

    second = client.post(reverse("plays:edit", args=[play.slug]), editor_data(name="Second save", version=opened))

    body = second.content.decode()
    assert second.status_code == 409
    assert "after you opened the editor, so your changes were not saved" in body
    assert "Fix the fields marked below" not in body
    assert 'value="Second save"' in body
    play.refresh_from_db()
    assert play.name == "First save"


def test_editor_save_without_version_is_rejected(client, revops):
    play = make_play(name="No version")

    response = client.post(reverse("plays:edit", args=[play.slug]), editor_data(name="Blind save"))

    assert response.status_code == 409
    assert "did not include the version of the play it edits" in response.content.decode()
    play.refresh_from_db()
    assert play.name == "No version"


def test_preview_counts_who_would_enter(client, revops):
    for score in (10, 20, 30):
        make_account(icp_tier=1, icp_score=score, name=f"Score {score}")
    make_account(icp_tier=2)

    response = client.post(reverse("plays:preview"), editor_data(enrollment_cap="2"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2</strong> accounts would enter now" in body
    assert "3 meet the criteria" in body
    assert "1 would find the play full" in body
    assert body.index("Score 30") < body.index("Score 20")
    assert "Score 10" not in body


def test_preview_without_criteria_asks_for_one(client, revops):
    response = client.post(reverse("plays:preview"), editor_data(eligible_tiers=[]))

    assert "Set at least one entry criterion" in response.content.decode()


def test_activating_without_criteria_is_refused(client, revops):
    play = make_play(name="Empty", status="draft")

    response = client.post(reverse("plays:status", args=[play.slug]), {"action": "activate"}, follow=True)

    play.refresh_from_db()
    assert play.status == "draft"
    assert "needs at least one entry criterion" in response.content.decode()


def test_status_changes(client, revops):
    play = make_play(name="Lifecycle", status="draft", eligible_tiers=[1])
    url = reverse("plays:status", args=[play.slug])

    client.post(url, {"action": "activate"})
    play.refresh_from_db()
    assert play.status == "active"
    client.post(url, {"action": "pause"})
    play.refresh_from_db()
    assert play.status == "paused"
    client.post(url, {"action": "retire"})
    play.refresh_from_db()
    assert play.status == "retired"
    response = client.post(url, {"action": "activate"}, follow=True)
    play.refresh_from_db()
    assert play.status == "retired"
    assert "cannot become active" in response.content.decode()


def test_play_page_shows_enrollments_sla_and_kpis(client, rep):
    account = make_account("Acme", icp_tier=1, owner=rep)
    play = make_play(name="Page", eligible_tiers=[1], sla_hours=24, kpis=["enrolled", "sla_met_rate"])
    enrollments_recompute(now=timezone.now() - datetime.timedelta(hours=30))

    response = client.get(reverse("plays:detail", args=[play.slug]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme" in body
    assert "Breached" in body
    assert "Accounts enrolled now" in body
    assert account.enrollments.count() == 1


def test_play_page_filters_by_sla(client, rep):
    make_account("Late", icp_tier=1)
    play = make_play(name="Filter", eligible_tiers=[1], sla_hours=24)
    enrollments_recompute(now=timezone.now() - datetime.timedelta(hours=30))
    make_account("Fresh", icp_tier=1)
    enrollments_recompute(now=timezone.now())

    body = client.get(reverse("plays:detail", args=[play.slug]), {"sla": "breached"}).content.decode()

    assert "Late" in body
    assert "Fresh" not in body


def test_unknown_play_is_404(client, rep):
    assert client.get(reverse("plays:detail", args=["nope"])).status_code == 404


def test_rep_marks_own_step_done(client, rep):
    account = make_account("Mine", icp_tier=1, owner=rep)
    play = make_play(name="Steps", eligible_tiers=[1])
    step = CadenceStep.objects.create(play=play, position=1, day_offset=0, channel="call", action="Intro call")
    enrollments_recompute(now=timezone.now())
    enrollment = Enrollment.objects.get(account=account)

    queue = client.get(reverse("plays:queue")).content.decode()
    assert "Intro call" in queue

    response = client.post(reverse("plays:step_done", args=[enrollment.pk, step.pk]))
    assert response.status_code == 302
    assert StepCompletion.objects.filter(enrollment=enrollment, step=step, completed_by=rep).exists()
    assert "Nothing due today on your accounts." in client.get(reverse("plays:queue")).content.decode()


def test_rep_cannot_mark_others_step(client, rep):
    other = make_user("olga", "sales")
    account = make_account("Theirs", icp_tier=1, owner=other)
    play = make_play(name="Other steps", eligible_tiers=[1])
    step = CadenceStep.objects.create(play=play, position=1, day_offset=0, channel="call", action="Intro call")
    enrollments_recompute(now=timezone.now())
    enrollment = Enrollment.objects.get(account=account)

    response = client.post(reverse("plays:step_done", args=[enrollment.pk, step.pk]))

    assert response.status_code == 403
    assert not StepCompletion.objects.exists()


class TestJourneyPages:
    def test_heatmap_cell_links_to_its_accounts(self, client, rep):
        JourneyStage.objects.all().delete()
        JourneyStage.objects.create(key="target", name="Target", position=1)
        accounts = [make_account(f"Member {n}", journey_stage="target") for n in range(2)]
        make_segment("fintech", accounts)

        page = client.get(reverse("plays:journeys")).content.decode()
        cell_url = reverse("plays:journey_accounts") + "?segment=fintech&amp;stage=target"
        assert cell_url in page

        listing = client.get(reverse("plays:journey_accounts"), {"segment": "fintech", "stage": "target"})
        assert listing.status_code == 200
        assert "Member 0" in listing.content.decode()
        assert "Member 1" in listing.content.decode()

    def test_unknown_segment_or_stage_is_404(self, client, rep):
        url = reverse("plays:journey_accounts")
        assert client.get(url, {"segment": "nope"}).status_code == 404
        assert client.get(url, {"stage": "nope"}).status_code == 404

    def test_only_revops_edits_ladder(self, client, rep):
        assert client.get(reverse("plays:journey_stage_create")).status_code == 403

    def test_revops_adds_stage_and_sees_rule_errors(self, client, revops):
        url = reverse("plays:journey_stage_create")
        bad = client.post(url, {"key": "champion", "name": "Champion", "position": "50",
                                "rule": '{"field": "health", "op": "gte", "value": 1}'})
        assert bad.status_code == 400
        assert "health" in bad.content.decode()

        good = client.post(url, {"key": "champion", "name": "Champion", "position": "50",
                                 "rule": '{"field": "health_score", "op": "gte", "value": 95}'})
        assert good.status_code == 302
        assert JourneyStage.objects.get(key="champion").rule["value"] == 95


class TestWorkspaceSections:
    def test_account_page_lists_plays_and_steps(self, client, rep):
        account = make_account("Acme", icp_tier=1, owner=rep)
        play = make_play(name="Tier 1 outreach", eligible_tiers=[1], sla_hours=24)
        CadenceStep.objects.create(play=play, position=1, day_offset=0, channel="call", action="Intro call")
        enrollments_recompute(now=timezone.now())

        body = client.get(reverse("workspace:account", args=[account.pk])).content.decode()

        assert 'id="plays-heading"' in body
        assert "Tier 1 outreach" in body
        assert "On time" in body
        assert "Intro call" in body

    def test_my_accounts_shows_work_queue(self, client, rep):
        make_account("Acme", icp_tier=1, owner=rep)
        play = make_play(name="Queue play", eligible_tiers=[1], sla_hours=2, sla_at_risk_hours=1)
        CadenceStep.objects.create(play=play, position=1, day_offset=0, channel="email", action="Send the intro")
        enrollments_recompute(now=timezone.now() - datetime.timedelta(minutes=90))

        body = client.get(reverse("workspace:my_accounts")).content.decode()

        assert 'id="queue-heading"' in body
        assert "Send the intro" in body
        assert "At risk" in body


def test_preview_reports_rule_errors(client, revops):
    rule = '{"all": [{"field": "industry", "op": "gt", "value": "x"}]}'

    body = client.post(reverse("plays:preview"), editor_data(entry_rule=rule)).content.decode()

    assert "The entry rule is invalid" in body
    assert "$.all[0]" in body


def test_failed_save_says_so_at_top(client, revops):
    body = client.post(reverse("plays:create"), editor_data(name="")).content.decode()

    assert "The play was not saved. Fix the fields marked below." in body
