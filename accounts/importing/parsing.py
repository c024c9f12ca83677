"""Turning a file's string cells into typed, normalized values, column by column.

Each column is parsed once per distinct value, so a file of 100,000 rows with
a few thousand distinct values costs a few thousand parser calls. A cell that
cannot be read rejects its row with the reason. A picklist value that has no
entry in its synonym table is kept as typed and listed in the report.
"""

import re
from dataclasses import dataclass, field
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import DEFAULT_SOURCE, ImportKind, SynonymKind

from .columns import resolve_columns
from .frames import NORMALIZED_DOMAIN, normalize_domains, object_map
from .normalize import SynonymTables
from .report import Issue, Outcome
from .schema import KINDS_WITH_EXTRA, TARGETS, Parse
from .values import (
    BOOLEAN_WORDS,
    MISSING_MARKER_LENGTH,
    CURRENCY_SYMBOLS,
    DAY_FIRST,
    UNITS,
    InvalidValue,
    infer_day_month_order,
    is_currency_code,
    is_missing,
    parse_boolean,
    parse_datetime,
    parse_employee_count,
    parse_money,
    parse_number,
)

MAX_MONEY = Decimal("9999999999999999.99")  # 18 digits with 2 decimals
CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")


@dataclass
class ImportOptions:
    """How to read one file. A mapping file may set any of these; command options override it."""

    source: str = DEFAULT_SOURCE
    mapping: dict = field(default_factory=dict)
    """{column header: target field, list of fields, "extra", "extra.KEY" or None}."""
    units: dict = field(default_factory=dict)
    """{field or column header: "dollars", "thousands", "millions" or "billions"} for money columns."""
    currency: str = "USD"
    """The currency of amounts in a file whose rows name none."""
    date_format: str | None = None
    decimal_comma: bool = False
    """Numbers are written 1.200.000,50: a comma before the decimals, dots or spaces between thousands."""
    encoding: str | None = None
    delimiter: str | None = None

    def as_dict(self):
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class PreparedRows:
    """A file's rows as typed values, ready for the upsert, with what went wrong on the way."""

    frame: pd.DataFrame
    """Column "line", one column per target field, and "extra" (a dict per row) where the kind has it."""
    rejected: pd.Series
    """True for rows that a cell rejected; the reasons are in issues."""
    issues: list
    notes: list
    unknown_values: dict
    """{field: {value as typed: number of rows}} for values without a synonym table entry."""
    plan: dict


class _Column:
    """Parsing state for one file column."""

    def __init__(self, prepared, header, series):
        self.prepared = prepared
        self.header = header
        self.series = series
        # Missing markers are short, so long values skip the check.
        missing_values = [value for value in series.unique() if len(value) <= MISSING_MARKER_LENGTH and is_missing(value)]
        self.missing = series.isin(missing_values)
        self.values = series.where(~self.missing)

    def map_distinct(self, parser):
        """Apply parser to each distinct present value; reject the rows whose value fails."""
        results, errors = {}, {}
        for value in self.values.dropna().unique():
            try:
                results[value] = parser(value.strip())
            except InvalidValue as error:
                errors[value] = str(error)
        if errors:
            self.reject(self.values.map(errors))
        return object_map(self.values, results)

    def reject(self, reasons, values=None):
        """Reject the rows where reasons is set; values gives the cell shown when it is not the raw text."""
        for index, reason in reasons.dropna().items():
            shown = self.series[index] if values is None else values[index]
            self.prepared.reject(index, self.header, shown, reason)


