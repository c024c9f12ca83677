"""Import services: run one file through reading, parsing and the upsert, and
record each import with its counts and report.
"""

import json
import logging
import time
from dataclasses import dataclass, field, replace

import pandas as pd
from django.db import transaction
from django.utils import timezone

from accounts.models import ImportKind, ImportRun, ImportStatus, Synonym

from .columns import MappingError
from .parsing import FilePreparer, ImportOptions
from .reading import DELIMITER_NAMES, UnreadableFile, read_table
from .report import Issue, Outcome, report_csv
from .upsert import CREATED, REJECTED, UNCHANGED, UPDATED, ConcurrentWriteError, upsert_records
from .values import UNITS

logger = logging.getLogger(__name__)

# Errors that stop a whole file. Their message names the problem and what to change.
FILE_ERRORS = (UnreadableFile, MappingError, ConcurrentWriteError)


class ImportFailed(ValueError):
    """The file cannot be imported at all. The message gives the reason."""


@dataclass
class ImportSummary:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    elapsed_seconds: float = 0.0
    dry_run: bool = False
    issues: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    unknown_values: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ""
    rows: pd.DataFrame | None = None
    """Per-row outcome: line, outcome and record id."""

    def as_dict(self):
        """Return the summary for --json and the import record, without the per-row detail."""
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": self.columns,
            "notes": self.notes,
            "unknown_values": self.unknown_values,
            "issues": len(self.issues),
        }

    @property
    def report(self):
        return report_csv(self.issues)


