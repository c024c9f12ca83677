"""Every per-account figure of a period in one relation, joined to the groups once.

Grouping by today's membership needs no dates on the join, so the deal,
ARR, meeting and new-customer figures are first summed per account (and
currency) and then joined to the group relation in a single pass. With
millions of memberships that one join dominates the cost, so doing it once
instead of once per family keeps the dashboard fast. Grouping as of entry
joins deals on their created date and uses the per-family queries instead.
"""

from .. import touches
from ..models import AccountTouchYear
from .definitions import TOUCH_EVENT_TYPES
from .queries import (
    ARR_TABLE,
    EVENT_TABLE,
    OPPORTUNITY_TABLE,
    TOTAL,
    UNASSIGNED,
    adapt_datetimes,
    deal_relevance,
    deal_values,
    fetch_frame,
    in_list,
)

DEAL_COLUMNS = [
    "created_n", "created_amount", "open_n", "open_amount", "won_n", "lost_n", "won_amount", "won_amount_n",
    "won_amount_sq", "cycle_sum", "cycle_sq", "cycle_n",
]
ARR_COLUMNS = ["opening_arr", "closing_arr", "expansion_arr", "contraction_arr", "churned_arr", "arr_accounts"]
COUNT_COLUMNS = ["touched_accounts", "met_accounts", "new_customers"]
FACT_COLUMNS = DEAL_COLUMNS + ARR_COLUMNS + COUNT_COLUMNS
NO_CURRENCY = "CAST(NULL AS VARCHAR(3))"
TOUCH_YEAR_TABLE = AccountTouchYear._meta.db_table
# Groups per bit mask column: a BIGINT has 63 bits for positive values.
MASK_BITS = 62


def _select(values):
    """Select list with every fact column, NULL where a family has no value for it.

    Every value is cast, NULLs included, because PostgreSQL types a UNION column
    from its first branches, and two untyped NULLs become text, which then fails
    to meet a number.
    """
    # Doubles sum several times faster than PostgreSQL's exact numerics over millions of joined rows, and
    # every figure becomes a float in pandas anyway.
    return ", ".join(f"CAST({values.get(column, 'NULL')} AS DOUBLE PRECISION) AS {column}" for column in FACT_COLUMNS)


def _deal_facts(period):
    """Return SQL with a row per relevant deal, because summing deals per account first only adds a sort."""
    return (
        f"SELECT o.account_id, o.currency, {_select(deal_values(period))} "
        f"FROM {OPPORTUNITY_TABLE} o WHERE {deal_relevance(period)}"
    )


def _arr_facts(period):
    """Return SQL with a row per account with ARR in the month before the period, and its ARR at the last month.

    An account has one ARR row a month, so the two months pair up by a join.
    ARR in the last month in another currency than the opening reads as zero,
    as the ARR figures by group do.
    """
    opening, closing = period.month_before.isoformat(), period.last_month.isoformat()
    cohort = (
        f"SELECT a.account_id AS account_id, a.currency AS currency, a.arr AS opening, "
        f"COALESCE(b.arr, 0) AS closing FROM {ARR_TABLE} a LEFT JOIN {ARR_TABLE} b "
        f"ON b.account_id = a.account_id AND b.month = '{closing}' AND b.currency = a.currency "
        f"WHERE a.month = '{opening}' AND a.arr > 0"
    )
    values = {
        "opening_arr": "c.opening",
        "closing_arr": "c.closing",
        "expansion_arr": "CASE WHEN c.closing > c.opening THEN c.closing - c.opening ELSE 0 END",
        "contraction_arr": "CASE WHEN c.closing > 0 AND c.closing < c.opening THEN c.opening - c.closing ELSE 0 END",
        "churned_arr": "CASE WHEN c.closing = 0 THEN c.opening ELSE 0 END",
        "arr_accounts": "1",
    }
    return f"SELECT c.account_id, c.currency, {_select(values)} FROM ({cohort}) c"


