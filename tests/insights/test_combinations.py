"""Segment combinations: how they are built, when they count as stale, and that KPIs read them only when fresh."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Contact
from insights.combinations import combinations_fresh, combinations_ready, combinations_rebuild
from insights.kpis.groups import grouping_for
from insights.kpis.table import kpi_table
from insights.models import AccountCombination, CombinationBuild, SegmentCombination, SegmentCombinationMember
from insights.overlap import overlap_matrix
from insights.periods import parse_period
from insights.tasks import segment_combinations_build_task
from segmentation.models import ObjectType, Segment, SegmentMembership
from segmentation.services.segments import segment_recompute

from .builders import add_member, make_account, make_deal, make_segment

pytestmark = pytest.mark.django_db

MARCH = parse_period("2024-03")


@pytest.fixture
def world():
    """Accounts in segments A and B, in A alone, in none, and one that left A."""
    both = [make_account(f"Both {i}") for i in range(2)]
    only_a, outside, former = make_account("Only A"), make_account("Outside"), make_account("Former")
    a, b = make_segment("A"), make_segment("B")
    for account in both:
        add_member(a, account, entered=date(2024, 1, 1))
        add_member(b, account, entered=date(2024, 1, 2))
    add_member(a, only_a, entered=date(2024, 1, 1))
    add_member(a, former, entered=date(2024, 1, 1), exited=date(2024, 2, 1))
    return {"a": a, "b": b, "both": both, "only_a": only_a, "outside": outside, "former": former}


def combination_of(account):
    row = AccountCombination.objects.filter(account=account).select_related("combination").first()
    return None if row is None else sorted(row.combination.members.values_list("segment_id", flat=True))


def test_build_groups_accounts_by_segments(world):
    contacts = Segment.objects.create(
        name="Contacts", slug="contacts", lens="persona", status="active", rule={"all": []},
        object_type=ObjectType.CONTACTS,
    )
    contact = Contact.objects.create(account=world["outside"], email="c@example.com")
    SegmentMembership.objects.create(segment=contacts, contact=contact, entered_at=timezone.now())

    build = combinations_rebuild()

    a, b = world["a"].pk, world["b"].pk
    assert [combination_of(account) for account in world["both"]] == [sorted([a, b])] * 2
    assert combination_of(world["only_a"]) == [a]
    # No current account segment: no combination, and a contact segment does not give one.
    assert combination_of(world["outside"]) is None
    assert combination_of(world["former"]) is None
    assert sorted(SegmentCombination.objects.values_list("account_count", flat=True)) == [1, 2]
    assert (build.accounts, build.combinations) == (3, 2)
    assert CombinationBuild.objects.get().membership_version == build.membership_version


def test_rebuild_replaces_old_build(world):
    combinations_rebuild()
    SegmentMembership.objects.filter(account=world["only_a"]).update(exited_at=timezone.now())
    add_member(world["b"], world["outside"], entered=date(2024, 2, 1))

    combinations_rebuild()

    assert combination_of(world["only_a"]) is None
    assert combination_of(world["outside"]) == [world["b"].pk]
    assert AccountCombination.objects.count() == 3
    assert CombinationBuild.objects.count() == 1


def test_rebuild_writes_only_changes(world):
    combinations_rebuild()
    unchanged = AccountCombination.objects.get(account=world["both"][0]).combination_id
    only_a = AccountCombination.objects.get(account=world["only_a"]).combination_id
    SegmentMembership.objects.filter(account=world["only_a"]).update(exited_at=timezone.now())
    add_member(world["b"], world["outside"], entered=date(2024, 2, 1))

    combinations_rebuild()

    # Unchanged accounts keep their combination; a combination no account has is gone with its members.
    assert AccountCombination.objects.get(account=world["both"][0]).combination_id == unchanged
    assert not SegmentCombination.objects.filter(pk=only_a).exists()
    assert not SegmentCombinationMember.objects.filter(combination_id=only_a).exists()
    assert combination_of(world["outside"]) == [world["b"].pk]
    sizes = dict(SegmentCombination.objects.values_list("key", "account_count"))
    assert sizes == {f"{world['a'].pk},{world['b'].pk}": 2, str(world["b"].pk): 1}
    assert SegmentCombinationMember.objects.count() == 3


def test_stale_after_membership_changes(world):
    assert not combinations_fresh()
    combinations_rebuild()
    assert combinations_fresh()

    add_member(world["b"], world["outside"], entered=date(2024, 2, 1))
    assert not combinations_fresh()
    combinations_rebuild()

    # A recompute that only closes stays opens none, so the stamp it leaves on the segment must tell.
    world["b"].rule = {"field": "name", "op": "eq", "value": "Outside"}
    world["b"].save()
    combinations_rebuild()
    segment_recompute(segment=world["b"], now=timezone.now())
    assert not combinations_fresh()
    combinations_rebuild()

    world["b"].delete()
    assert not combinations_fresh()


def test_build_task_skips_fresh_build(world):
    assert segment_combinations_build_task() is True
    assert segment_combinations_build_task() is False


def test_kpis_read_fresh_combinations_only(world, django_capture_on_commit_callbacks):
    make_deal(world["only_a"], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=100)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        stale = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    assert not any(AccountCombination._meta.db_table in query["sql"] for query in queries)
    # The stale read asked a worker for a new build, once.
    assert requested_tasks(callbacks).count("insights.tasks.segment_combinations_build_task") == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert not combinations_ready()
    assert callbacks == []

    combinations_rebuild()
    with CaptureQueriesContext(connection) as queries:
        fresh = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    assert any(AccountCombination._meta.db_table in query["sql"] for query in queries)
    assert [(row.key, row.values, row.samples) for row in fresh.rows] == [
        (row.key, row.values, row.samples) for row in stale.rows
    ]


def test_more_groups_than_one_mask_holds():
    """Seventy segments span two mask columns; a chain of overlaps crosses the boundary between them."""
    segments = [make_segment(f"Chain {index:02d}") for index in range(70)]
    for index, segment in enumerate(segments):
        account = make_account(f"Link {index:02d}")
        add_member(segment, account, entered=date(2024, 1, 1))
        if index + 1 < len(segments):
            add_member(segments[index + 1], account, entered=date(2024, 1, 1))
        make_deal(account, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=index + 1)
    make_deal(make_account("Outside"), status="lost", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=7)

    stale = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    combinations_rebuild()
    fresh = kpi_table(grouping=grouping_for("segment"), period=MARCH)

    rows = {row.key: row for row in fresh.rows}
    # Segment k contains the accounts of links k and k - 1.
    assert rows[str(segments[62].pk)].values["pipeline_created"] == pytest.approx(63 + 62)
    assert rows[str(segments[62].pk)].values["accounts"] == 2
    assert rows[str(segments[0].pk)].values["pipeline_created"] == pytest.approx(1)
    assert rows["unassigned"].values["pipeline_created"] == pytest.approx(7)
    assert [(row.key, row.values, row.samples) for row in fresh.rows] == [
        (row.key, row.values, row.samples) for row in stale.rows
    ]


@pytest.mark.usefixtures("membership_source")
def test_no_chosen_segments_all_unassigned(world):
    Segment.objects.update(status="draft")
    make_deal(world["both"][0], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=100)

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    rows = {row.key: row for row in table.rows}

    assert set(rows) == {"unassigned", "total"}
    assert rows["unassigned"].values["pipeline_created"] == pytest.approx(100)


@pytest.mark.usefixtures("membership_source")
def test_unchosen_segment_accounts_unassigned(world):
    make_deal(world["both"][0], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=100)
    make_deal(world["outside"], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=20)
    make_deal(world["only_a"], status="lost", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=5)

    table = kpi_table(grouping=grouping_for("segment", segment_ids=[world["b"].pk]), period=MARCH)
    rows = {row.key: row for row in table.rows}

    assert rows[str(world["b"].pk)].values["pipeline_created"] == pytest.approx(100)
    assert rows["unassigned"].values["pipeline_created"] == pytest.approx(25)
    assert rows["unassigned"].samples["win_rate"] == 2
    assert rows["total"].values["pipeline_created"] == pytest.approx(125)


def test_overlap_from_combinations_matches_memberships(world):
    segments = [world["a"], world["b"]]
    from_memberships = overlap_matrix(segments=segments)
    combinations_rebuild()
    with CaptureQueriesContext(connection) as queries:
        from_combinations = overlap_matrix(segments=segments)
    counting = [query["sql"] for query in queries if "GROUP BY" in query["sql"]]
    assert counting
    assert all(SegmentCombinationMember._meta.db_table in sql for sql in counting)
    assert not any(SegmentMembership._meta.db_table in sql for sql in counting)
    assert from_combinations.sizes == from_memberships.sizes == {world["a"].pk: 3, world["b"].pk: 2}
    assert from_combinations.shared.equals(from_memberships.shared)


def requested_tasks(callbacks):
    """Return the task paths that on-commit callbacks would start."""
    return [callback.args[0] for callback in callbacks if getattr(callback, "args", None)]


def test_broker_outage_keeps_figures(world, monkeypatch, caplog, django_capture_on_commit_callbacks):
    from insights import tasks

    def broker_down():
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.segment_combinations_build_task, "delay", broker_down)
    make_deal(world["only_a"], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=100)

    with django_capture_on_commit_callbacks(execute=True):
        table = kpi_table(grouping=grouping_for("segment"), period=MARCH)

    assert next(row for row in table.rows if row.key == str(world["a"].pk)).values["pipeline_created"] == 100
    assert "Could not start insights.tasks.segment_combinations_build_task" in caplog.text


def test_cache_outage_keeps_figures(world, monkeypatch, caplog):
    from django.core.cache import caches

    def cache_down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(caches["insights"], "add", cache_down)
    make_deal(world["only_a"], status="won", created=date(2024, 3, 1), closed=date(2024, 3, 9), amount=100)

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    overlap = overlap_matrix(segments=[world["a"], world["b"]])

    assert next(row for row in table.rows if row.key == str(world["a"].pk)).values["pipeline_created"] == 100
    assert overlap.sizes[world["a"].pk] == 3
    assert "Could not record a request for insights.tasks.segment_combinations_build_task" in caplog.text


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the build lock is a PostgreSQL advisory lock")
def test_second_concurrent_build_stops(world):
    from insights.combinations import BUILD_LOCK
    from tests.postgres import second_connection

    other = second_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])
            assert combinations_rebuild() is None
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])
    finally:
        other.close()
    assert not CombinationBuild.objects.exists()
    assert combinations_rebuild() is not None
