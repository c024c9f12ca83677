"""Import spend by segment or program, or exchange rates, from a CSV file."""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.importing.reading import UnreadableFile
from accounts.importing.values import is_currency_code

from insights.importing import ImportFileError, exchange_rate_import, spend_import


class Command(BaseCommand):
    help = (
        "Import spend (columns month, segment or program, amount, currency, description) or exchange rates "
        "(columns currency, valid_from, rate: units of the reporting currency for one unit) from a CSV file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["spend", "rates"], help="The kind of rows in the file: spend or exchange rates.")
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument("--currency", default="USD", help="ISO 4217 code for spend rows without a currency.")
        parser.add_argument("--report", help="Write the rejected rows to this CSV file: line, column, value, reason.")
        parser.add_argument("--json", action="store_true", help="Print the counts as one JSON object.")

    def handle(self, *args, kind, file, currency, report, **options):
        if not is_currency_code(currency):
            raise CommandError(f"Invalid --currency {currency!r}: use an ISO 4217 code such as USD.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"File not found: {path}. Check the path.")
        try:
            if kind == "spend":
                summary = spend_import(content=path.read_bytes(), default_currency=currency)
            else:
                summary = exchange_rate_import(content=path.read_bytes())
        except (ImportFileError, UnreadableFile) as error:
            raise CommandError(f"Cannot import {path}: {error}") from error

        if report:
            with open(report, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "column", "value", "reason"])
                writer.writerows(summary.rejects)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        counts = summary.as_dict()
        self.stdout.write(
            f"Read {counts['rows_read']} rows: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['rejected']} rejected."
        )
        for line, column, value, reason in summary.rejects:
            self.stdout.write(f"  line {line}, {column} {value!r}: {reason}")