def options_from_mapping_file(data, **overrides):
    """Build ImportOptions from a mapping file's JSON and command-line overrides (None means not given).

    The file is either {column: field} or {"columns": {...}, "units": {...},
    "currency": ..., "date_format": ..., "decimal_comma": ..., "source": ...}.
    """
    if not isinstance(data, dict):
        raise MappingError("The mapping file must hold a JSON object.")
    settings = dict(data) if "columns" in data else {"columns": data}
    known = {"columns", "units", "currency", "date_format", "decimal_comma", "source", "encoding", "delimiter"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise MappingError(f"The mapping file has unknown keys: {', '.join(unknown)}. Known keys: {', '.join(sorted(known))}.")
    options = ImportOptions(mapping=settings.get("columns") or {})
    for name in ("units", "currency", "date_format", "decimal_comma", "source", "encoding", "delimiter"):
        if settings.get(name) is not None:
            setattr(options, name, settings[name])
    for name, value in overrides.items():
        if value is not None:
            setattr(options, name, value)
    validate_options(options)
    return options


def validate_options(options):
    from .values import is_currency_code

    for column, unit in (options.units or {}).items():
        if unit not in UNITS:
            raise MappingError(f"The unit '{unit}' of '{column}' is unknown; use one of: {', '.join(UNITS)}.")
    currency = str(options.currency or "").upper()
    if not is_currency_code(currency):
        raise MappingError(f"'{options.currency}' is not an ISO 4217 currency code such as USD or EUR.")
    options.currency = currency
    if options.delimiter is not None and options.delimiter not in DELIMITER_NAMES:
        names = ", ".join(f"{name} ({delimiter!r})" for delimiter, name in DELIMITER_NAMES.items())
        raise MappingError(f"The delimiter {options.delimiter!r} is not supported; use one of: {names}.")
    if options.date_format and "%" not in options.date_format:
        raise MappingError(f"The date format '{options.date_format}' has no % codes; write it like %d/%m/%Y.")
    if not options.source or len(options.source) > 64:
        raise MappingError("The source must be a name of 1 to 64 characters, such as crm or hubspot.")


def import_file(*, kind, content, options=None, dry_run=False, progress=None):
    """Import one CSV file's bytes as records of kind; return an ImportSummary.

    Rows that fail are rejected with a reason and never block the others.
    Raises ImportFailed when the file as a whole cannot be read or mapped.
    progress, if given, is called as progress(step, percent).
    """
    started = time.monotonic()
    options = options or ImportOptions()
    report_progress = progress or (lambda step, percent: None)
    try:
        validate_options(options)
        report_progress("Reading the file", 5)
        table = read_table(content, encoding=options.encoding, delimiter=options.delimiter)
        report_progress("Parsing values", 20)
        prepared = FilePreparer(
            kind=kind, table=table.frame, lines=table.lines, options=options,
            # Parsing moves the bar from 20 to 55 %; the write that follows runs in one transaction,
            # so progress written during it would only show once it is over.
            progress=lambda done, total: report_progress("Parsing values", 20 + 35 * done // max(total, 1)),
        ).prepare()
        report_progress("Writing records", 60)
        accepted = prepared.frame[~prepared.rejected]
        result = upsert_records(kind=kind, rows=accepted, source=options.source,
                                default_currency=options.currency, dry_run=dry_run)
    except FILE_ERRORS as error:
        raise ImportFailed(str(error)) from None

    # The upsert names fields; the report names the file's columns.
    header_for = {target: header for header, targets in prepared.plan["targets"].items() for target in targets}
    issues = list(prepared.issues) + [
        replace(issue, column=header_for.get(issue.column, issue.column)) for issue in result.issues
    ]
    for bad in table.bad_records:
        issues.append(Issue(bad.line, "", "", Outcome.REJECTED,
                            f"The row has {bad.field_count} fields but the header has {len(table.frame.columns)}; "
                            "check for an unquoted delimiter inside a value."))
    rows = result.rows
    rejected_lines = prepared.frame.loc[prepared.rejected, "line"]
    rejected_rows = pd.DataFrame({"line": rejected_lines.astype(int), "outcome": REJECTED, "id": None})
    bad_rows = pd.DataFrame({"line": [bad.line for bad in table.bad_records], "outcome": REJECTED, "id": None})
    all_rows = pd.concat([frame for frame in (rows, rejected_rows, bad_rows) if not frame.empty] or [rows],
                         ignore_index=True).sort_values("line", ignore_index=True)
    counts = all_rows["outcome"].value_counts()
    summary = ImportSummary(
        rows_read=len(table.frame) + len(table.bad_records),
        created=int(counts.get(CREATED, 0)),
        updated=int(counts.get(UPDATED, 0)),
        unchanged=int(counts.get(UNCHANGED, 0)),
        rejected=int(counts.get(REJECTED, 0)),
        elapsed_seconds=time.monotonic() - started,
        dry_run=dry_run,
        issues=issues,
        notes=prepared.notes,
        unknown_values=prepared.unknown_values,
        columns=prepared.plan,
        encoding=table.encoding,
        delimiter=DELIMITER_NAMES.get(table.delimiter, table.delimiter),
        rows=all_rows,
    )
    report_progress("Done", 100)
    logger.info("Imported %s: %s", kind, json.dumps({key: summary.as_dict()[key] for key in
                                                     ("rows_read", "created", "updated", "unchanged", "rejected")}))
    return summary


def import_run_create(*, kind, file_name, content, options, created_by=None, dry_run=False):
    """Record a queued import of an uploaded file; import_run_execute runs it."""
    return ImportRun.objects.create(
        kind=ImportKind(kind),
        file_name=file_name[:255],
        content=content,
        options=options.as_dict(),
        source=options.source,
        dry_run=dry_run,
        created_by=created_by,
    )


def import_run_execute(*, import_run_id):
    """Run a recorded import and store its counts and report; return the ImportRun.

    Safe to call again for a run that a lost worker left unfinished: the
    upsert is idempotent, so a repeat only finds rows unchanged.
    """
    run = ImportRun.objects.get(pk=import_run_id)
    if run.is_finished:
        return run
    # NOTE: a run whose worker was killed stays "running" until the broker delivers the task again
    # (tasks are acknowledged late); nothing marks it failed before that.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now(),
                                               progress=0, progress_step="Starting")

    def progress(step, percent):
        ImportRun.objects.filter(pk=run.pk).update(progress=percent, progress_step=step)

    options = ImportOptions(**run.options)
    try:
        summary = import_file(kind=run.kind, content=bytes(run.content or b""), options=options,
                              dry_run=run.dry_run, progress=progress)
    except ImportFailed as error:
        logger.warning("Import %s of %s failed: %s", run.pk, run.file_name, error)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, error=str(error), finished_at=timezone.now(), content=None,
            progress=100, progress_step="Failed")
        run.refresh_from_db()
        return run
    except Exception as error:
        logger.exception("Import %s of %s failed unexpectedly", run.pk, run.file_name)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), progress=100, progress_step="Failed",
            error=f"The import stopped on an unexpected error ({type(error).__name__}); nothing was written. "
                  "Tell your administrator; the server log has the details.")
        raise

    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
            rows_total=summary.rows_read,
            rows_read=summary.rows_read,
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
            rejected=summary.rejected,
            elapsed_seconds=summary.elapsed_seconds,
            summary=summary.as_dict(),
            report=summary.report,
            progress=100,
            progress_step="Done",
            content=None,
        )
    run.refresh_from_db()
    return run


def synonym_save(*, kind, synonym, value, user=None):
    """Create or update a synonym table entry; synonym is already in matching form. Returns the Synonym."""
    entry, _ = Synonym.objects.update_or_create(
        kind=kind, synonym=synonym, defaults={"value": value, "updated_by": user}
    )
    logger.info("Synonym %s '%s' -> '%s' saved by %s", kind, synonym, value, getattr(user, "pk", None))
    return entry


def synonym_delete(*, synonym_id, user=None):
    """Delete a synonym table entry; return False when it did not exist."""
    deleted, _ = Synonym.objects.filter(pk=synonym_id).delete()
    if deleted:
        logger.info("Synonym %s deleted by %s", synonym_id, getattr(user, "pk", None))
    return bool(deleted)
