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
