"""The rule builder of the segment editor: rule trees to form fields and back.

The browser edits a rule as a plain HTML form. Each node of the tree has a
path such as r, r_0 or r_0_w_1: r is the root group, r_0 its first child
and r_0_w the where group of a related-records condition. A node's inputs
are named PATH-ATTRIBUTE (r_0-field, r_0-op, r_0-value), so the tree can be
rebuilt from any form post, and an htmx request re-renders the builder
after each structural change. Every rule the builder produces goes through
the rule engine's validate_rule; each error is shown at the node whose JSON
path it names.
"""

import json
import re
import dataclasses
from dataclasses import dataclass

from accounts.models import (
    BuyingRole,
    Department,
    EmployeeBand,
    EventType,
    IcpTier,
    LifecycleStage,
    Motion,
    OpportunityStatus,
    OpportunityType,
    OwnershipType,
    Seniority,
)

from .models import Lens
from .rules.registry import (
    BOOLEAN,
    CHOICE,
    DATE,
    MONEY,
    NUMBER,
    RELATIONS,
    SEGMENT_OBJECT_TYPES,
    TAGS,
    fields_by_lens,
    get_field,
    get_relation,
)

ROOT = "r"
GROUP_KINDS = ("all", "any", "not")
NODE_KINDS = ("all", "any", "not", "condition", "related", "segment")
PATH_PATTERN = re.compile(r"^r(?:_(?:\d+|w))*$")
NAME_PATTERN = re.compile(r"^(r(?:_(?:\d+|w))*)-([a-z_0-9]+)$")
MAX_FORM_NODES = 400

OPERATOR_LABELS = {
    "eq": "is",
    "neq": "is not",
    "in": "is any of",
    "not_in": "is none of",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "between": "is between",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "within_last_days": "is within the last",
    "before": "is before",
    "after": "is after",
    "any_of": "has any of",
    "all_of": "has all of",
    "none_of": "has none of",
}
DATE_OPERATOR_LABELS = {"eq": "is on", "neq": "is not on"}

COUNT_OPERATOR_LABELS = {
    "gte": "at least",
    "gt": "more than",
    "eq": "exactly",
    "neq": "not exactly",
    "lte": "at most",
    "lt": "fewer than",
}

LIST_OPERATORS = ("in", "not_in", "any_of", "all_of", "none_of")
VALUELESS_OPERATORS = ("is_empty", "is_not_empty")

# Units shown beside number inputs, by field name.
UNITS = {
    "employee_count": "employees",
    "annual_revenue": "in the account's currency",
    "arr": "in the account's currency",
    "open_pipeline": "in the account's currency",
    "won_revenue": "in the account's currency",
    "amount": "in the opportunity's currency",
    "icp_score": "points, 0-100",
    "health_score": "points, 0-100",
    "score": "points, 0-100",
    "strategic_value": "1 (low) to 5 (high)",
    "engagement_score": "points",
}


