"""The rule compiler: a validated rule tree to one Django Q object.

The Q filters the object's model (Account for "accounts", Contact for
"contacts") in a single SQL query: related records become EXISTS
subqueries and segment references become EXISTS over current memberships.

Every condition compiles to SQL that is never NULL, because a nullable
column is guarded with IS NOT NULL wherever a comparison could see it. That
is what makes NOT, and the negative operators compiled as NOT, the exact
complement the rule semantics require: they include missing values.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils import timezone

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity

from .errors import RuleError, RuleValidationError
from .expressions import JsonText, NormalizedText, TagsMatch
from .registry import BOOLEAN, CHOICE, DATE, MONEY, NEGATIONS, NUMBER, TAGS, TEXT, get_field, get_relation
from .validation import segment_references, validate_rule
from .values import normalize_text, resolve_date

MODELS = {
    "accounts": Account,
    "contacts": Contact,
    "events": EngagementEvent,
    "intent": IntentSignal,
    "opportunities": Opportunity,
}

# The membership column that stores the record, for each segment object type.
MEMBERSHIP_COLUMNS = {"accounts": "account_id", "contacts": "contact_id"}

# Always true and always false, in a form Django simplifies inside AND, OR and NOT.
TRUE = ~Q(pk__in=[])
FALSE = Q(pk__in=[])

COMPARISONS = {
    "eq": Exact,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
}


def compile_rule(rule, *, object_type="accounts", now=None):
    """Compile rule to a Q for MODELS[object_type].objects.filter().

    now is the evaluation time (timezone-aware, default the current time):
    "within the last D days" and "today" are calendar days in
    settings.TIME_ZONE ending at now. Raises RuleValidationError when the
    rule is invalid.
    """
    errors = validate_rule(rule, object_type=object_type)
    if errors:
        raise RuleValidationError(errors)
    if now is None:
        now = timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return _Compiler(now, _segment_ids(rule)).compile(rule, object_type)


def matching_queryset(rule, *, object_type="accounts", now=None):
    """Return the unordered queryset of the records that match rule."""
    model = MODELS[object_type]
    return model.objects.filter(compile_rule(rule, object_type=object_type, now=now)).order_by()


def _segment_ids(rule):
    slugs = set(segment_references(rule))
    if not slugs:
        return {}
    from ..models import Segment

    return dict(Segment.objects.filter(slug__in=slugs).values_list("slug", "id"))


def start_of_day(day, tz):
    """Return the first instant of a calendar day in a time zone, as an aware datetime.

    A midnight skipped by a daylight saving change resolves, with fold=0, to
    the first instant that exists on that day.
    """
    return datetime.combine(day, time.min).replace(tzinfo=tz, fold=0)


class _Compiler:
    def __init__(self, now, segment_ids):
        self.now = now
        self.tz = timezone.get_default_timezone()
        self.today = now.astimezone(self.tz).date()
        self.segment_ids = segment_ids

    def compile(self, node, object_type):
        if "all" in node:
            combined = TRUE
            for index, child in enumerate(node["all"]):
                compiled = self.compile(child, object_type)
                combined = compiled if index == 0 else combined & compiled
            return combined
        if "any" in node:
            combined = FALSE
            for index, child in enumerate(node["any"]):
                compiled = self.compile(child, object_type)
                combined = compiled if index == 0 else combined | compiled
            return combined
        if "not" in node:
            return ~self.compile(node["not"], object_type)
        if "related" in node:
            return self.related(node, object_type)
        if "segment" in node:
            return self.segment(node["segment"], object_type)
        return self.condition(node, object_type)

    # Conditions on fields

    def condition(self, node, object_type):
        field = get_field(object_type, node["field"])
        op = node["op"]
        if op in NEGATIONS:
            return ~self.positive(field, NEGATIONS[op], node.get("value"), object_type)
        return self.positive(field, op, node.get("value"), object_type)

    def positive(self, field, op, value, object_type):
        expression = self.column(field, object_type)
        if op == "is_empty":
            return self.is_empty(field, expression)
        if field.type == TAGS:
            return self.tags(expression, op, value)
        if field.type in (TEXT, CHOICE):
            compiled = self.text(field, expression, op, value)
        elif field.type in (NUMBER, MONEY):
            compiled = self.number(field, expression, op, value)
        elif field.type == DATE:
            compiled = self.date(field, expression, op, value)
        elif field.type == BOOLEAN:
            compiled = Q(Exact(expression, Value(value)))
        else:
            raise ValueError(f"no compiler for field type {field.type}")
        if field.nullable:
            compiled = Q(IsNull(expression, False)) & compiled
        return compiled

    def column(self, field, object_type):
        if field.json_key:
            return JsonText(F(field.column), field.json_key)
        if "__" in field.column:
            # A value on a row the object points to, such as the owner's user
            # name. A scalar subquery keeps it NULL when the pointer is empty,
            # where a join could drop the row.
            foreign_key, target = field.column.split("__", 1)
            related_model = MODELS[object_type]._meta.get_field(foreign_key).related_model
            return Subquery(
                related_model.objects.filter(pk=OuterRef(f"{foreign_key}_id")).order_by().values(target)[:1]
            )
        return F(field.column)

    def is_empty(self, field, expression):
        if field.type == TAGS:
            return Q(TagsMatch(expression, "empty"))
        if field.type in (TEXT, CHOICE) and not (field.choices and isinstance(field.choices[0], int)):
            blank = Q(Exact(expression, "")) if field.canonical else Q(Exact(NormalizedText(expression), ""))
            return Q(IsNull(expression, True)) | blank if field.nullable else blank
        if field.nullable:
            return Q(IsNull(expression, True))
        return FALSE

    def text(self, field, expression, op, value):
        values = value if op == "in" else [value]
        if field.choices and isinstance(field.choices[0], int):
            targets = [int(item) for item in values]
        elif field.canonical:
            targets = [_canonical(field, item) for item in values]
        else:
            expression = NormalizedText(expression)
            targets = [normalize_text(item) for item in values]
        if op == "eq":
            return Q(Exact(expression, targets[0]))
        if op == "in":
            return Q(In(expression, sorted(set(targets))))
        if field.canonical:
            expression = NormalizedText(expression)
            targets = [normalize_text(item) for item in values]
        if op == "contains":
            return Q(Contains(expression, targets[0]))
        if op == "starts_with":
            return Q(StartsWith(expression, targets[0]))
        raise ValueError(f"no text compiler for operator {op}")

    def number(self, field, expression, op, value):
        if op == "between":
            low, high = (self.number_value(field, bound) for bound in value)
            return Q(GreaterThanOrEqual(expression, low)) & Q(LessThanOrEqual(expression, high))
        if op == "in":
            return Q(In(expression, [self.number_value(field, item) for item in value]))
        return Q(COMPARISONS[op](expression, self.number_value(field, value)))

    @staticmethod
    def number_value(field, value):
        # A bound Value keeps the number as given. A plain Python value would
        # be cast to the column's type first, which turns 10.5 into 10 for an
        # integer column.
        if field.type == MONEY:
            return Value(Decimal(str(value)), output_field=DecimalField())
        if isinstance(value, int):
            return Value(value, output_field=IntegerField())
        return Value(value, output_field=FloatField())

    def date(self, field, expression, op, value):
        if op == "within_last_days":
            first_day = self.today - timedelta(days=value - 1)
            if field.date_only:
                return Q(GreaterThanOrEqual(expression, first_day)) & Q(LessThanOrEqual(expression, self.today))
            return Q(GreaterThanOrEqual(expression, start_of_day(first_day, self.tz))) & Q(
                LessThanOrEqual(expression, self.now)
            )
        if op == "between":
            low, high = (resolve_date(bound, self.today) for bound in value)
        else:
            low = high = resolve_date(value, self.today)
        if field.date_only:
            ranges = {
                "eq": (low, high),
                "before": (None, low - timedelta(days=1)),
                "after": (high + timedelta(days=1), None),
                "between": (low, high),
            }
            first, last = ranges[op]
            compiled = TRUE
            if first is not None:
                compiled &= Q(GreaterThanOrEqual(expression, first))
            if last is not None:
                compiled &= Q(LessThanOrEqual(expression, last))
            return compiled
        # A timestamp is on a calendar day when it falls from that day's
        # first instant up to, not including, the next day's.
        ranges = {
            "eq": (low, high + timedelta(days=1)),
            "before": (None, low),
            "after": (high + timedelta(days=1), None),
            "between": (low, high + timedelta(days=1)),
        }
        first, end = ranges[op]
        compiled = TRUE
        if first is not None:
            compiled &= Q(GreaterThanOrEqual(expression, start_of_day(first, self.tz)))
        if end is not None:
            compiled &= Q(LessThan(expression, start_of_day(end, self.tz)))
        return compiled

    @staticmethod
    def tags(expression, op, value):
        if op == "any_of":
            return Q(TagsMatch(expression, "any", value))
        if op == "all_of":
            combined = TRUE
            for tag in sorted({normalize_text(item) for item in value}):
                combined &= Q(TagsMatch(expression, "any", [tag]))
            return combined
        raise ValueError(f"no tags compiler for operator {op}")

    # Related records and segments

    def related(self, node, object_type):
        relation = get_relation(object_type, node["related"])
        model = MODELS[relation.target]
        related = model.objects.filter(**{relation.inner_column: OuterRef(relation.outer_column)}).order_by()
        if "where" in node:
            related = related.filter(self.compile(node["where"], relation.target))
        if "within_days" in node:
            related = related.filter(self.window(relation, node["within_days"]))
        op = node.get("op", "gte")
        count = node.get("count", 1)

        def at_least(minimum):
            if minimum <= 0:
                return TRUE
            if minimum == 1:
                return Q(Exists(related))
            # OFFSET lets the database stop at the minimum-th match.
            return Q(Exists(related[minimum - 1:minimum]))

        if op == "gte":
            return at_least(count)
        if op == "gt":
            return at_least(count + 1)
        if op == "lt":
            return ~at_least(count)
        if op == "lte":
            return ~at_least(count + 1)
        exactly = at_least(count) & ~at_least(count + 1)
        return exactly if op == "eq" else ~exactly

    def window(self, relation, days):
        first_day = self.today - timedelta(days=days - 1)
        if relation.time_date_only:
            compiled = FALSE
            earlier_empty = Q()
            for column in relation.time_columns:
                in_window = Q(**{f"{column}__gte": first_day, f"{column}__lte": self.today})
                compiled |= earlier_empty & in_window
                earlier_empty &= Q(**{f"{column}__isnull": True})
            return compiled
        (column,) = relation.time_columns
        return Q(**{f"{column}__gte": start_of_day(first_day, self.tz), f"{column}__lte": self.now})

    def segment(self, slug, object_type):
        segment_id = self.segment_ids.get(slug)
        if segment_id is None:
            raise RuleValidationError([RuleError("$", f'Segment "{slug}" not found.', slug)])
        from ..models import SegmentMembership

        current = SegmentMembership.objects.filter(
            segment_id=segment_id, exited_at__isnull=True, **{MEMBERSHIP_COLUMNS[object_type]: OuterRef("pk")}
        ).order_by()
        return Q(Exists(current))


def _canonical(field, value):
    text = normalize_text(value)
    return text.upper() if field.canonical_case == "upper" else text
