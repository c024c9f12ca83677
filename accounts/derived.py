"""Derived attributes: the pipeline step that summarizes each account's related records.

For every account in scope it computes, in set-based SQL per account-id range:

- engagement_score: the sum over the account's events of the event type's
  weight times 0.5 ** (age in days / half-life), rounded to 4 decimals. Age
  is measured from midnight of the run's date in the configured time zone,
  so every run on the same date gives the same score, and events of the
  run's own date count at full weight.
- in_market: an intent signal scored at least the threshold within the
  intent window, or an engagement surge: at least surge_min_events events
  in the surge window and a daily rate there of at least surge_ratio times
  the daily rate of the baseline days before it.
- open_pipeline and won_revenue: the sums of open and of won opportunity
  amounts.
- last_activity_at: the time of the latest engagement event.
- buying_roles_covered and buying_roles_engaged: which of the covered roles
  have a contact, and which have a contact with an event in the engaged
  window.

A window of D days covers the run's date and the D - 1 dates before it, in
the configured time zone, as "within the last D days" does in rules.
"""

import hashlib
import json

from django.db import connection

from . import sql
from .models import Account, BuyingRole, DerivedAttributesStaging, EngagementSettings, EventType
from .pipeline import PipelineStep

# Each covered role is one bit of the staged masks, in this order.
COVERED_ROLES = [
    BuyingRole.ECONOMIC_BUYER,
    BuyingRole.CHAMPION,
    BuyingRole.USER,
    BuyingRole.TECHNICAL_REVIEWER,
]

STAGE_TABLE = DerivedAttributesStaging._meta.db_table
ACCOUNT_TABLE = Account._meta.db_table
CONTACT_TABLE = "accounts_contact"
EVENT_TABLE = "accounts_engagementevent"
OPPORTUNITY_TABLE = "accounts_opportunity"
INTENT_TABLE = "accounts_intentsignal"

EVENT_TYPES = list(EventType.values)

# Tables whose rows belong to an account: a change to one of them since the
# last published run puts its account in the next incremental run.
RELATED_TABLES = [CONTACT_TABLE, OPPORTUNITY_TABLE, EVENT_TABLE, INTENT_TABLE]


def roles_for_mask(mask):
    return [role.value for bit, role in enumerate(COVERED_ROLES) if mask & (1 << bit)]


def _roles_mask_sql(condition_for_role):
    parts = [
        f"MAX(CASE WHEN {condition_for_role(role)} THEN {1 << bit} ELSE 0 END)"
        for bit, role in enumerate(COVERED_ROLES)
    ]
    return " + ".join(parts)


def _roles_json_sql(mask_column):
    """Return a CASE that turns a role mask into the JSON list the account column stores.

    The literals are written by json.dumps, as JSONField writes them, so that
    on SQLite, where JSON is compared as text, an unchanged list compares equal.
    """
    cases = " ".join(
        f"WHEN {mask} THEN '{json.dumps(roles_for_mask(mask))}'" for mask in range(1 << len(COVERED_ROLES))
    )
    return sql.as_json(f"CASE {mask_column} {cases} END")


def changed_accounts_sql(low_param, high_param, since_param):
    """Return SQL selecting ids of accounts in the range whose own row or related records changed since a time.

    NOTE: a deleted related record leaves no updated_at behind, so its
    account is re-derived only by the next full run, on the next date.
    """
    parts = [f"SELECT id FROM {ACCOUNT_TABLE} WHERE updated_at > {since_param} AND id BETWEEN {low_param} AND {high_param}"]
    for table in RELATED_TABLES:
        parts.append(
            f"SELECT account_id FROM {table} "
            f"WHERE updated_at > {since_param} AND account_id BETWEEN {low_param} AND {high_param}"
        )
    return " UNION ".join(parts)


def any_account_changed(since):
    """Return True when an account or one of its related records changed after `since`."""
    with connection.cursor() as cursor:
        for table in [ACCOUNT_TABLE, *RELATED_TABLES]:
            cursor.execute(f"SELECT 1 FROM {table} WHERE updated_at > %s LIMIT 1", [sql.datetime_param(since)])
            if cursor.fetchone():
                return True
    return False