class FilePreparer:
    """Parse and normalize one file's DataFrame for one import kind."""

    def __init__(self, *, kind, table, lines, options, tables=None, progress=None):
        self.kind = ImportKind(kind)
        self.table = table
        self.lines = lines
        self.options = options
        self.tables = tables or SynonymTables()
        self.targets = TARGETS[self.kind]
        self.out = pd.DataFrame({"line": lines}, index=table.index)
        self.rejected = pd.Series(False, index=table.index)
        self.issues = []
        self.notes = []
        self.unknown_values = {}
        self.extra_columns = {}
        self.currencies = {}
        self.progress = progress or (lambda done, total: None)

    def reject(self, index, column, value, reason):
        self.rejected[index] = True
        self.issues.append(Issue(int(self.lines[index]), column, str(value), Outcome.REJECTED, reason))

    def prepare(self):
        plan = resolve_columns(self.kind, list(self.table.columns), self.options.mapping)
        for done, (header, names) in enumerate(plan.targets.items()):
            for name in names:
                self._parse_target(header, self.targets[name])
            self.progress(done + 1, len(plan.targets))
        if plan.unknown:
            kept = "kept as extra attributes" if self.kind in KINDS_WITH_EXTRA else "ignored"
            self.notes.append(f"Columns that match no field were {kept}: {', '.join(plan.unknown)}.")
        for header, key in plan.extra.items():
            self.extra_columns[key] = self._extra_values(header)
        self._finish_kind()
        if self.kind in KINDS_WITH_EXTRA:
            self.out["extra"] = self._extra_dicts()
        self.out = self.out.astype(object).where(self.out.notna(), None)
        return PreparedRows(
            frame=self.out,
            rejected=self.rejected,
            issues=self.issues,
            notes=self.notes,
            unknown_values=self.unknown_values,
            plan=plan.as_dict(),
        )

    # Columns, one parser per kind of field.

    def _parse_target(self, header, target):
        column = _Column(self, header, self.table[header])
        parse = target.parse
        if parse in (Parse.TEXT, Parse.EXTERNAL_ID, Parse.TITLE) or (parse == Parse.REFERENCE and not target.options):
            values = column.values.str.strip()
            if parse != Parse.EXTERNAL_ID:
                values = _collapse_spaces(values)
                self._report_mojibake(column, values)
            self._check_length(column, values, target)
        elif parse == Parse.REFERENCE and target.options.get("domain") or parse == Parse.DOMAIN:
            values = self._domains(column)
        elif parse == Parse.REFERENCE and target.options.get("email") or parse == Parse.EMAIL:
            values = column.map_distinct(_parse_email)
        elif parse in (Parse.INDUSTRY, Parse.COUNTRY, Parse.CHOICE):
            values = self._normalize(column, target)
        elif parse in (Parse.EMPLOYEES, Parse.EMPLOYEE_BAND):
            values = column.map_distinct(parse_employee_count)
        elif parse == Parse.MONEY:
            values = self._money(column, target)
        elif parse == Parse.CURRENCY:
            values = column.map_distinct(_parse_currency)
        elif parse == Parse.INTEGER:
            values = column.map_distinct(lambda text: _parse_integer(text, target, self.options.decimal_comma))
        elif parse in (Parse.DATE, Parse.DATETIME):
            values = self._dates(column, target)
        elif parse == Parse.BOOLEAN:
            values = column.map_distinct(parse_boolean)
        elif parse == Parse.LIST:
            values = column.map_distinct(_parse_list)
        elif parse == Parse.OWNER:
            values = self._owners(column)
        else:  # pragma: no cover - every Parse value is handled above
            raise ValueError(f"No parser for {parse}")

        if target.extra_key:
            self.extra_columns[target.extra_key] = values
        else:
            self.out[target.name] = values

    def _domains(self, column):
        values = normalize_domains(column.values)
        invalid = column.values.notna() & ~values.fillna("").str.fullmatch(NORMALIZED_DOMAIN.pattern).astype(bool)
        reasons = pd.Series(None, index=values.index, dtype=object)
        reasons[invalid] = [f"'{text.strip()}' is not a web domain such as example.com." for text in column.values[invalid]]
        column.reject(reasons)
        return values.where(~invalid, None)

    def _report_mojibake(self, column, values):
        """List text that was decoded twice somewhere upstream ("EstÃ©e" for "Estée"); it is kept as typed."""
        present = values.dropna()
        if not any(marker in "\x00".join(present.tolist()) for marker in _MOJIBAKE_MARKERS):
            return
        for value in pd.unique(present):
            repaired = _undo_double_decoding(value)
            if repaired is None:
                continue
            line = int(self.lines[values == value].min())
            self.issues.append(Issue(
                line, column.header, value, Outcome.KEPT_AS_TYPED,
                f"The text looks decoded twice; it probably reads '{repaired}'. It was stored as typed: "
                "fix it in the source system or the file and re-import.",
            ))

    def _check_length(self, column, values, target):
        if target.max_length:
            too_long = values.str.len() > target.max_length
            reasons = pd.Series(
                f"Longer than the {target.max_length} characters {target.name} can hold; shorten it.",
                index=values.index,
            ).where(too_long)
            column.reject(reasons)

    def _normalize(self, column, target):
        """Map picklist values through their synonym table; keep unknown values as typed."""
        kind = target.synonyms
        resolved, unknown = {}, {}
        for value in column.values.dropna().unique():
            text = " ".join(value.split())
            found = self.tables.lookup(kind, text)
            if found is not None:
                resolved[value] = found
            else:
                unknown[value] = text
        keeps_as_typed = target.parse != Parse.INDUSTRY and self.kind in KINDS_WITH_EXTRA
        if keeps_as_typed:
            # A value that resolves now clears a copy kept as typed by an earlier import.
            as_typed = column.values.map(unknown)
            as_typed = as_typed.where(as_typed.notna() | column.values.isna(), other=_CLEAR)
            self.extra_columns[f"{target.name}_as_typed"] = as_typed
        if not unknown:
            return object_map(column.values, resolved)

        is_unknown = column.values.isin(list(unknown))
        typed = column.values[is_unknown].map(unknown)
        counts = typed.value_counts()
        first_lines = self.lines[is_unknown].groupby(typed).min()
        self.unknown_values.setdefault(target.name, {}).update({value: int(count) for value, count in counts.items()})
        table_label = SynonymKind(kind).label
        if target.parse == Parse.INDUSTRY:
            # Industry is free text, so an unknown value is stored as typed.
            for text, count in counts.items():
                self.issues.append(Issue(
                    int(first_lines[text]), column.header, text, Outcome.KEPT_AS_TYPED,
                    f"No entry in the {table_label} synonym table, so it was stored as typed on {count} row(s); "
                    "add a synonym and re-import to store the standard name.",
                ))
            resolved.update(unknown)
            return object_map(column.values, resolved)

        # Country and picklist fields hold standard values only, so the field
        # is left blank and the typed value kept in extra as <field>_as_typed.
        where = f"kept in extra as {target.name}_as_typed" if keeps_as_typed else "not stored"
        for text, count in counts.items():
            self.issues.append(Issue(
                int(first_lines[text]), column.header, text, Outcome.LEFT_BLANK,
                f"No entry in the {table_label} synonym table, so {target.name} was left blank on {count} row(s) "
                f"and the value {where}; add a synonym and re-import.",
            ))
        return object_map(column.values, resolved)

    def _money(self, column, target):
        unit_name = self.options.units.get(target.name) or self.options.units.get(column.header) or "dollars"
        multiplier = UNITS[unit_name]
        decimal_comma = self.options.decimal_comma

        def parse(text):
            amount, currency, has_suffix = parse_money(text, decimal_comma=decimal_comma)
            if not has_suffix:
                amount *= multiplier
            if amount < 0:
                raise InvalidValue(f"'{text}' is negative; {target.name} cannot be.")
            amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            if amount > MAX_MONEY:
                raise InvalidValue(f"'{text}' is too large for {target.name} (at most {MAX_MONEY:,}).")
            return amount, currency

        parsed = column.map_distinct(parse)
        self.currencies[target.name] = (column.header, object_map(parsed, lambda pair: pair[1]))
        return object_map(parsed, lambda pair: pair[0])

    def _dates(self, column, target):
        order = None
        if not self.options.date_format:
            order, evidence = infer_day_month_order(column.values.dropna().unique())
            if order:
                reading = "day/month/year" if order == DAY_FIRST else "month/day/year"
                line = int(self.lines[column.values == evidence].iloc[0])
                self.notes.append(
                    f"Dates in column '{column.header}' were read as {reading}, because line {line} has '{evidence}'."
                )
        date_format = self.options.date_format
        local_zone = timezone.get_current_timezone()

        def parse(text):
            moment = parse_datetime(text, date_format=date_format, order=order)
            if target.parse == Parse.DATE:
                return moment.date()
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, local_zone)
            return moment.astimezone(dt_timezone.utc)

        return column.map_distinct(parse)

    def _owners(self, column):
        User = get_user_model()
        users = {}
        for pk, username, email in User.objects.annotate(
            username_lower=Lower(User.USERNAME_FIELD), email_lower=Lower("email")
        ).values_list("pk", "username_lower", "email_lower"):
            users.setdefault(username, pk)
            if email:
                users.setdefault(email, pk)
        keys = column.values.str.strip().str.lower()
        owner_ids = object_map(keys, users)
        unknown = keys[keys.notna() & owner_ids.isna()]
        if len(unknown):
            counts = column.values[unknown.index].str.strip().value_counts()
            first_lines = self.lines[unknown.index].groupby(column.values[unknown.index].str.strip()).min()
            for text, count in counts.items():
                self.issues.append(Issue(
                    int(first_lines[text]), column.header, text, Outcome.LEFT_BLANK,
                    f"No user has this user name or email, so the owner was left blank on {count} row(s); "
                    "create the user or fix the value and re-import.",
                ))
            self.unknown_values.setdefault("owner", {}).update({value: int(count) for value, count in counts.items()})
        return owner_ids

    # Extra attributes.

    def _extra_values(self, header):
        """Return a column's values for extra: booleans or numbers when every value reads as one, else text."""
        column = _Column(self, header, self.table[header])
        present = column.values.dropna().str.strip()
        distinct = set(present.unique())
        if not distinct:
            return column.values
        if all(value.lower() in BOOLEAN_WORDS and not value.isdigit() for value in distinct):
            return present.map(lambda text: BOOLEAN_WORDS[text.lower()]).astype(object)
        if all(_PLAIN_NUMBER.match(value) for value in distinct):
            return object_map(present, _json_number)
        return present

    def _extra_dicts(self):
        if not self.extra_columns:
            return pd.Series([None] * len(self.out), index=self.out.index, dtype=object)
        keys = list(self.extra_columns)
        columns = []
        for values in self.extra_columns.values():
            values = values.astype(object).reindex(self.out.index)
            columns.append(values.where(values.notna(), None).tolist())
        dicts = []
        for row in zip(*columns):
            entry = {key: (None if value is _CLEAR else value) for key, value in zip(keys, row) if value is not None}
            dicts.append(entry or None)
        return pd.Series(dicts, index=self.out.index, dtype=object)

    # Rules that span columns.

    def _finish_kind(self):
        if self.kind == ImportKind.ACCOUNTS:
            self._finish_employees()
        if self.currencies:
            self._finish_currency()
        if self.kind == ImportKind.CONTACTS:
            self._finish_titles()
        if self.kind == ImportKind.OPPORTUNITIES:
            self._finish_status()

    def _finish_employees(self):
        counted = self.out.get("employee_count")
        banded = self.out.pop("employee_band") if "employee_band" in self.out else None
        if counted is None and banded is None:
            return
        parsed = counted if counted is not None else pd.Series(None, index=self.out.index, dtype=object)
        if banded is not None:
            parsed = parsed.where(parsed.notna(), banded)
        self.out["employee_count"] = object_map(parsed, lambda result: result[0])
        self.out["employee_band"] = object_map(parsed, lambda result: result[1])
        ranges = object_map(parsed, lambda result: result[2])
        if ranges.notna().any():
            self.extra_columns["employee_range"] = ranges

    def _finish_currency(self):
        """Set each row's currency: the currency column, else the amounts' symbols, else the default."""
        default = self.options.currency
        stated = self.out.get("currency")
        row_currency = stated.copy() if stated is not None else pd.Series(None, index=self.out.index, dtype=object)
        for name, (header, symbols) in self.currencies.items():
            clash = symbols.notna() & row_currency.notna() & (symbols != row_currency)
            for index in clash[clash].index:
                self.reject(
                    index, header, self.table.at[index, header],
                    f"The amount is in {symbols[index]} but the row's currency is {row_currency[index]}; "
                    "make them agree.",
                )
            row_currency = row_currency.where(row_currency.notna(), symbols)
        has_amount = pd.concat([self.out[name].notna() for name in self.currencies], axis=1).any(axis=1)
        row_currency = row_currency.where(row_currency.notna() | ~has_amount, default)
        self.out["currency"] = row_currency

    def _finish_titles(self):
        if "title" not in self.out:
            return
        titles = self.out["title"]
        for name, kind in (("seniority", SynonymKind.SENIORITY), ("department", SynonymKind.DEPARTMENT)):
            derived = object_map(titles, lambda title, kind=kind: self.tables.from_title(kind, title))
            current = self.out.get(name)
            self.out[name] = derived if current is None else current.where(current.notna(), derived)

    def _finish_status(self):
        """Derive open, won or lost from a status column, IsWon/IsClosed flags or the stage name."""
        status = self.out.get("status")
        status = status.copy() if status is not None else pd.Series(None, index=self.out.index, dtype=object)
        is_won = self.out.pop("is_won") if "is_won" in self.out else None
        is_closed = self.out.pop("is_closed") if "is_closed" in self.out else None
        if is_won is not None:
            from_flags = object_map(is_won, {True: "won", False: None})
            if is_closed is not None:
                from_flags = from_flags.where(from_flags.notna(), object_map(is_closed, {True: "lost", False: "open"}))
            status = status.where(status.notna(), from_flags)
        if "stage" in self.out:
            stages = self.out["stage"]
            from_stage = object_map(stages, lambda stage: self.tables.lookup(SynonymKind.OPPORTUNITY_STAGE, stage))
            unknown = stages.notna() & from_stage.isna() & status.isna()
            if unknown.any():
                counts = stages[unknown].value_counts()
                first_lines = self.lines[unknown].groupby(stages[unknown]).min()
                for stage, count in counts.items():
                    self.issues.append(Issue(
                        int(first_lines[stage]), "stage", stage, Outcome.KEPT_AS_TYPED,
                        f"No entry in the opportunity stage table, so {count} opportunity(ies) count as open; "
                        "add the stage to the table to map it to won or lost.",
                    ))
                self.unknown_values.setdefault("stage", {}).update({s: int(c) for s, c in counts.items()})
            status = status.where(status.notna(), from_stage)
        if status.notna().any() or "stage" in self.out:
            self.out["status"] = status


