"""Benchmark the demo data generator on PostgreSQL.

Empties the demo data tables of the benchmark database (BENCH_DATABASE_URL),
generates the standard data set (1,000,000 accounts, seed 1) and reports
seconds and rows per second per table. The baseline, measured in the same
run, is a plain COPY of the same rows from CSV already in memory. It goes
into tables without indexes, keys or CHECK constraints (only NOT NULL), so
it measures the cost of getting those bytes into PostgreSQL at all.

    .venv/bin/python bench/bench_generate.py [--accounts N]

With --accounts the run generates N accounts instead, for a quick trial,
and leaves no standard data set behind.
"""

import argparse
import io
import time

import common

BASELINE_SCHEMA = "bench_baseline"
# Ids copied per COPY statement in the baseline, which bounds its memory.
BASELINE_CHUNK_IDS = 1_000_000


def baseline_copy(model):
    """Copy the model's table into an unindexed, unconstrained twin and return the seconds COPY FROM took."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    twin = f"{BASELINE_SCHEMA}.{table}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {BASELINE_SCHEMA}")
        cursor.execute(f"DROP TABLE IF EXISTS {twin}")
        cursor.execute(f"CREATE TABLE {twin} (LIKE {table})")
        cursor.execute(f"SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM {table}")
        low, high = cursor.fetchone()
        seconds = 0.0
        for start in range(low, high + 1, BASELINE_CHUNK_IDS):
            buffer = io.StringIO()
            cursor.copy_expert(
                f"COPY (SELECT * FROM {table} WHERE id >= {start} AND id < {start + BASELINE_CHUNK_IDS} ORDER BY id) "
                "TO STDOUT WITH (FORMAT csv)",
                buffer,
            )
            buffer.seek(0)
            started = time.perf_counter()
            cursor.copy_expert(f"COPY {twin} FROM STDIN WITH (FORMAT csv)", buffer)
            seconds += time.perf_counter() - started
        cursor.execute(f"DROP TABLE {twin}")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--accounts",
        type=int,
        default=common.STANDARD_ACCOUNTS,
        help="Accounts to generate (default: the standard set).",
    )
    arguments, _ = parser.parse_known_args()
    if arguments.accounts < 1:
        parser.error(f"--accounts must be at least 1; got {arguments.accounts}")

    common.django_setup()
    from django.db import connection

    from accounts.demo import demo_data_generate

    standard = arguments.accounts == common.STANDARD_ACCOUNTS
    print(f"Machine: {common.machine_description()}", flush=True)
    print(
        f"Generating {arguments.accounts:,} accounts, seed {common.STANDARD_SEED}, as of {common.STANDARD_AS_OF} "
        f"into {connection.settings_dict['NAME']}",
        flush=True,
    )
    if standard:
        result = common.standard_dataset_generate(progress=True)
    else:
        common.demo_tables_truncate()
        result = demo_data_generate(
            accounts=arguments.accounts, seed=common.STANDARD_SEED, as_of=common.STANDARD_AS_OF, progress=True
        )

    print("Measuring the baseline: plain COPY of the same rows into unindexed tables", flush=True)
    baseline = {model: baseline_copy(model) for model in result.rows}

    header = (
        f"{'table':<16} {'rows':>11} {'build s':>8} {'format s':>8} {'COPY s':>7} {'rows/s':>9} "
        f"{'baseline s':>10} {'rows/s':>9} {'ratio':>6}"
    )
    print()
    print(header)
    print("-" * len(header))
    for model, rows in result.rows.items():
        copy_seconds = result.insert_seconds[model]
        print(
            f"{model._meta.db_table.removeprefix('accounts_'):<16} {rows:>11,} {result.build_seconds[model]:>8.1f} "
            f"{result.format_seconds[model]:>8.1f} {copy_seconds:>7.1f} {rows / copy_seconds:>9,.0f} "
            f"{baseline[model]:>10.1f} {rows / baseline[model]:>9,.0f} {copy_seconds / baseline[model]:>6.1f}"
        )
    total_rows = sum(result.rows.values())
    total_baseline = sum(baseline.values())
    print(f"{'indexes, keys, statistics':<37} {result.finish_seconds:>7.1f}")
    print(
        f"{'total (wall clock)':<16} {total_rows:>11,} {'':>8} {'':>8} {result.total_seconds:>7.1f} "
        f"{total_rows / result.total_seconds:>9,.0f} {total_baseline:>10.1f} {total_rows / total_baseline:>9,.0f} "
        f"{result.total_seconds / total_baseline:>6.1f}"
    )
    print(
        "\nbuild and format run in this process while COPY runs in the database server at the same time, so "
        "the columns add up to more than the wall clock. The ratio compares with the baseline COPY."
    )
    print(
        f"Generated {arguments.accounts:,} accounts with all their records in {result.total_seconds:.0f} s "
        f"({result.total_seconds / 60:.1f} min); the baseline COPY of the same rows took {total_baseline:.0f} s."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
