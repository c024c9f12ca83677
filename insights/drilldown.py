"""The accounts behind a figure: every number on the dashboard links to this list."""

import re
from dataclasses import dataclass

from django.db.models.expressions import RawSQL

from accounts.models import Account

from .kpis.definitions import KPI_BY_KEY, TOUCH_EVENT_TYPES
from .kpis.groups import GroupingError, grouping_for
from .kpis.queries import (
    ARR_TABLE,
    BASIS_ENTRY,
    EVENT_TABLE,
    OPPORTUNITY_TABLE,
    TOTAL,
    UNASSIGNED,
    adapt_datetimes,
    deal_conditions,
    in_list,
    membership_join,
)
from .overlap import MEMBERSHIP_TABLE

DEAL_DRILLDOWNS = {"created": ["created"], "open": ["open"], "closed": ["won", "lost"], "won": ["won"]}


@dataclass
class Drilldown:
    title: str
    accounts: object  # an Account queryset
    deals_without_account: int = 0


def _group_relation(grouping, group_key, basis, period):
    sql, params = grouping.members_on(period.end) if basis == BASIS_ENTRY else grouping.members_now()
    return f"SELECT r.member_id FROM ({sql}) r WHERE r.group_key = %s", [*params, int(group_key)]


def _deal_accounts(grouping, group_key, basis, period, kinds):
    conditions = deal_conditions(period)
    matching = " OR ".join(f"({conditions[kind]})" for kind in kinds)
    if group_key == TOTAL:
        return f"SELECT o.account_id FROM {OPPORTUNITY_TABLE} o WHERE {matching}", []
    relation, params = grouping.stays() if basis == BASIS_ENTRY else grouping.members_now()
    join = membership_join(basis)
    if group_key == UNASSIGNED:
        return (
            f"SELECT o.account_id FROM {OPPORTUNITY_TABLE} o WHERE ({matching}) "
            f"AND NOT EXISTS (SELECT 1 FROM ({relation}) r WHERE {join})",
            params,
        )
    return (
        f"SELECT o.account_id FROM {OPPORTUNITY_TABLE} o JOIN ({relation}) r ON {join} "
        f"WHERE ({matching}) AND r.group_key = %s",
        [*params, int(group_key)],
    )


def _restricted(sql, params, grouping, group_key, basis, period):
    """Keep the accounts of `sql` that belong to the group, unless the group is the total."""
    if group_key == TOTAL:
        return sql, params
    members, member_params = _group_relation(grouping, group_key, basis, period)
    return f"SELECT x.account_id FROM ({sql}) x WHERE x.account_id IN ({members})", [*params, *member_params]


def _kind_sql(kind, grouping, group_key, basis, period):
    if kind in DEAL_DRILLDOWNS:
        return _deal_accounts(grouping, group_key, basis, period, DEAL_DRILLDOWNS[kind])
    if group_key == UNASSIGNED:
        raise GroupingError("Only deal figures have an unassigned row.")
    if kind == "members":
        if group_key == TOTAL:
            return f"SELECT a.id AS account_id FROM {Account._meta.db_table} a", []
        sql, params = _group_relation(grouping, group_key, basis, period)
        return f"SELECT m.member_id AS account_id FROM ({sql}) m", params
    if kind == "arr":
        opening = period.month_before.isoformat()
        sql = f"SELECT s.account_id FROM {ARR_TABLE} s WHERE s.month = '{opening}' AND s.arr > 0"
        return _restricted(sql, [], grouping, group_key, basis, period)
    if kind == "touched":
        sql = (
            f"SELECT e.account_id FROM {EVENT_TABLE} e WHERE e.type IN ({in_list(TOUCH_EVENT_TYPES)}) "
            f"AND e.occurred_at >= %s AND e.occurred_at < %s"
        )
        return _restricted(sql, list(adapt_datetimes(period.start_at, period.end_before)), grouping, group_key, basis, period)
    if kind == "entered":
        sql, params = grouping.entries(period)
        if group_key == TOTAL:
            return f"SELECT x.member_id AS account_id FROM ({sql}) x", params
        return f"SELECT x.member_id AS account_id FROM ({sql}) x WHERE x.group_key = %s", [*params, int(group_key)]
    if kind == "new_customers":
        start, end = period.start.isoformat(), period.end.isoformat()
        sql = (
            f"SELECT o.account_id FROM {OPPORTUNITY_TABLE} o WHERE o.status = 'won' AND o.type = 'new_business' "
            f"AND o.closed_date IS NOT NULL GROUP BY o.account_id "
            f"HAVING MIN(o.closed_date) BETWEEN '{start}' AND '{end}'"
        )
        return _restricted(sql, [], grouping, group_key, basis, period)
    raise GroupingError(f"Unknown figure {kind!r}.")


def kpi_drilldown(*, grouping_name, group_key, kpi_key, period, basis, segment_ids=None):
    """Return the accounts behind one KPI of one group, ordered by name."""
    kpi = KPI_BY_KEY.get(kpi_key)
    if kpi is None:
        raise GroupingError(f"Unknown KPI {kpi_key!r}: use one of {', '.join(KPI_BY_KEY)}.")
    grouping = grouping_for(grouping_name, segment_ids=segment_ids)
    if group_key not in (TOTAL, UNASSIGNED) and not re.fullmatch(r"\d{1,18}", str(group_key)):
        raise GroupingError(f"Unknown group {group_key!r}: use a group id, unassigned or total.")
    keys = [str(key) for key in grouping.keys]
    if group_key not in (TOTAL, UNASSIGNED) and str(group_key) not in keys:
        raise GroupingError(
            f"Unknown group {group_key!r} for grouping {grouping_name}: use one of {', '.join(keys) or 'no ids'}, "
            f"unassigned or total."
        )
    sql, params = _kind_sql(kpi.drilldown, grouping, group_key, basis, period)
    accounts = Account.objects.filter(id__in=RawSQL(sql, params)).order_by("name", "id")

    label = {TOTAL: "all accounts", UNASSIGNED: "unassigned deals"}.get(group_key)
    if label is None:
        label = next((group.label for group in grouping.groups if str(group.key) == str(group_key)), f"group {group_key}")
    return Drilldown(title=f"{kpi.label}, {label}, {period.label}", accounts=accounts)


def overlap_drilldown(*, first, second):
    """Accounts that are current members of both segments."""
    sql = (
        f"SELECT a.account_id FROM {MEMBERSHIP_TABLE} a JOIN {MEMBERSHIP_TABLE} b ON b.account_id = a.account_id "
        f"WHERE a.segment_id = %s AND b.segment_id = %s AND a.exited_at IS NULL AND b.exited_at IS NULL"
    )
    accounts = Account.objects.filter(id__in=RawSQL(sql, [first.pk, second.pk])).order_by("name", "id")
    return Drilldown(title=f"Members of both {first.name} and {second.name}", accounts=accounts)