class _Clear:
    """Marks an extra key to delete: the value it kept as typed has been resolved."""

    def __repr__(self):
        return "CLEAR"


_CLEAR = _Clear()


def _json_number(text):
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


# UTF-8 bytes of accented letters read as Windows-1252 start with these characters.
_MOJIBAKE_MARKERS = ("Ã", "Â", "â€")


def _undo_double_decoding(text):
    """Return the text as it was before UTF-8 bytes were read as Windows-1252, or None when it was not."""
    if not any(marker in text for marker in _MOJIBAKE_MARKERS):
        return None
    try:
        repaired = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return repaired if repaired != text else None


def _collapse_spaces(values):
    """Turn runs of white space inside values into one space; most columns have none, so check first."""
    present = values.dropna()
    joined = "\x00".join(present.tolist())
    if not any(marker in joined for marker in ("  ", "\t", "\n", "\r", "\u00a0")):
        return values
    return values.str.replace(r"\s+", " ", regex=True)


def _parse_email(text):
    email = text.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidValue(f"'{text}' is not an email address.")
    return email


def _parse_currency(text):
    code = text.strip().upper()
    if code in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code]
    if text.strip() in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[text.strip()]
    if not is_currency_code(code):
        raise InvalidValue(f"'{text}' is not an ISO 4217 currency code such as USD or EUR.")
    return code


def _parse_integer(text, target, decimal_comma):
    value = parse_number(text, decimal_comma=decimal_comma, allow_suffix=False)
    if value != value.to_integral_value():
        raise InvalidValue(f"'{text}' is not a whole number.")
    if (target.minimum is not None and value < target.minimum) or (target.maximum is not None and value > target.maximum):
        raise InvalidValue(f"'{text}' is out of range: {target.name} must be from {target.minimum} to {target.maximum}.")
    return int(value)


def _parse_list(text):
    separator = ","
    if ";" in text:
        separator = ";"
    elif "|" in text:
        separator = "|"
    items = []
    for item in text.split(separator):
        item = " ".join(item.split())
        if item and item not in items:
            items.append(item)
    return items
