"""The reference evaluator: the rule semantics in plain Python.

It evaluates a rule over one in-memory record and defines what the SQL
compiler must produce. The property tests check that both select the same
records.
It shares the field registry (names, types, relations) with the compiler
but none of the comparison logic.

A record is a dict keyed by public field names. Missing keys count as
missing values. An account record may also hold lists of related records
under "contacts", "events", "intent" and "opportunities", and a contact
record its account under "account" and its events under "events". The slugs
of the segments a record is currently a member of go under "segments".
Timestamps are timezone-aware datetimes; opportunity dates are dates.

The semantics, node by node:

- all / any / not are AND, OR and NOT over conditions that are always true
  or false, never unknown.
- Text (and choice) comparisons ignore case and surrounding white space. A
  text value that is missing, empty or only white space is missing.
- A positive comparison with a missing value is false. is_empty is true for
  a missing value (and for a tags value with no non-blank tag). The negative
  operators (neq, not_in, not_contains, none_of, is_not_empty) are the exact
  complements of eq, in, contains, any_of and is_empty.
- Dates compare as calendar dates in settings.TIME_ZONE. "within the last D
  days" is true for a time on one of the D calendar days ending today (the
  local date of now), not later than now; today is the value "today".
- A related quantifier counts the related records that match "where" and,
  with within_days, whose date falls within the last within_days days; then
  it compares the count with "count" by "op" (default: at least 1).
- {"segment": slug} is true when slug is in the record's "segments".
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from .registry import BOOLEAN, CHOICE, DATE, MONEY, NUMBER, TAGS, TEXT, get_field, get_relation

_BLANKS = " \t\n\r\x0b\x0c"


def evaluate_rule(rule, record, *, now, object_type="accounts"):
    """Return whether record matches rule at time now. The rule must be valid."""
    return _Evaluator(now).evaluate(rule, record, object_type)


def explain_record(rule, record, *, now, object_type="accounts"):
    """Return the evaluation of every node of rule for record, as a tree of dicts."""
    return _Evaluator(now).explain(rule, record, object_type, "$")


def _text(value):
    """Return a text value stripped and in lower case, or None when it is missing or blank."""
    if not isinstance(value, str):
        return None
    stripped = value.strip(_BLANKS).lower()
    return stripped or None


def _tags(value):
    if not isinstance(value, list):
        return set()
    return {tag for tag in (_text(item) for item in value if isinstance(item, str)) if tag is not None}


class _Evaluator:
    def __init__(self, now):
        self.now = now
        self.tz = timezone.get_default_timezone()
        self.today = now.astimezone(self.tz).date()

    def evaluate(self, node, record, object_type):
        if "all" in node:
            return all(self.evaluate(child, record, object_type) for child in node["all"])
        if "any" in node:
            return any(self.evaluate(child, record, object_type) for child in node["any"])
        if "not" in node:
            return not self.evaluate(node["not"], record, object_type)
        if "segment" in node:
            return node["segment"] in (record.get("segments") or ())
        if "related" in node:
            return self.related_result(node, self.count_related(node, record, object_type))
        field = get_field(object_type, node["field"])
        return self.condition(field, node["op"], node.get("value"), self.actual(field, record))

    def explain(self, node, record, object_type, path):
        if "all" in node or "any" in node:
            kind = "all" if "all" in node else "any"
            children = [
                self.explain(child, record, object_type, f"{path}.{kind}[{index}]")
                for index, child in enumerate(node[kind])
            ]
            results = [child["result"] for child in children]
            result = all(results) if kind == "all" else any(results)
            return {"path": path, "kind": kind, "result": result, "children": children}
        if "not" in node:
            child = self.explain(node["not"], record, object_type, f"{path}.not")
            return {"path": path, "kind": "not", "result": not child["result"], "children": [child]}
        if "segment" in node:
            return {
                "path": path,
                "kind": "segment",
                "segment": node["segment"],
                "result": self.evaluate(node, record, object_type),
            }
        if "related" in node:
            matched = self.count_related(node, record, object_type)
            explained = {
                "path": path,
                "kind": "related",
                "related": node["related"],
                "op": node.get("op", "gte"),
                "count": node.get("count", 1),
                "matched": matched,
                "result": self.related_result(node, matched),
            }
            if "within_days" in node:
                explained["within_days"] = node["within_days"]
            if "where" in node:
                explained["where"] = node["where"]
            return explained
        field = get_field(object_type, node["field"])
        actual = self.actual(field, record)
        return {
            "path": path,
            "kind": "condition",
            "field": field.name,
            "label": field.label,
            "op": node["op"],
            "value": node.get("value"),
            "actual": _jsonable(actual, self.tz),
            "result": self.condition(field, node["op"], node.get("value"), actual),
        }

    @staticmethod
    def actual(field, record):
        if field.json_key:
            extra = record.get("extra")
            value = extra.get(field.json_key) if isinstance(extra, dict) else None
            return value if isinstance(value, str) else None
        return record.get(field.name)

    # Conditions

    def condition(self, field, op, value, actual):
        if op == "is_empty":
            return self.is_empty(field, actual)
        if op == "is_not_empty":
            return not self.is_empty(field, actual)
        if op in ("neq", "not_in", "not_contains", "none_of"):
            positive = {"neq": "eq", "not_in": "in", "not_contains": "contains", "none_of": "any_of"}[op]
            return not self.condition(field, positive, value, actual)
        if field.type == TAGS:
            tags = _tags(actual)
            wanted = {_text(item) for item in value}
            if op == "any_of":
                return bool(tags & wanted)
            return wanted <= tags
        if field.type in (TEXT, CHOICE):
            return self.text_condition(field, op, value, actual)
        if field.type in (NUMBER, MONEY):
            return self.number_condition(field, op, value, actual)
        if field.type == DATE:
            return self.date_condition(field, op, value, actual)
        if field.type == BOOLEAN:
            return actual is not None and actual == value
        raise ValueError(f"unknown field type {field.type}")

    @staticmethod
    def is_empty(field, actual):
        if field.type == TAGS:
            return not _tags(actual)
        if isinstance(actual, str):
            return _text(actual) is None
        return actual is None

    @staticmethod
    def text_condition(field, op, value, actual):
        if isinstance(actual, int) and not isinstance(actual, bool):
            # An integer choice, such as the ICP tier.
            candidates = value if op == "in" else [value]
            return op in ("eq", "in") and actual in candidates
        text = _text(actual)
        if text is None:
            return False
        if op == "eq":
            return text == _text(value)
        if op == "in":
            return text in {_text(item) for item in value}
        if op == "contains":
            return _text(value) in text
        if op == "starts_with":
            return text.startswith(_text(value))
        raise ValueError(f"unknown text operator {op}")

    @staticmethod
    def number_condition(field, op, value, actual):
        if actual is None:
            return False

        def number(item):
            return Decimal(str(item)) if field.type == MONEY else item

        if field.type == MONEY:
            actual = Decimal(actual)
        if op == "between":
            return number(value[0]) <= actual <= number(value[1])
        if op == "in":
            return any(actual == number(item) for item in value)
        target = number(value)
        return {
            "eq": actual == target,
            "gt": actual > target,
            "gte": actual >= target,
            "lt": actual < target,
            "lte": actual <= target,
        }[op]

    def day(self, value):
        return self.today if value == "today" else date.fromisoformat(value)

    def local_date(self, actual):
        if isinstance(actual, datetime):
            return actual.astimezone(self.tz).date()
        return actual

    def date_condition(self, field, op, value, actual):
        if actual is None:
            return False
        if op == "within_last_days":
            return self.within_days(actual, value)
        day = self.local_date(actual)
        if op == "eq":
            return day == self.day(value)
        if op == "before":
            return day < self.day(value)
        if op == "after":
            return day > self.day(value)
        if op == "between":
            return self.day(value[0]) <= day <= self.day(value[1])
        raise ValueError(f"unknown date operator {op}")

    def within_days(self, actual, days):
        if actual is None:
            return False
        first_day = self.today - timedelta(days=days - 1)
        if isinstance(actual, datetime):
            return actual <= self.now and self.local_date(actual) >= first_day
        return first_day <= actual <= self.today

    # Related records

    def count_related(self, node, record, object_type):
        relation = get_relation(object_type, node["related"])
        related = record.get(relation.name)
        if related is None:
            related = []
        elif isinstance(related, dict):
            related = [related]
        where = node.get("where")
        days = node.get("within_days")
        matched = 0
        for item in related:
            if days is not None:
                moment = next((item.get(column) for column in relation.time_columns if item.get(column) is not None),
                              None)
                if not self.within_days(moment, days):
                    continue
            if where is not None and not self.evaluate(where, item, relation.target):
                continue
            matched += 1
        return matched

    @staticmethod
    def related_result(node, matched):
        count = node.get("count", 1)
        return {
            "eq": matched == count,
            "neq": matched != count,
            "gt": matched > count,
            "gte": matched >= count,
            "lt": matched < count,
            "lte": matched <= count,
        }[node.get("op", "gte")]


def _jsonable(value, tz):
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
