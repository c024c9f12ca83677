"""Import of the figures CAC needs: spend by segment or program, and exchange rates.

Files are read and cells parsed with the accounts app's import helpers, so
amounts such as "$12,500" or "€5k" and dates in ISO or with month names read
the same as in record imports. A row that fails is reported with its line,
column, value and reason, and does not stop the valid rows from importing. Valid rows are
upserted in one transaction: spend by (month, segment or program, currency),
rates by (currency, valid_from).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from accounts.importing.reading import read_table
from accounts.importing.values import InvalidValue, is_currency_code, is_missing, parse_datetime, parse_money
from segmentation.models import Segment

from .models import ExchangeRate, Spend

SPEND_COLUMNS = ("month", "segment", "program", "amount", "currency", "description")
RATE_COLUMNS = ("currency", "valid_from", "rate")
MONTH_ONLY = re.compile(r"^(\d{4})-(\d{1,2})$")


class ImportFileError(ValueError):
    """A file that cannot be imported at all: unreadable, or missing a required column."""


@dataclass
class ImportSummary:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list = field(default_factory=list)  # (line, column, value, reason)

    @property
    def rejected(self):
        return len({line for line, *_ in self.rejects})

    def as_dict(self):
        return {"rows_read": self.rows_read, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected}


class _RowError(Exception):
    def __init__(self, column, value, reason):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _month(text):
    """Read "2024-03", "2024-03-01" or "March 2024" as the first day of that month."""
    match = MONTH_ONLY.match(text.strip())
    if match:
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidValue(f"'{text}' is not a month: {month} is not from 1 to 12.")
        return date(year, month, 1)
    return parse_datetime(text).date().replace(day=1)


def _amount(text, column, *, positive=False):
    try:
        value, currency, _ = parse_money(text)
    except InvalidValue as error:
        raise _RowError(column, text, str(error)) from None
    if value < 0 or (positive and value == 0):
        raise _RowError(column, text, f"{column} must be {'greater than zero' if positive else 'zero or more'}.")
    return value, currency


def _currency(text, column, symbol_currency, default):
    code = text.strip().upper() if not is_missing(text) else (symbol_currency or default)
    if not code or not is_currency_code(code):
        raise _RowError(column, text, "Currency must be an ISO 4217 code such as USD or EUR.")
    if symbol_currency and code != symbol_currency:
        raise _RowError(column, text, f"The amount is in {symbol_currency} but the row's currency is {code}; make them agree.")
    return code


def _read(content, required, known):
    table = read_table(content)
    frame = table.frame.rename(columns=lambda header: header.strip().lower().replace(" ", "_"))
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ImportFileError(f"The file has no {', '.join(missing)} column; the columns are: {', '.join(known)}.")
    return frame, table.lines


def spend_import(*, content, default_currency="USD", source="csv"):
    """Upsert spend rows from CSV bytes with the columns month, segment or program, amount, currency, description."""
    frame, lines = _read(content, ("month", "amount"), SPEND_COLUMNS)
    if "segment" not in frame.columns and "program" not in frame.columns:
        raise ImportFileError("The file needs a segment column (segment slugs) or a program column (play slugs or campaign names).")
    segments = {segment.slug: segment.pk for segment in Segment.objects.only("pk", "slug")}
    summary = ImportSummary(rows_read=len(frame))
    parsed = {}
    for index, row in frame.iterrows():
        line = int(lines[index])
        try:
            record = _spend_row(row, segments, default_currency)
        except _RowError as error:
            summary.rejects.append((line, error.column, error.value, error.reason))
            continue
        key = (record["month"], record["segment_id"], record["program"], record["currency"])
        if key in parsed:
            summary.rejects.append((line, "month", row.get("month", ""), f"Line {parsed[key][0]} has the same month, "
                                    "segment or program and currency; merge the two rows."))
            continue
        parsed[key] = (line, record)
    _spend_write([record for _, record in parsed.values()], summary, source)
    return summary


def _spend_row(row, segments, default_currency):
    month_text = row.get("month", "")
    if is_missing(month_text):
        raise _RowError("month", month_text, "The month is missing; use YYYY-MM.")
    try:
        month = _month(month_text)
    except InvalidValue as error:
        raise _RowError("month", month_text, str(error)) from None
    slug = "" if is_missing(row.get("segment")) else row.get("segment").strip()
    program = "" if is_missing(row.get("program")) else row.get("program").strip()
    if bool(slug) == bool(program):
        raise _RowError("segment", slug or program, "Give either a segment slug or a program, not both and not neither.")
    if slug and slug not in segments:
        raise _RowError("segment", slug, f"No segment has the slug '{slug}'; check the spelling or create the segment first.")
    if len(program) > Spend._meta.get_field("program").max_length:
        raise _RowError("program", program, "The program name is longer than 64 characters; shorten it.")
    amount, symbol_currency = _amount(row.get("amount", ""), "amount")
    currency = _currency(row.get("currency", ""), "currency", symbol_currency, default_currency)
    description = "" if is_missing(row.get("description")) else row.get("description").strip()[:255]
    return {"month": month, "segment_id": segments.get(slug), "program": program, "amount": amount,
            "currency": currency, "description": description}


def _spend_write(records, summary, source):
    if not records:
        return
    with transaction.atomic():
        keys = Q()
        for record in records:
            keys |= Q(month=record["month"], segment_id=record["segment_id"], program=record["program"],
                      currency=record["currency"])
        existing = {(spend.month, spend.segment_id, spend.program, spend.currency): spend
                    for spend in Spend.objects.select_for_update().filter(keys)}
        changed, new = [], []
        for record in records:
            current = existing.get((record["month"], record["segment_id"], record["program"], record["currency"]))
            if current is None:
                new.append(Spend(source=source, **record))
            elif current.amount != record["amount"] or current.description != record["description"]:
                current.amount, current.description, current.source = record["amount"], record["description"], source
                changed.append(current)
            else:
                summary.unchanged += 1
        Spend.objects.bulk_create(new)
        Spend.objects.bulk_update(changed, ["amount", "description", "source", "updated_at"])
        summary.created, summary.updated = len(new), len(changed)


def exchange_rate_import(*, content):
    """Upsert exchange rates from CSV bytes with the columns currency, valid_from and rate."""
    frame, lines = _read(content, RATE_COLUMNS, RATE_COLUMNS)
    summary = ImportSummary(rows_read=len(frame))
    parsed = {}
    for index, row in frame.iterrows():
        line = int(lines[index])
        try:
            currency = _currency(row["currency"], "currency", None, None)
            if is_missing(row["valid_from"]):
                raise _RowError("valid_from", row["valid_from"], "The date the rate applies from is missing.")
            try:
                valid_from = parse_datetime(row["valid_from"]).date()
            except InvalidValue as error:
                raise _RowError("valid_from", row["valid_from"], str(error)) from None
            rate, _ = _amount(row["rate"], "rate", positive=True)
        except _RowError as error:
            summary.rejects.append((line, error.column, error.value, error.reason))
            continue
        if (currency, valid_from) in parsed:
            summary.rejects.append((line, "valid_from", row["valid_from"],
                                    f"Line {parsed[(currency, valid_from)][0]} has the same currency and date."))
            continue
        parsed[(currency, valid_from)] = (line, Decimal(rate))
    with transaction.atomic():
        keys = Q(pk__in=[])
        for currency, valid_from in parsed:
            keys |= Q(currency=currency, valid_from=valid_from)
        existing = {(rate.currency, rate.valid_from): rate for rate in ExchangeRate.objects.select_for_update().filter(keys)}
        new, changed = [], []
        for (currency, valid_from), (_, rate) in parsed.items():
            current = existing.get((currency, valid_from))
            if current is None:
                new.append(ExchangeRate(currency=currency, valid_from=valid_from, rate=rate))
            elif current.rate != rate:
                current.rate = rate
                changed.append(current)
            else:
                summary.unchanged += 1
        ExchangeRate.objects.bulk_create(new)
        ExchangeRate.objects.bulk_update(changed, ["rate"])
        summary.created, summary.updated = len(new), len(changed)
    return summary
