"""Rules as readable text, and readable differences between two versions of a rule."""

import difflib
import json

from .builder import COUNT_OPERATOR_LABELS, DATE_OPERATOR_LABELS, OPERATOR_LABELS, VALUELESS_OPERATORS
from .rules.registry import DATE, get_field, get_relation

INDENT = "    "


def describe_rule(rule, object_type="accounts"):
    """Return the rule as indented lines of plain English, one condition or group per line."""
    lines = []
    _describe(rule, object_type, 0, lines)
    return lines


def _format_value(value):
    if isinstance(value, list):
        return ", ".join(_format_value(item) for item in value) or "(nothing)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(value)


def _describe(rule, object_type, depth, lines):
    pad = INDENT * depth
    if not isinstance(rule, dict):
        lines.append(f"{pad}(invalid node {json.dumps(rule)})")
        return
    for kind, label in (("all", "All of:"), ("any", "Any of:")):
        if kind in rule:
            lines.append(pad + label)
            for child in rule[kind] or []:
                _describe(child, object_type, depth + 1, lines)
            return
    if "not" in rule:
        lines.append(pad + "None of:")
        inner = rule["not"]
        children = inner["all"] if isinstance(inner, dict) and isinstance(inner.get("all"), list) else [inner]
        for child in children:
            _describe(child, object_type, depth + 1, lines)
        return
    if "segment" in rule:
        lines.append(f"{pad}Is a member of segment {rule['segment']}")
        return
    if "related" in rule:
        relation = get_relation(object_type, rule.get("related"))
        label = relation.label.lower() if relation else str(rule.get("related"))
        count_label = COUNT_OPERATOR_LABELS.get(rule.get("op"), rule.get("op"))
        window = f" within the last {rule['within_days']} days" if rule.get("within_days") else ""
        where = " where:" if rule.get("where") else ""
        lines.append(f"{pad}Has {count_label} {rule.get('count')} {label}{window}{where}")
        if rule.get("where"):
            _describe(rule["where"], relation.target if relation else object_type, depth + 1, lines)
        return
    registered = get_field(object_type, rule.get("field"))
    field_label = registered.label if registered else str(rule.get("field"))
    labels = dict(OPERATOR_LABELS, **(DATE_OPERATOR_LABELS if registered and registered.type == DATE else {}))
    op = rule.get("op")
    text = f"{pad}{field_label} {labels.get(op, op)}"
    if op not in VALUELESS_OPERATORS:
        value = rule.get("value")
        if op == "between" and isinstance(value, list) and len(value) == 2:
            text += f" {_format_value(value[0])} and {_format_value(value[1])}"
        elif op == "within_last_days":
            text += f" {value} days"
        else:
            text += f" {_format_value(value)}"
    lines.append(text)


def rule_diff(before, after, object_type="accounts"):
    """Return [(marker, line)] comparing two rules: marker is "+" added, "-" removed, " " unchanged."""
    old = describe_rule(before, object_type) if before is not None else []
    new = describe_rule(after, object_type)
    diff = []
    for line in difflib.ndiff(old, new):
        marker = line[0]
        if marker in "+- ":
            diff.append((marker, line[2:]))
    return diff


def version_changes(version, previous, object_type="accounts"):
    """Return a readable summary of one SegmentVersion compared with the version before it.

    The result has "fields" (attribute, before, after) for everything but the
    rule, and "rule" (the line diff) when the rule changed.
    """
    summary = {"fields": [], "rule": None, "created": bool(version.changes.get("created"))}
    for attribute, change in sorted(version.changes.items()):
        if attribute in ("rule", "created") or not isinstance(change, dict):
            continue
        summary["fields"].append((attribute.replace("_", " "), change.get("before"), change.get("after")))
    if "rule" in version.changes or summary["created"]:
        summary["rule"] = rule_diff(previous.rule if previous else None, version.rule, object_type)
    return summary


def explanation_lines(tree, object_type="accounts"):
    """Flatten an explain_rule tree into [(depth, result, text)] lines a person can read.

    A condition's line names the record's own value, so a rep sees why it
    is true or false.
    """
    lines = []
    _explain(tree, object_type, 0, lines)
    return lines


def _explain(node, object_type, depth, lines):
    kind = node.get("kind")
    if kind in ("all", "any", "not"):
        label = {"all": "All of:", "any": "Any of:", "not": "None of:"}[kind]
        lines.append((depth, node["result"], label))
        children = node.get("children", [])
        if kind == "not" and len(children) == 1 and children[0].get("kind") == "all":
            children = children[0].get("children", [])
        for child in children:
            _explain(child, object_type, depth + 1, lines)
        return
    if kind == "segment":
        lines.append((depth, node["result"], f"Is a member of segment {node['segment']}"))
        return
    if kind == "related":
        text = describe_rule({key: node[key] for key in ("related", "op", "count", "within_days") if key in node}, object_type)[0]
        lines.append((depth, node["result"], f"{text.strip()}: {node['matched']} found"))
        return
    text = describe_rule({"field": node["field"], "op": node["op"], "value": node.get("value")}, object_type)[0]
    actual = node.get("actual")
    shown = "empty" if actual in (None, "", []) else _format_value(actual)
    lines.append((depth, node["result"], f"{text.strip()} (here: {shown})"))
