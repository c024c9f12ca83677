"""Lifecycle stages in SQL: the first enabled rule, by priority, that an account matches gives its stage."""

from django.db.models import BigIntegerField, Case, F, Value, When

from accounts import sql
from accounts.models import Account

from .models import DEFAULT_STAGE, STAGE_MOTIONS, LifecycleRule
from .rules import compile_rule


def enabled_rules():
    return list(LifecycleRule.objects.filter(enabled=True).order_by("priority"))


def lifecycle_select(rules, *, now, accounts=None):
    """Return (sql, params) selecting each account's current and new stage and motion, and the rule that matched.

    The columns are account_id, current_stage, current_motion, rule_id,
    lifecycle_stage and motion.
    """
    accounts = Account.objects.all() if accounts is None else accounts
    matched_rule = Case(
        *[When(compile_rule(rule.rule, object_type="accounts", now=now), then=Value(rule.pk)) for rule in rules],
        default=Value(None),
        output_field=BigIntegerField(),
    )
    inner = (
        accounts.order_by()
        .annotate(
            s_account_id=F("id"),
            s_current_stage=F("lifecycle_stage"),
            s_current_motion=F("motion"),
            s_rule_id=matched_rule,
        )
        .values_list("s_account_id", "s_current_stage", "s_current_motion", "s_rule_id")
    )
    inner_sql, params = inner.query.sql_with_params()
    stage_by_rule = " ".join(f"WHEN {int(rule.pk)} THEN '{rule.stage}'" for rule in rules)
    stage = f"CASE q.s_rule_id {stage_by_rule} ELSE '{DEFAULT_STAGE}' END" if rules else f"'{DEFAULT_STAGE}'"
    motion_by_rule = " ".join(f"WHEN {int(rule.pk)} THEN '{STAGE_MOTIONS[rule.stage]}'" for rule in rules)
    default_motion = STAGE_MOTIONS[DEFAULT_STAGE]
    motion = f"CASE q.s_rule_id {motion_by_rule} ELSE '{default_motion}' END" if rules else f"'{default_motion}'"
    statement = f"""
        SELECT q.s_account_id AS account_id, q.s_current_stage AS current_stage,
               q.s_current_motion AS current_motion, CAST(q.s_rule_id AS BIGINT) AS rule_id,
               {stage} AS lifecycle_stage, {motion} AS motion
        FROM ({inner_sql} {sql.subquery_fence()}) q
    """
    return statement, params
