"""Shared set-up for benchmark scripts: Django on the benchmark database,
holding the standard demo data set.

Benchmark scripts run from the repository root and import this module
before anything from Django:

    import common

    common.standard_dataset_ensure()
    from accounts.models import Account  # Django is set up now

`django_setup` points DATABASE_URL at BENCH_DATABASE_URL (never at the
developer's DATABASE_URL), creates that database if it is missing and runs
the migrations. `standard_dataset_ensure` generates the standard data set
(1,000,000 accounts, seed 1, as of STANDARD_AS_OF) only when the database
does not already hold exactly that set, so several benchmarks share one
generation. The table bench_dataset records what was generated and the row
counts it left. A benchmark that adds or deletes rows makes the next one
regenerate the set. Only counts are compared, so column updates (a
recompute writing tiers, for example) stay for the next benchmark to see.
"""

import json
import os
import platform
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tierline_bench"
STANDARD_ACCOUNTS = 1_000_000
STANDARD_SEED = 1
STANDARD_AS_OF = date(2025, 6, 30)
DATASET_NAME = "standard"

_ready = False


def bench_database_url():
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL


def database_create_if_missing(url):
    """Create the PostgreSQL database named in `url` unless it exists."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(
            f"BENCH_DATABASE_URL must be a PostgreSQL URL such as {DEFAULT_BENCH_DATABASE_URL}; got {url!r}."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL names no database: {url!r}.")
    server = psycopg2.connect(
        dbname="postgres",
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    try:
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created the benchmark database {name}.", flush=True)
    finally:
        server.close()


def django_setup():
    """Set up Django on the benchmark database and migrate it; safe to call twice."""
    global _ready
    if _ready:
        return
    url = bench_database_url()
    database_create_if_missing(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    # The generated timestamps depend on the time zone, so benchmarks use
    # one fixed zone and the standard data set is the same on every machine.
    os.environ["TIME_ZONE"] = "UTC"
    # Benchmarks serve no requests; a throwaway key lets the settings load
    # without DEBUG, which would record every query in memory.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    _ready = True


def _expected_parameters():
    from accounts.demo import DEMO_DATA_VERSION

    return {
        "accounts": STANDARD_ACCOUNTS,
        "seed": STANDARD_SEED,
        "as_of": STANDARD_AS_OF.isoformat(),
        "generator_version": DEMO_DATA_VERSION,
    }


DERIVED_MODELS = {
    "AccountCombination", "SegmentCombination", "SegmentCombinationMember", "CombinationBuild",
    "StayTouch", "SegmentEntryCount", "AccountTouchYear", "TouchChange", "TouchState",
}


def _models():
    from accounts.demo.services import MODELS

    return MODELS


def row_counts():
    """Return the exact row count of each demo data table, by table name."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for model in _models():
            table = model._meta.db_table
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _marker_table_create(cursor):
    cursor.execute(
        """
        CREATE TABLE IF NOT EXISTS bench_dataset (
            name text PRIMARY KEY,
            parameters jsonb NOT NULL,
            row_counts jsonb NOT NULL,
            generated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def standard_dataset_present():
    """Return True when the database contains exactly the standard data set."""
    from django.db import connection

    with connection.cursor() as cursor:
        _marker_table_create(cursor)
        cursor.execute("SELECT parameters, row_counts FROM bench_dataset WHERE name = %s", [DATASET_NAME])
        row = cursor.fetchone()
    if row is None:
        return False
    parameters, counts = (value if isinstance(value, dict) else json.loads(value) for value in row)
    return parameters == _expected_parameters() and counts == row_counts()


def demo_tables_truncate():
    """Empty the demo data tables and forget the standard data set.

    TRUNCATE ... CASCADE also empties tables that point at accounts and
    their records (segment memberships, enrollments), which were computed
    from the old rows. The insights app's derived tables point at them
    without database constraints, so they are named here; with their
    change log and time zone record gone, the next update recomputes them all.
    """
    django_setup()
    from django.apps import apps
    from django.db import connection, transaction

    derived = [model for model in apps.get_app_config("insights").get_models() if model.__name__ in DERIVED_MODELS]
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in [*_models(), *derived])
    with transaction.atomic(), connection.cursor() as cursor:
        _marker_table_create(cursor)
        cursor.execute("DELETE FROM bench_dataset WHERE name = %s", [DATASET_NAME])
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def standard_dataset_generate(*, progress=True):
    """Empty the demo data tables, generate the standard data set and record it.

    Returns the generator's DemoDataResult.
    """
    from django.db import connection

    from accounts.demo import demo_data_generate

    demo_tables_truncate()
    result = demo_data_generate(
        accounts=STANDARD_ACCOUNTS, seed=STANDARD_SEED, as_of=STANDARD_AS_OF, progress=progress
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_dataset (name, parameters, row_counts) VALUES (%s, %s, %s)",
            [DATASET_NAME, json.dumps(_expected_parameters()), json.dumps(row_counts())],
        )
    return result


def standard_dataset_ensure(*, progress=True):
    """Set up Django on the benchmark database and make sure it contains the standard data set.

    Returns the row counts by table name.
    """
    django_setup()
    if standard_dataset_present():
        print("The benchmark database already holds the standard data set.", flush=True)
    else:
        print(
            f"Generating the standard data set ({STANDARD_ACCOUNTS:,} accounts, seed {STANDARD_SEED}, "
            f"as of {STANDARD_AS_OF}); this takes several minutes.",
            flush=True,
        )
        standard_dataset_generate(progress=progress)
    return row_counts()


def machine_description():
    """Return the cores, memory and PostgreSQL version, for printing beside the figures."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    try:
        memory_kib = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        memory = f"{memory_kib / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    return f"{cores} cores, {memory} memory, PostgreSQL {server_version}, Python {platform.python_version()}"
