import math

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from accounts.maintenance import account_table_compact


def ratio(value):
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number < 0:
        raise CommandError(f"--min-ratio must be a number of at least 0; got {value!r}.")
    return number


class Command(BaseCommand):
    help = (
        "Rewrite the account table with VACUUM FULL on PostgreSQL, which blocks reads and writes of accounts "
        "while it runs (about 12 s for 1M accounts). Full recompute runs do this by themselves when the table "
        "takes ACCOUNTS_COMPACT_RATIO times the space its rows need."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-ratio",
            default="0",
            help="Compact only when the table takes at least this many times the space its rows need "
            "(default 0: always).",
        )

    def handle(self, *args, min_ratio, **options):
        min_ratio = ratio(min_ratio)
        try:
            result = account_table_compact(min_ratio=min_ratio, min_bytes=0)
        except OperationalError as error:
            raise CommandError(
                f"The account table was not compacted: {str(error).strip()}. Try again when fewer sessions use it."
            )
        if result is None:
            self.stdout.write("Only PostgreSQL tables are compacted, so this database is left as it is.")
        elif result.dead_rows_kept:
            self.stdout.write(
                f"Not compacted: {result.dead_rows_kept} old row versions are kept for a transaction that began "
                "before they were replaced. Try again when it has ended."
            )
        elif not result.size_needed:
            self.stdout.write("The account table has no rows, so there is nothing to compact.")
        elif result.compacted:
            self.stdout.write(
                f"Compacted the account table from {result.size_before / 2**20:.0f} MB to "
                f"{result.size_after / 2**20:.0f} MB in {result.seconds:.1f} s."
            )
        else:
            self.stdout.write(
                f"The account table takes {result.ratio:.1f} times the space its rows need, "
                f"below {min_ratio:.1f}: not compacted."
            )
