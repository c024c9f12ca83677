"""API writes queue one incremental recompute when near-real-time updates are on."""

from unittest import mock

import pytest
from django.core.cache import caches
from django.utils import timezone

from integrations.recompute import PENDING_KEY, RECOMPUTE_DELAY_SECONDS, RETRY_WHILE_RUNNING_SECONDS
from integrations.tasks import api_recompute_task
from segmentation.models import RecomputeRun, RunTrigger

pytestmark = pytest.mark.django_db

RECORDS = {"records": [{"external_id": "A-1", "name": "Acme"}]}


@pytest.fixture
def scheduled():
    with mock.patch("integrations.tasks.api_recompute_task.apply_async") as apply_async:
        yield apply_async


def write(api, django_capture_on_commit_callbacks, body=RECORDS):
    with django_capture_on_commit_callbacks(execute=True):
        return api.post("/api/v1/accounts/bulk-upsert/", body, format="json")


def test_off_by_default(api, scheduled, django_capture_on_commit_callbacks):
    write(api, django_capture_on_commit_callbacks)
    scheduled.assert_not_called()


def test_burst_of_writes_queues_one_run(api, scheduled, settings, django_capture_on_commit_callbacks):
    settings.API_NEAR_REAL_TIME_RECOMPUTE = True
    write(api, django_capture_on_commit_callbacks)
    write(api, django_capture_on_commit_callbacks, {"records": [{"external_id": "A-2", "name": "Globex"}]})
    scheduled.assert_called_once_with(countdown=RECOMPUTE_DELAY_SECONDS)


def test_unchanged_records_queue_nothing(api, scheduled, settings, django_capture_on_commit_callbacks):
    write(api, django_capture_on_commit_callbacks)
    settings.API_NEAR_REAL_TIME_RECOMPUTE = True
    write(api, django_capture_on_commit_callbacks)
    scheduled.assert_not_called()


def test_single_record_write_queues_run(api, scheduled, settings, django_capture_on_commit_callbacks):
    settings.API_NEAR_REAL_TIME_RECOMPUTE = True
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/accounts/", {"name": "Hooli"}, format="json")
    scheduled.assert_called_once()


def test_task_starts_api_run():
    caches["api"].set(PENDING_KEY, 1)
    run_id = api_recompute_task()
    run = RecomputeRun.objects.get(pk=run_id)
    assert run.trigger == RunTrigger.API
    assert caches["api"].get(PENDING_KEY) is None


def test_task_waits_for_running_run(scheduled):
    RecomputeRun.objects.create(trigger=RunTrigger.NIGHTLY, full=True, as_of=timezone.now())
    assert api_recompute_task() is None
    scheduled.assert_called_once_with(countdown=RETRY_WHILE_RUNNING_SECONDS)
