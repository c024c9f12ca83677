"""The SQL behind the KPIs: one aggregate query per family of figures.

Grouped by today's membership, facts.py sums the deal, ARR, meeting and
new-customer families in one query instead. Every query returns one row per group (and per currency where amounts are
summed), never one row per record, so the work stays in the database and
pandas only shapes the result. Dates are written into the SQL as ISO
literals made from date objects; everything else is a bound parameter.
"""

from datetime import timedelta

from contextlib import contextmanager

import pandas as pd
from django.db import connection, transaction

from accounts.models import Account, ArrSnapshot, EngagementEvent, Opportunity

from ..models import Spend
from .definitions import RESPONSE_WINDOW_DAYS, TOUCH_EVENT_TYPES

UNASSIGNED = "unassigned"
TOTAL = "total"
BASIS_CURRENT = "current"
BASIS_ENTRY = "entry"
BASES = (BASIS_CURRENT, BASIS_ENTRY)

ACCOUNT_TABLE = Account._meta.db_table
OPPORTUNITY_TABLE = Opportunity._meta.db_table
ARR_TABLE = ArrSnapshot._meta.db_table
EVENT_TABLE = EngagementEvent._meta.db_table
SPEND_TABLE = Spend._meta.db_table


# Memory for each sort or hash of one analytic query; the hashes of millions of memberships spill to disk
# with PostgreSQL's default of 4 MB.
ANALYTICS_WORK_MEM = "64MB"