def _meeting_facts_from_days(period):
    """Accounts touched in the period, and whether they met, from the stored touch days of its one year."""
    touched, met = [], []
    for month in range(period.start.month, period.end.month + 1):
        first = period.start.day if month == period.start.month else 1
        last = period.end.day if month == period.end.month else 31
        days = (1 << last) - (1 << (first - 1))
        touched.append(f"(y.touches_{month:02d} & {days}) <> 0")
        met.append(f"(y.meetings_{month:02d} & {days}) <> 0")
    values = {"touched_accounts": "1", "met_accounts": f"CASE WHEN {' OR '.join(met)} THEN 1 ELSE 0 END"}
    return (
        f"SELECT y.account_id, {NO_CURRENCY}, {_select(values)} FROM {TOUCH_YEAR_TABLE} y "
        f"WHERE y.year = {period.start.year} AND ({' OR '.join(touched)})"
    )


def _meeting_facts():
    touched = (
        f"SELECT e.account_id AS account_id, MAX(CASE WHEN e.type = 'meeting' THEN 1 ELSE 0 END) AS met "
        f"FROM {EVENT_TABLE} e WHERE e.type IN ({in_list(TOUCH_EVENT_TYPES)}) "
        f"AND e.occurred_at >= %s AND e.occurred_at < %s GROUP BY e.account_id"
    )
    values = {"touched_accounts": "1", "met_accounts": "t.met"}
    return f"SELECT t.account_id, {NO_CURRENCY}, {_select(values)} FROM ({touched}) t"


def _new_customer_facts(period):
    """Return SQL of the accounts whose first won new-business deal closed in the period (a win, none earlier)."""
    start, end = period.start.isoformat(), period.end.isoformat()
    won = "{0}.status = 'won' AND {0}.type = 'new_business'"
    firsts = (
        f"SELECT DISTINCT o.account_id AS account_id FROM {OPPORTUNITY_TABLE} o "
        f"WHERE {won.format('o')} AND o.closed_date BETWEEN '{start}' AND '{end}' "
        f"AND NOT EXISTS (SELECT 1 FROM {OPPORTUNITY_TABLE} p WHERE p.account_id = o.account_id "
        f"AND {won.format('p')} AND p.closed_date < '{start}')"
    )
    return f"SELECT n.account_id, {NO_CURRENCY}, {_select({'new_customers': '1'})} FROM ({firsts}) n"


def account_facts(period, *, touch_days=False):
    """SQL and parameters of (account_id, currency, every fact column) for one period.

    With touch_days, the meeting facts come from the stored touch days,
    which the caller has found current, when the period lies in one year.
    """
    # SQLite takes no parentheses around the members of a compound SELECT.
    if touch_days and period.start.year == period.end.year:
        parts = [_deal_facts(period), _arr_facts(period), _meeting_facts_from_days(period), _new_customer_facts(period)]
        return " UNION ALL ".join(parts), ()
    parts = [_deal_facts(period), _arr_facts(period), _meeting_facts(), _new_customer_facts(period)]
    return " UNION ALL ".join(parts), adapt_datetimes(period.start_at, period.end_before)


def current_figures(grouping, period, *, deals_only=False):
    """Sum every fact per (group_key, currency) for today's members, plus the total over all accounts.

    With deals_only, only the deal columns are read, and the others are
    empty. Returns the frame and whether it contains the unassigned figures
    too, as it does when the grouping has fresh segment combinations.
    """
    if deals_only:
        facts_sql, facts_params = _deal_facts(period), ()
    else:
        facts_sql, facts_params = account_facts(period, touch_days=touches.touch_figures_ready())
    columns = f"(account_id, currency, {', '.join(FACT_COLUMNS)})"
    combinations = grouping.combinations()
    if combinations is not None:
        return _combination_figures(facts_sql, facts_params, columns, combinations, grouping.keys), True
    relation_sql, relation_params = grouping.members_now()
    sums = _sums("f")
    # One statement reads the facts once for the groups and for the total.
    figures = fetch_frame(
        f"WITH f {columns} AS (SELECT * FROM ({facts_sql}) u) "
        f"SELECT CAST(r.group_key AS VARCHAR(64)) AS group_key, f.currency AS currency, {sums} "
        f"FROM f JOIN ({relation_sql}) r ON r.member_id = f.account_id GROUP BY r.group_key, f.currency "
        f"UNION ALL SELECT '{TOTAL}', f.currency, {sums} FROM f GROUP BY f.currency",
        (*facts_params, *relation_params),
    )
    return figures, False


