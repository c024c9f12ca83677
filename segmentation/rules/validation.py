"""Validation of rule trees against the field registry.

validate_rule returns every problem it finds, each with the JSON path of the
node (such as $.all[2].value), a message that names the value and what is
allowed, and the offending value. An empty list means the rule is valid.
"""

import difflib
from dataclasses import dataclass

from .errors import RuleError
from .registry import (
    BOOLEAN,
    CHOICE,
    COUNT_OPERATORS,
    DATE,
    EXTRA_OBJECT_TYPES,
    EXTRA_PREFIX,
    FIELDS,
    MONEY,
    NUMBER,
    OBJECT_TYPES,
    RELATIONS,
    SEGMENT_OBJECT_TYPES,
    TAGS,
    TEXT,
    get_field,
    get_relation,
)
from .values import (
    MAX_ABS_NUMBER,
    TODAY,
    WHITESPACE,
    is_date_value,
    is_number,
    normalize_text,
    number_in_range,
    parse_date,
)

MAX_DEPTH = 10
MAX_NODES = 200
MAX_LIST_VALUES = 1000
MAX_TEXT_LENGTH = 1000
MAX_WITHIN_DAYS = 3650
MAX_COUNT = 1_000_000

GROUP_KEYS = ("all", "any", "not")
NODE_KINDS = ("all", "any", "not", "field", "related", "segment")
CONDITION_KEYS = {"field", "op", "value"}
RELATED_KEYS = {"related", "where", "op", "count", "within_days"}
SEGMENT_KEYS = {"segment"}
VALUELESS_OPERATORS = ("is_empty", "is_not_empty")
LIST_OPERATORS = ("in", "not_in", "any_of", "all_of", "none_of")


@dataclass(frozen=True)
class SegmentInfo:
    """A referenced segment's slug, object type, status and rule, as validation reads them."""

    slug: str
    object_type: str
    status: str
    rule: object


def validate_rule(rule, *, object_type="accounts", slug=None, segments=None):
    """Return the list of problems in rule, empty when the rule is valid.

    slug is the segment the rule belongs to, if any, so that a reference back
    to it is reported as a cycle. segments maps slugs to SegmentInfo; when it
    is None, the segments a rule references are read from the database.
    """
    if object_type not in OBJECT_TYPES:
        return [
            RuleError("$", f'Unknown object type "{object_type}". Allowed: {", ".join(OBJECT_TYPES)}.', object_type)
        ]
    validator = _Validator()
    validator.check_node(rule, "$", object_type, depth=1)
    if validator.node_count > MAX_NODES:
        validator.errors.insert(
            0,
            RuleError(
                "$",
                f"The rule has {validator.node_count} nodes; at most {MAX_NODES} are allowed. "
                "Split it into segments that reference each other.",
                validator.node_count,
            ),
        )
    if validator.references:
        if segments is None:
            segments = load_segment_infos()
        validator.check_references(segments, slug, rule)
    return validator.errors


def load_segment_infos():
    """Read every segment's slug, object type, status and rule from the database."""
    from ..models import Segment

    return {
        row["slug"]: SegmentInfo(row["slug"], row["object_type"], row["status"], row["rule"])
        for row in Segment.objects.values("slug", "object_type", "status", "rule")
    }


def segment_references(rule):
    """Return the slugs of the segments a rule references, in order, at any depth.

    Works on invalid rules too, so it can read rules stored before a change.
    """
    found = []
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            slug = node.get("segment")
            if isinstance(slug, str):
                found.append(slug)
            for key in ("all", "any"):
                children = node.get(key)
                if isinstance(children, list):
                    stack.extend(reversed(children))
            for key in ("not", "where"):
                if key in node:
                    stack.append(node[key])
    return found


def _describe(value):
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return str(value)


def _allowed(names):
    return ", ".join(str(name) for name in names)


def _suggestion(name, candidates):
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, [str(candidate) for candidate in candidates], n=1)
    return f' Did you mean "{close[0]}"?' if close else ""


