"""Reads of tier and stage history and of ICP explanations, per account and in bulk."""

from ..models import IcpCriterion, IcpExplanation, StageChange, TierChange


def account_tier_history(account):
    """Return the account's tier changes, newest first, with the run that made each."""
    return TierChange.objects.filter(account=account).select_related("run").order_by("-changed_at", "-id")


def account_stage_history(account):
    """Return the account's lifecycle stage changes, newest first, with the rule that gave each new stage."""
    return StageChange.objects.filter(account=account).select_related("run", "rule").order_by("-changed_at", "-id")


def tier_changes(*, since=None, until=None, run=None):
    """Return tier changes of all accounts in a time range or one run, oldest first, for feeds and exports."""
    changes = TierChange.objects.select_related("account").order_by("changed_at", "id")
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    if until is not None:
        changes = changes.filter(changed_at__lt=until)
    if run is not None:
        changes = changes.filter(run=run)
    return changes


def stage_changes(*, since=None, until=None, run=None):
    """Return lifecycle stage changes of all accounts in a time range or one run, oldest first."""
    changes = StageChange.objects.select_related("account").order_by("changed_at", "id")
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    if until is not None:
        changes = changes.filter(changed_at__lt=until)
    if run is not None:
        changes = changes.filter(run=run)
    return changes


def icp_explanation(account, run=None):
    """Return why the account had its score and tier after a run (default: the latest), or None.

    The result contains the run id, the model version, the score, the
    computed tier, the tier in force and its override, and one entry per
    criterion with its label, points earned and points possible, plus the
    account values the criteria read.
    """
    explanations = IcpExplanation.objects.filter(account=account).select_related("model", "override")
    if run is not None:
        explanations = explanations.filter(run_id__lte=run.pk if hasattr(run, "pk") else run)
    explanation = explanations.order_by("-run_id").first()
    if explanation is None:
        return None
    criteria = IcpCriterion.objects.filter(model_id=explanation.model_id).order_by("position", "id")
    return {
        "run_id": explanation.run_id,
        "model_version": explanation.model.version if explanation.model else None,
        "score": explanation.score,
        "computed_tier": explanation.computed_tier,
        "tier": explanation.tier,
        "override": explanation.override,
        "criteria": [
            {
                "label": criterion.label,
                "points": int(explanation.points.get(criterion.key, 0)),
                "max_points": criterion.points,
                "matched": int(explanation.points.get(criterion.key, 0)) > 0,
            }
            for criterion in criteria
        ],
        "inputs": explanation.inputs,
    }