def _stage_sql(*, incremental):
    event_weight = (
        "CASE e.type "
        + " ".join(f"WHEN '{event_type}' THEN %(weight_{event_type})s" for event_type in EVENT_TYPES)
        + " ELSE 0 END"
    )
    age_days = "CAST(" + sql.greatest(sql.days_between("e.occurred_at", "%(day_start)s"), "0") + " AS DOUBLE PRECISION)"
    scope = ""
    if incremental:
        scope = f"AND a.id IN ({changed_accounts_sql('%(low)s', '%(high)s', '%(since)s')})"
    return f"""
        INSERT INTO {STAGE_TABLE}
            (run_id, account_id, engagement_score, in_market, open_pipeline, won_revenue,
             last_activity_at, roles_known, roles_engaged)
        SELECT
            %(run_id)s,
            a.id,
            COALESCE(ev.score, 0),
            CASE
                WHEN COALESCE(it.signals, 0) > 0 THEN TRUE
                WHEN COALESCE(ev.recent, 0) >= %(surge_min_events)s
                     AND COALESCE(ev.recent, 0) * %(baseline_days)s
                         >= %(surge_ratio)s * COALESCE(ev.baseline, 0) * %(surge_days)s THEN TRUE
                ELSE FALSE
            END,
            COALESCE(op.open_amount, 0),
            COALESCE(op.won_amount, 0),
            ev.last_at,
            COALESCE(ct.known, 0),
            COALESCE(ct.engaged, 0)
        FROM {ACCOUNT_TABLE} a
        LEFT JOIN (
            SELECT e.account_id,
                   ROUND(CAST(SUM(({event_weight}) * POWER(CAST(0.5 AS DOUBLE PRECISION), {age_days} / %(half_life)s)) AS NUMERIC), 4) AS score,
                   SUM(CASE WHEN e.occurred_at >= %(surge_from)s THEN 1 ELSE 0 END) AS recent,
                   SUM(CASE WHEN e.occurred_at >= %(baseline_from)s AND e.occurred_at < %(surge_from)s
                            THEN 1 ELSE 0 END) AS baseline,
                   MAX(e.occurred_at) AS last_at
            FROM {EVENT_TABLE} e
            WHERE e.account_id BETWEEN %(low)s AND %(high)s
            GROUP BY e.account_id
        ) ev ON ev.account_id = a.id
        LEFT JOIN (
            SELECT o.account_id,
                   SUM(CASE WHEN o.status = 'open' THEN COALESCE(o.amount, 0) ELSE 0 END) AS open_amount,
                   SUM(CASE WHEN o.status = 'won' THEN COALESCE(o.amount, 0) ELSE 0 END) AS won_amount
            FROM {OPPORTUNITY_TABLE} o
            WHERE o.account_id BETWEEN %(low)s AND %(high)s
            GROUP BY o.account_id
        ) op ON op.account_id = a.id
        LEFT JOIN (
            SELECT i.account_id, COUNT(*) AS signals
            FROM {INTENT_TABLE} i
            WHERE i.account_id BETWEEN %(low)s AND %(high)s
              AND i.observed_at >= %(intent_from)s
              AND i.score >= %(intent_threshold)s
            GROUP BY i.account_id
        ) it ON it.account_id = a.id
        LEFT JOIN (
            SELECT c.account_id,
                   {_roles_mask_sql(lambda role: f"c.buying_role = '{role}'")} AS known,
                   {_roles_mask_sql(lambda role: f"c.buying_role = '{role}' AND EXISTS (SELECT 1 FROM {EVENT_TABLE} ce WHERE ce.contact_id = c.id AND ce.occurred_at >= %(engaged_from)s)")} AS engaged
            FROM {CONTACT_TABLE} c
            WHERE c.account_id BETWEEN %(low)s AND %(high)s
              AND c.buying_role IN ({", ".join(f"'{role}'" for role in COVERED_ROLES)})
            GROUP BY c.account_id
        ) ct ON ct.account_id = a.id
        WHERE a.id BETWEEN %(low)s AND %(high)s {scope}
    """


