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
        "--accounts", type=int, default=common.STANDARD_ACCOUNTS, help="Accounts to generate (default: the standard set)."
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

    header = f"{'table':<20} {'rows':>12} {'generator s':>12} {'rows/s':>10} {'COPY s':>8} {'rows/s':>10} {'ratio':>6}"
    print()
    print(header)
    print("-" * len(header))
    for model, rows in result.rows.items():
        generated = result.build_seconds[model] + result.write_seconds[model]
        print(
            f"{model._meta.db_table.removeprefix('accounts_'):<20} {rows:>12,} {generated:>12.1f} "
            f"{rows / generated:>10,.0f} {baseline[model]:>8.1f} {rows / baseline[model]:>10,.0f} "
            f"{generated / baseline[model]:>6.1f}"
        )
    total_rows = sum(result.rows.values())
    total_baseline = sum(baseline.values())
    print(f"{'indexes, keys, stats':<20} {'':>12} {result.finish_seconds:>12.1f}")
    print(
        f"{'total':<20} {total_rows:>12,} {result.total_seconds:>12.1f} {total_rows / result.total_seconds:>10,.0f} "
        f"{total_baseline:>8.1f} {total_rows / total_baseline:>10,.0f} {result.total_seconds / total_baseline:>6.1f}"
    )
    print(
        f"\nGenerated {arguments.accounts:,} accounts with all their records in {result.total_seconds:.0f} s "
        f"({result.total_seconds / 60:.1f} min); the baseline COPY of the same rows took {total_baseline:.0f} s."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
