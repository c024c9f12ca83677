"""The set-based upsert of accounts, contacts, opportunities, engagement events
and intent signals, shared by file imports and the API's bulk upsert.

The caller passes typed values under the public field names (one record per
row, a "line" to name it in the report). The upsert:

1. validates the values and rejects rows that break a model constraint;
2. finds each row's record by external id, trimmed, compared ignoring case
   and within the source. Only a row without one is matched by a fallback
   key: the normalized domain for accounts, the email for contacts, and the
   account, type or topic and time for events and intent;
3. resolves related records by the parent's external id or domain;
4. stages the rows in a temporary table and writes them with one INSERT for
   new records and one UPDATE ... FROM for changed ones.

A blank value never clears a stored one: a row only sets the fields it has.
Rows whose values equal the stored ones are reported unchanged.
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import (
    DEFAULT_SOURCE,
    Account,
    ArrSnapshot,
    Contact,
    EngagementEvent,
    ImportKind,
    IntentSignal,
    Opportunity,
)

from .frames import is_blank, normalize_domains, object_map
from .report import Issue, Outcome
from .staging import StagingTable, fetch, is_postgresql, quote

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"


class ConcurrentWriteError(RuntimeError):
    """Another import or API call created one of the same records while this one ran."""


@dataclass(frozen=True)
class EntityConfig:
    kind: str
    model: type
    fields: tuple
    """Fields a row may set directly, by model field name."""
    required: tuple = ()
    """Fields a new record needs; a row that creates a record without one is rejected."""
    fallback: str | None = None
    """Key used when a row has no external id: "domain", "email" or "natural"."""
    natural_key: tuple = ()
    parent_reference: bool = False
    account_reference: bool = False
    contact_reference: bool = False
    owner: bool = False
    insert_defaults: dict = field(default_factory=dict)
    month_fields: tuple = ()
    """Date fields stored as the first day of their month; any day of the month is accepted."""


ENTITIES = {
    ImportKind.ACCOUNTS: EntityConfig(
        ImportKind.ACCOUNTS, Account,
        ("name", "domain", "industry", "employee_count", "employee_band", "annual_revenue", "currency", "country",
         "region", "state", "city", "ownership_type", "technologies", "needs", "strategic_value", "health_score",
         "arr", "extra"),
        required=("name",), fallback="domain", parent_reference=True, owner=True,
    ),
    ImportKind.CONTACTS: EntityConfig(
        ImportKind.CONTACTS, Contact,
        ("email", "first_name", "last_name", "title", "department", "seniority", "buying_role", "persona", "extra"),
        required=("account",), fallback="email", account_reference=True,
    ),
    ImportKind.OPPORTUNITIES: EntityConfig(
        ImportKind.OPPORTUNITIES, Opportunity,
        ("name", "amount", "currency", "stage", "status", "type", "created_date", "closed_date", "extra"),
        required=("external_id", "account"), account_reference=True, owner=True,
    ),
    ImportKind.EVENTS: EntityConfig(
        ImportKind.EVENTS, EngagementEvent, ("type", "theme", "occurred_at"),
        required=("account", "type", "occurred_at"), fallback="natural",
        natural_key=("account", "contact", "type", "occurred_at", "theme"),
        account_reference=True, contact_reference=True,
    ),
    ImportKind.INTENT: EntityConfig(
        ImportKind.INTENT, IntentSignal, ("topic", "score", "provider", "observed_at"),
        required=("account", "topic", "score", "observed_at"), fallback="natural",
        natural_key=("account", "topic", "provider", "observed_at"), account_reference=True,
    ),
    ImportKind.ARR: EntityConfig(
        ImportKind.ARR, ArrSnapshot, ("month", "arr", "currency"),
        required=("account", "month", "arr"), fallback="natural", natural_key=("account", "month"),
        account_reference=True, month_fields=("month",),
    ),
}

FIELD_LABELS = {"account": "account", "external_id": "external id", "occurred_at": "occurred_at"}
# Bounds that the models' CHECK constraints enforce, checked first so the row gets a reason.
RANGES = {
    "strategic_value": (1, 5), "health_score": (0, 100), "score": (0, 100), "employee_count": (0, 2_147_483_647),
    "annual_revenue": (0, None), "arr": (0, None), "amount": (0, None),
}


@dataclass
class UpsertResult:
    rows: pd.DataFrame
    """One row per input row: line, outcome (created, updated, unchanged or rejected) and id."""
    issues: list
    """Why each rejected row was rejected: Issue(line, column, value, "rejected", reason)."""

    def count(self, outcome):
        return int((self.rows["outcome"] == outcome).sum())

    @property
    def counts(self):
        return {outcome: self.count(outcome) for outcome in (CREATED, UPDATED, UNCHANGED, REJECTED)}


class _Rows:
    """The rows of one upsert with their outcome so far."""

    def __init__(self, frame):
        self.frame = frame
        self.issues = []
        self.rejected = pd.Series(False, index=frame.index)

    def reject(self, index, column, reason):
        if self.rejected[index]:
            return
        self.rejected[index] = True
        value = self.frame.at[index, column] if column in self.frame.columns else ""
        self.issues.append(Issue(int(self.frame.at[index, "line"]), column, _shown(value), Outcome.REJECTED, reason))

    def reject_where(self, mask, column, reason):
        for index in mask[mask & ~self.rejected].index:
            self.reject(index, column, reason(index) if callable(reason) else reason)

    @property
    def valid(self):
        return self.frame[~self.rejected]


def _shown(value):
    return "" if is_blank(value) else str(value)


def _to_frame(rows):
    # dtype=object keeps whole numbers as int when some rows leave the field out;
    # pandas would otherwise turn the column to float, and PostgreSQL rejects "120.0" for an integer.
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), dtype=object)
    frame = frame.reset_index(drop=True)
    if "line" not in frame.columns:
        frame["line"] = range(1, len(frame) + 1)
    return frame.astype(object).where(frame.notna(), None)


def _lower_key(series):
    return series.map(lambda value: value.strip().lower() if isinstance(value, str) and value.strip() else None)


def upsert_records(*, kind, rows, source=DEFAULT_SOURCE, default_currency="USD", dry_run=False):
    """Create or update records of one kind from typed rows; return an UpsertResult.

    rows is a DataFrame or an iterable of mappings with the public field
    names, plus optional references: parent_external_id and parent_domain
    for accounts, account_external_id and account_domain for related
    records, contact_external_id and contact_email for events, and owner as
    a user id. Runs in one transaction; with dry_run it is rolled back after
    counting, so the result is what a real run would do.
    Raises ConcurrentWriteError, with nothing written, when another writer
    creates one of the same records meanwhile.
    """
    config = ENTITIES[ImportKind(kind)]
    frame = _to_frame(rows)
    state = _Rows(frame)
    _validate(config, state)
    _reject_duplicates_in_file(config, state, frame)
    with transaction.atomic():
        result = _write(config, state, source=source, default_currency=default_currency)
        if dry_run:
            transaction.set_rollback(True)
    return result


def account_upsert(*, rows, source=DEFAULT_SOURCE, default_currency="USD", dry_run=False):
    """Upsert accounts; see upsert_records."""
    return upsert_records(kind=ImportKind.ACCOUNTS, rows=rows, source=source, default_currency=default_currency,
                          dry_run=dry_run)


def contact_upsert(*, rows, source=DEFAULT_SOURCE, dry_run=False):
    """Upsert contacts; see upsert_records."""
    return upsert_records(kind=ImportKind.CONTACTS, rows=rows, source=source, dry_run=dry_run)


def opportunity_upsert(*, rows, source=DEFAULT_SOURCE, default_currency="USD", dry_run=False):
    """Upsert opportunities; see upsert_records."""
    return upsert_records(kind=ImportKind.OPPORTUNITIES, rows=rows, source=source,
                          default_currency=default_currency, dry_run=dry_run)


def engagement_event_upsert(*, rows, source=DEFAULT_SOURCE, dry_run=False):
    """Upsert engagement events; see upsert_records."""
    return upsert_records(kind=ImportKind.EVENTS, rows=rows, source=source, dry_run=dry_run)


def intent_signal_upsert(*, rows, source=DEFAULT_SOURCE, dry_run=False):
    """Upsert intent signals; see upsert_records."""
    return upsert_records(kind=ImportKind.INTENT, rows=rows, source=source, dry_run=dry_run)


# Validation of typed values.

def _normalize_keys(frame):
    """Normalize match keys the way the database stores them, for callers that pass raw values."""
    for column in ("domain", "parent_domain", "account_domain"):
        if column in frame.columns:
            frame[column] = normalize_domains(frame[column])
    for column in ("email", "contact_email"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda value: str(value).strip().lower() or None, na_action="ignore")


def _validate(config, state):
    frame = state.frame
    _normalize_keys(frame)
    unknown = [column for column in frame.columns if column not in _accepted_columns(config)]
    if unknown:
        raise ValueError(f"Unknown fields for {config.kind}: {', '.join(sorted(unknown))}.")
    # Codes first: their reason is more useful than the generic length check below.
    if "country" in frame.columns:
        bad = frame["country"].notna() & ~frame["country"].astype(str).str.fullmatch(r"[A-Z]{2}")
        state.reject_where(bad, "country", "Country must be an ISO 3166-1 alpha-2 code such as US or DE.")
    if "currency" in frame.columns:
        bad = frame["currency"].notna() & ~frame["currency"].astype(str).str.fullmatch(r"[A-Z]{3}")
        state.reject_where(bad, "currency", "Currency must be an ISO 4217 code such as USD or EUR.")
    meta = config.model._meta
    for name in config.fields + ("external_id",):
        if name not in frame.columns:
            continue
        model_field = meta.get_field(name)
        values = frame[name]
        present = values.notna()
        if isinstance(model_field, models.CharField):
            all_text = pd.api.types.infer_dtype(values[present], skipna=True) in ("string", "empty")
            is_text = present if all_text else values.map(lambda value: isinstance(value, str))
            state.reject_where(present & ~is_text, name, f"{name} must be text.")
            if model_field.max_length:
                lengths = values[is_text].map(len).reindex(values.index)
                too_long = lengths > model_field.max_length
                state.reject_where(too_long.fillna(False).astype(bool), name,
                                   f"Longer than the {model_field.max_length} characters {name} can hold; shorten it.")
            if model_field.choices:
                allowed = {choice for choice, _ in model_field.choices}
                state.reject_where(present & ~values.isin(allowed), name,
                                   f"{name} must be one of: {', '.join(sorted(allowed))}.")
        if name in RANGES:
            _check_range(state, name, values, *RANGES[name])
    if "name" in frame.columns and config.kind == ImportKind.ACCOUNTS:
        blank = frame["name"].map(lambda value: isinstance(value, str) and not value.strip())
        state.reject_where(blank.astype(bool), "name", "The account name is blank; every account needs a name.")
    for name in config.month_fields:
        if name in frame.columns:
            frame[name] = frame[name].map(lambda day: day.replace(day=1) if isinstance(day, date) else day)
    if {"created_date", "closed_date"} <= set(frame.columns):
        both = frame["created_date"].notna() & frame["closed_date"].notna()
        early = pd.Series(False, index=frame.index)
        early[both] = frame.loc[both, "closed_date"] < frame.loc[both, "created_date"]
        state.reject_where(early, "closed_date", "The close date is before the created date; fix one of them.")


def _check_range(state, name, values, low, high):
    """Reject values that are not numbers or fall outside [low, high]; high None means no upper bound."""
    problems = {}
    for value in pd.unique(values.dropna()):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            problems[value] = f"{name} must be a number."
        elif value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            problems[value] = f"{name} must be {bounds}."
    if problems:
        reasons = object_map(values, problems)
        for index in reasons.dropna().index:
            state.reject(index, name, reasons[index])


def _accepted_columns(config):
    columns = set(config.fields) | {"line", "external_id"}
    if config.parent_reference:
        columns |= {"parent_external_id", "parent_domain"}
    if config.account_reference:
        columns |= {"account_external_id", "account_domain"}
    if config.contact_reference:
        columns |= {"contact_external_id", "contact_email"}
    if config.owner:
        columns.add("owner")
    return columns


def _reject_duplicates_in_file(config, state, frame):
    """Reject every later row that repeats an earlier row's key, naming both lines."""
    keys = []
    if "external_id" in frame.columns:
        frame["_ext_key"] = _lower_key(frame["external_id"])
        frame["_ext_raw"] = frame["external_id"].map(lambda value: value.strip() if isinstance(value, str) and value.strip() else None)
        keys.append(("_ext_key", "external_id", "external id"))
    else:
        frame["_ext_key"] = frame["_ext_raw"] = None
    has_ext = frame["_ext_key"].notna()
    if config.fallback == "domain" and "domain" in frame.columns:
        frame["_fallback_key"] = frame["domain"].where(~has_ext)
        keys.append(("_fallback_key", "domain", "domain"))
    elif config.fallback == "email" and "email" in frame.columns:
        frame["_fallback_key"] = frame["email"].where(~has_ext)
        keys.append(("_fallback_key", "email", "email"))
    else:
        frame["_fallback_key"] = None

    for key, column, label in keys:
        candidates = frame[frame[key].notna() & ~state.rejected]
        first_line = candidates["line"].astype("int64").groupby(candidates[key]).transform("min")
        repeated = candidates[candidates["line"] != first_line]
        for index in repeated.index:
            state.reject(
                index, column,
                f"The {label} '{frame.at[index, column]}' is also on line {first_line[index]}; "
                f"lines {first_line[index]} and {frame.at[index, 'line']} have the same {label}. "
                f"The row on line {first_line[index]} was kept; merge the two rows.",
            )


