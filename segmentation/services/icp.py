"""ICP models, their preview and publication, and manual tier overrides."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import sql
from accounts.models import IcpTier

from ..models import CriterionKind, IcpCriterion, IcpModel, IcpModelStatus, OverrideEnd, RunTrigger, TierOverride
from ..rules import validate_rule
from ..rules.registry import MONEY, NUMBER, get_field
from ..scoring import scoring_select

logger = logging.getLogger(__name__)


def icp_criteria_errors(criteria):
    """Return a message for each invalid criterion of a list of criterion dicts; empty when all are valid.

    A criterion is {"label", "points", "rule"} for a rule condition, or
    {"label", "points", "field", "minimum", "maximum"} for a numeric range.
    """
    errors = []
    if not criteria:
        errors.append("An ICP model needs at least one criterion.")
    for index, criterion in enumerate(criteria):
        where = f"Criterion {index + 1} ({criterion.get('label') or 'no label'})"
        if not str(criterion.get("label") or "").strip():
            errors.append(f"{where}: the label is missing.")
        points = criterion.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 1000:
            errors.append(f"{where}: points are {points!r}; use a whole number from 1 to 1000.")
        if criterion.get("rule") is not None:
            for problem in validate_rule(criterion["rule"], object_type="accounts"):
                errors.append(f"{where}: {problem}")
            continue
        field = get_field("accounts", criterion.get("field") or "")
        if field is None or field.type not in (NUMBER, MONEY):
            errors.append(
                f"{where}: {criterion.get('field')!r} is not a number or money field of accounts; "
                "give a rule, or a range on a field such as employee_count or annual_revenue."
            )
        minimum, maximum = criterion.get("minimum"), criterion.get("maximum")
        if minimum is None and maximum is None:
            errors.append(f"{where}: a range needs a minimum, a maximum or both.")
        for name, bound in (("minimum", minimum), ("maximum", maximum)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                errors.append(f"{where}: the {name} is {bound!r}; use a number.")
        if isinstance(minimum, (int, float)) and isinstance(maximum, (int, float)) and minimum > maximum:
            errors.append(f"{where}: the minimum {minimum} is above the maximum {maximum}.")
    return errors


def _thresholds_errors(tier_1, tier_2, tier_3):
    values = (tier_1, tier_2, tier_3)
    if any(isinstance(value, bool) or not isinstance(value, int) for value in values):
        return [f"Tier thresholds are {values!r}; use whole numbers."]
    if not 100 >= tier_1 > tier_2 > tier_3 >= 0:
        return [
            f"Tier thresholds are {tier_1}, {tier_2} and {tier_3}; "
            "they must fall from Tier 1 to Tier 3, each from 0 to 100."
        ]
    return []


@transaction.atomic
def icp_model_create(*, name, criteria, tier_1_min_score, tier_2_min_score, tier_3_min_score, created_by=None,
                     description=""):
    """Create a draft ICP model with the next version number; raise ValidationError listing every problem."""
    errors = icp_criteria_errors(criteria) + _thresholds_errors(tier_1_min_score, tier_2_min_score, tier_3_min_score)
    if not str(name or "").strip():
        errors.append("The model name is missing.")
    if errors:
        raise ValidationError(errors)
    version = (IcpModel.objects.select_for_update().aggregate(latest=Max("version"))["latest"] or 0) + 1
    model = IcpModel.objects.create(
        name=name.strip(),
        version=version,
        description=description,
        tier_1_min_score=tier_1_min_score,
        tier_2_min_score=tier_2_min_score,
        tier_3_min_score=tier_3_min_score,
        created_by=created_by,
    )
    IcpCriterion.objects.bulk_create(
        IcpCriterion(
            model=model,
            position=index,
            label=criterion["label"].strip(),
            kind=CriterionKind.RULE if criterion.get("rule") is not None else CriterionKind.RANGE,
            rule=criterion.get("rule"),
            field=criterion.get("field") or "",
            minimum=criterion.get("minimum"),
            maximum=criterion.get("maximum"),
            points=criterion["points"],
        )
        for index, criterion in enumerate(criteria)
    )
    return model


def icp_model_criteria(model):
    """Return a model's criteria as the dicts icp_model_create takes."""
    criteria = []
    for criterion in model.criteria.all():
        if criterion.kind == CriterionKind.RULE:
            criteria.append({"label": criterion.label, "points": criterion.points, "rule": criterion.rule})
        else:
            criteria.append(
                {
                    "label": criterion.label,
                    "points": criterion.points,
                    "field": criterion.field,
                    "minimum": None if criterion.minimum is None else float(criterion.minimum),
                    "maximum": None if criterion.maximum is None else float(criterion.maximum),
                }
            )
    return criteria


