"""Settings for every environment, read from environment variables.

With no DATABASE_URL the app uses a SQLite file next to manage.py, and with
no REDIS_URL Celery runs tasks eagerly in the web process. That embedded mode
is for trying the product; production.py adds the deployment checks.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY is missing: set it, or set DEBUG=true for a local trial."
        )
    # A local trial needs no secret that outlives the process.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "accounts",
    "segmentation",
    "integrations",
    "plays",
    "insights",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integrations.idempotency.IdempotencyMiddleware",
    "integrations.freshness.TiersComputedAtMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspace.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", BASE_DIR / "tierline.sqlite3")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while an eager recompute writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif not env_bool("DATABASE_JIT", False):
    # PostgreSQL's JIT compiles a query it estimates as costly, which took 0.1 to
    # 0.3 s per rule query over 1M accounts and saved less than that.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve assets straight from the installed packages when no collectstatic has run.
WHITENOISE_USE_FINDERS = True

MEDIA_ROOT = BASE_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.permissions.ApiAccessPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttling.ApiRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.KeysetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "integrations.errors.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tierline API",
    "DESCRIPTION": "Accounts, segments, tiers and their changes for CRM sync.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The plays API reads and writes a play's status, so its choices appear
    # in several components; this keeps their schema name stable.
    "ENUM_NAME_OVERRIDES": {"PlayStatusEnum": "plays.models.choices.PlayStatus"},
    # The schema is generated and checked by the test suite; building it
    # inside `check --deploy` would need a migrated database.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.add_error_responses",
    ],
}

# Celery. Without REDIS_URL every task runs eagerly in the calling process.
REDIS_URL = env_redis_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# Tasks are written to be idempotent, so a task whose worker dies is run again
# by another worker instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=10)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# Redis re-delivers an unacknowledged task after this many seconds, so it
# must stay well above the longest task's hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * CELERY_TASK_TIME_LIMIT}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Housekeeping after a recompute (compacting the account table, rebuilding what the dashboard
# reads, warming its cache) runs on a queue of its own. A deployment gives that queue its own
# worker, so these tasks never take a worker process that a recompute needs. A compaction still
# locks the accounts table while it rewrites it, and a run waits for that.
CELERY_TASK_ROUTES = {
    "accounts.tasks.import_*": {"queue": "imports"},
    "*.tasks.pipeline_*": {"queue": "pipeline"},
    "*.tasks.webhook_*": {"queue": "webhooks"},
    "accounts.tasks.account_table_compact_task": {"queue": "maintenance"},
    "insights.tasks.*": {"queue": "maintenance"},
}
CELERY_WORKER_QUEUES = ("default", "imports", "pipeline", "webhooks", "maintenance")

# API: request limits, Idempotency-Key retention, webhooks and near-real-time
# recompute of accounts written through the API.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Throttling counts requests here; with Redis every web process shares the counts.
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "tierline-api"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tierline-api"}
    ),
    # KPI tables, shared by the web processes and the worker that warms them after each recompute.
    "insights": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "tierline-insights"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tierline-insights"}
    ),
}
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/min")
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=24, maximum=24 * 30)
IDEMPOTENCY_IN_FLIGHT_SECONDS = env_int("IDEMPOTENCY_IN_FLIGHT_SECONDS", 300, minimum=10)
API_BULK_MAX_RECORDS = 1000
API_NEAR_REAL_TIME_RECOMPUTE = env_bool("API_NEAR_REAL_TIME_RECOMPUTE", False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=20)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)

# The nightly recompute runs at this hour and minute in TIME_ZONE.
NIGHTLY_RECOMPUTE_HOUR = env_int("NIGHTLY_RECOMPUTE_HOUR", 2, minimum=0, maximum=23)
NIGHTLY_RECOMPUTE_MINUTE = env_int("NIGHTLY_RECOMPUTE_MINUTE", 0, minimum=0, maximum=59)

# The recompute pipeline: the ordered list of steps, the accounts per chunk
# task, and the shortest time after which the sweeper fails a run that has
# not finished (otherwise twice the usual duration of recent runs).
RECOMPUTE_PIPELINE_STEPS = "config.pipeline.STEPS"
RECOMPUTE_CHUNK_SIZE = env_int("RECOMPUTE_CHUNK_SIZE", 50_000, minimum=100, maximum=1_000_000)
RECOMPUTE_MIN_STALE_SECONDS = env_int("RECOMPUTE_MIN_STALE_SECONDS", 15 * 60, minimum=60)
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        "task": "segmentation.tasks.pipeline_nightly_task",
        "schedule": crontab(hour=NIGHTLY_RECOMPUTE_HOUR, minute=NIGHTLY_RECOMPUTE_MINUTE),
    },
    "recompute-sweeper": {"task": "segmentation.tasks.pipeline_sweep_task", "schedule": 300.0},
}
# Webhook attempts that are due (retries, and deliveries a dead worker left
# half-sent) every minute; expired Idempotency-Key records every hour.
CELERY_BEAT_SCHEDULE["webhook-send-due"] = {"task": "integrations.tasks.webhook_send_due_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["webhook-publish-changes"] = {
    "task": "integrations.tasks.webhook_publish_changes_task",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["idempotency-keys-purge"] = {
    "task": "integrations.tasks.idempotency_keys_purge_task",
    "schedule": 3600.0,
}

# KPIs convert money into this ISO 4217 currency with the exchange rates in the
# insights app; amounts in a currency without a rate are left out and reported.
REPORTING_CURRENCY = env_str("REPORTING_CURRENCY", "USD")
# Flow KPIs in the daily snapshot (pipeline created, win rate...) cover the
# calendar days ending on the snapshot day.
KPI_SNAPSHOT_WINDOW_DAYS = env_int("KPI_SNAPSHOT_WINDOW_DAYS", 90, minimum=1, maximum=3660)

# After a full recompute run on PostgreSQL, a worker rewrites the account table
# with VACUUM FULL when it takes this many times the space its rows need. With 0 it never does.
ACCOUNTS_COMPACT_RATIO = env_int("ACCOUNTS_COMPACT_RATIO", 2, minimum=0, maximum=100)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