# Writing.

def _write(config, state, *, source, default_currency):
    valid = state.valid
    if valid.empty:
        return _result(state, {}, set(), set())
    table = config.model._meta.db_table
    keys = _lookup_keys(config, valid, source=source, table=table)
    decisions = _decide(config, state, keys)
    if decisions.empty:
        return _result(state, {}, set(), set())

    rows = StagingTable("tierline_import_rows", _row_columns(config, state.frame))
    # The staging tables are created inside the upsert's transaction, so an
    # error rolls them back with everything else; only success drops them.
    rows.create()
    rows.load(_row_frame(config, state.frame, decisions), sqlite_adapters=_sqlite_adapters(config, state.frame))
    if config.fallback == "natural":
        _match_natural_keys(config, rows, table)
    inserted = _insert(config, rows, table, source=source, default_currency=default_currency)
    updated = _update(config, rows, table)
    targets = dict(fetch(f"SELECT line, COALESCE(target_id, new_id) FROM {rows.sql_name}"))
    matched = {line for line, in fetch(f"SELECT line FROM {rows.sql_name} WHERE target_id IS NOT NULL")}
    rows.drop()
    return _result(state, targets, inserted, updated, matched)


def _lookup_keys(config, valid, *, source, table):
    """Stage the rows' keys and references and find the records they name; return DataFrames by line."""
    reference_columns = []
    if config.parent_reference:
        reference_columns += ["parent_external_id", "parent_domain"]
    if config.account_reference:
        reference_columns += ["account_external_id", "account_domain"]
    if config.contact_reference:
        reference_columns += ["contact_external_id", "contact_email"]
    columns = ["line", "_ext_raw", "_fallback_key"] + reference_columns
    staging = StagingTable("tierline_import_keys", [(name, "integer" if name == "line" else "text")
                                                     for name in columns])
    staging.create()
    staging.load(valid.reindex(columns=columns))
    keys = staging.sql_name
    account_table = quote(Account._meta.db_table)
    contact_table = quote(Contact._meta.db_table)
    target = quote(table)
    found = {
        "target": fetch(
            f"SELECT k.line, t.id FROM {keys} k JOIN {target} t ON t.source = %s AND t.external_id IS NOT NULL"
            " AND lower(t.external_id) = lower(k._ext_raw)", [source]),
    }
    if config.fallback == "domain":
        found["fallback"] = fetch(f"SELECT k.line, t.id FROM {keys} k JOIN {target} t ON t.domain = k._fallback_key"
                                  " WHERE k._ext_raw IS NULL")
    if config.fallback == "email":
        found["fallback"] = fetch(f"SELECT k.line, t.id FROM {keys} k JOIN {target} t ON t.email = k._fallback_key"
                                  " WHERE k._ext_raw IS NULL")
    for prefix, ref_table in (("parent", account_table), ("account", account_table), ("contact", contact_table)):
        if f"{prefix}_external_id" not in reference_columns:
            continue
        extra_column = ", t.account_id" if prefix == "contact" else ""
        found[f"{prefix}_external_id"] = fetch(
            f"SELECT k.line, t.id{extra_column} FROM {keys} k JOIN {ref_table} t ON t.source = %s"
            f" AND t.external_id IS NOT NULL AND lower(t.external_id) = lower(k.{prefix}_external_id)", [source])
        by = "domain" if prefix != "contact" else "email"
        found[f"{prefix}_{by}"] = fetch(
            f"SELECT k.line, t.id{extra_column} FROM {keys} k JOIN {ref_table} t ON t.{by} = k.{prefix}_{by}")
    staging.drop()
    return {name: pd.DataFrame(result, columns=["line", "id", "account_id"][: len(result[0]) if result else 2])
            for name, result in found.items()}


