"""Strict readers for settings taken from environment variables.

Each reader raises ImproperlyConfigured naming the variable, the value it
found and the form it expects, so a typo fails at start-up instead of being
read as a default.
"""

import os
import zoneinfo

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _raw(name):
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip()


def _invalid(name, value, expected):
    return ImproperlyConfigured(
        f"Environment variable {name} has the invalid value {value!r}: expected {expected}."
    )


def env_str(name, default=None, *, required=False):
    value = _raw(name)
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"Environment variable {name} is missing: set it before starting.")
    return default


def env_bool(name, default):
    value = _raw(name)
    if not value:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise _invalid(name, value, "one of " + ", ".join(sorted(TRUE_WORDS | FALSE_WORDS)))


def env_int(name, default, *, minimum=None, maximum=None):
    value = _raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _invalid(name, value, "a whole number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _invalid(name, value, f"a whole number from {minimum} to {maximum}")
    return number


def env_list(name, default=()):
    """Read a comma-separated list, ignoring blank items."""
    value = _raw(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_time_zone(name, default):
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _invalid(name, value, "an IANA time zone name such as Europe/Berlin or UTC") from None
    return value


def env_database(name, default_sqlite_path):
    """Read a database URL, or fall back to a SQLite file when the variable is unset."""
    value = _raw(name)
    if not value:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path)}
    try:
        config = environ.Env.db_url_config(value)
    except (ValueError, KeyError, ImproperlyConfigured):
        config = {}
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3") or not config.get("NAME"):
        raise _invalid(
            name,
            value,
            "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.sqlite3",
        )
    return config


def env_redis_url(name):
    value = _raw(name)
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise _invalid(name, value, "redis://HOST:PORT/DB, rediss://... or unix://PATH")
    return value
