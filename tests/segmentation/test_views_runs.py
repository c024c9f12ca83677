"""Recompute runs pages: list, detail and "run now", by role."""

import pytest
from django.urls import reverse

from segmentation.models import RecomputeRun, RunStatus
from tests.segmentation.pipeline_helpers import eager_pipeline  # noqa: F401
from tests.workspace.conftest import book, other_rep, rep, revops  # noqa: F401

pytestmark = pytest.mark.django_db


def test_runs_pages_need_sign_in(client):
    assert client.get(reverse("segmentation:run_list")).status_code == 302
    assert client.post(reverse("segmentation:run_now")).status_code == 302


def test_run_list_empty_state(client, rep):
    client.force_login(rep)
    response = client.get(reverse("segmentation:run_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No run yet." in html
    assert "Run now" not in html


def test_rep_cannot_start_a_run(client, rep):
    client.force_login(rep)
    assert client.post(reverse("segmentation:run_now")).status_code == 403
    assert not RecomputeRun.objects.exists()


def test_revops_runs_now_and_sees_the_run(client, revops, book, eager_pipeline):
    client.force_login(revops)
    response = client.post(reverse("segmentation:run_now"), {"full": "on"})
    run = RecomputeRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("segmentation:run_detail", args=[run.pk])
    assert run.status == RunStatus.PUBLISHED
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert f"Run #{run.pk}" in detail.content.decode()
    listing = client.get(reverse("segmentation:run_list")).content.decode()
    assert "Published" in listing
    assert "Tiers, stages and segments computed" in listing


def test_second_run_while_one_is_active_is_refused(client, revops):
    from django.utils import timezone

    active = RecomputeRun.objects.create(trigger="cli", full=True, as_of=timezone.now(), heartbeat_at=timezone.now())
    client.force_login(revops)
    response = client.post(reverse("segmentation:run_now"), follow=True)
    assert f"A recompute is already running: run #{active.pk}" in response.content.decode()
    assert RecomputeRun.objects.count() == 1