def _single_matches(found, lines):
    """Return (ids by line where exactly one record matched, match counts by line)."""
    if found.empty:
        return pd.Series(dtype=object), pd.Series(dtype="int64")
    counts = found.groupby("line")["id"].nunique()
    firsts = found.groupby("line")["id"].min()
    return firsts[counts == 1], counts


def _decide(config, state, keys):
    """Pick each valid row's record and related records; return {line: decision dict}."""
    frame = state.frame
    target_by_ext = dict(keys["target"].itertuples(index=False, name=None)) if not keys["target"].empty else {}
    frame["_target_id"] = object_map(frame["line"], target_by_ext)
    if "fallback" in keys:
        single, counts = _single_matches(keys["fallback"], frame["line"])
        column = "domain" if config.fallback == "domain" else "email"
        several = frame["line"].map(counts).fillna(0) > 1
        kind_label = "accounts" if config.fallback == "domain" else "contacts"
        state.reject_where(
            several & frame["_target_id"].isna(), column,
            lambda index: f"{int(counts[frame.at[index, 'line']])} {kind_label} have the {column} "
                          f"'{frame.at[index, column]}', so the row cannot be matched to one of them; "
                          "add the record's external id to the row.",
        )
        frame["_target_id"] = frame["_target_id"].where(frame["_target_id"].notna(),
                                                        object_map(frame["line"], single.to_dict()))

    # Two rows that reach the same record (one by external id, one by domain) would overwrite each other.
    matched = frame[frame["_target_id"].notna() & ~state.rejected]
    first_line = matched["line"].astype("int64").groupby(matched["_target_id"].astype("int64")).transform("min")
    for index in matched[matched["line"] != first_line].index:
        state.reject(index, "external_id" if frame.at[index, "_ext_key"] else config.fallback,
                     f"This row matches the same record as line {first_line[index]}; merge the two rows.")

    if config.fallback in ("domain", "email"):
        # Without either key a later import could not find the record again and would create a copy.
        no_key = frame["_ext_key"].isna() & frame["_fallback_key"].isna()
        column = "external_id" if "external_id" in frame.columns else config.fallback
        state.reject_where(
            no_key, column,
            f"The row has neither an external id nor {'a domain' if config.fallback == 'domain' else 'an email'}, "
            "so a later import could not match it and would create a copy; map the CRM's record id column "
            f"to external_id or fill in the {config.fallback}.",
        )

    creates = frame["_target_id"].isna() & ~state.rejected
    for name in config.required:
        if name in ("account",):
            continue
        missing = frame[name].isna() if name in frame.columns else pd.Series(True, index=frame.index)
        label = FIELD_LABELS.get(name, name)
        if name == "external_id":
            reason = f"The {label} is missing; every {config.model._meta.verbose_name} needs the CRM's id to be matched on re-import."
            state.reject_where(missing & ~state.rejected, name, reason)
        else:
            state.reject_where(creates & missing, name, f"The {label} is missing; a new record needs it.")

    if config.parent_reference:
        _resolve_parents(state, keys)
    if config.account_reference:
        _resolve_account(config, state, keys)
    if config.contact_reference:
        _resolve_contact(state, keys)

    if config.fallback == "natural":
        _reject_natural_duplicates(config, state)

    valid = frame[~state.rejected]
    new = valid[valid["_target_id"].isna()]
    new_ids = _allocate_ids(config.model, len(new))
    frame["_new_id"] = None
    frame.loc[new.index, "_new_id"] = pd.Series(new_ids, index=new.index, dtype=object)
    if config.parent_reference:
        _link_parents_in_file(state)
    return frame[~state.rejected]


