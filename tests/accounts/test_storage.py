"""The account table's storage on PostgreSQL: room for in-place updates, and compaction after big runs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F

from accounts.maintenance import MIN_COMPACT_BYTES, account_table_compact, account_table_sizes
from accounts.models import Account
from tests.postgres import second_connection
from tests.segmentation.pipeline_helpers import eager_pipeline, make_account, run_pipeline  # noqa: F401

pytestmark = pytest.mark.django_db

ROWS = 60

needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="fill factor, page space and VACUUM FULL are PostgreSQL storage"
)


def in_place_updates():
    """Return the account updates of this transaction, and those PostgreSQL made in place (heap-only tuples)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [Account._meta.db_table],
        )
        return cursor.fetchone()


def create_accounts(count):
    Account.objects.bulk_create(
        Account(name=f"Account {number}", domain=f"account{number}.example", engagement_score=number)
        for number in range(count)
    )


@needs_postgres
def test_unindexed_column_updates_stay_in_place():
    create_accounts(ROWS)
    before_updates, before_in_place = in_place_updates()

    # What the nightly run does to derived attributes: one statement over every row, no indexed column.
    assert Account.objects.update(engagement_score=F("engagement_score") * 0.5, won_revenue=1) == ROWS

    updates, in_place = in_place_updates()
    assert updates - before_updates == ROWS
    assert in_place - before_in_place == ROWS


def rewrite_accounts_three_times():
    """Change every account's tier and score three times in one transaction, as a first run does."""
    with transaction.atomic():
        for tier in (1, 2, 3):
            Account.objects.update(icp_tier=tier, icp_score=tier * 10)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_compaction_shrinks_a_rewritten_table():
    create_accounts(3000)
    rewrite_accounts_three_times()
    size, needed = account_table_sizes()
    assert size >= 2 * needed

    result = account_table_compact(min_ratio=2, min_bytes=0)

    if result.dead_rows_kept:
        pytest.skip("another session on this server has a transaction older than the rewrites open")
    assert result.compacted
    assert result.size_before == size
    assert result.size_after < 1.5 * needed
    assert Account.objects.filter(icp_tier=3).count() == 3000


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_compaction_waits_for_an_older_transaction():
    create_accounts(3000)
    reader = second_connection()
    try:
        with reader.cursor() as cursor:
            # A snapshot from before the rewrites, which may still read the versions they replace.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SELECT count(*) FROM {Account._meta.db_table}")
        rewrite_accounts_three_times()

        result = account_table_compact(min_ratio=2, min_bytes=0)
    finally:
        reader.close()

    assert not result.compacted
    assert result.dead_rows_kept >= 3000


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_compaction_leaves_a_compact_table():
    create_accounts(3000)

    result = account_table_compact(min_ratio=2, min_bytes=0)

    assert not result.compacted
    assert result.ratio < 2
    assert account_table_sizes()[0] == result.size_before


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_compaction_leaves_a_small_table():
    create_accounts(3000)
    rewrite_accounts_three_times()

    result = account_table_compact(min_ratio=2)

    assert not result.compacted
    assert result.size_before < MIN_COMPACT_BYTES
    assert result.size_needed == 0  # not read


def test_compaction_does_nothing_off_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("checks the other databases")
    assert account_table_compact(min_ratio=2) is None


def test_full_run_schedules_compaction_check(
    eager_pipeline, settings, monkeypatch, django_capture_on_commit_callbacks  # noqa: F811
):
    settings.ACCOUNTS_COMPACT_RATIO = 3
    checks = []
    monkeypatch.setattr("accounts.tasks.account_table_compact", lambda *, min_ratio: checks.append(min_ratio))
    make_account("Initech")

    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline(full=True)

    assert checks == [3]


def test_other_runs_skip_compaction_check(
    eager_pipeline, settings, monkeypatch, django_capture_on_commit_callbacks  # noqa: F811
):
    checks = []
    monkeypatch.setattr("accounts.tasks.account_table_compact", lambda *, min_ratio: checks.append(min_ratio))
    make_account("Initech")
    run_pipeline(full=True)  # with no earlier run, every run is full
    make_account("Globex")

    with django_capture_on_commit_callbacks(execute=True):
        incremental = run_pipeline(full=False)
    settings.ACCOUNTS_COMPACT_RATIO = 0
    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline(full=True)

    assert not incremental.full
    assert checks == []


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_compact_command_reports_sizes():
    create_accounts(200)
    output = StringIO()

    call_command("compact_accounts", stdout=output)

    assert output.getvalue().startswith("Compacted the account table from ")


def test_compact_command_rejects_bad_ratio():
    with pytest.raises(CommandError) as error:
        call_command("compact_accounts", "--min-ratio", "lots")
    assert "--min-ratio must be a number of at least 0; got 'lots'" in str(error.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_compact_command_rejects_other_ratios(value):
    with pytest.raises(CommandError) as error:
        call_command("compact_accounts", "--min-ratio", value)
    assert f"got '{value}'" in str(error.value)
