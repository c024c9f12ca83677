"""The pipeline steps this app owns: lifecycle stage, ICP score and tier, and segment memberships.

Each runs in the publishing transaction, after the derived attributes are
published, because its rules may read them. Each stages its results once
per account, then writes history rows and updates only the accounts whose
values changed, so a run on unchanged data writes nothing.
"""

import logging

from django.db.models import Q

from accounts import sql
from accounts.derived import staged_account_ids
from accounts.models import Account
from accounts.pipeline import PipelineStep

from .lifecycle import enabled_rules, lifecycle_select
from .models import (
    IcpExplanation,
    IcpModel,
    IcpModelStatus,
    IcpScoreStaging,
    LifecycleStaging,
    OverrideEnd,
    Segment,
    StageChange,
    TierChange,
    TierChangeReason,
    TierOverride,
)
from .scoring import scoring_select
from .services.segments import segments_recompute_all

logger = logging.getLogger(__name__)

ACCOUNT_TABLE = Account._meta.db_table
LIFECYCLE_STAGING = LifecycleStaging._meta.db_table
ICP_STAGING = IcpScoreStaging._meta.db_table
STAGE_CHANGE_TABLE = StageChange._meta.db_table
TIER_CHANGE_TABLE = TierChange._meta.db_table
EXPLANATION_TABLE = IcpExplanation._meta.db_table
OVERRIDE_TABLE = TierOverride._meta.db_table


# NOTE: a lifecycle rule or ICP criterion that references a segment reads the
# memberships of the previous run, because segments are computed after them.


def scoped_accounts(context, extra=None):
    """Return the accounts a publishing step covers: all in a full run, else those the run staged."""
    if context.full:
        return Account.objects.all()
    condition = Q(id__in=staged_account_ids(context.run_id))
    if extra is not None:
        condition |= extra
    return Account.objects.filter(condition)


# Lifecycle stage


def lifecycle_publish(context):
    rules = enabled_rules()
    select_sql, params = lifecycle_select(rules, now=context.now, accounts=scoped_accounts(context))
    # Only accounts whose stage or motion changes are staged.
    staged = sql.execute(
        f"""
        INSERT INTO {LIFECYCLE_STAGING} (run_id, account_id, rule_id, lifecycle_stage, motion)
        SELECT %s, x.account_id, x.rule_id, x.lifecycle_stage, x.motion FROM ({select_sql}) x
        WHERE x.lifecycle_stage <> x.current_stage OR x.motion <> x.current_motion
        """,
        [context.run_id, *params],
    )
    differs = "(a.lifecycle_stage <> s.lifecycle_stage OR a.motion <> s.motion)"
    changes = sql.execute(
        f"""
        INSERT INTO {STAGE_CHANGE_TABLE}
            (account_id, run_id, from_stage, to_stage, from_motion, to_motion, rule_id, changed_at)
        SELECT s.account_id, %s, a.lifecycle_stage, s.lifecycle_stage, a.motion, s.motion, s.rule_id, %s
        FROM {LIFECYCLE_STAGING} s JOIN {ACCOUNT_TABLE} a ON a.id = s.account_id
        WHERE s.run_id = %s AND {differs}
        """,
        [context.run_id, sql.datetime_param(context.now), context.run_id],
    )
    sql.execute(
        f"""
        UPDATE {ACCOUNT_TABLE} SET lifecycle_stage = s.lifecycle_stage, motion = s.motion
        FROM {LIFECYCLE_STAGING} s
        WHERE s.run_id = %s AND s.account_id = {ACCOUNT_TABLE}.id
          AND ({ACCOUNT_TABLE}.lifecycle_stage <> s.lifecycle_stage OR {ACCOUNT_TABLE}.motion <> s.motion)
        """,
        [context.run_id],
    )
    return {"stage_changes": changes}


def lifecycle_fingerprint():
    rules = enabled_rules()
    return repr([(rule.pk, rule.priority, rule.stage, rule.rule) for rule in rules])


# ICP score and tier


def published_model():
    return IcpModel.objects.filter(status=IcpModelStatus.PUBLISHED).prefetch_related("criteria").first()