def _reference(state, keys, prefix, by, label):
    """Resolve a reference column pair (external id, then domain or email) to ids; reject what is not found."""
    frame = state.frame
    ext_column, alt_column = f"{prefix}_external_id", f"{prefix}_{by}"
    ids = pd.Series(None, index=frame.index, dtype=object)
    account_ids = pd.Series(None, index=frame.index, dtype=object)
    if ext_column in frame.columns:
        found = keys[ext_column]
        if not found.empty:
            ids = object_map(frame["line"], dict(zip(found["line"], found["id"])))
            if "account_id" in found.columns:
                account_ids = object_map(frame["line"], dict(zip(found["line"], found["account_id"])))
    if alt_column in frame.columns:
        single, counts = _single_matches(keys[alt_column], frame["line"])
        use = ids.isna() & frame[alt_column].notna()
        several = use & (frame["line"].map(counts).fillna(0) > 1)
        state.reject_where(
            several, alt_column,
            lambda index: f"{int(counts[frame.at[index, 'line']])} {label}s have the {by} "
                          f"'{frame.at[index, alt_column]}'; give the {label}'s external id instead.",
        )
        ids = ids.where(~use | several, object_map(frame["line"], single.to_dict()))
        if not keys[alt_column].empty and "account_id" in keys[alt_column].columns:
            by_line = keys[alt_column].drop_duplicates("line").set_index("line")["account_id"]
            account_ids = account_ids.where(account_ids.notna() | ~use, object_map(frame["line"], by_line.to_dict()))
    return ids, account_ids


