"""Liveness and dependency checks behind /healthz."""

import logging

import redis
from kombu.exceptions import OperationalError as BrokerError
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis():
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_broker():
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


def run_checks():
    """Run every configured check and return {name: {"ok": bool, "error": str}}.

    Redis and the broker are checked only when REDIS_URL is set; without it
    tasks run eagerly and neither exists.
    """
    checks = [("database", check_database, (DatabaseError,))]
    if settings.REDIS_URL:
        checks.append(("redis", check_redis, (redis.RedisError, OSError)))
        checks.append(("broker", check_broker, (OSError, BrokerError)))

    results = {}
    for name, check, errors in checks:
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means the part is down
            if not isinstance(error, errors):
                logger.exception("Health check %s failed with an unexpected error", name)
            else:
                logger.error("Health check %s failed: %s", name, error)
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        else:
            results[name] = {"ok": True}
    return results
