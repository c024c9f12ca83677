"""Journey placement and enrollment as steps of a whole recompute run."""

import datetime

import pytest

from config.pipeline import STEPS
from plays.models import Enrollment, JourneyStage
from segmentation.services.segments import segment_create
from tests.segmentation.pipeline_helpers import eager_pipeline, run_pipeline  # noqa: F401

from .conftest import NOW, make_account, make_play

pytestmark = pytest.mark.django_db


def test_steps_follow_segment_memberships():
    names = [step.name for step in STEPS]
    assert names.index("segment_memberships") < names.index("journey_stages") < names.index("play_enrollments")


def test_run_places_and_enrolls(eager_pipeline):  # noqa: F811
    JourneyStage.objects.all().delete()
    JourneyStage.objects.create(key="target", name="Target", position=1)
    JourneyStage.objects.create(
        key="software", name="Software", position=2, rule={"field": "industry", "op": "eq", "value": "Software"}
    )
    software = make_account("Code Co", industry="Software")
    make_account("Shop Co", industry="Retail")
    segment = segment_create(
        name="Software", slug="software", lens="firmographic", status="active",
        rule={"field": "industry", "op": "eq", "value": "Software"},
    )
    play = make_play(name="Software play", segments=[segment], sla_hours=24)

    run = run_pipeline(now=NOW, full=True)

    assert run.status == "published", run.error
    assert run.counts["play_entries"] == 1
    assert run.counts["journey_stage_moves"] == 2
    software.refresh_from_db()
    assert software.journey_stage == "software"
    enrollment = Enrollment.objects.get(play=play)
    assert enrollment.account == software
    assert enrollment.entered_run_id == run.pk

    later = run_pipeline(now=NOW + datetime.timedelta(hours=25), full=True)
    assert later.counts["sla_breached"] == 1
    assert later.counts["play_entries"] == 0


def software_ladder():
    JourneyStage.objects.all().delete()
    JourneyStage.objects.create(key="target", name="Target", position=1)
    return JourneyStage.objects.create(
        key="software", name="Software", position=2, rule={"field": "industry", "op": "eq", "value": "Software"}
    )


def test_unchanged_rerun_skips_placement(eager_pipeline):  # noqa: F811
    software_ladder()
    account = make_account("Code Co", industry="Retail")
    run_pipeline(now=NOW, full=True)
    # Moved by hand, so a placement would move it back: only a skipped step leaves it.
    type(account).objects.filter(pk=account.pk).update(journey_stage="software")

    again = run_pipeline(now=NOW + datetime.timedelta(minutes=5))

    assert not again.full
    assert again.counts["journey_stage_moves"] == 0
    account.refresh_from_db()
    assert account.journey_stage == "software"


def test_changed_account_is_placed_again(eager_pipeline):  # noqa: F811
    software_ladder()
    account = make_account("Code Co", industry="Retail")
    run_pipeline(now=NOW, full=True)
    account.industry = "Software"
    account.save()

    again = run_pipeline(now=NOW + datetime.timedelta(minutes=5))

    assert not again.full
    assert again.counts["journey_stage_moves"] == 1
    account.refresh_from_db()
    assert account.journey_stage == "software"


def test_edited_ladder_makes_next_run_full(eager_pipeline):  # noqa: F811
    stage = software_ladder()
    account = make_account("Code Co", industry="Retail")
    run_pipeline(now=NOW, full=True)
    stage.rule = {"field": "industry", "op": "eq", "value": "Retail"}
    stage.save()

    again = run_pipeline(now=NOW + datetime.timedelta(minutes=5))

    assert again.full
    account.refresh_from_db()
    assert account.journey_stage == "software"