def _resolve_parents(state, keys):
    frame = state.frame
    ids, _ = _reference(state, keys, "parent", "domain", "account")
    frame["_parent_id"] = ids
    frame["_parent_line"] = None
    referencing = pd.Series(False, index=frame.index)
    for column in ("parent_external_id", "parent_domain"):
        if column in frame.columns:
            referencing |= frame[column].notna()
    if not referencing.any():
        return

    # A parent may be another row of the same file, found by its external id or domain.
    rows_by_ext = {key: line for key, line in zip(frame["_ext_key"], frame["line"]) if key}
    first_by_domain = {}
    if "domain" in frame.columns:
        for domain, line in zip(frame["domain"], frame["line"]):
            if domain and domain not in first_by_domain:
                first_by_domain[domain] = line
    for index in frame.index[referencing & ~state.rejected]:
        parent_ext = frame.at[index, "parent_external_id"] if "parent_external_id" in frame.columns else None
        parent_domain = frame.at[index, "parent_domain"] if "parent_domain" in frame.columns else None
        if not parent_ext and not parent_domain:
            continue
        in_file = rows_by_ext.get(parent_ext.strip().lower()) if parent_ext else None
        if in_file is None and parent_domain and pd.isna(frame.at[index, "_parent_id"]):
            in_file = first_by_domain.get(parent_domain)
        if in_file is not None:
            frame.at[index, "_parent_line"] = in_file
        elif pd.isna(frame.at[index, "_parent_id"]):
            column, value = ("parent_external_id", parent_ext) if parent_ext else ("parent_domain", parent_domain)
            state.reject(index, column,
                         f"No account has the external id or domain '{value}', so the parent cannot be linked; "
                         "import the parent first or in the same file.")
        if frame.at[index, "_parent_line"] == frame.at[index, "line"]:
            state.reject(index, "parent_external_id", "An account cannot be its own parent.")


