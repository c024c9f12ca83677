"""Benchmark the CSV import of accounts on PostgreSQL against a plain COPY.

Writes 100,000 generated account rows with the mess of real CRM exports
(currency strings, headcount ranges, country synonyms, blanks, URLs for
domains) to a CSV file. The file is imported through the same service the
import_csv command uses, then imported again (every row unchanged). The
baseline, in the same run, loads the same file with COPY into an
unconstrained table of text columns.

The database is BENCH_DATABASE_URL with "_import" added to its name, so the
shared benchmark data set is not touched; it is created and migrated when
missing, and its accounts are deleted before each run.

Usage: python bench/bench_import.py [--rows N] [--seed S]
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tierline_bench"
GOAL_ROWS_PER_SECOND = 20_000
GOAL_RATIO_TO_COPY = 5

HEADERS = ["Record ID", "Company name", "Website", "Industry", "Number of Employees", "Annual Revenue",
           "Country/Region", "State/Region", "City", "Ownership", "Lifecycle Stage", "Founded", "Partner tier"]
COUNTRIES = ["USA", "U.S.", "United States", "US", "Germany", "DE", "Deutschland", "UK", "United Kingdom",
             "France", "FR", "Canada", "Netherlands", "Holland", "N/A", ""]
INDUSTRIES = ["Software", "software", "Computer Software", "SaaS", "Financial Services", "fintech", "Healthcare",
              "Retail", "Manufacturing", "Telecom", "Media", "Widgets", "", "-"]
OWNERSHIP = ["Public", "Private", "privately held", "Subsidiary", "Non-profit", "", "null"]
STAGES = ["lead", "customer", "opportunity", "subscriber", ""]
STATES = ["California", "New York", "Texas", "Bavaria", "Ontario", "", "N/A"]
CITIES = ["San Francisco", "New York", "Austin", "Munich", "Toronto", "London", "Paris", ""]


class StepClock:
    """A progress callback that records how long each step of an import took."""

    def __init__(self):
        self.steps = []
        self.last = None

    def __call__(self, step, percent):
        if self.steps and self.steps[-1][0] == step:
            return  # the same step reporting more progress
        now = time.perf_counter()
        if self.steps:
            self.steps[-1][1] = now - self.last
        self.steps.append([step, 0.0])
        self.last = now

    def summary(self):
        return ", ".join(f"{step.lower()} {seconds:.2f} s" for step, seconds in self.steps[:-1])


def bench_database_url():
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DATABASE_URL)
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "tierline_bench"
    return urlunsplit(parts._replace(path=f"/{name}_import")), parts


def messy_revenue(rng):
    amount = rng.randint(1, 5_000) * 10_000
    style = rng.randrange(6)
    if style == 0:
        return f"${amount:,}"
    if style == 1:
        return f"{amount / 1_000_000:.1f}M"
    if style == 2:
        return f"€{amount // 1_000_000 or 1}m"
    if style == 3:
        return f"{amount:,}".replace(",", " ")
    if style == 4:
        return str(amount)
    return rng.choice(["", "N/A", "-"])


def messy_employees(rng):
    style = rng.randrange(4)
    if style == 0:
        return rng.choice(["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "10,001+"])
    if style == 1:
        return f"{rng.randint(1, 200_000):,}"
    if style == 2:
        return str(rng.randint(1, 50_000))
    return rng.choice(["", "N/A"])


def write_file(path, rows, seed):
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for number in range(rows):
            name = f"Company {number} {rng.choice(['Inc.', 'GmbH', 'Ltd', 'LLC', 'SA'])}"
            domain = f"company{number}.example"
            website = rng.choice([f"https://www.{domain}/", f"http://{domain}", domain, f"www.{domain}/about"])
            writer.writerow([
                f"HS-{number:07d}", name, website, rng.choice(INDUSTRIES), messy_employees(rng),
                messy_revenue(rng), rng.choice(COUNTRIES), rng.choice(STATES), rng.choice(CITIES),
                rng.choice(OWNERSHIP), rng.choice(STAGES), rng.choice([str(rng.randint(1900, 2020)), ""]),
                rng.choice(["gold", "silver", "bronze", ""]),
            ])


def prepare_database(url, server_parts):
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin_url = urlunsplit(server_parts._replace(path="/postgres"))
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def time_copy(path):
    """Load the file with COPY into an unconstrained table of text columns; return seconds."""
    from django.db import connection

    columns = ", ".join(f'"c{index}" text' for index in range(len(HEADERS)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        cursor.execute(f"CREATE TABLE bench_import_copy ({columns})")
    started = time.perf_counter()
    with connection.cursor() as cursor, path.open("rb") as handle:
        cursor.copy_expert("COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_import_copy")
        loaded = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_copy")
    return elapsed, loaded


def time_indexed_insert(table):
    """Copy the imported rows into a new table with the same indexes and constraints; return seconds.

    The accounts table's indexes and CHECK constraints set a floor under any
    way of writing new rows into it, so this is printed beside the import.
    The copy is rolled back.
    """
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_import_indexed (LIKE {table} INCLUDING ALL)")
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO bench_import_indexed SELECT * FROM {table}")
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url, server_parts = bench_database_url()
    prepare_database(url, server_parts)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.importing.services import import_file
    from accounts.models import Account

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Account._meta.db_table} CASCADE")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.csv"
        write_file(path, args.rows, args.seed)
        content = path.read_bytes()
        print(f"File: {args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MiB, database {connection.settings_dict['NAME']}")

        first_steps, second_steps = StepClock(), StepClock()
        started = time.perf_counter()
        first = import_file(kind="accounts", content=content, progress=first_steps)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = import_file(kind="accounts", content=content, progress=second_steps)
        second_seconds = time.perf_counter() - started
        copy_seconds, copied = time_copy(path)
        indexed_seconds = time_indexed_insert(Account._meta.db_table)

    rows = args.rows
    first_rate, second_rate, copy_rate = rows / first_seconds, rows / second_seconds, rows / copy_seconds
    print(f"Import, new accounts:     {first_seconds:7.2f} s {first_rate:10,.0f} rows/s "
          f"(created {first.created:,}, rejected {first.rejected:,})")
    print(f"Re-import, all unchanged: {second_seconds:7.2f} s {second_rate:10,.0f} rows/s "
          f"(unchanged {second.unchanged:,}, updated {second.updated:,})")
    print(f"  steps of the first import:  {first_steps.summary()}")
    print(f"  steps of the re-import:     {second_steps.summary()}")
    print(f"Plain COPY, text table:   {copy_seconds:7.2f} s {copy_rate:10,.0f} rows/s ({copied:,} rows)")
    print(f"INSERT of the imported rows into a copy of the accounts table with its indexes and constraints: "
          f"{indexed_seconds:.2f} s {rows / indexed_seconds:,.0f} rows/s")
    print(f"Import / COPY time ratio: {first_seconds / copy_seconds:.1f}x (new), {second_seconds / copy_seconds:.1f}x (re-import)")
    met = first_rate >= GOAL_ROWS_PER_SECOND and first_seconds / copy_seconds <= GOAL_RATIO_TO_COPY
    print(f"Goal of {GOAL_ROWS_PER_SECOND:,} rows/s and within {GOAL_RATIO_TO_COPY}x of COPY: "
          f"{'met' if met else 'not met'}")
    if first.created + first.rejected != rows or second.unchanged != first.created:
        print("Unexpected counts: every row should be created or rejected, then unchanged on re-import.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
