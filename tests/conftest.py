"""Fixtures shared by the whole suite.

Tests marked celery_worker get a real Celery worker, started here as a
subprocess against the test database, when REDIS_URL is set (as `.ci/run`
does); without REDIS_URL they are skipped with the reason.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
WORKER_START_TIMEOUT_SECONDS = 60

# Property tests run a small number of examples locally and 2,000 in CI,
# where .ci/run sets HYPOTHESIS_PROFILE=ci. A test may still set its own.
hypothesis_settings.register_profile("ci", max_examples=2000, deadline=None, database=None)
hypothesis_settings.register_profile("dev", max_examples=50, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "celery_worker" in item.keywords:
            item.fixturenames.append("celery_worker_process")
            item.fixturenames.append("celery_worker_idle_after_test")


@pytest.fixture(autouse=True)
def fresh_api_request_counts():
    """Count API requests for throttling afresh in each test, without clearing a Redis shared with Celery."""
    from django.core.cache import caches

    caches["api"].version = time.time_ns()


@pytest.fixture(scope="session")
def shared_data():
    """Return the folder of real public datasets, or skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real datasets are not at {SHARED_DATA}")
    return SHARED_DATA


def database_url_for(settings_dict):
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """Start `celery -A config worker` on the test database and stop it after the session."""
    if not settings.REDIS_URL:
        pytest.skip("needs a Celery worker: set REDIS_URL (`.ci/run` does) to run it")
    if connection.vendor != "postgresql":
        pytest.skip("the worker test needs PostgreSQL, which a second process can share")

    env = dict(os.environ, DATABASE_URL=database_url_for(connection.settings_dict))
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    log_path = REPO_ROOT / "artifacts" / "celery-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--queues", ",".join(settings.CELERY_WORKER_QUEUES),
            "--concurrency", "2", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
    while not app.control.ping(timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start; see {log_path}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log_file.close()


@pytest.fixture(autouse=True)
def default_cache_cleared():
    """Empty the default cache around each test, so values a page cached cannot leak into the next test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


WORKER_IDLE_TIMEOUT_SECONDS = 60


@pytest.fixture
def celery_worker_idle_after_test(celery_worker_process):
    """Wait, after a worker test, until the worker runs no task.

    A task still running (a follow-up queued after a run commits, say) holds
    locks that deadlock with the flush of the test database at teardown.
    """
    yield
    from config.celery import app

    deadline = time.monotonic() + WORKER_IDLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        inspector = app.control.inspect(timeout=1)
        busy = [task for tasks in (inspector.active() or {}).values() for task in tasks]
        queued = [task for tasks in (inspector.reserved() or {}).values() for task in tasks]
        if not busy and not queued:
            return
        time.sleep(0.5)