def _link_parents_in_file(state):
    """Point rows at parents from the same file, rejecting rows whose parent row was rejected."""
    frame = state.frame
    line_to_index = dict(zip(frame["line"], frame.index))
    changed = True
    while changed:
        changed = False
        for index in frame.index[frame["_parent_line"].notna() & ~state.rejected]:
            parent_index = line_to_index[frame.at[index, "_parent_line"]]
            if state.rejected[parent_index]:
                state.reject(index, "parent_external_id",
                             f"The parent account on line {frame.at[index, '_parent_line']} was rejected; "
                             "fix that row and re-import.")
                changed = True
    linked = frame["_parent_line"].notna() & ~state.rejected
    for index in frame.index[linked]:
        parent_index = line_to_index[frame.at[index, "_parent_line"]]
        parent_id = frame.at[parent_index, "_target_id"]
        frame.at[index, "_parent_id"] = parent_id if pd.notna(parent_id) else frame.at[parent_index, "_new_id"]
    same = linked & (frame["_parent_id"] == frame["_target_id"])
    state.reject_where(same, "parent_external_id", "An account cannot be its own parent.")


def _reject_unresolved(state, ids, noun, ext_column, alt_column, alt_label):
    """Reject rows that name a related record no record matches; return where the row names one."""
    frame = state.frame
    given = pd.Series(False, index=frame.index)
    for column in (ext_column, alt_column):
        if column in frame.columns:
            given |= frame[column].notna()
    for index in frame.index[given & ids.isna() & ~state.rejected]:
        by_ext = ext_column in frame.columns and pd.notna(frame.at[index, ext_column])
        column, label = (ext_column, "external id") if by_ext else (alt_column, alt_label)
        state.reject(index, column,
                     f"No {noun} has the {label} '{frame.at[index, column]}'; import the {noun} first or fix the value.")
    return given


def _resolve_account(config, state, keys):
    frame = state.frame
    ids, _ = _reference(state, keys, "account", "domain", "account")
    given = _reject_unresolved(state, ids, "account", "account_external_id", "account_domain", "domain")
    frame["_account_id"] = ids
    if config.contact_reference:
        return  # events may take the account from their contact; checked in _resolve_contact
    missing = ~given & frame["_target_id"].isna() & ~state.rejected
    column = "account_external_id" if "account_external_id" in frame.columns else "account_domain"
    state.reject_where(missing, column,
                       "The account is missing: fill in the account's external id or domain so the record can be "
                       "linked to its account.")


def _resolve_contact(state, keys):
    frame = state.frame
    ids, account_ids = _reference(state, keys, "contact", "email", "contact")
    _reject_unresolved(state, ids, "contact", "contact_external_id", "contact_email", "email")
    frame["_contact_id"] = ids
    clash = ids.notna() & frame["_account_id"].notna() & account_ids.notna() & (frame["_account_id"] != account_ids)
    state.reject_where(clash, "contact_external_id" if "contact_external_id" in frame.columns else "contact_email",
                       "The contact belongs to another account than the row names; fix the account or the contact.")
    frame["_account_id"] = frame["_account_id"].where(frame["_account_id"].notna(), account_ids)
    missing = frame["_account_id"].isna() & frame["_target_id"].isna() & ~state.rejected
    column = "account_external_id" if "account_external_id" in frame.columns else "account_domain"
    state.reject_where(missing, column,
                       "The account is missing: fill in the account's external id or domain, or a known contact.")


def _reject_natural_duplicates(config, state):
    frame = state.frame
    columns = []
    for name in config.natural_key:
        column = {"account": "_account_id", "contact": "_contact_id"}.get(name, name)
        if column not in frame.columns:
            frame[column] = None
        columns.append(column)
    candidates = frame[frame["_ext_key"].isna() & ~state.rejected]
    if candidates.empty:
        return
    # astype(str) keeps missing values as NaN under pandas 3, which "|".join cannot take.
    texts = candidates[columns].astype(object).map(lambda value: "" if value is None or value != value else str(value))
    key = texts.agg("|".join, axis=1).str.lower()
    first_line = candidates.groupby(key)["line"].transform("min")
    # The fields named in the message: those after account and contact, or after account alone for ARR.
    named = config.natural_key[2:] or config.natural_key[1:]
    for index in candidates[candidates["line"] != first_line].index:
        state.reject(index, named[0],
                     f"Line {first_line[index]} has the same account, {' and '.join(named)}; "
                     f"lines {first_line[index]} and {frame.at[index, 'line']} are duplicates. Remove one, "
                     "or give each an external id.")