def icp_model_preview(*, model, now=None):
    """Score every account with a model, without writing anything, and count the tier moves.

    Returns {"accounts": n, "moves": {(from_tier, to_tier): n}, "changed": n,
    "tiers": {tier: n}}, where a tier of None means not ICP. Overrides in
    force keep their tier, as they would after publishing.
    """
    now = now or timezone.now()
    criteria = list(model.criteria.all())
    select_sql, params = scoring_select(model, criteria, now=now, today=timezone.localdate(now))
    with transaction.atomic(), connection.cursor() as cursor:
        sql.disable_jit()
        cursor.execute(
            f"SELECT x.current_tier, x.tier, COUNT(*) FROM ({select_sql}) x GROUP BY x.current_tier, x.tier",
            params,
        )
        rows = cursor.fetchall()
    moves = {(current, new): count for current, new, count in rows}
    tiers = {}
    for (_, new), count in moves.items():
        tiers[new] = tiers.get(new, 0) + count
    return {
        "accounts": sum(moves.values()),
        "moves": moves,
        "changed": sum(count for (current, new), count in moves.items() if current != new),
        "tiers": tiers,
    }


def icp_model_publish(*, model, published_by=None, recompute=True):
    """Publish a draft model in place of the published one, then start a recompute.

    Returns the run started, or None when `recompute` is False or another
    run is in progress; that run or the next one picks up the new model.
    """
    from .pipeline import RecomputeInProgress, recompute_request

    if model.status != IcpModelStatus.DRAFT:
        raise ValidationError(f"ICP model v{model.version} is {model.status}; only a draft can be published.")
    errors = icp_criteria_errors(icp_model_criteria(model))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        IcpModel.objects.filter(status=IcpModelStatus.PUBLISHED).update(status=IcpModelStatus.ARCHIVED)
        IcpModel.objects.filter(pk=model.pk).update(
            status=IcpModelStatus.PUBLISHED, published_by=published_by, published_at=timezone.now()
        )
    model.refresh_from_db()
    logger.info("ICP model v%s published by %s.", model.version, published_by or "the system")
    if not recompute:
        return None
    try:
        return recompute_request(trigger=RunTrigger.MODEL_PUBLISHED, requested_by=published_by)
    except RecomputeInProgress as busy:
        logger.info("ICP model v%s waits for the next run: %s", model.version, busy)
        return None


def tier_override_create(*, account, tier, reason, author, expires_on, today=None):
    """Set an account's tier by hand until `expires_on`; the next run applies it and records the change.

    An override already in force on the account is ended as replaced.
    """
    today = today or timezone.localdate()
    errors = []
    if tier is not None and tier not in IcpTier.values:
        errors.append(f"Tier {tier!r} is not valid: use 1, 2, 3, or empty for not ICP.")
    if not str(reason or "").strip():
        errors.append("An override needs a reason.")
    if author is None:
        errors.append("An override needs an author.")
    if not isinstance(expires_on, datetime.date):
        errors.append(f"The expiry date {expires_on!r} is not a date.")
    elif expires_on <= today:
        errors.append(f"The expiry date {expires_on.isoformat()} is not after today ({today.isoformat()}).")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        TierOverride.objects.filter(account=account, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=OverrideEnd.REPLACED
        )
        return TierOverride.objects.create(
            account=account, tier=tier, reason=reason.strip(), author=author, expires_on=expires_on
        )


def tier_override_revoke(*, override):
    """End an override now; the next run gives the account its scored tier again."""
    if override.ended_at is not None:
        raise ValidationError(f"The override ended on {override.ended_at:%Y-%m-%d} ({override.end_reason}).")
    TierOverride.objects.filter(pk=override.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=OverrideEnd.REVOKED
    )
    override.refresh_from_db()
    return override