def icp_publish(context):
    model = published_model()
    if model is None:
        logger.warning("Run %s left ICP scores unchanged: no ICP model is published.", context.run_id)
        return {"icp_model_version": None}
    criteria = list(model.criteria.all())

    ended = TierOverride.objects.filter(ended_at__isnull=True, expires_on__lte=context.today).update(
        ended_at=context.now, end_reason=OverrideEnd.EXPIRED, ended_run_id=context.run_id
    )
    # Overrides revoked or replaced by hand since the last run end in this one.
    TierOverride.objects.filter(ended_at__isnull=False, ended_run_id__isnull=True).update(ended_run_id=context.run_id)
    touched = TierOverride.objects.filter(ended_run_id=context.run_id)
    if context.since is not None:
        touched = TierOverride.objects.filter(Q(ended_run_id=context.run_id) | Q(updated_at__gt=context.since))
    accounts = scoped_accounts(context, extra=Q(id__in=touched.values("account_id")))

    select_sql, params = scoring_select(model, criteria, now=context.now, today=context.today, accounts=accounts)
    # Each staged row also records whether it differs from the account's current explanation.
    same = " AND ".join(
        f"NOT ({sql.distinct_from(f'e.{column}', f'x.{column}')})"
        for column in ("score", "computed_tier", "tier", "override_id", "points", "inputs")
    )
    # Only accounts whose score, tier or explanation changes are staged.
    unchanged_explanation = f"e.id IS NOT NULL AND e.model_id = %s AND {same}"
    staged = sql.execute(
        f"""
        INSERT INTO {ICP_STAGING}
            (run_id, account_id, model_id, score, computed_tier, tier, override_id, points, inputs,
             explanation_changed)
        SELECT %s, x.account_id, %s, x.score, x.computed_tier, x.tier, x.override_id, x.points, x.inputs,
               CASE WHEN {unchanged_explanation} THEN FALSE ELSE TRUE END
        FROM ({select_sql}) x
        LEFT JOIN {EXPLANATION_TABLE} e ON e.account_id = x.account_id AND e.is_current = TRUE
        WHERE NOT ({unchanged_explanation})
           OR {sql.distinct_from("x.current_score", "x.score")}
           OR {sql.distinct_from("x.current_tier", "x.tier")}
        """,
        [context.run_id, model.pk, model.pk, *params, model.pk],
    )
    tier_changes = _record_tier_changes(context)
    explanations = _record_explanations(context)
    sql.execute(
        f"""
        UPDATE {ACCOUNT_TABLE} SET icp_score = s.score, icp_tier = s.tier
        FROM {ICP_STAGING} s
        WHERE s.run_id = %s AND s.account_id = {ACCOUNT_TABLE}.id
          AND ({sql.distinct_from(f"{ACCOUNT_TABLE}.icp_score", "s.score")}
               OR {sql.distinct_from(f"{ACCOUNT_TABLE}.icp_tier", "s.tier")})
        """,
        [context.run_id],
    )
    return {
        "icp_model_version": model.version,
        "icp_changed": staged,
        "tier_changes": tier_changes,
        "icp_explanations_written": explanations,
        "overrides_expired": ended,
    }


def _record_tier_changes(context):
    return sql.execute(
        f"""
        INSERT INTO {TIER_CHANGE_TABLE}
            (account_id, run_id, from_tier, to_tier, from_score, to_score, reason, changed_at)
        SELECT s.account_id, %s, a.icp_tier, s.tier, a.icp_score, s.score,
               CASE
                   WHEN s.override_id IS NOT NULL THEN '{TierChangeReason.OVERRIDE}'
                   WHEN EXISTS (SELECT 1 FROM {OVERRIDE_TABLE} o
                                WHERE o.account_id = s.account_id AND o.ended_run_id = %s)
                       THEN '{TierChangeReason.OVERRIDE_ENDED}'
                   ELSE '{TierChangeReason.SCORE}'
               END,
               %s
        FROM {ICP_STAGING} s JOIN {ACCOUNT_TABLE} a ON a.id = s.account_id
        WHERE s.run_id = %s AND {sql.distinct_from("a.icp_tier", "s.tier")}
        """,
        [context.run_id, context.run_id, sql.datetime_param(context.now), context.run_id],
    )


def _record_explanations(context):
    """Make a new current explanation for each account whose score, tier, points or inputs changed."""
    sql.execute(
        f"""
        UPDATE {EXPLANATION_TABLE} SET is_current = NULL
        FROM {ICP_STAGING} s
        WHERE s.run_id = %s AND s.explanation_changed AND s.account_id = {EXPLANATION_TABLE}.account_id
          AND {EXPLANATION_TABLE}.is_current = TRUE
        """,
        [context.run_id],
    )
    return sql.execute(
        f"""
        INSERT INTO {EXPLANATION_TABLE}
            (account_id, run_id, model_id, score, computed_tier, tier, override_id, points, inputs, is_current)
        SELECT s.account_id, %s, s.model_id, s.score, s.computed_tier, s.tier, s.override_id, s.points, s.inputs,
               TRUE
        FROM {ICP_STAGING} s
        WHERE s.run_id = %s AND s.explanation_changed
        """,
        [context.run_id, context.run_id],
    )


def icp_fingerprint():
    model = published_model()
    if model is None:
        return "none"
    # A published model is never edited, so its id names its criteria and thresholds.
    return f"{model.pk}:{model.version}"


# Segment memberships


def segments_publish(context):
    if not context.full and not run_has_rule_inputs_changed(context):
        return {"segments_recomputed": 0}
    result = segments_recompute_all(now=context.now, run=context.run_id)
    for slug, messages in result.skipped.items():
        logger.error("Run %s skipped segment %s: %s", context.run_id, slug, "; ".join(messages))
    return {
        "segments_recomputed": len(result.segments),
        "segments_invalid": len(result.skipped),
        "segment_entries": result.entered,
        "segment_exits": result.exited,
    }


def run_has_rule_inputs_changed(context):
    """Return True when a run changed what rules read: an account, its ICP score or a segment.

    An incremental run recomputes segments, and places journeys, only then.
    Windows such as "within the last 30 days" start at midnight, and a run
    on a new date is a full one, so time alone cannot change a result within
    an incremental run.
    """
    if staged_account_ids(context.run_id).exists():
        return True
    if IcpScoreStaging.objects.filter(run_id=context.run_id).exists():
        return True
    return Segment.objects.filter(updated_at__gt=context.since).exists()


LIFECYCLE_STEP = PipelineStep(
    name="lifecycle_stage",
    publish=lifecycle_publish,
    staging_tables=(LIFECYCLE_STAGING,),
    config_fingerprint=lifecycle_fingerprint,
)

ICP_STEP = PipelineStep(
    name="icp_score",
    publish=icp_publish,
    staging_tables=(ICP_STAGING,),
    config_fingerprint=icp_fingerprint,
)

SEGMENTS_STEP = PipelineStep(name="segment_memberships", publish=segments_publish)