def _allocate_ids(model, count):
    """Reserve primary keys for new records so rows of one file can point at each other."""
    if count == 0:
        return []
    table = model._meta.db_table
    if is_postgresql():
        sequence = fetch("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
        (low, high), = fetch(
            "SELECT MIN(id), MAX(id) FROM (SELECT nextval(%s) AS id FROM generate_series(1, %s)) AS reserved",
            [sequence, count])
        if high - low + 1 == count:
            return list(range(low, high + 1))
        # Another writer took ids from the sequence meanwhile, so the reserved ids have gaps: fetch them all.
        return [row[0] for row in fetch("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])]
    # SQLite: the transaction holds the write lock (transaction_mode IMMEDIATE), so the highest id is
    # stable. AUTOINCREMENT keeps the highest id ever used in sqlite_sequence, so deleted ids are not reused.
    (highest,), = fetch(
        f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quote(table)}), 0), "
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))", [table])
    return list(range(highest + 1, highest + 1 + count))


# Staging the decided rows.

REFERENCE_IDS = {"_parent_id": "parent_id", "_account_id": "account_id", "_contact_id": "contact_id",
                 "owner": "owner_id"}


def _staged_fields(config, frame):
    return [name for name in config.fields if name in frame.columns]


def _reference_columns(config, frame):
    columns = []
    if config.parent_reference:
        columns.append(("_parent_id", "parent_id"))
    if config.account_reference:
        columns.append(("_account_id", "account_id"))
    if config.contact_reference:
        columns.append(("_contact_id", "contact_id"))
    if config.owner and "owner" in frame.columns:
        columns.append(("owner", "owner_id"))
    return columns


def _row_columns(config, frame):
    meta = config.model._meta
    columns = [("line", "integer"), ("target_id", "bigint"), ("new_id", "bigint"), ("external_id", "text")]
    for name in _staged_fields(config, frame):
        columns.append((meta.get_field(name).column, meta.get_field(name).db_type(connection)))
    for _, column in _reference_columns(config, frame):
        columns.append((column, "bigint"))
    return columns


def _row_frame(config, frame, decisions):
    """Build the staged rows: ids decided for each line, the external id, the fields and the references."""
    staged = pd.DataFrame({
        "line": decisions["line"].astype("int64"),
        "target_id": decisions["_target_id"],
        "new_id": decisions["_new_id"],
        "external_id": decisions["_ext_raw"],
    })
    meta = config.model._meta
    for name in _staged_fields(config, frame):
        staged[meta.get_field(name).column] = decisions[name]
    for source_column, column in _reference_columns(config, frame):
        staged[column] = decisions[source_column] if source_column in decisions.columns else None
    return staged


def _sqlite_adapters(config, frame):
    """Convert values the way Django stores them on SQLite, by staged column name."""
    meta = config.model._meta
    adapters = {}
    for name in _staged_fields(config, frame):
        model_field = meta.get_field(name)
        adapters[model_field.column] = lambda value, model_field=model_field: model_field.get_db_prep_save(value, connection)
    return adapters


def _match_natural_keys(config, rows, table):
    """Point rows without an external id at an existing record with the same natural key."""
    conditions = []
    for name in config.natural_key:
        column = {"account": "account_id", "contact": "contact_id"}.get(name, name)
        if name == "topic":
            conditions.append("lower(t.topic) = lower(s.topic)")
        elif column in [c for c, _ in rows.columns]:
            conditions.append(_null_safe_equal(f"t.{column}", f"s.{column}"))
        else:
            conditions.append(_null_safe_equal(f"t.{column}", _insert_default_sql(config, name)))
    match = " AND ".join(conditions)
    sql_table = quote(table)
    if is_postgresql():
        sql = (f"UPDATE {rows.sql_name} s SET target_id = m.id, new_id = NULL FROM "
               f"(SELECT DISTINCT ON (s.line) s.line, t.id FROM {rows.sql_name} s JOIN {sql_table} t ON {match} "
               f"WHERE s.external_id IS NULL ORDER BY s.line, t.id) m WHERE m.line = s.line")
    else:
        sql = (f"UPDATE {rows.sql_name} AS s SET target_id = (SELECT MIN(t.id) FROM {sql_table} t WHERE {match}), "
               f"new_id = NULL WHERE s.external_id IS NULL AND EXISTS (SELECT 1 FROM {sql_table} t WHERE {match})")
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _insert_default_sql(config, name):
    default = config.model._meta.get_field(name).get_default()
    return "''" if default == "" else "NULL"


def _null_safe_equal(left, right):
    return f"{left} IS NOT DISTINCT FROM {right}" if is_postgresql() else f"{left} IS {right}"


def _null_safe_differs(left, right):
    return f"{left} IS DISTINCT FROM {right}" if is_postgresql() else f"{left} IS NOT {right}"