@dataclass
class BuilderNode:
    """One node of the rule as the builder shows it."""

    path: str
    kind: str
    object_type: str = "accounts"
    field: str = ""
    op: str = ""
    value: object = None
    related: str = ""
    count_op: str = "gte"
    count: object = 1
    within_days: object = None
    segment: str = ""
    children: list = dataclasses.field(default_factory=list)
    where: "BuilderNode | None" = None
    json_path: str = "$"
    errors: list = dataclasses.field(default_factory=list)

    @property
    def is_group(self):
        return self.kind in GROUP_KINDS

    @property
    def field_info(self):
        return get_field(self.object_type, self.field) if self.field else None

    @property
    def relation(self):
        return get_relation(self.object_type, self.related) if self.related else None

    def walk(self):
        """Yield this node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()
        if self.where is not None:
            yield from self.where.walk()


def child_path(path, index):
    return f"{path}_{index}"


# JSON rule -> builder tree


def node_from_rule(rule, *, path=ROOT, object_type="accounts"):
    """Return the builder tree for a rule; the root is always a group."""
    node = _node_from_json(rule, path, object_type)
    if path == ROOT and not node.is_group:
        group = BuilderNode(path=ROOT, kind="all", object_type=object_type)
        group.children = [_node_from_json(rule, child_path(ROOT, 0), object_type)]
        return group
    return node


def _node_from_json(rule, path, object_type):
    if not isinstance(rule, dict):
        return BuilderNode(path=path, kind="all", object_type=object_type)
    if "all" in rule or "any" in rule:
        kind = "all" if "all" in rule else "any"
        children = rule[kind] if isinstance(rule[kind], list) else []
        node = BuilderNode(path=path, kind=kind, object_type=object_type)
        node.children = [_node_from_json(child, child_path(path, i), object_type) for i, child in enumerate(children)]
        return node
    if "not" in rule:
        inner = rule["not"]
        # {"not": {"all": [...]}} shows as one "none of" group over the inner children.
        children = inner["all"] if isinstance(inner, dict) and isinstance(inner.get("all"), list) else [inner]
        node = BuilderNode(path=path, kind="not", object_type=object_type)
        node.children = [_node_from_json(child, child_path(path, i), object_type) for i, child in enumerate(children)]
        return node
    if "related" in rule:
        node = BuilderNode(
            path=path,
            kind="related",
            object_type=object_type,
            related=rule.get("related", ""),
            count_op=rule.get("op", "gte"),
            count=rule.get("count", 1),
            within_days=rule.get("within_days"),
        )
        relation = get_relation(object_type, node.related)
        target = relation.target if relation else object_type
        where = rule.get("where")
        node.where = (
            _node_from_json(where, f"{path}_w", target) if where is not None else BuilderNode(f"{path}_w", "all", target)
        )
        if not node.where.is_group:
            group = BuilderNode(path=f"{path}_w", kind="all", object_type=target)
            group.children = [_node_from_json(where, child_path(f"{path}_w", 0), target)]
            node.where = group
        return node
    if "segment" in rule:
        return BuilderNode(path=path, kind="segment", object_type=object_type, segment=rule.get("segment") or "")
    return BuilderNode(
        path=path,
        kind="condition",
        object_type=object_type,
        field=rule.get("field", ""),
        op=rule.get("op", ""),
        value=rule.get("value"),
    )


# Builder tree -> JSON rule


def rule_from_node(node, json_path="$"):
    """Return the JSON rule of a builder tree, setting each node's json_path on the way."""
    node.json_path = json_path
    if node.kind in ("all", "any"):
        return {node.kind: [rule_from_node(child, f"{json_path}.{node.kind}[{i}]") for i, child in enumerate(node.children)]}
    if node.kind == "not":
        if len(node.children) == 1:
            return {"not": rule_from_node(node.children[0], f"{json_path}.not")}
        return {"not": {"all": [rule_from_node(child, f"{json_path}.not.all[{i}]") for i, child in enumerate(node.children)]}}
    if node.kind == "related":
        rule = {"related": node.related, "op": node.count_op, "count": node.count}
        where = node.where
        if where is not None and where.children:
            if where.kind == "all" and len(where.children) == 1:
                # A single condition is written without its group, so the
                # group itself has no JSON path for errors to point at.
                where.json_path = ""
                rule["where"] = rule_from_node(where.children[0], f"{json_path}.where")
            else:
                rule["where"] = rule_from_node(where, f"{json_path}.where")
        if node.within_days not in (None, ""):
            rule["within_days"] = node.within_days
        return rule
    if node.kind == "segment":
        return {"segment": node.segment}
    rule = {"field": node.field, "op": node.op}
    if node.op not in VALUELESS_OPERATORS:
        rule["value"] = node.value
    return rule


# Form post -> builder tree


def node_from_form(data, *, object_type="accounts"):
    """Rebuild the builder tree from a form post (a QueryDict).

    Raises ValueError when the post has no builder fields or too many nodes.
    """
    attributes = {}
    for name in data:
        match = NAME_PATTERN.match(name)
        if match:
            path, attribute = match.groups()
            attributes.setdefault(path, {})[attribute] = data.getlist(name)
    if ROOT not in attributes:
        raise ValueError("The form has no rule: the field r-kind is missing.")
    if len(attributes) > MAX_FORM_NODES:
        raise ValueError(f"The rule has {len(attributes)} nodes; the builder handles at most {MAX_FORM_NODES}.")
    return _node_from_attributes(ROOT, attributes, object_type)


def _first(values, default=""):
    return values[0] if values else default