class _Validator:
    def __init__(self):
        self.errors = []
        self.node_count = 0
        self.depth_reported = False
        # (slug, path, object type) of every {"segment": slug} node.
        self.references = []

    def error(self, path, message, value=None):
        self.errors.append(RuleError(path, message, value))

    def check_node(self, node, path, object_type, depth):
        self.node_count += 1
        if depth > MAX_DEPTH:
            if not self.depth_reported:
                self.depth_reported = True
                self.error(
                    path,
                    f"The rule is nested more than {MAX_DEPTH} levels deep here; at most {MAX_DEPTH} are allowed. "
                    "Flatten nested groups or move part of the rule into a segment of its own.",
                )
            return
        if not isinstance(node, dict):
            self.error(
                path,
                f"Expected a rule object such as {{\"all\": [...]}} or {{\"field\": ..., \"op\": ..., \"value\": ...}}, "
                f"got {_describe(node)}.",
                node,
            )
            return
        kinds = [kind for kind in NODE_KINDS if kind in node]
        if len(kinds) != 1:
            if kinds:
                message = f"A rule node must have exactly one of {_allowed(NODE_KINDS)}; this one has {_allowed(kinds)}."
            else:
                message = (
                    f"A rule node must have one of the keys {_allowed(NODE_KINDS)}; "
                    f"this one has {_allowed(sorted(node)) or 'none'}."
                )
            self.error(path, message, sorted(node))
            return
        kind = kinds[0]
        if kind in ("all", "any"):
            self.check_group(node, path, kind, object_type, depth)
        elif kind == "not":
            self.check_unknown_keys(node, path, {"not"})
            self.check_node(node["not"], f"{path}.not", object_type, depth + 1)
        elif kind == "field":
            self.check_condition(node, path, object_type)
        elif kind == "related":
            self.check_related(node, path, object_type, depth)
        else:
            self.check_segment(node, path, object_type)

    def check_unknown_keys(self, node, path, allowed):
        for key in sorted(set(node) - allowed):
            self.error(
                f"{path}.{key}",
                f'Unknown key "{key}" in this node. Allowed keys: {_allowed(sorted(allowed))}.',
                node[key],
            )

    def check_group(self, node, path, kind, object_type, depth):
        self.check_unknown_keys(node, path, {kind})
        children = node[kind]
        if not isinstance(children, list):
            self.error(f"{path}.{kind}", f'"{kind}" must be a list of rules, got {_describe(children)}.', children)
            return
        if not children:
            self.error(
                f"{path}.{kind}",
                f'The "{kind}" group is empty. Add at least one condition to it, or remove the group.',
                children,
            )
            return
        for index, child in enumerate(children):
            self.check_node(child, f"{path}.{kind}[{index}]", object_type, depth + 1)

    def check_condition(self, node, path, object_type):
        self.check_unknown_keys(node, path, CONDITION_KEYS)
        name = node["field"]
        field = get_field(object_type, name)
        if field is None:
            self.error(f"{path}.field", self.unknown_field_message(name, object_type), name)
            return
        op = node.get("op")
        if "op" not in node:
            self.error(
                f"{path}.op",
                f'The condition on "{field.name}" has no operator. Allowed operators: {_allowed(field.operators)}.',
            )
            return
        if op not in field.operators:
            self.error(
                f"{path}.op",
                f'Unknown operator {_describe(op)} for the {field.type} field "{field.name}". '
                f"Allowed operators: {_allowed(field.operators)}.{_suggestion(op, field.operators)}",
                op,
            )
            return
        value_path = f"{path}.value"
        if op in VALUELESS_OPERATORS:
            if node.get("value") is not None:
                self.error(value_path, f'The operator "{op}" takes no value; remove "value".', node["value"])
            return
        if "value" not in node:
            self.error(value_path, f'The operator "{op}" on "{field.name}" needs a value.')
            return
        self.check_value(field, op, node["value"], value_path)

    def unknown_field_message(self, name, object_type):
        known = sorted(FIELDS[object_type])
        if isinstance(name, str) and name.startswith(EXTRA_PREFIX) and object_type in EXTRA_OBJECT_TYPES:
            return (
                f'Invalid custom attribute {_describe(name)}: after "extra." give a key of 1 to 64 letters, '
                "digits or underscores."
            )
        return (
            f"Unknown field {_describe(name)} for {object_type}. Allowed fields: {_allowed(known)}."
            f"{_suggestion(name, known)}"
        )

    def check_value(self, field, op, value, path):
        if op == "between":
            self.check_between(field, value, path)
        elif op == "within_last_days":
            self.check_integer(value, path, "a number of days", minimum=1, maximum=MAX_WITHIN_DAYS)
        elif op in LIST_OPERATORS:
            self.check_list(field, op, value, path)
        else:
            self.check_scalar(field, op, value, path)

    def check_list(self, field, op, value, path):
        if not isinstance(value, list) or not value:
            self.error(
                path,
                f'The operator "{op}" needs a non-empty list of values, such as {self.example_list(field)}; '
                f"got {_describe(value) if not isinstance(value, list) else 'an empty list'}.",
                value,
            )
            return
        if len(value) > MAX_LIST_VALUES:
            self.error(path, f"The list has {len(value)} values; at most {MAX_LIST_VALUES} are allowed.", len(value))
            return
        for index, item in enumerate(value):
            self.check_scalar(field, op, item, f"{path}[{index}]")

    def check_scalar(self, field, op, value, path):
        if field.type in (TEXT, TAGS) and not field.choices:
            self.check_text(value, path)
        elif field.type in (CHOICE, TAGS):
            self.check_choice(field, value, path)
        elif field.type in (NUMBER, MONEY):
            self.check_number(field, value, path)
        elif field.type == DATE:
            if not is_date_value(value):
                self.error(
                    path,
                    f'Invalid date {_describe(value)} for "{field.name}". Use a calendar date as YYYY-MM-DD, '
                    f'such as "2025-03-01", or "{TODAY}".',
                    value,
                )
        elif field.type == BOOLEAN:
            if not isinstance(value, bool):
                self.error(path, f'"{field.name}" is true or false; got {_describe(value)}.', value)

    def check_text(self, value, path):
        if not isinstance(value, str):
            self.error(path, f"Expected a text value, got {_describe(value)}.", value)
        elif not value.strip(WHITESPACE):
            self.error(
                path,
                "The value is blank. To match a missing or blank value, use the operator is_empty.",
                value,
            )
        elif len(value) > MAX_TEXT_LENGTH:
            self.error(path, f"The text is {len(value)} characters long; at most {MAX_TEXT_LENGTH} are allowed.", value)

    def check_choice(self, field, value, path):
        allowed = field.choices
        if isinstance(allowed[0], int):
            matched = is_number(value) and value in allowed
        else:
            matched = isinstance(value, str) and normalize_text(value) in allowed
        if not matched:
            self.error(
                path,
                f'Invalid value {_describe(value)} for "{field.name}". Allowed values: {_allowed(allowed)}.'
                f"{_suggestion(value, allowed)}",
                value,
            )

    def check_number(self, field, value, path):
        if not is_number(value):
            self.error(path, f'"{field.name}" is a {field.type} field, so the value must be a number; got '
                             f"{_describe(value)}.", value)
        elif not number_in_range(value):
            self.error(path, f"The number {value} is out of range; use a value from -{MAX_ABS_NUMBER} to "
                             f"{MAX_ABS_NUMBER}.", value)

    def check_between(self, field, value, path):
        if not isinstance(value, list) or len(value) != 2:
            self.error(path, f'The operator "between" needs a list [low, high], such as '
                             f"{self.example_between(field)}; got {_describe(value)}.", value)
            return
        errors_before = len(self.errors)
        for index, bound in enumerate(value):
            self.check_scalar(field, "between", bound, f"{path}[{index}]")
        if len(self.errors) != errors_before:
            return
        low, high = value
        if field.type == DATE:
            low, high = parse_date(low), parse_date(high)
            if low is None or high is None:
                # "today" is only known at evaluation time.
                return
        if low > high:
            self.error(path, f"The low bound {_describe(value[0])} is above the high bound {_describe(value[1])}; "
                             "give them as [low, high].", value)

    def check_integer(self, value, path, what, *, minimum, maximum):
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            self.error(path, f"Expected {what}: a whole number from {minimum} to {maximum}; got {_describe(value)}.",
                       value)
            return False
        return True

    @staticmethod
    def example_list(field):
        if field.choices:
            return "[" + ", ".join(_describe(choice) for choice in field.choices[:2]) + "]"
        if field.type in (NUMBER, MONEY):
            return "[10, 20]"
        return '["a", "b"]'

    @staticmethod
    def example_between(field):
        if field.type == DATE:
            return '["2025-01-01", "2025-03-31"]'
        return "[100, 500]"

    def check_related(self, node, path, object_type, depth):
        self.check_unknown_keys(node, path, RELATED_KEYS)
        name = node["related"]
        relation = get_relation(object_type, name)
        if relation is None:
            allowed = sorted(RELATIONS[object_type])
            if allowed:
                message = (f"Unknown related records {_describe(name)} for {object_type}. "
                           f"Allowed: {_allowed(allowed)}.{_suggestion(name, allowed)}")
            else:
                message = f"Rules over {object_type} cannot reach related records."
            self.error(f"{path}.related", message, name)
            return
        op = node.get("op", "gte")
        if op not in COUNT_OPERATORS:
            self.error(f"{path}.op", f"Unknown count operator {_describe(op)}. Allowed operators: "
                                     f"{_allowed(COUNT_OPERATORS)}.", op)
        count = node.get("count", 1)
        self.check_integer(count, f"{path}.count", "a count of records", minimum=0, maximum=MAX_COUNT)
        if "within_days" in node:
            within_days = node["within_days"]
            if not relation.time_columns:
                self.error(f"{path}.within_days", f'Related {name} have no date, so "within_days" does not apply. '
                                                  "Remove it.", within_days)
            else:
                self.check_integer(within_days, f"{path}.within_days", "a number of days", minimum=1,
                                   maximum=MAX_WITHIN_DAYS)
        if "where" in node:
            self.check_node(node["where"], f"{path}.where", relation.target, depth + 1)

    def check_segment(self, node, path, object_type):
        self.check_unknown_keys(node, path, SEGMENT_KEYS)
        slug = node["segment"]
        if object_type not in SEGMENT_OBJECT_TYPES:
            self.error(f"{path}.segment", f"Rules over {object_type} cannot reference segments; only rules over "
                                          f"{_allowed(SEGMENT_OBJECT_TYPES)} can.", slug)
            return
        if not isinstance(slug, str) or not slug:
            self.error(f"{path}.segment", f"A segment reference needs the slug of a segment; got {_describe(slug)}.",
                       slug)
            return
        self.references.append((slug, f"{path}.segment", object_type))

    def check_references(self, segments, own_slug, rule):
        graph = {slug: segment_references(info.rule) for slug, info in segments.items()}
        if own_slug is not None:
            graph[own_slug] = segment_references(rule)
        for slug, path, object_type in self.references:
            if slug == own_slug:
                self.error(path, f"The segment references itself: {slug} -> {slug}. A segment cannot depend on "
                                 "itself.", slug)
                continue
            info = segments.get(slug)
            if info is None:
                self.error(path, f"Segment {_describe(slug)} not found. Reference an existing segment by its slug.",
                           slug)
                continue
            if info.object_type != object_type:
                self.error(
                    path,
                    f"Segment {_describe(slug)} is a segment of {info.object_type}, but this condition is on "
                    f"{object_type}. Reference a segment of {object_type}.",
                    slug,
                )
                continue
            if info.status == "retired":
                self.error(path, f"Segment {_describe(slug)} is retired and has no members. Reference an active or "
                                 "draft segment.", slug)
                continue
            cycle = _find_cycle(graph, slug, own_slug)
            if cycle:
                self.error(path, "The segment reference makes a cycle: " + " -> ".join(cycle) +
                                 ". A segment cannot depend on itself.", slug)


def _find_cycle(graph, start, own_slug):
    """Return the first cycle reachable from start as a list of slugs, or None.

    With own_slug given, the cycle is reported starting from it.
    """
    path = [own_slug] if own_slug is not None else []
    on_path = set(path)
    visited = set()

    def visit(slug):
        if slug in on_path:
            index = path.index(slug)
            return path[index:] + [slug]
        if slug in visited or slug not in graph:
            return None
        visited.add(slug)
        path.append(slug)
        on_path.add(slug)
        for child in graph[slug]:
            cycle = visit(child)
            if cycle:
                return cycle
        path.pop()
        on_path.discard(slug)
        return None

    return visit(start)
