import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DemoDataError, demo_data_generate
from accounts.demo.services import (
    MAX_ACCOUNTS,
    MAX_EVENTS_PER_ACCOUNT,
    MAX_INTENT_PER_ACCOUNT,
    MAX_OPPORTUNITIES_PER_ACCOUNT,
    MAX_REPS,
    MAX_SEED,
)


def _whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid whole number: {text!r}") from None


def _number(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}")
    return value


def _iso_date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date: {text!r}; use YYYY-MM-DD, such as 2025-06-30") from None


class Command(BaseCommand):
    help = (
        "Generate deterministic demo data: accounts with 2-6 contacts each (mean about 3), opportunities, "
        "engagement events and intent signals, owned by demo sales reps such as avery.chen. The same "
        "--accounts, --seed, --as-of and per-account options give the same rows on an empty database. "
        "On a database that already has accounts the command stops with an error unless --if-empty (do "
        "nothing) or --append (add rows after the existing ids) is given. On a fresh PostgreSQL database it "
        "locks the account tables until it is done. Sign in as a rep with `create_user avery.chen --role "
        "sales`. A progress bar goes to standard error unless --verbosity is 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            type=_whole_number,
            metavar="N",
            required=True,
            help=f"Number of accounts to generate, 1 to {MAX_ACCOUNTS:,}.",
        )
        parser.add_argument(
            "--seed", type=_whole_number, required=True, metavar="S", help=f"Random seed, 0 to {MAX_SEED:,}."
        )
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="The date the data is generated for, YYYY-MM-DD (default: today in TIME_ZONE). Events and "
            "intent signals fall in the 180 days before it, opportunities in the 3 years before it.",
        )
        parser.add_argument(
            "--events-per-account",
            type=_number,
            metavar="MEAN",
            default=10.0,
            help=f"Mean engagement events per account, 0 to {MAX_EVENTS_PER_ACCOUNT} (default 10); "
            "higher-fit and in-market accounts get more.",
        )
        parser.add_argument(
            "--opportunities-per-account",
            type=_number,
            metavar="MEAN",
            default=0.5,
            help=f"Mean opportunities per account, 0 to {MAX_OPPORTUNITIES_PER_ACCOUNT} (default 0.5); "
            "at most 8 per account.",
        )
        parser.add_argument(
            "--intent-per-account",
            type=_number,
            metavar="MEAN",
            default=2.0,
            help=f"Mean intent signals per account, 0 to {MAX_INTENT_PER_ACCOUNT} (default 2).",
        )
        parser.add_argument(
            "--reps",
            type=_whole_number,
            metavar="N",
            default=8,
            help=f"Number of demo sales reps who own the accounts, 0 to {MAX_REPS} (default 8).",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, and say so, when the database already has accounts.",
        )
        existing.add_argument(
            "--append",
            action="store_true",
            help="Add the demo data after existing accounts, with new ids.",
        )

    def handle(self, *args, **options):
        on_existing = "error"
        if options["if_empty"]:
            on_existing = "skip"
        elif options["append"]:
            on_existing = "append"
        try:
            result = demo_data_generate(
                accounts=options["accounts"],
                seed=options["seed"],
                as_of=options["as_of"],
                events_per_account=options["events_per_account"],
                opportunities_per_account=options["opportunities_per_account"],
                intent_per_account=options["intent_per_account"],
                reps=options["reps"],
                on_existing=on_existing,
                progress=options["verbosity"] >= 1,
            )
        except DemoDataError as error:
            raise CommandError(str(error)) from None

        if result.skipped:
            self.stdout.write(
                f"Skipped: the database already contains {result.existing_accounts:,} accounts (--if-empty)."
            )
            return
        counts = ", ".join(
            f"{rows:,} {model._meta.verbose_name_plural}" for model, rows in result.rows.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Generated {counts} in {result.total_seconds:.1f} s."))
        if result.rep_usernames:
            self.stdout.write(
                f"Accounts are owned by the sales reps {', '.join(result.rep_usernames)}. To sign in as one, run: "
                f"python manage.py create_user {result.rep_usernames[0]} --role sales"
            )
