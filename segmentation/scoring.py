"""ICP scoring in SQL: the points of each criterion, the 0-100 score, the tier and the explanation.

The score is the sum of the points of the criteria an account meets, times
100, divided by the sum of all points, rounded half up to a whole number.
The tier is 1, 2 or 3 for the highest threshold the score reaches, and empty
(not ICP) below the Tier 3 threshold. An override in force replaces the
tier, never the score.
"""

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import JSONObject

from accounts import sql
from accounts.models import Account

from .models import CriterionKind, TierOverride
from .rules import compile_rule
from .rules.registry import MONEY, NUMBER, get_field


OVERRIDE_TABLE = TierOverride._meta.db_table


class CriterionError(ValueError):
    """A criterion that cannot be scored, with a message that names it and the fix."""


def criterion_condition(criterion, *, now):
    """Return the Q an account meets to get the criterion's points; a missing value never meets it."""
    if criterion.kind == CriterionKind.RULE:
        return compile_rule(criterion.rule, object_type="accounts", now=now)
    field = get_field("accounts", criterion.field)
    if field is None or field.type not in (NUMBER, MONEY):
        raise CriterionError(
            f"Criterion {criterion.label!r} uses {criterion.field!r}, which is not a number or money field of accounts."
        )
    condition = Q()
    if criterion.minimum is not None:
        condition &= Q(**{f"{field.column}__gte": criterion.minimum})
    if criterion.maximum is not None:
        condition &= Q(**{f"{field.column}__lte": criterion.maximum})
    return condition


def criterion_input_fields(criterion):
    """Return the account fields whose values an explanation shows for this criterion."""
    if criterion.kind == CriterionKind.RANGE:
        return [criterion.field]
    names = []
    _collect_fields(criterion.rule, names)
    return names


def _collect_fields(node, names):
    """Collect the account fields a rule reads directly; related records and segments are not inputs."""
    if not isinstance(node, dict):
        return
    for key in ("all", "any"):
        for child in node.get(key, []) or []:
            _collect_fields(child, names)
    if "not" in node:
        _collect_fields(node["not"], names)
    field_name = node.get("field")
    if isinstance(field_name, str) and field_name not in names and get_field("accounts", field_name) is not None:
        names.append(field_name)


def _inputs_expression(criteria):
    names = []
    for criterion in criteria:
        for name in criterion_input_fields(criterion):
            if name not in names:
                names.append(name)
    if not names:
        return JSONObject()
    return JSONObject(**{name: get_field("accounts", name).column for name in sorted(names)})


def scoring_select(model, criteria, *, now, today, accounts=None):
    """Return (sql, params) selecting, for each account, its current and new score and tier.

    The columns are account_id, current_score, current_tier, score,
    computed_tier, tier, override_id and points and inputs (JSON). Each
    criterion's condition is evaluated once per account.
    """
    accounts = Account.objects.all() if accounts is None else accounts
    annotations = {}
    for criterion in criteria:
        annotations[criterion.key] = Case(
            When(criterion_condition(criterion, now=now), then=Value(criterion.points)),
            default=Value(0),
            output_field=IntegerField(),
        )
    inner = (
        accounts.order_by()
        .annotate(
            s_account_id=F("id"),
            s_current_score=F("icp_score"),
            s_current_tier=F("icp_tier"),
            s_inputs=_inputs_expression(criteria),
            **annotations,
        )
        .values_list(
            "s_account_id",
            "s_current_score",
            "s_current_tier",
            "s_inputs",
            *annotations,
        )
    )
    inner_sql, params = inner.query.sql_with_params()

    total = sum(criterion.points for criterion in criteria)
    if criteria:
        raw = " + ".join(f"q.{key}" for key in annotations)
        score = f"(({raw}) * 200 + {total}) / {2 * total}"
    else:
        score = "0"
    points = sql.json_object([(key, f"q.{key}") for key in annotations])
    computed_tier = (
        f"CASE WHEN p.score >= {int(model.tier_1_min_score)} THEN 1 "
        f"WHEN p.score >= {int(model.tier_2_min_score)} THEN 2 "
        f"WHEN p.score >= {int(model.tier_3_min_score)} THEN 3 ELSE NULL END"
    )
    statement = f"""
        SELECT p.account_id, p.current_score, p.current_tier, p.score,
               {computed_tier} AS computed_tier,
               CASE WHEN p.override_id IS NOT NULL THEN p.override_tier ELSE {computed_tier} END AS tier,
               p.override_id, p.points, p.inputs
        FROM (
            SELECT q.s_account_id AS account_id, q.s_current_score AS current_score,
                   q.s_current_tier AS current_tier, {score} AS score,
                   o.id AS override_id, o.tier AS override_tier,
                   {points} AS points, q.s_inputs AS inputs
            FROM ({inner_sql} {sql.subquery_fence()}) q
            LEFT JOIN {OVERRIDE_TABLE} o
                ON o.account_id = q.s_account_id AND o.ended_at IS NULL AND o.expires_on > %s
        ) p
    """
    # At most one override per account is open, by a unique constraint.
    return statement, [*params, today]
