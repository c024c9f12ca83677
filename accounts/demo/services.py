"""Generate deterministic demo data: accounts with their contacts, deals,
engagement events and intent signals, owned by a few sales reps."""

import logging
import sys
import time
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.utils import timezone
from tqdm import tqdm

from ..models import Account, Contact, EngagementEvent, IntentSignal, Opportunity
from ..roles import ROLE_GROUPS
from . import vocabulary as vocab
from .frames import (
    BLOCK_SIZE,
    REGIONS,
    WINDOW_DAYS,
    BlockIds,
    GenerationPlan,
    Rep,
    block_build,
    name_order_for,
)
from .loading import PostgresWriter, SqliteWriter, frame_complete

logger = logging.getLogger(__name__)

MODELS = [Account, Contact, Opportunity, EngagementEvent, IntentSignal]
MAX_ACCOUNTS = 10_000_000
MAX_SEED = 2**32 - 1
MAX_EVENTS_PER_ACCOUNT = 100
MAX_OPPORTUNITIES_PER_ACCOUNT = 5
MAX_INTENT_PER_ACCOUNT = 100
MAX_REPS = len(vocab.SALES_REPS)
ON_EXISTING_CHOICES = ("error", "skip", "append")
# Share of reps per region, in the order of frames.REGIONS.
REP_REGION_SHARES = [0.5, 0.3, 0.12, 0.08]


class DemoDataError(ValueError):
    """An option is invalid or the database is not ready for demo data."""


@dataclass
class DemoDataResult:
    """The rows a run wrote and the seconds each part took."""

    skipped: bool = False
    existing_accounts: int = 0
    rows: dict = field(default_factory=dict)
    # Seconds per model spent building its rows, formatting them for the
    # database and inserting them. On PostgreSQL the inserts run in a
    # background thread at the same time as the building and formatting.
    build_seconds: dict = field(default_factory=dict)
    format_seconds: dict = field(default_factory=dict)
    insert_seconds: dict = field(default_factory=dict)
    # Seconds spent after the last insert: indexes, foreign keys, sequences, statistics.
    finish_seconds: float = 0.0
    total_seconds: float = 0.0
    rep_usernames: list = field(default_factory=list)


def rep_username(first_name, last_name):
    """Return the username of a demo sales rep, such as avery.chen."""
    return f"{first_name}.{last_name}".lower()


def _check_range(name, value, low, high):
    if not low <= value <= high:
        raise DemoDataError(f"{name} must be from {low:,} to {high:,}; got {value:,}.")


def _validate(*, accounts, seed, events_per_account, opportunities_per_account, intent_per_account, reps, on_existing):
    _check_range("The number of accounts", accounts, 1, MAX_ACCOUNTS)
    _check_range("The seed", seed, 0, MAX_SEED)
    _check_range("Events per account", events_per_account, 0, MAX_EVENTS_PER_ACCOUNT)
    _check_range("Opportunities per account", opportunities_per_account, 0, MAX_OPPORTUNITIES_PER_ACCOUNT)
    _check_range("Intent signals per account", intent_per_account, 0, MAX_INTENT_PER_ACCOUNT)
    _check_range("The number of sales reps", reps, 0, MAX_REPS)
    if on_existing not in ON_EXISTING_CHOICES:
        raise DemoDataError(f"on_existing must be one of {', '.join(ON_EXISTING_CHOICES)}; got {on_existing!r}.")


def _start_of_day(day):
    """Return the start of the day in the configured time zone, as a UTC datetime64."""
    start = datetime.combine(day, clock_time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")


def sales_reps_ensure(*, count):
    """Create the first `count` demo sales reps that do not exist yet and return them with their regions.

    New reps join the Sales group with an unusable password; give one a
    password with `create_user <username> --role sales`. Existing users of
    the same name are used as they are.
    """
    if count == 0:
        return []
    sales = Group.objects.filter(name=ROLE_GROUPS["sales"]).first()
    if sales is None:
        raise DemoDataError(f"The {ROLE_GROUPS['sales']} group is missing: run `python manage.py migrate` first.")
    User = get_user_model()
    boundaries = np.cumsum(REP_REGION_SHARES)
    reps = []
    for number, (first_name, last_name) in enumerate(vocab.SALES_REPS[:count]):
        username = rep_username(first_name, last_name)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@example.com"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(sales)
        # Spread the reps over the regions in proportion to their shares.
        region = REGIONS[int(np.searchsorted(boundaries, (number + 0.5) / count, side="right"))]
        reps.append((username, Rep(user_id=user.pk, region=region)))
    return reps


def _highest_id_used(model):
    """Return the highest id the table has ever handed out, counting deleted rows."""
    table = model._meta.db_table
    highest = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass), 0)", [table]
            )
        elif connection.vendor == "sqlite":
            # AUTOINCREMENT tables keep the highest id ever used here.
            cursor.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        else:
            return highest
        return max(highest, cursor.fetchone()[0])


