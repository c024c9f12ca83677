"""Edits of the lifecycle rule set from the browser."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import LifecycleStage

from ..models import LifecycleRule
from ..rules import validate_rule

logger = logging.getLogger(__name__)

# Priorities are unique, so rows move through this range while they are renumbered.
PRIORITY_PARKING = 30000


def lifecycle_rules_errors(rules):
    """Return a message per problem in a list of rule dicts (stage, rule, description, enabled)."""
    errors = []
    for index, entry in enumerate(rules, start=1):
        where = f"Rule {index} ({entry.get('description') or entry.get('stage') or 'no stage'})"
        if entry.get("stage") not in LifecycleStage.values:
            errors.append(f"{where}: unknown stage {entry.get('stage')!r}; use one of {', '.join(LifecycleStage.values)}.")
        for problem in validate_rule(entry.get("rule"), object_type="accounts"):
            errors.append(f"{where}: {problem}")
    return errors


def lifecycle_rules_replace(*, rules: list[dict], changed_by=None) -> list[LifecycleRule]:
    """Make the lifecycle rule set exactly `rules`, in order of priority; raise ValidationError listing every problem.

    Each dict has stage, rule, description, enabled and, for a rule that
    already exists, its id, so stage changes recorded by earlier runs keep
    pointing at the rule that made them. Rules left out are deleted.
    """
    errors = lifecycle_rules_errors(rules)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {rule.pk: rule for rule in LifecycleRule.objects.select_for_update().order_by("pk")}
        kept_ids = {entry.get("id") for entry in rules if entry.get("id") in existing}
        LifecycleRule.objects.exclude(pk__in=kept_ids).delete()
        for offset, pk in enumerate(sorted(kept_ids)):
            LifecycleRule.objects.filter(pk=pk).update(priority=PRIORITY_PARKING + offset)
        saved = []
        for priority, entry in enumerate(rules, start=1):
            rule = existing.get(entry.get("id")) or LifecycleRule()
            rule.priority = priority * 10
            rule.stage = entry["stage"]
            rule.rule = entry["rule"]
            rule.description = entry.get("description", "")[:255]
            rule.enabled = bool(entry.get("enabled", True))
            rule.save()
            saved.append(rule)
    logger.info("lifecycle rules replaced: count=%s user_id=%s", len(saved), getattr(changed_by, "pk", None))
    return saved
