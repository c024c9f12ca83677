"""Samples of the accounts that an unpublished ICP model or lifecycle rule set would move.

The moves are computed by the same SQL the pipeline runs (scoring_select
and lifecycle_select), read here without writing anything.
"""

from django.db import connection, transaction
from django.utils import timezone

from accounts import sql
from accounts.models import Account

from ..lifecycle import lifecycle_select
from ..scoring import scoring_select

SAMPLES_PER_MOVE = 5


def _samples(select_sql, params, current_column, new_column, per_move):
    """Return {(current, new): [(account id, name), ...]} for rows whose current and new values differ."""
    table = connection.ops.quote_name(Account._meta.db_table)
    moved = sql.distinct_from(f"x.{current_column}", f"x.{new_column}")
    statement = f"""
        SELECT m.current_value, m.new_value, m.account_id, a.name
        FROM (
            SELECT x.{current_column} AS current_value, x.{new_column} AS new_value, x.account_id,
                   ROW_NUMBER() OVER (PARTITION BY x.{current_column}, x.{new_column} ORDER BY x.account_id) AS position
            FROM ({select_sql}) x
            WHERE {moved}
        ) m
        JOIN {table} a ON a.id = m.account_id
        WHERE m.position <= %s
        ORDER BY m.current_value, m.new_value, m.account_id
    """
    samples = {}
    with transaction.atomic(), connection.cursor() as cursor:
        sql.disable_jit()
        cursor.execute(statement, [*params, per_move])
        for current, new, account_id, name in cursor.fetchall():
            samples.setdefault((current, new), []).append((account_id, name))
    return samples


def icp_move_samples(model, *, now=None, per_move=SAMPLES_PER_MOVE):
    """Return sample accounts for each tier move that publishing model would cause."""
    now = now or timezone.now()
    select_sql, params = scoring_select(model, list(model.criteria.all()), now=now, today=timezone.localdate(now))
    return _samples(select_sql, params, "current_tier", "tier", per_move)


def lifecycle_preview(rules, *, now=None, per_move=SAMPLES_PER_MOVE):
    """Return the stage distribution and the stage moves a set of lifecycle rules would give, with samples.

    rules are LifecycleRule objects, saved or not; unsaved ones need a
    distinct integer pk for the SQL, which the caller assigns.
    """
    now = now or timezone.now()
    select_sql, params = lifecycle_select(rules, now=now)
    table = connection.ops.quote_name(Account._meta.db_table)
    statement = f"""
        SELECT a.lifecycle_stage, q.lifecycle_stage, COUNT(*)
        FROM ({select_sql}) q JOIN {table} a ON a.id = q.account_id
        GROUP BY a.lifecycle_stage, q.lifecycle_stage
    """
    with transaction.atomic(), connection.cursor() as cursor:
        sql.disable_jit()
        cursor.execute(statement, params)
        moves = {(current or "", new): count for current, new, count in cursor.fetchall()}
    stages = {}
    for (_, new), count in moves.items():
        stages[new] = stages.get(new, 0) + count
    joined = f"""
        SELECT q.account_id, a.lifecycle_stage AS current_stage, q.lifecycle_stage AS new_stage
        FROM ({select_sql}) q JOIN {table} a ON a.id = q.account_id
    """
    samples = _samples(joined, params, "current_stage", "new_stage", per_move)
    samples = {(current or "", new): rows for (current, new), rows in samples.items()}
    return {
        "accounts": sum(moves.values()),
        "moves": moves,
        "changed": sum(count for (current, new), count in moves.items() if current != new),
        "stages": stages,
        "samples": samples,
    }
