"""The account table's storage on PostgreSQL: pages keep room for in-place updates."""

import pytest
from django.db import connection
from django.db.models import F

from accounts.models import Account

pytestmark = pytest.mark.django_db

ROWS = 60


def in_place_updates():
    """Return the account updates of this transaction that PostgreSQL made in place (heap-only tuples)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [Account._meta.db_table],
        )
        return cursor.fetchone()


def test_a_whole_table_update_of_unindexed_columns_writes_no_index_entry():
    if connection.vendor != "postgresql":
        pytest.skip("fill factor and heap-only updates are PostgreSQL storage features")
    Account.objects.bulk_create(
        Account(name=f"Account {number}", domain=f"account{number}.example", engagement_score=number)
        for number in range(ROWS)
    )
    before_updates, before_in_place = in_place_updates()

    # What the nightly run does to derived attributes: one statement over every row, no indexed column.
    assert Account.objects.update(engagement_score=F("engagement_score") * 0.5, won_revenue=1) == ROWS

    updates, in_place = in_place_updates()
    assert (updates - before_updates, in_place - before_in_place) == (ROWS, ROWS)
