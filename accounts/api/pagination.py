"""Keyset (cursor) pagination shared by every list endpoint of the API.

A cursor carries the ordering and the ordering values of the last row of a
page, and the next page is the rows strictly after those values. Unlike an
offset, the cost of a page does not grow with its depth, and rows written
between two requests never make a client skip or repeat a row. Every
ordering ends with the primary key, so positions are unique.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"
MAX_PAGE_SIZE = 1000
INVALID_CURSOR = "Invalid cursor: pass the next_cursor value of the previous page unchanged, with the same ordering."
NOTHING = Q(pk__in=[])
MAX_INTEGER = 2**63 - 1


@dataclass(frozen=True)
class OrderingTerm:
    field: str
    descending: bool
    nullable: bool

    @property
    def name(self):
        return f"-{self.field}" if self.descending else self.field

    def order_expression(self):
        expression = F(self.field)
        return expression.desc(nulls_last=True) if self.descending else expression.asc(nulls_last=True)


def encode_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> dict:
    try:
        padded = text + "=" * (-len(text) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]}) from None
    if not isinstance(payload, dict):
        raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]})
    return payload


def json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows_after(terms: list[OrderingTerm], values: list) -> Q:
    """Build the condition "the row sorts after `values`" for NULLS LAST ordering."""
    condition = NOTHING
    equal_so_far = Q()
    for term, value in zip(terms, values):
        if value is None:
            # Nothing sorts after NULL in NULLS LAST order, except rows equal so far.
            strictly_after = NOTHING
            equal = Q(**{f"{term.field}__isnull": True})
        else:
            strictly_after = Q(**{f"{term.field}__{'lt' if term.descending else 'gt'}": value})
            if term.nullable:
                strictly_after |= Q(**{f"{term.field}__isnull": True})
            equal = Q(**{term.field: value})
        condition |= equal_so_far & strictly_after
        equal_so_far &= equal
    return condition


class KeysetPagination(BasePagination):
    """Forward cursor pagination: `?cursor=...&page_size=N` (1 to 1000, default 100)."""

    cursor_query_param = CURSOR_PARAM
    page_size_query_param = PAGE_SIZE_PARAM

    def __init__(self):
        self.next_cursor = None
        self.request = None

    def page_size(self, request):
        raw = request.query_params.get(PAGE_SIZE_PARAM)
        if raw in (None, ""):
            return settings.REST_FRAMEWORK.get("PAGE_SIZE", 100)
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({PAGE_SIZE_PARAM: [f"Invalid page size {raw!r}: use a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return size

    def ordering_terms(self, request, queryset, view) -> list[OrderingTerm]:
        names = OrderingFilter().get_ordering(request, queryset, view) or ["pk"]
        model = queryset.model
        terms = []
        for name in names:
            field_name = name.lstrip("-")
            if field_name == "pk":
                field_name = model._meta.pk.name
            field = model._meta.get_field(field_name)
            terms.append(OrderingTerm(field.attname, name.startswith("-"), field.null))
        pk_name = model._meta.pk.attname
        if all(term.field != pk_name for term in terms):
            terms.append(OrderingTerm(pk_name, terms[-1].descending if terms else False, False))
        return terms

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.page_size(request)
        terms = self.ordering_terms(request, queryset, view)
        ordering = [term.name for term in terms]

        raw_cursor = request.query_params.get(CURSOR_PARAM)
        if raw_cursor:
            cursor = decode_cursor(raw_cursor)
            values = cursor.get("v")
            if cursor.get("o") != ordering or not isinstance(values, list) or len(values) != len(terms):
                raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]})
            if any(isinstance(value, (dict, list)) or (isinstance(value, int) and abs(value) > MAX_INTEGER) for value in values):
                raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]})
            try:
                queryset = queryset.filter(rows_after(terms, values))
            except (ValueError, TypeError, DjangoValidationError):
                raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]}) from None

        queryset = queryset.order_by(*[term.order_expression() for term in terms])
        rows = list(queryset[: size + 1])
        page = rows[:size]
        self.next_cursor = None
        if len(rows) > size:
            last = page[-1]
            values = [json_value(getattr(last, term.field)) for term in terms]
            self.next_cursor = encode_cursor({"o": ordering, "v": values})
        return page

    def next_link(self):
        if self.next_cursor is None:
            return None
        params = self.request.query_params.copy()
        params[CURSOR_PARAM] = self.next_cursor
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)

    def get_paginated_response(self, data):
        return Response({"next": self.next_link(), "next_cursor": self.next_cursor, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "next_cursor", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri", "description": "URL of the next page, or null on the last page."},
                "next_cursor": {"type": "string", "nullable": True, "description": "Pass as ?cursor= to read the next page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "The next_cursor of the previous page; omit for the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": PAGE_SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": f"Records a page, from 1 to {MAX_PAGE_SIZE}; default 100.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
