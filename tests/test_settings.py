"""Settings read from the environment reject malformed values by name."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.conftest import REPO_ROOT

VALID_SECRET = "x" * 20 + "-settings-test-secret-key-with-enough-length"


def import_settings(module, **variables):
    """Import a settings module in a fresh interpreter and return the result."""
    clean = {key: value for key, value in os.environ.items() if key not in {
        "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TIME_ZONE", "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS", "DJANGO_SETTINGS_MODULE",
    }}
    clean.update(variables)
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "localhost:6379"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("DATABASE_CONN_MAX_AGE", "sixty"),
    ],
)
def test_malformed_variable_is_named(variable, value):
    result = import_settings("config.settings.base", **{"DEBUG": "true", variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Environment variable {variable} has the invalid value {value!r}" in result.stderr


def test_missing_secret_key_without_debug_is_rejected():
    result = import_settings("config.settings.base", DEBUG="false")
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY is missing" in result.stderr


def test_defaults_use_sqlite_and_eager_celery():
    result = import_settings(
        "config.settings.base; from config.settings import base; "
        "print(base.DATABASES['default']['ENGINE'], base.CELERY_TASK_ALWAYS_EAGER)",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_redis_url_turns_off_eager_tasks():
    result = import_settings(
        "config.settings.base; from config.settings import base; "
        "print(base.CELERY_BROKER_URL, base.CELERY_TASK_ALWAYS_EAGER)",
        DEBUG="true",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "False"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS contains '*'"),
        ({}, "Environment variable ALLOWED_HOSTS is missing"),
        ({"ALLOWED_HOSTS": "app.example.com", "DEBUG": "true"}, "production settings need DEBUG=false"),
        ({"ALLOWED_HOSTS": "app.example.com", "SECRET_KEY": ""}, "Environment variable SECRET_KEY is missing"),
    ],
)
def test_production_settings_reject_unsafe_values(variables, message):
    base = {"SECRET_KEY": VALID_SECRET, "DATABASE_URL": "postgres://u@db/tierline"}
    result = import_settings("config.settings.production", **{**base, **variables})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_accept_real_values():
    result = import_settings(
        "config.settings.production",
        SECRET_KEY=VALID_SECRET,
        DATABASE_URL="postgres://u@db/tierline",
        ALLOWED_HOSTS="app.example.com",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("TRUE", True), (" yes ", True), ("0", False), ("Off", False)])
def test_env_bool_accepts_common_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG", default=None) is expected


def test_env_int_enforces_range(monkeypatch):
    monkeypatch.setenv("HOUR", "24")
    with pytest.raises(ImproperlyConfigured, match="a whole number from 0 to 23"):
        env.env_int("HOUR", 2, minimum=0, maximum=23)


def test_env_list_ignores_blank_items(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example.com, ,b.example.com,")
    assert env.env_list("HOSTS") == ["a.example.com", "b.example.com"]


@pytest.mark.parametrize("task", [
    "accounts.tasks.account_table_compact_task",
    "insights.tasks.kpi_cache_warm_task",
    "insights.tasks.segment_combinations_build_task",
    "insights.tasks.touch_figures_update_task",
])
def test_housekeeping_tasks_on_maintenance_queue(task):
    # A run requested right after another must not wait behind the first run's housekeeping.
    from django.conf import settings

    from config.celery import app

    assert app.amqp.router.route({}, task)["queue"].name == "maintenance"
    assert "maintenance" in settings.CELERY_WORKER_QUEUES
    assert app.amqp.router.route({}, "segmentation.tasks.pipeline_publish_task")["queue"].name == "pipeline"
