"""How many records have no value for the fields a rule reads."""

from django.db.models import Count

from ..rules import compile_rule
from ..rules.compiler import MODELS
from ..rules.registry import BOOLEAN, get_field


def rule_fields(rule):
    """Return the field names a rule's conditions read on its own object, outside related-record conditions."""
    found = []
    stack = [rule]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("field"), str) and node["field"] not in found:
            found.append(node["field"])
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                stack.extend(reversed(node[key]))
        if "not" in node:
            stack.append(node["not"])
    return found


def filled_counts(field_names, *, object_type="accounts", now):
    """Return (total, {field name: records with a value}) in one query.

    A value counts as present exactly when the rule condition "is not empty"
    matches, so blanks, white space and empty tag lists count as missing.
    Boolean fields always have a value; unknown field names are left out.
    """
    aggregates = {"total": Count("pk")}
    keys = {}
    for index, name in enumerate(field_names):
        registered = get_field(object_type, name)
        if registered is None:
            continue
        if registered.type == BOOLEAN:
            keys[name] = None
            continue
        keys[name] = f"f{index}"
        condition = compile_rule({"field": name, "op": "is_not_empty"}, object_type=object_type, now=now)
        aggregates[keys[name]] = Count("pk", filter=condition)
    counts = MODELS[object_type].objects.order_by().aggregate(**aggregates)
    total = counts["total"]
    return total, {name: total if key is None else counts[key] for name, key in keys.items()}