@contextmanager
def analytics_settings():
    """Run the enclosed queries in one transaction with settings suited to large aggregates.

    PostgreSQL's JIT spent 3.6 s compiling the expressions of one 12 s query
    (1M accounts, bench/bench_insights.py), so it is turned off. More work
    memory keeps hashes and sorts in memory. SET LOCAL ends with the
    transaction, so other queries on the connection keep the defaults.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = %s", [ANALYTICS_WORK_MEM])
        yield


def fetch_frame(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=columns)


def concat_frames(*frames):
    """Stack result frames, leaving out empty ones; an empty frame when all are empty."""
    filled = [frame for frame in frames if not frame.empty]
    return pd.concat(filled, ignore_index=True) if filled else pd.DataFrame()


def days_between(later, earlier):
    """SQL for the whole days from one date column to another."""
    if connection.vendor == "sqlite":
        return f"(julianday({later}) - julianday({earlier}))"
    return f"({later} - {earlier})"


def in_list(values):
    return ", ".join(f"'{value}'" for value in values)


# Opportunities


def deal_conditions(period):
    start, end = period.start.isoformat(), period.end.isoformat()
    return {
        "created": f"o.created_date BETWEEN '{start}' AND '{end}'",
        "won": f"o.status = 'won' AND o.closed_date BETWEEN '{start}' AND '{end}'",
        "lost": f"o.status = 'lost' AND o.closed_date BETWEEN '{start}' AND '{end}'",
        # Open at the end of the period: created by then, and still open now or closed only afterwards.
        "open": f"(o.created_date IS NULL OR o.created_date <= '{end}') "
        f"AND (o.status = 'open' OR o.closed_date > '{end}')",
    }


def deal_values(period):
    """Return SQL over `o` for the value each deal adds to each deal figure, in DEAL_COLUMNS order.

    A value is NULL where the deal adds nothing to a sum of amounts, so a
    group without such deals sums to NULL rather than 0.
    """
    c = deal_conditions(period)
    cycle = days_between("o.closed_date", "o.created_date")
    return {
        "created_n": f"CASE WHEN {c['created']} THEN 1 ELSE 0 END",
        "created_amount": f"CASE WHEN {c['created']} THEN o.amount END",
        "open_n": f"CASE WHEN {c['open']} THEN 1 ELSE 0 END",
        "open_amount": f"CASE WHEN {c['open']} THEN o.amount END",
        "won_n": f"CASE WHEN {c['won']} THEN 1 ELSE 0 END",
        "lost_n": f"CASE WHEN {c['lost']} THEN 1 ELSE 0 END",
        "won_amount": f"CASE WHEN {c['won']} THEN o.amount END",
        "won_amount_n": f"CASE WHEN {c['won']} AND o.amount IS NOT NULL THEN 1 ELSE 0 END",
        "won_amount_sq": f"CASE WHEN {c['won']} THEN o.amount * o.amount END",
        "cycle_sum": f"CASE WHEN {c['won']} AND o.created_date IS NOT NULL THEN {cycle} END",
        "cycle_sq": f"CASE WHEN {c['won']} AND o.created_date IS NOT NULL THEN {cycle} * {cycle} END",
        "cycle_n": f"CASE WHEN {c['won']} AND o.created_date IS NOT NULL THEN 1 ELSE 0 END",
    }


def deal_aggregates(period):
    return ", ".join(f"SUM({value}) AS {column}" for column, value in deal_values(period).items())


def deal_relevance(period):
    c = deal_conditions(period)
    return f"(({c['created']}) OR ({c['won']}) OR ({c['lost']}) OR ({c['open']}))"


def membership_join(basis):
    """Return the SQL condition that ties an opportunity `o` to a group row `r`."""
    if basis == BASIS_ENTRY:
        return (
            "r.member_id = o.account_id "
            "AND (r.entered_on IS NULL OR r.entered_on <= o.created_date) "
            "AND (r.exited_on IS NULL OR r.exited_on > o.created_date)"
        )
    return "r.member_id = o.account_id"


def deal_figures(grouping, period, basis):
    """Deal figures per (group_key, currency), plus the unassigned and total rows."""
    relation_sql, relation_params = grouping.stays() if basis == BASIS_ENTRY else grouping.members_now()
    aggregates = deal_aggregates(period)
    relevant = deal_relevance(period)
    join = membership_join(basis)
    grouped = fetch_frame(
        f"SELECT r.group_key AS group_key, o.currency AS currency, {aggregates} "
        f"FROM {OPPORTUNITY_TABLE} o JOIN ({relation_sql}) r ON {join} "
        f"WHERE {relevant} GROUP BY r.group_key, o.currency",
        relation_params,
    )
    total = fetch_frame(
        f"SELECT '{TOTAL}' AS group_key, o.currency AS currency, {aggregates} "
        f"FROM {OPPORTUNITY_TABLE} o WHERE {relevant} GROUP BY o.currency"
    )
    return concat_frames(grouped, unassigned_deal_figures(grouping, period, basis), total)


def unassigned_deal_figures(grouping, period, basis):
    """Deal figures of the deals that no group row matches, per currency."""
    relation_sql, relation_params = grouping.stays() if basis == BASIS_ENTRY else grouping.members_now()
    return fetch_frame(
        f"SELECT '{UNASSIGNED}' AS group_key, o.currency AS currency, {deal_aggregates(period)} "
        f"FROM {OPPORTUNITY_TABLE} o WHERE {deal_relevance(period)} "
        f"AND NOT EXISTS (SELECT 1 FROM ({relation_sql}) r WHERE {membership_join(basis)}) GROUP BY o.currency",
        relation_params,
    )


# Accounts


def account_counts(grouping, period, basis):
    combinations = grouping.combinations() if basis == BASIS_CURRENT else None
    if combinations is not None:
        # Accounts per combination, added up per group: a few thousand rows instead of every membership.
        sizes_sql, sizes_params = combinations.sizes
        sql, params = combinations.groups
        grouped = fetch_frame(
            f"SELECT r.group_key AS group_key, SUM(n.accounts) AS accounts FROM ({sizes_sql}) n "
            f"JOIN ({sql}) r ON r.combination_id = n.combination_id GROUP BY r.group_key",
            (*sizes_params, *params),
        )
    elif basis == BASIS_ENTRY:
        sql, params = grouping.members_on(period.end)
        grouped = _member_counts(sql, params, "COUNT(DISTINCT r.member_id)")
    else:
        # Unique constraints allow one current stay per segment or play and account, and an account has one
        # tier, so no row repeats an account.
        sql, params = grouping.members_now()
        grouped = _member_counts(sql, params, "COUNT(*)")
    total = fetch_frame(f"SELECT '{TOTAL}' AS group_key, COUNT(*) AS accounts FROM {ACCOUNT_TABLE}")
    return concat_frames(grouped, total)


def _member_counts(sql, params, counted):
    return fetch_frame(
        f"SELECT r.group_key AS group_key, {counted} AS accounts FROM ({sql}) r GROUP BY r.group_key", params
    )


# ARR retention


def arr_figures(grouping, period, basis):
    """Opening, closing, expansion, contraction and churned ARR per (group_key, currency)."""
    opening, closing = period.month_before.isoformat(), period.last_month.isoformat()
    sql, params = grouping.members_on(period.month_before) if basis == BASIS_ENTRY else grouping.members_now()
    cohort = f"""
        SELECT a.account_id AS account_id, a.currency AS currency,
               SUM(CASE WHEN a.month = '{opening}' THEN a.arr ELSE 0 END) AS opening,
               SUM(CASE WHEN a.month = '{closing}' THEN a.arr ELSE 0 END) AS closing
        FROM {ARR_TABLE} a WHERE a.month IN ('{opening}', '{closing}')
        GROUP BY a.account_id, a.currency
    """
    movement = """
        SUM(c.opening) AS opening_arr,
        SUM(c.closing) AS closing_arr,
        SUM(CASE WHEN c.closing > c.opening THEN c.closing - c.opening ELSE 0 END) AS expansion_arr,
        SUM(CASE WHEN c.closing > 0 AND c.closing < c.opening THEN c.opening - c.closing ELSE 0 END)
            AS contraction_arr,
        SUM(CASE WHEN c.closing = 0 THEN c.opening ELSE 0 END) AS churned_arr,
        COUNT(*) AS arr_accounts
    """
    grouped = fetch_frame(
        f"SELECT r.group_key AS group_key, c.currency AS currency, {movement} "
        f"FROM ({cohort}) c JOIN ({sql}) r ON r.member_id = c.account_id "
        f"WHERE c.opening > 0 GROUP BY r.group_key, c.currency",
        params,
    )
    total = fetch_frame(
        f"SELECT '{TOTAL}' AS group_key, c.currency AS currency, {movement} "
        f"FROM ({cohort}) c WHERE c.opening > 0 GROUP BY c.currency"
    )
    return concat_frames(grouped, total)


def arr_months_present(period):
    """Return which of the opening and closing months have any ARR figures at all."""
    # Ordered as the month index is, so PostgreSQL reads the index, where an unordered LIMIT 1 can lead it
    # to scan the table until the month first appears.
    snapshots = ArrSnapshot.objects.order_by("month", "account_id").values_list("pk", flat=True)
    return (
        snapshots.filter(month=period.month_before).first() is not None,
        snapshots.filter(month=period.last_month).first() is not None,
    )


# Engagement


def window_end(column):
    """SQL for the end of the response window that opens at a timestamp column."""
    if connection.vendor == "sqlite":
        return f"datetime({column}, '+{RESPONSE_WINDOW_DAYS} days')"
    return f"({column} + interval '{RESPONSE_WINDOW_DAYS} days')"


def response_figures(grouping, period):
    """Entries in the period, those touched within the response window, and the hours to that touch."""
    sql, params = grouping.entries(period)
    if grouping.records_first_touch:
        # A play's first touch is whatever the play recorded, whenever it came.
        hours = seconds_between("x.touched_at", "x.start_at") + " / 3600.0"
        return fetch_frame(
            f"SELECT x.group_key AS group_key, COUNT(*) AS entries, COUNT(x.touched_at) AS answered, "
            f"SUM({hours}) AS touch_hours FROM ({sql}) x GROUP BY x.group_key",
            params,
        )
    counts = grouping.entry_counts(period)
    if counts is not None:
        counts_sql, counts_params = counts
        return fetch_frame(
            f"SELECT c.group_key AS group_key, SUM(c.entries) AS entries, SUM(c.answered) AS answered, "
            f"SUM(c.touch_microseconds) / 3600000000.0 AS touch_hours FROM ({counts_sql}) c GROUP BY c.group_key",
            counts_params,
        )
    entries = fetch_frame(
        f"SELECT x.group_key AS group_key, COUNT(*) AS entries FROM ({sql}) x GROUP BY x.group_key", params
    )

    # Start from the touches, which are few, and find the entries each could follow. Only touches between
    # the period's start and the end of its last response window can be a first touch.
    types = in_list(TOUCH_EVENT_TYPES)
    bounds = adapt_datetimes(period.start_at, period.end_before + timedelta(days=RESPONSE_WINDOW_DAYS))
    firsts = (
        f"SELECT x.group_key AS group_key, x.start_at AS start_at, MIN(e.occurred_at) AS touched_at "
        f"FROM {EVENT_TABLE} e JOIN ({sql}) x ON x.member_id = e.account_id "
        f"AND e.occurred_at >= x.start_at AND e.occurred_at <= {window_end('x.start_at')} "
        f"WHERE e.type IN ({types}) AND e.occurred_at >= %s AND e.occurred_at <= %s "
        f"GROUP BY x.group_key, x.member_id, x.start_at"
    )
    hours = seconds_between("t.touched_at", "t.start_at") + " / 3600.0"
    answered = fetch_frame(
        f"SELECT t.group_key AS group_key, COUNT(*) AS answered, SUM({hours}) AS touch_hours "
        f"FROM ({firsts}) t GROUP BY t.group_key",
        (*params, *bounds),
    )
    return _with_answered(entries, answered)


def _with_answered(entries, answered):
    if entries.empty or answered.empty:
        return entries
    return entries.merge(answered, on="group_key", how="left")


def seconds_between(later, earlier):
    if connection.vendor == "sqlite":
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def meeting_figures(grouping, period, basis):
    sql, params = grouping.members_on(period.end) if basis == BASIS_ENTRY else grouping.members_now()
    types = in_list(TOUCH_EVENT_TYPES)
    touched = (
        f"SELECT e.account_id AS account_id, MAX(CASE WHEN e.type = 'meeting' THEN 1 ELSE 0 END) AS met "
        f"FROM {EVENT_TABLE} e WHERE e.type IN ({types}) AND e.occurred_at >= %s AND e.occurred_at < %s "
        f"GROUP BY e.account_id"
    )
    bounds = adapt_datetimes(period.start_at, period.end_before)
    grouped = fetch_frame(
        f"SELECT r.group_key AS group_key, COUNT(*) AS touched_accounts, SUM(t.met) AS met_accounts "
        f"FROM ({touched}) t JOIN ({sql}) r ON r.member_id = t.account_id GROUP BY r.group_key",
        (*bounds, *params),
    )
    total = fetch_frame(
        f"SELECT '{TOTAL}' AS group_key, COUNT(*) AS touched_accounts, SUM(t.met) AS met_accounts FROM ({touched}) t",
        bounds,
    )
    return concat_frames(grouped, total)


def adapt_datetimes(*values):
    return tuple(connection.ops.adapt_datetimefield_value(value) for value in values)


# Acquisition cost


def new_customer_figures(grouping, period, basis):
    """Accounts whose first won new-business deal closed in the period, per group."""
    start, end = period.start.isoformat(), period.end.isoformat()
    firsts = (
        f"SELECT o.account_id AS account_id, MIN(o.closed_date) AS first_won "
        f"FROM {OPPORTUNITY_TABLE} o WHERE o.status = 'won' AND o.type = 'new_business' "
        f"AND o.closed_date IS NOT NULL GROUP BY o.account_id"
    )
    sql, params = grouping.members_on(period.end) if basis == BASIS_ENTRY else grouping.members_now()
    in_period = f"f.first_won BETWEEN '{start}' AND '{end}'"
    grouped = fetch_frame(
        f"SELECT r.group_key AS group_key, COUNT(DISTINCT f.account_id) AS new_customers "
        f"FROM ({firsts}) f JOIN ({sql}) r ON r.member_id = f.account_id WHERE {in_period} GROUP BY r.group_key",
        params,
    )
    total = fetch_frame(
        f"SELECT '{TOTAL}' AS group_key, COUNT(*) AS new_customers FROM ({firsts}) f WHERE {in_period}"
    )
    return concat_frames(grouped, total)


def spend_figures(period):
    """Spend in the period per segment id and per program, by currency."""
    return fetch_frame(
        f"SELECT s.segment_id AS segment_id, s.program AS program, s.currency AS currency, SUM(s.amount) AS spend "
        f"FROM {SPEND_TABLE} s WHERE s.month BETWEEN '{period.first_month.isoformat()}' "
        f"AND '{period.last_month.isoformat()}' GROUP BY s.segment_id, s.program, s.currency"
    )