def _node_from_attributes(path, attributes, object_type):
    own = attributes.get(path, {})
    kind = _first(own.get("kind"), "all")
    if kind not in NODE_KINDS:
        kind = "all"
    node = BuilderNode(path=path, kind=kind, object_type=object_type)

    if node.is_group:
        indexes = sorted(
            int(other[len(path) + 1:])
            for other in attributes
            if other.startswith(path + "_") and other[len(path) + 1:].isdigit()
        )
        node.children = [_node_from_attributes(child_path(path, i), attributes, object_type) for i in indexes]
        _renumber(node)
        return node

    if kind == "segment":
        node.segment = _first(own.get("segment"))
        return node

    if kind == "related":
        node.related = _first(own.get("related"))
        node.count_op = _first(own.get("count_op"), "gte")
        node.count = _parse_integer(_first(own.get("count"), "1"))
        node.within_days = _parse_integer(_first(own.get("within_days"))) if _first(own.get("within_days")) else None
        relation = get_relation(object_type, node.related)
        target = relation.target if relation else object_type
        where_path = f"{path}_w"
        if where_path in attributes:
            node.where = _node_from_attributes(where_path, attributes, target)
        else:
            node.where = BuilderNode(path=where_path, kind="all", object_type=target)
        if relation is None or not relation.time_columns:
            node.within_days = None
        return node

    node.field = _first(own.get("field"))
    node.op = _first(own.get("op"))
    registered = get_field(object_type, node.field)
    if registered is not None and node.op not in registered.operators:
        node.op = registered.operators[0]
    node.value = parse_value(registered, node.op, own.get("value", []), own.get("value2", []))
    return node


def _renumber(group):
    """Give a group's children consecutive paths after removals."""
    for index, child in enumerate(group.children):
        _move(child, child_path(group.path, index))


def _move(node, new_path):
    old_path = node.path
    for descendant in node.walk():
        descendant.path = new_path + descendant.path[len(old_path):]


def _parse_integer(raw):
    raw = str(raw).strip()
    return int(raw) if re.fullmatch(r"-?\d+", raw) else raw


def _parse_number(raw):
    text = str(raw).strip().replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return str(raw).strip()


def _list_items(values):
    """Split list values: several inputs, or one text with one item per line (or comma separated)."""
    if len(values) == 1:
        text = values[0]
        parts = text.splitlines() if "\n" in text else text.split(",")
    else:
        parts = values
    return [part.strip() for part in parts if part.strip()]


def _typed(registered, raw):
    if registered.type in (NUMBER, MONEY):
        return _parse_number(raw)
    if registered.type == CHOICE and registered.choices and isinstance(registered.choices[0], int):
        return _parse_integer(raw)
    return raw


def parse_value(registered, op, values, values2):
    """Convert the raw inputs of a condition to the JSON value its operator takes."""
    if registered is None or op in VALUELESS_OPERATORS:
        return None
    if op in LIST_OPERATORS:
        return [_typed(registered, item) for item in _list_items(values)]
    first = _first(values).strip()
    if op == "between":
        second = _first(values2).strip()
        if registered.type == DATE:
            return [first, second]
        return [_parse_number(first), _parse_number(second)]
    if op == "within_last_days":
        return _parse_integer(first)
    if registered.type == BOOLEAN:
        return {"true": True, "false": False}.get(first, first)
    if registered.type == DATE:
        return first
    return _typed(registered, first)


# Structural edits


def apply_action(root, action, *, object_type="accounts"):
    """Apply a builder action such as add-condition:r_0, add-group:r, remove:r_1, or set-kind:r_0:any.

    Raises ValueError naming the action when it is malformed or points at no node.
    """
    verb, _, rest = action.partition(":")
    path, _, argument = rest.partition(":")
    if not PATH_PATTERN.match(path or ""):
        raise ValueError(f"Invalid builder action {action!r}: expected VERB:PATH such as add-condition:r.")
    nodes = {node.path: node for node in root.walk()}
    target = nodes.get(path)
    if target is None:
        raise ValueError(f"Invalid builder action {action!r}: no node at {path}.")

    if verb in ("add-condition", "add-group", "add-related", "add-segment"):
        if not target.is_group:
            raise ValueError(f"Invalid builder action {action!r}: {path} is not a group.")
        new = new_node(verb, child_path(path, len(target.children)), target.object_type)
        target.children.append(new)
        return new.path
    if verb == "remove":
        if path == ROOT:
            raise ValueError("The top group cannot be removed; remove its conditions instead.")
        parent = _parent_of(nodes, path)
        parent.children = [child for child in parent.children if child.path != path]
        _renumber(parent)
        return parent.path
    if verb == "set-kind":
        if argument not in GROUP_KINDS or not target.is_group:
            raise ValueError(f"Invalid builder action {action!r}: a group's kind must be all, any or not.")
        target.kind = argument
        return path
    raise ValueError(f"Unknown builder action {verb!r}: expected add-condition, add-group, add-related, add-segment, remove or set-kind.")


def _parent_of(nodes, path):
    parent_path = path.rsplit("_", 1)[0]
    parent = nodes[parent_path]
    if parent.kind == "related":
        raise ValueError("The conditions on related records cannot be removed as a whole; remove the related condition.")
    return parent