def window_start(context, days):
    """Return the first instant of a window of `days` calendar days that ends on the run's date."""
    return context.day_start(days - 1)


def derived_attributes_stage(context, low_id, high_id):
    """Stage the derived attributes of the accounts in [low_id, high_id] that the run covers."""
    config = EngagementSettings.load()
    statement = _stage_sql(incremental=not context.full)
    params = {
        "run_id": context.run_id,
        "low": low_id,
        "high": high_id,
        "since": sql.datetime_param(context.since) if context.since else None,
        "day_start": sql.datetime_param(context.day_start(0)),
        "half_life": float(config.half_life_days),
        "surge_from": sql.datetime_param(window_start(context, config.surge_window_days)),
        "baseline_from": sql.datetime_param(window_start(context, config.surge_window_days + config.baseline_days)),
        "surge_min_events": config.surge_min_events,
        "surge_ratio": float(config.surge_ratio),
        "surge_days": config.surge_window_days,
        "baseline_days": config.baseline_days,
        "intent_from": sql.datetime_param(window_start(context, config.intent_window_days)),
        "intent_threshold": config.intent_score_threshold,
        "engaged_from": sql.datetime_param(window_start(context, config.engaged_window_days)),
    }
    for event_type in EVENT_TYPES:
        params[f"weight_{event_type}"] = config.weight_for(event_type)
    return sql.execute(statement, params)


def derived_attributes_publish(context):
    """Copy the staged attributes that differ into the accounts; return the number of accounts updated."""
    differs = " OR ".join(
        sql.distinct_from(f"{ACCOUNT_TABLE}.{column}", value)
        for column, value in [
            ("engagement_score", "s.engagement_score"),
            ("in_market", "s.in_market"),
            ("open_pipeline", "s.open_pipeline"),
            ("won_revenue", "s.won_revenue"),
            ("last_activity_at", "s.last_activity_at"),
            ("buying_roles_covered", _roles_json_sql("s.roles_known")),
            ("buying_roles_engaged", _roles_json_sql("s.roles_engaged")),
        ]
    )
    updated = sql.execute(
        f"""
        UPDATE {ACCOUNT_TABLE}
        SET engagement_score = s.engagement_score,
            in_market = s.in_market,
            open_pipeline = s.open_pipeline,
            won_revenue = s.won_revenue,
            last_activity_at = s.last_activity_at,
            buying_roles_covered = {_roles_json_sql("s.roles_known")},
            buying_roles_engaged = {_roles_json_sql("s.roles_engaged")}
        FROM {STAGE_TABLE} s
        WHERE s.run_id = %s AND s.account_id = {ACCOUNT_TABLE}.id AND ({differs})
        """,
        [context.run_id],
    )
    return {"accounts_derived_updated": updated}


def derived_attributes_fingerprint():
    config = EngagementSettings.load()
    values = {
        "event_weights": {key: config.weight_for(key) for key in EVENT_TYPES},
        "half_life_days": config.half_life_days,
        "intent_score_threshold": config.intent_score_threshold,
        "intent_window_days": config.intent_window_days,
        "surge_window_days": config.surge_window_days,
        "surge_min_events": config.surge_min_events,
        "surge_ratio": config.surge_ratio,
        "baseline_days": config.baseline_days,
        "engaged_window_days": config.engaged_window_days,
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def staged_account_ids(run_id):
    """Return a queryset of the ids of the accounts a run staged, for use in id__in filters."""
    return DerivedAttributesStaging.objects.filter(run_id=run_id).values("account_id")


DERIVED_ATTRIBUTES_STEP = PipelineStep(
    name="derived_attributes",
    stage_chunk=derived_attributes_stage,
    publish=derived_attributes_publish,
    staging_tables=(STAGE_TABLE,),
    config_fingerprint=derived_attributes_fingerprint,
)