def _next_ids():
    """Return the first id of each table, above every id used before so that no deleted row's id is reused."""

    def next_id(model):
        return _highest_id_used(model) + 1

    return BlockIds(
        account=next_id(Account),
        contact=next_id(Contact),
        opportunity=next_id(Opportunity),
        event=next_id(EngagementEvent),
        intent_signal=next_id(IntentSignal),
    )


def _lock_and_count_accounts():
    """Return the number of accounts, after locking the demo tables on PostgreSQL."""
    try:
        if connection.vendor == "postgresql":
            # Keep other writers out until the run ends, because the run
            # writes explicit ids after the highest one in use. A second
            # `--if-empty` run waits and then finds the first one's accounts.
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in MODELS)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        return Account.objects.count()
    except (OperationalError, ProgrammingError) as error:
        raise DemoDataError(
            f"The account tables are missing or unreadable ({' '.join(str(error).split())}): "
            "run `python manage.py migrate` first."
        ) from error


def demo_data_generate(
    *,
    accounts: int,
    seed: int,
    as_of: date | None = None,
    events_per_account: float = 10.0,
    opportunities_per_account: float = 0.5,
    intent_per_account: float = 2.0,
    reps: int = 8,
    on_existing: str = "error",
    progress: bool = False,
) -> DemoDataResult:
    """Generate demo accounts and their records in one transaction.

    The rows depend only on the arguments (as_of defaults to today in the
    configured time zone) and on the first free id of each table. When
    accounts already exist, `on_existing` decides: "error" raises
    DemoDataError, "skip" writes nothing and "append" adds rows after the
    highest existing ids.
    """
    _validate(
        accounts=accounts,
        seed=seed,
        events_per_account=events_per_account,
        opportunities_per_account=opportunities_per_account,
        intent_per_account=intent_per_account,
        reps=reps,
        on_existing=on_existing,
    )
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    result = DemoDataResult()

    with transaction.atomic():
        result.existing_accounts = _lock_and_count_accounts()
        if result.existing_accounts and on_existing == "skip":
            result.skipped = True
            return result
        if result.existing_accounts and on_existing == "error":
            raise DemoDataError(
                f"The database already contains {result.existing_accounts:,} accounts. Use --if-empty to leave "
                "them alone, or --append to add demo data after them."
            )

        rep_list = sales_reps_ensure(count=reps)
        result.rep_usernames = [username for username, _ in rep_list]
        plan = GenerationPlan(
            seed=seed,
            as_of=as_of,
            reference_time=_start_of_day(as_of),
            window_start=_start_of_day(as_of - timedelta(days=WINDOW_DAYS)),
            events_per_account=float(events_per_account),
            opportunities_per_account=float(opportunities_per_account),
            intent_per_account=float(intent_per_account),
            reps=tuple(rep for _, rep in rep_list),
            name_order=name_order_for(seed),
        )
        logger.info(
            "Generating demo data: %d accounts, seed %d, as of %s, into %s", accounts, seed, as_of, connection.vendor
        )
        _write_blocks(plan, accounts=accounts, result=result, progress=progress)

    result.total_seconds = time.perf_counter() - started
    logger.info(
        "Generated demo data in %.1f s: %s",
        result.total_seconds,
        ", ".join(f"{rows} {model._meta.verbose_name_plural}" for model, rows in result.rows.items()),
    )
    return result


def _write_blocks(plan, *, accounts, result, progress):
    ids = _next_ids()
    if connection.vendor == "postgresql":
        fresh = not any(model.objects.exists() for model in MODELS)
        writer = PostgresWriter(MODELS, defer_indexes=fresh)
    else:
        writer = SqliteWriter(MODELS)
    for model in MODELS:
        result.rows[model] = 0
        result.build_seconds[model] = 0.0

    try:
        with tqdm(total=accounts, unit=" accounts", file=sys.stderr, disable=not progress, desc="Demo data") as bar:
            for block_number, start in enumerate(range(0, accounts, BLOCK_SIZE)):
                count = min(BLOCK_SIZE, accounts - start)
                block = block_build(plan, block_number=block_number, ids=ids, count=count)
                for model, frame in block.frames.items():
                    result.build_seconds[model] += block.seconds[model]
                    result.rows[model] += len(frame)
                    if not frame.empty:
                        writer.write(model, frame_complete(model, frame, reference_time=plan.reference_time))
                ids = BlockIds(
                    account=ids.account + count,
                    contact=ids.contact + len(block.frames[Contact]),
                    opportunity=ids.opportunity + len(block.frames[Opportunity]),
                    event=ids.event + len(block.frames[EngagementEvent]),
                    intent_signal=ids.intent_signal + len(block.frames[IntentSignal]),
                )
                bar.update(count)
            bar.set_postfix_str("building indexes" if getattr(writer, "defer_indexes", False) else "finishing")
            finishing = time.perf_counter()
            writer.finish()
            result.finish_seconds = time.perf_counter() - finishing
    finally:
        writer.close()
    result.format_seconds = {model: writer.format_seconds[model] for model in MODELS}
    result.insert_seconds = {model: writer.insert_seconds[model] for model in MODELS}