def new_node(verb, path, object_type):
    if verb == "add-group":
        return BuilderNode(path=path, kind="any", object_type=object_type)
    if verb == "add-related":
        relation = next(iter(RELATIONS[object_type].values()), None)
        related = relation.name if relation else ""
        target = relation.target if relation else object_type
        return BuilderNode(
            path=path, kind="related", object_type=object_type, related=related, where=BuilderNode(f"{path}_w", "all", target)
        )
    if verb == "add-segment":
        return BuilderNode(path=path, kind="segment", object_type=object_type)
    first_field = next(iter(next(iter(fields_by_lens(object_type).values()))), None)
    return BuilderNode(
        path=path,
        kind="condition",
        object_type=object_type,
        field=first_field.name,
        op=first_field.operators[0],
        value=None,
    )


# Errors at their nodes


def attach_errors(root, errors):
    """Attach each RuleError to the deepest node whose JSON path is a prefix of the error's path.

    Returns the errors that concern no single node (such as a rule that is too large).
    """
    nodes = sorted(root.walk(), key=lambda node: len(node.json_path), reverse=True)
    unplaced = []
    for error in errors:
        for node in nodes:
            if _within(error.path, node.json_path):
                node.errors.append(error.message)
                break
        else:
            unplaced.append(error.message)
    return unplaced


def _within(path, prefix):
    if not prefix:
        return False
    if path == prefix:
        return True
    return path.startswith(prefix) and path[len(prefix)] in ".["


# Widgets


@dataclass
class ValueWidget:
    """The input of a condition's value: its kind, the choices offered and the unit shown."""

    kind: str
    choices: list = dataclasses.field(default_factory=list)
    unit: str = ""
    selected: list = dataclasses.field(default_factory=list)


def value_widget(node, data_choices=None):
    """Return the ValueWidget for a condition node, given choices read from the data for text fields."""
    registered = node.field_info
    if registered is None or node.op in VALUELESS_OPERATORS:
        return ValueWidget("none")
    unit = UNITS.get(registered.name, "")
    value = node.value

    if node.op == "within_last_days":
        return ValueWidget("days", unit="days")
    if node.op == "between":
        kind = "date2" if registered.type == DATE else "number2"
        return ValueWidget(kind, unit=unit)
    if registered.type == BOOLEAN:
        return ValueWidget("select", choices=[("true", "Yes"), ("false", "No")], selected=[_as_text(value)])
    if registered.type == DATE:
        return ValueWidget("date")

    choices = [(str(choice), _choice_label(registered, choice)) for choice in registered.choices]
    if not choices and data_choices:
        choices = [(str(choice), str(choice)) for choice in data_choices]

    if node.op in LIST_OPERATORS:
        selected = [_as_text(item) for item in value] if isinstance(value, list) else []
        if choices:
            known = {choice for choice, _ in choices}
            choices += [(item, item) for item in selected if item not in known]
            return ValueWidget("multiselect", choices=choices, selected=selected, unit=unit)
        return ValueWidget("textlist", selected=selected, unit=unit)

    if registered.type in (NUMBER, MONEY):
        return ValueWidget("number", unit=unit)
    if registered.type == CHOICE:
        return ValueWidget("select", choices=[("", "Choose…")] + choices, selected=[_as_text(value)])
    if registered.type == TAGS:
        return ValueWidget("textlist", unit=unit)
    return ValueWidget("text", choices=choices, unit=unit)


def _as_text(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


CHOICE_LISTS = (
    LifecycleStage, Motion, IcpTier, EmployeeBand, OwnershipType, BuyingRole, Department, Seniority, EventType,
    OpportunityStatus, OpportunityType,
)


def _choice_label(registered, choice):
    """Return the display label of a choice value, from the choice list the field's choices come from."""
    for choices in CHOICE_LISTS:
        if registered.choices == tuple(choices.values):
            return choices(choice).label
    return str(choice)


def field_groups(object_type, hidden_lenses=frozenset()):
    """Return [(lens label, [Field, ...])] for the field picker, in lens order, without the lenses that are off."""
    labels = dict(Lens.choices)
    return [(labels[lens], fields) for lens, fields in fields_by_lens(object_type).items() if lens not in hidden_lenses]


def operator_choices(node):
    registered = node.field_info
    if registered is None:
        return []
    labels = dict(OPERATOR_LABELS, **(DATE_OPERATOR_LABELS if registered.type == DATE else {}))
    return [(op, labels.get(op, op)) for op in registered.operators]


def relation_choices(object_type):
    return [(relation.name, relation.label) for relation in RELATIONS[object_type].values()]


def rule_json(rule):
    return json.dumps(rule, indent=2, ensure_ascii=False)


def supports_segment_references(object_type):
    return object_type in SEGMENT_OBJECT_TYPES

