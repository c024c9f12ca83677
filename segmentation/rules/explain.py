"""Why a record is in or out: the evaluation of every node of a rule.

explain_rule loads one account (or contact) with the related records the
rule reaches, then runs the reference evaluator over it node by node. Each
node of the result has its JSON path, its kind and its result. A condition
node also has the record's value, and a related quantifier node the number
of related records that matched.
"""

from accounts.models import Account, Contact

from .errors import RuleValidationError
from .reference import explain_record
from .registry import FIELDS, get_relation
from .validation import validate_rule

# Model attribute read for each field whose value lives on another row.
_POINTER_FIELDS = {"owner": ("owner", "username"), "parent": ("parent", "name")}


def explain_rule(rule, account, *, now):
    """Return the per-node evaluation tree of rule for account (an Account or a Contact).

    Raises RuleValidationError when the rule is invalid.
    """
    object_type = "contacts" if isinstance(account, Contact) else "accounts"
    errors = validate_rule(rule, object_type=object_type)
    if errors:
        raise RuleValidationError(errors)
    record = load_record(account, object_type, _needed_relations(rule, object_type))
    return explain_record(rule, record, now=now, object_type=object_type)


def _needed_relations(rule, object_type):
    """Return {relation name: nested needs} for the related records a rule reaches, plus "segments"."""
    needs = {}
    stack = [(rule, object_type, needs)]
    while stack:
        node, current_type, current_needs = stack.pop()
        if not isinstance(node, dict):
            continue
        for key in ("all", "any"):
            for child in node.get(key) or ():
                stack.append((child, current_type, current_needs))
        if "not" in node:
            stack.append((node["not"], current_type, current_needs))
        if "segment" in node:
            current_needs["segments"] = True
        if "related" in node:
            relation = get_relation(current_type, node["related"])
            nested = current_needs.setdefault(relation.name, {})
            if "where" in node:
                stack.append((node["where"], relation.target, nested))
    return needs


def load_record(instance, object_type, needs):
    """Return the reference evaluator's record for a model instance and the relations in needs."""
    record = {}
    for field in FIELDS[object_type].values():
        if field.name in _POINTER_FIELDS and object_type == "accounts":
            pointer, attribute = _POINTER_FIELDS[field.name]
            target = getattr(instance, pointer)
            record[field.name] = getattr(target, attribute) if target is not None else None
        else:
            record[field.name] = getattr(instance, field.column)
    if hasattr(instance, "extra"):
        record["extra"] = instance.extra
    for name, nested in needs.items():
        if name == "segments":
            column = "account" if object_type == "accounts" else "contact"
            from ..models import SegmentMembership

            record["segments"] = set(
                SegmentMembership.objects.filter(**{column: instance}, exited_at__isnull=True).values_list(
                    "segment__slug", flat=True
                )
            )
            continue
        relation = get_relation(object_type, name)
        related = _related_instances(instance, object_type, name)
        loaded = [load_record(item, relation.target, nested) for item in related]
        record[name] = loaded[0] if name == "account" else loaded
    return record


def _related_instances(instance, object_type, name):
    if object_type == "contacts" and name == "account":
        return [Account.objects.get(pk=instance.account_id)]
    manager = {
        "contacts": "contacts",
        "events": "events",
        "intent": "intent_signals",
        "opportunities": "opportunities",
    }[name]
    # NOTE: every related record is loaded, so explaining a rule for an
    # account with a very long event history reads all of it.
    return list(getattr(instance, manager).all())
