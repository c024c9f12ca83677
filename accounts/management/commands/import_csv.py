import argparse
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.importing.columns import MappingError
from accounts.importing.services import (
    import_run_create,
    import_run_execute,
    options_from_mapping_file,
)
from accounts.importing.values import UNITS
from accounts.models import DEFAULT_SOURCE, ImportKind, ImportStatus

DELIMITER_CHOICES = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


def unit_argument(text):
    column, separator, unit = text.partition("=")
    if not separator or not column or unit not in UNITS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not COLUMN=UNIT with a unit out of {', '.join(UNITS)}, such as annual_revenue=millions."
        )
    return column, unit


class Command(BaseCommand):
    help = (
        "Import a CSV export of accounts, contacts, opportunities, engagement events or intent signals. "
        "Rows are matched by external id (and, without one, by domain for accounts or email for contacts) "
        "and created or updated; rejected rows are listed with their line and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values, help="The kind of records in the file.")
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--mapping", type=Path,
            help='A JSON file: {"Column header": "field"} or {"columns": {...}, "units": {...}, "currency": "EUR", '
                 '"date_format": "%%d/%%m/%%Y", "decimal_comma": true, "source": "hubspot"}.',
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count everything, then write nothing.")
        parser.add_argument("--report", type=Path, help="Write the reject report (line, column, value, reason) to this CSV.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the summary as one JSON object.")
        parser.add_argument("--source", help=f"The system the records come from (default {DEFAULT_SOURCE}).")
        parser.add_argument("--currency", help="The ISO 4217 currency of amounts in rows that name none (default USD).")
        parser.add_argument(
            "--unit", action="append", type=unit_argument, default=[], metavar="COLUMN=UNIT",
            help=f"The unit of a money column or field, one of {', '.join(UNITS)}; repeat for several columns.",
        )
        parser.add_argument("--date-format", help="The strptime format of every date, such as %%d/%%m/%%Y.")
        parser.add_argument(
            "--decimal-comma", action="store_true", default=None,
            help="Numbers are in the European format: 1.200.000,50.",
        )
        parser.add_argument("--encoding", help="The file's encoding; detected when left out.")
        parser.add_argument("--delimiter", choices=sorted(DELIMITER_CHOICES), help="Detected when left out.")
        parser.add_argument("--user", help="The user name recorded as having run the import.")

    def handle(self, *args, kind, file, mapping, dry_run, report, as_json, **options):
        content = self._read(file)
        mapping_data = self._read_mapping(mapping) if mapping else {}
        units = dict(mapping_data.get("units") or {}) if "columns" in mapping_data else {}
        units.update(dict(options["unit"]))
        try:
            import_options = options_from_mapping_file(
                mapping_data,
                source=options["source"],
                currency=options["currency"],
                date_format=options["date_format"],
                decimal_comma=options["decimal_comma"],
                encoding=options["encoding"],
                delimiter=DELIMITER_CHOICES.get(options["delimiter"]) if options["delimiter"] else None,
                units=units or None,
            )
        except MappingError as error:
            raise CommandError(str(error)) from None

        user = self._user(options["user"]) if options["user"] else None
        run = import_run_create(kind=kind, file_name=file.name, content=content, options=import_options,
                                created_by=user, dry_run=dry_run)
        run = import_run_execute(import_run_id=run.pk)
        if run.status == ImportStatus.FAILED:
            raise CommandError(f"{file}: {run.error}")
        if report:
            try:
                report.write_text(run.report, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write the report {report}: {error.strerror}.") from None
        if as_json:
            self._print_json(run)
        else:
            self._print_text(run, file, report)

    def _read(self, path):
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _read_mapping(self, path):
        try:
            return json.loads(self._read(path).decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"The mapping file {path} is not valid JSON: {error}.") from None

    def _user(self, username):
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user is named '{username}'; create it with the create_user command.") from None

    def _print_json(self, run):
        summary = {
            "import_id": run.pk,
            "rows_read": run.rows_read,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
            "elapsed_seconds": round(run.elapsed_seconds or 0, 3),
            "dry_run": run.dry_run,
            "notes": run.summary.get("notes", []),
            "unknown_values": run.summary.get("unknown_values", {}),
        }
        self.stdout.write(json.dumps(summary))

    def _print_text(self, run, file, report):
        prefix = "Dry run, nothing written: " if run.dry_run else ""
        self.stdout.write(
            f"{prefix}{file.name}: {run.rows_read} rows read, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.rejected} rejected in {run.elapsed_seconds:.2f} s."
        )
        for note in run.summary.get("notes", []):
            self.stdout.write(f"Note: {note}")
        issues = run.report.splitlines()[1:]
        if issues and not report:
            shown = issues[:20]
            self.stdout.write("line,column,value,outcome,reason")
            self.stdout.write("\n".join(shown))
            if len(issues) > len(shown):
                self.stdout.write(f"... and {len(issues) - len(shown)} more; write them all with --report FILE.")
        elif issues:
            self.stdout.write(f"{len(issues)} problem(s) written to {report}.")