def _insert(config, rows, table, *, source, default_currency):
    """Insert the rows that create records; return the set of new ids."""
    meta = config.model._meta
    staged = {column for column, _ in rows.columns}
    now = timezone.now()
    columns, expressions, params = [], [], []
    for model_field in meta.concrete_fields:
        column = model_field.column
        if model_field.primary_key:
            expression = "s.new_id"
        elif column == "source":
            expression, params = "%s", params + [source]
        elif column == "external_id":
            expression = "s.external_id"
        elif column in ("created_at", "updated_at"):
            expression, params = "%s", params + [model_field.get_db_prep_save(now, connection)]
        elif column == "currency":
            default = model_field.get_db_prep_save(default_currency, connection)
            expression = "COALESCE(s.currency, %s)" if column in staged else "%s"
            params.append(default)
        elif column == "extra" and column in staged:
            expression = ("jsonb_strip_nulls(COALESCE(s.extra, '{}'::jsonb))" if is_postgresql()
                          else "json_patch('{}', COALESCE(s.extra, '{}'))")
        else:
            default = _field_default(model_field)
            if column in staged:
                expression = "COALESCE(s.%s, %%s)" % quote(column) if default is not None else f"s.{quote(column)}"
                params += [default] if default is not None else []
            elif default is not None:
                expression, params = "%s", params + [default]
            else:
                expression = "NULL"
        columns.append(quote(column))
        expressions.append(expression)
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(columns)}) SELECT {', '.join(expressions)} "
        f"FROM {rows.sql_name} s WHERE s.target_id IS NULL"
    )
    new_ids = {row[0] for row in fetch(f"SELECT new_id FROM {rows.sql_name} WHERE target_id IS NULL")}
    if not new_ids:
        return set()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        # The rows were matched moments ago, so a clash on the external id means another writer created it.
        if "external_id_unique_per_source" not in str(error) and "UNIQUE constraint failed" not in str(error):
            raise
        raise ConcurrentWriteError(
            "Another import or API call created some of the same records while this import ran; "
            "nothing was written. Run the import again."
        ) from None
    inserted = new_ids
    return inserted


def _field_default(model_field):
    """Return the value an insert writes for a field the row leaves blank, or None for NULL."""
    if model_field.has_default():
        return model_field.get_db_prep_save(model_field.get_default(), connection)
    if model_field.null:
        return None
    if isinstance(model_field, models.CharField):
        return ""
    return None


def _update(config, rows, table):
    """Update matched records whose staged values differ; return the set of updated ids."""
    meta = config.model._meta
    staged = [column for column, _ in rows.columns if column not in ("line", "target_id", "new_id", "external_id")]
    assignments, differences = [], []
    for column in staged:
        target, source = f"t.{quote(column)}", f"s.{quote(column)}"
        if column == "extra":
            # NOTE: a null in the stored extra is dropped by the next import that touches the record,
            # because a null in staged extra means "delete this key".
            merged = "jsonb_strip_nulls(t.extra || s.extra)" if is_postgresql() else "json_patch(t.extra, s.extra)"
            current = "t.extra" if is_postgresql() else "json(t.extra)"
            assignments.append(f"{quote(column)} = CASE WHEN s.extra IS NULL THEN t.extra ELSE {merged} END")
            differences.append(f"(s.extra IS NOT NULL AND {_null_safe_differs(merged, current)})")
            continue
        model_field = next(f for f in meta.concrete_fields if f.column == column)
        if isinstance(model_field, models.JSONField) and not is_postgresql():
            target_value, source_value = f"json({target})", f"json({source})"
        else:
            target_value, source_value = target, source
        assignments.append(f"{quote(column)} = COALESCE({source}, {target})")
        differences.append(f"({source} IS NOT NULL AND {_null_safe_differs(source_value, target_value)})")
    if not differences:
        return set()
    now = meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    if is_postgresql():
        sql = (f"UPDATE {quote(table)} t SET {', '.join(assignments)}, updated_at = %s FROM {rows.sql_name} s "
               f"WHERE t.id = s.target_id AND ({' OR '.join(differences)}) RETURNING t.id")
    else:
        sql = (f"UPDATE {quote(table)} AS t SET {', '.join(assignments)}, updated_at = %s FROM {rows.sql_name} AS s "
               f"WHERE t.id = s.target_id AND ({' OR '.join(differences)}) RETURNING id")
    # SQLite resolves unqualified column names in SET to the target table, so the assignments name columns bare.
    with connection.cursor() as cursor:
        cursor.execute(sql, [now])
        return {row[0] for row in cursor.fetchall()}


def _result(state, targets, inserted, updated, matched=frozenset()):
    frame = state.frame
    lines = frame["line"].astype("int64")
    ids = object_map(lines, targets)
    outcome = pd.Series(REJECTED, index=frame.index, dtype=object)
    is_matched = lines.isin(list(matched)) & ~state.rejected
    outcome[is_matched] = UNCHANGED
    outcome[is_matched & ids.isin(list(updated))] = UPDATED
    outcome[~is_matched & ~state.rejected & ids.isin(list(inserted))] = CREATED
    ids[state.rejected] = None
    rows = pd.DataFrame({"line": lines, "outcome": outcome, "id": ids}, index=frame.index)
    return UpsertResult(rows=rows, issues=state.issues)
