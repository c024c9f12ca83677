"""Journey placement on the ladder and the segments-by-stage heatmap."""

import datetime
import importlib

import pytest
from django.db.models import Count

from accounts.models import Account, Contact, Opportunity
from plays.models import JourneyStage
from plays.selectors import journey_accounts, journey_heatmap
from plays.services import journey_stage_save, journey_stages_place
from segmentation.models import SegmentMembership

from .conftest import NOW, leave_segment, make_account, make_event, make_segment

pytestmark = pytest.mark.django_db
DEFAULTS = importlib.import_module("plays.migrations.0002_default_journey_stages").DEFAULT_STAGES


@pytest.fixture
def default_ladder():
    """The ladder the migration seeds; the tests may run without migrations."""
    JourneyStage.objects.all().delete()
    JourneyStage.objects.bulk_create(
        JourneyStage(key=key, name=name, position=position, rule=rule, description=description)
        for position, (key, name, rule, description) in enumerate(DEFAULTS, start=1)
    )


def stage_of(account):
    account.refresh_from_db()
    return account.journey_stage


def test_default_ladder_order(default_ladder):
    keys = list(JourneyStage.objects.order_by("position").values_list("key", flat=True))
    assert keys == ["target", "aware", "engaged", "evaluating", "deciding", "customer", "expanding", "advocate"]


def test_most_advanced_stage_wins(default_ladder):
    # Meets customer, expanding and advocate (and aware through in_market).
    account = make_account(lifecycle_stage="expansion", health_score=90, in_market=True)

    journey_stages_place(now=NOW)

    assert stage_of(account) == "advocate"


def test_each_default_stage(default_ladder):
    quiet = make_account("Quiet")
    aware = make_account("Aware", in_market=True)
    engaged = make_account("Engaged")
    for days in (3, 10):
        make_event(engaged, "content_download", NOW - datetime.timedelta(days=days))
    evaluating = make_account("Evaluating")
    Opportunity.objects.create(account=evaluating, status="open")
    deciding = make_account("Deciding")
    Opportunity.objects.create(account=deciding, status="open")
    Contact.objects.create(account=deciding, buying_role="economic_buyer")
    make_event(deciding, "meeting", NOW - datetime.timedelta(days=2))
    customer = make_account("Customer", lifecycle_stage="customer", health_score=50)
    expanding = make_account("Expanding", lifecycle_stage="customer", health_score=50)
    Opportunity.objects.create(account=expanding, status="open", type="expansion")
    advocate = make_account("Advocate", lifecycle_stage="renewal", health_score=80)

    counts = journey_stages_place(now=NOW)

    expected = {
        quiet: "target", aware: "aware", engaged: "engaged", evaluating: "evaluating", deciding: "deciding",
        customer: "customer", expanding: "expanding", advocate: "advocate",
    }
    assert {account.name: stage_of(account) for account in expected} == {a.name: s for a, s in expected.items()}
    assert counts["moved"] == 8


def test_placement_is_idempotent(default_ladder):
    make_account(in_market=True)
    make_account()

    first = journey_stages_place(now=NOW)
    second = journey_stages_place(now=NOW)

    assert first["moved"] == 2
    assert second["moved"] == 0
    assert second["by_stage"] == {"aware": 1, "target": 1}


def test_account_moves_down_when_rule_stops_matching(default_ladder):
    account = make_account(in_market=True)
    journey_stages_place(now=NOW)
    Account.objects.filter(pk=account.pk).update(in_market=False)

    journey_stages_place(now=NOW)

    assert stage_of(account) == "target"


def test_ladder_without_catch_all_leaves_unmatched_unplaced():
    JourneyStage.objects.all().delete()
    in_market = {"field": "in_market", "op": "eq", "value": True}
    JourneyStage.objects.create(key="hot", name="Hot", position=2, rule=in_market)
    JourneyStage.objects.create(
        key="big", name="Big", position=1, rule={"field": "employee_count", "op": "gte", "value": 1000}
    )
    both = make_account("Both", in_market=True, employee_count=5000, journey_stage="old-stage")
    big = make_account("Big", employee_count=5000)
    neither = make_account("Neither", journey_stage="old-stage")

    journey_stages_place(now=NOW)

    assert (stage_of(both), stage_of(big), stage_of(neither)) == ("hot", "big", "")


def test_stage_with_invalid_rule_is_rejected():
    stage = JourneyStage(key="bad", name="Bad", position=40, rule={"field": "no_such_field", "op": "eq", "value": 1})
    with pytest.raises(Exception) as raised:
        journey_stage_save(stage=stage)
    assert "no_such_field" in str(raised.value)
    assert not JourneyStage.objects.filter(key="bad").exists()


def test_stage_key_cannot_change(default_ladder):
    stage = JourneyStage.objects.get(key="aware")
    stage.key = "known"
    with pytest.raises(Exception) as raised:
        journey_stage_save(stage=stage)
    assert "cannot change" in str(raised.value)


class TestHeatmap:
    def test_counts_match_direct_query(self, default_ladder):
        accounts = [make_account(in_market=n % 3 == 0, lifecycle_stage="customer" if n % 4 == 0 else "")
                    for n in range(24)]
        make_segment("fintech", accounts[:15])
        retail = make_segment("retail", accounts[10:])
        leave_segment(retail, accounts[20])
        journey_stages_place(now=NOW)
        Account.objects.filter(pk=accounts[11].pk).update(journey_stage="deleted-stage")

        heatmap = journey_heatmap()

        direct = {
            (segment_id, stage): count
            for segment_id, stage, count in SegmentMembership.objects.filter(exited_at__isnull=True)
            .values_list("segment_id", "account__journey_stage")
            .annotate(n=Count("id"))
        }
        keys = list(JourneyStage.objects.order_by("position").values_list("key", flat=True))
        for row in heatmap.rows:
            cells = {cell.stage_key: cell.count for cell in row.cells}
            for key in keys:
                assert cells[key] == direct.get((row.segment.pk, key), 0), (row.segment.slug, key)
            unplaced = sum(n for (segment_id, stage), n in direct.items() if segment_id == row.segment.pk
                           and stage not in keys)
            assert cells[""] == unplaced
            assert row.total == sum(n for (segment_id, _), n in direct.items() if segment_id == row.segment.pk)
        assert [row.segment.slug for row in heatmap.rows] == ["fintech", "retail"]
        assert heatmap.rows[0].total == 15
        assert heatmap.rows[1].total == 13

    def test_cluster_is_stage_with_most_members(self, default_ladder):
        accounts = [make_account(in_market=True) for _ in range(3)] + [make_account() for _ in range(2)]
        make_segment("mixed", accounts)
        journey_stages_place(now=NOW)

        row = journey_heatmap().rows[0]

        assert row.cluster == "aware"
        shares = {cell.stage_key: round(cell.share, 2) for cell in row.cells if cell.count}
        assert shares == {"aware": 0.6, "target": 0.4}

    def test_cell_accounts_are_the_counted_ones(self, default_ladder):
        accounts = [make_account(in_market=n < 2) for n in range(4)]
        segment = make_segment("cell", accounts[1:])
        journey_stages_place(now=NOW)

        names = set(journey_accounts(segment=segment, stage_key="aware").values_list("name", flat=True))

        assert names == {accounts[1].name}
        cell = next(cell for cell in journey_heatmap().rows[0].cells if cell.stage_key == "aware")
        assert cell.count == len(names)
