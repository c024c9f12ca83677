"""Bulk upsert through the API: JSON records in, one result per record out.

The records go through the same set-based upsert as file imports
(accounts.importing.upsert). This module only turns JSON values into the
typed values that upsert expects and its outcome into the API's response,
so imports and the API match records and report rejects the same way.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import exceptions, serializers, status

from accounts.importing.upsert import (
    CREATED,
    ENTITIES,
    REJECTED,
    UNCHANGED,
    UPDATED,
    ConcurrentWriteError,
    upsert_records,
)
from accounts.models import DEFAULT_SOURCE

from .serializers import ACCOUNT_DERIVED_FIELDS, clean_domain

ERROR = "error"
STATUS_BY_OUTCOME = {CREATED: CREATED, UPDATED: UPDATED, UNCHANGED: UNCHANGED, REJECTED: ERROR}
UPPER_CASE_FIELDS = {"country", "currency"}
DOMAIN_FIELDS = {"domain", "parent_domain", "account_domain"}
REFERENCE_FIELDS = {
    "parent_reference": ("parent_external_id", "parent_domain"),
    "account_reference": ("account_external_id", "account_domain"),
    "contact_reference": ("contact_external_id", "contact_email"),
}


class BulkRequestSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.JSONField(),
        help_text="Records under the public field names, keyed by external_id (or domain for accounts and email "
        "for contacts when a record has no external id).",
    )

    def validate_records(self, records):
        limit = settings.API_BULK_MAX_RECORDS
        if not records or len(records) > limit:
            raise serializers.ValidationError(
                f"Send from 1 to {limit:,} records in one request; this request has {len(records):,}."
            )
        return records


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the record in the request, from 0.")
    status = serializers.ChoiceField(choices=[CREATED, UPDATED, UNCHANGED, ERROR])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages by field; empty unless status is error."
    )


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Records by status.")


class ConcurrentWrite(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@dataclass
class BulkOutcome:
    body: dict
    status_code: int
    record_ids: list


def accepted_fields(kind) -> dict:
    """Return {field name: model field or None for a reference} that records of this kind may set."""
    config = ENTITIES[kind]
    meta = config.model._meta
    fields = {name: meta.get_field(name) for name in (*config.fields, "external_id")}
    for flag, names in REFERENCE_FIELDS.items():
        if getattr(config, flag):
            fields.update(dict.fromkeys(names))
    if config.owner:
        fields["owner"] = None
    return fields


def typed_value(name, model_field, value):
    """Convert one JSON value to what the upsert expects, or raise ValueError with the reason."""
    if value is None:
        return None
    if model_field is None or isinstance(model_field, models.CharField):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string.")
        if "\x00" in value:
            raise ValueError(f"{name} contains a NUL (0x00) character, which text cannot hold.")
        if name in DOMAIN_FIELDS:
            return clean_domain(value) if value.strip() else None
        return value.upper() if name in UPPER_CASE_FIELDS else value
    if isinstance(model_field, models.JSONField):
        expected = dict if isinstance(model_field.get_default(), dict) else list
        if not isinstance(value, expected):
            raise ValueError(f"{name} must be a JSON {'object' if expected is dict else 'array'}.")
        return value
    if isinstance(model_field, models.DecimalField):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{name} must be a number.")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, such as 1200000.50.") from None
    if isinstance(model_field, (models.IntegerField, models.PositiveSmallIntegerField)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number.")
        return value
    if isinstance(model_field, models.DateTimeField):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError(f"{name} must be an ISO 8601 date and time, such as 2026-03-01T14:30:00Z.")
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    if isinstance(model_field, models.DateField):
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError(f"{name} must be an ISO 8601 date, such as 2026-03-01.")
        return parsed
    return value


def typed_rows(kind, records):
    """Return (rows for the upsert, {index: {field: [message]}} for records that fail before it)."""
    fields = accepted_fields(kind)
    rows, errors = [], {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            errors[index] = {"non_field_errors": ["Each record must be a JSON object."]}
            continue
        row, record_errors = {"line": index + 1}, {}
        for name, value in record.items():
            if name not in fields:
                record_errors[name] = [unknown_field_message(name, fields)]
                continue
            try:
                row[name] = typed_value(name, fields[name], value)
            except (ValueError, TypeError) as error:
                record_errors[name] = [str(error)]
        if record_errors:
            errors[index] = record_errors
        else:
            rows.append(row)
    return rows, errors


def unknown_field_message(name, fields):
    if name in ACCOUNT_DERIVED_FIELDS:
        return f"{name} is computed by Tierline's recompute and cannot be written."
    return f"Unknown field {name!r}: use one of {', '.join(sorted(fields))}."


def resolve_owners(rows):
    """Replace owner user names by user ids; return {index: errors} for names no user has."""
    names = {row["owner"] for row in rows if row.get("owner")}
    if not names:
        return {}
    ids = dict(get_user_model().objects.filter(username__in=names).values_list("username", "pk"))
    errors = {}
    for row in rows:
        name = row.get("owner")
        if name and name not in ids:
            errors[row["line"] - 1] = {"owner": [f"No user is named {name!r}: give an existing user name or leave owner out."]}
        elif name:
            row["owner"] = ids[name]
    return errors


def bulk_upsert(*, kind, records, source=DEFAULT_SOURCE, dry_run=False) -> BulkOutcome:
    """Upsert records of one kind and describe each record's result, in request order."""
    rows, errors = typed_rows(kind, records)
    errors.update(resolve_owners(rows))
    rows = [row for row in rows if row["line"] - 1 not in errors]

    outcomes = {}
    if rows:
        try:
            result = upsert_records(kind=kind, rows=rows, source=source, dry_run=dry_run)
        except ConcurrentWriteError as error:
            raise ConcurrentWrite(f"{error} Retry the request; with the same Idempotency-Key it applies once.") from None
        for line, outcome, record_id in result.rows[["line", "outcome", "id"]].itertuples(index=False, name=None):
            outcomes[int(line) - 1] = (outcome, None if pd.isna(record_id) else int(record_id))
        for issue in result.issues:
            errors.setdefault(issue.line - 1, {}).setdefault(issue.column, []).append(issue.reason)

    results = []
    for index in range(len(records)):
        outcome, record_id = outcomes.get(index, (REJECTED, None))
        if index in errors:
            outcome, record_id = REJECTED, None
        results.append(
            {"index": index, "status": STATUS_BY_OUTCOME[outcome], "id": record_id, "errors": errors.get(index, {})}
        )
    counts = {name: 0 for name in (CREATED, UPDATED, UNCHANGED, ERROR)}
    for item in results:
        counts[item["status"]] += 1
    written = [item["id"] for item in results if item["status"] in (CREATED, UPDATED)]
    status_code = status.HTTP_207_MULTI_STATUS if counts[ERROR] else status.HTTP_200_OK
    return BulkOutcome({"results": results, "counts": counts}, status_code, [] if dry_run else written)