def _sums(alias):
    return ", ".join(f"SUM({alias}.{column}) AS {column}" for column in FACT_COLUMNS)


def _combination_figures(facts_sql, facts_params, columns, combinations, keys):
    """Sum the facts per set of chosen groups first, then per group, unassigned and total.

    Each combination becomes a bit mask of the chosen groups it belongs to,
    MASK_BITS groups to a mask column. Combinations with the same mask are
    summed together, so forty segments with 48,000 combinations still sum
    into at most a few thousand rows for twenty chosen ones, and each group
    then adds the rows whose mask has its bit. An account in no combination
    (a segment combination holds only accounts in some segment) and an
    account whose combination belongs to none of the chosen groups both
    count as unassigned, with no mask.
    """
    accounts_sql, accounts_params = combinations.accounts
    relation_sql, relation_params = combinations.groups
    parts = [keys[first:first + MASK_BITS] for first in range(0, len(keys), MASK_BITS)] or [[]]
    masks = [f"mask{index}" for index in range(len(parts))]
    sums = _sums("c")

    mask_values = ", ".join(f"{_mask_of(part)} AS {mask}" for part, mask in zip(parts, masks))
    combination_masks = (
        f"SELECT r.combination_id AS combination_id, {mask_values} FROM ({relation_sql}) r GROUP BY r.combination_id"
    )
    mask_columns = ", ".join(f"p.{mask}" for mask in masks)
    sums_per_mask = (
        f"SELECT {mask_columns}, f.currency AS currency, {_sums('f')} "
        f"FROM f LEFT JOIN ({accounts_sql}) ac ON ac.account_id = f.account_id "
        f"LEFT JOIN p ON p.combination_id = ac.combination_id GROUP BY {mask_columns}, f.currency"
    )
    selects = [
        f"SELECT CAST(g.group_key AS VARCHAR(64)) AS group_key, c.currency AS currency, {sums} "
        f"FROM c JOIN ({_group_bits(part)}) g ON (c.{mask} & g.bit) <> 0 GROUP BY g.group_key, c.currency"
        for part, mask in zip(parts, masks)
        if part
    ]
    selects.append(
        f"SELECT '{UNASSIGNED}' AS group_key, c.currency AS currency, {sums} FROM c WHERE c.{masks[0]} IS NULL "
        f"GROUP BY c.currency"
    )
    selects.append(f"SELECT '{TOTAL}', c.currency, {sums} FROM c GROUP BY c.currency")
    return fetch_frame(
        f"WITH f {columns} AS (SELECT * FROM ({facts_sql}) u), p AS ({combination_masks}), c AS ({sums_per_mask}) "
        + " UNION ALL ".join(selects),
        (*facts_params, *relation_params, *accounts_params),
    )


def _mask_of(keys):
    """SQL summing the bits of `keys` over a combination's rows r, which name each of its groups once."""
    if not keys:
        return "0"
    bits = " ".join(f"WHEN {int(key)} THEN {1 << index}" for index, key in enumerate(keys))
    return f"CAST(SUM(CASE r.group_key {bits} ELSE 0 END) AS BIGINT)"


def _group_bits(keys):
    """SQL of (group_key, bit) for the groups of one mask column."""
    return " UNION ALL ".join(f"SELECT {int(key)} AS group_key, {1 << index} AS bit" for index, key in enumerate(keys))
