"""Segment services: versioned edits, set-based recompute with history,
dependency order, preview without writing, and explanations."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, Contact, EngagementEvent
from segmentation.models import Lens, Segment, SegmentMembership, SegmentStatus, SegmentVersion
from segmentation.rules import RuleValidationError
from segmentation.selectors import record_segments, segment_entries, segment_exits, segment_members
from segmentation.services import (
    segment_create,
    segment_delete,
    segment_explain,
    segment_preview,
    segment_recompute,
    segment_update,
    segments_recompute_all,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DAY_1 = datetime.datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DAY_2 = DAY_1 + datetime.timedelta(days=1)
DAY_3 = DAY_1 + datetime.timedelta(days=2)

SOFTWARE = {"field": "industry", "op": "eq", "value": "software"}


def create(slug, rule, *, status=SegmentStatus.ACTIVE, object_type="accounts", **kwargs):
    return segment_create(
        name=slug.title(), slug=slug, lens=Lens.FIRMOGRAPHIC, rule=rule, status=status, object_type=object_type,
        **kwargs,
    )


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def current_member_names(segment):
    return names(segment_members(segment=segment))


@pytest.fixture
def companies():
    return {
        name: Account.objects.create(name=name, industry=industry)
        for name, industry in [("Acme", "Software"), ("Globex", "software "), ("Initech", "Retail")]
    }


# Create and edit


def test_create_records_version_one():
    user = get_user_model().objects.create_user("revops")
    segment = create("software", SOFTWARE, created_by=user)
    version = segment.versions.get()
    assert version.version == 1
    assert version.rule == SOFTWARE
    assert version.changed_by == user
    assert version.changes == {"created": True}


def test_create_rejects_invalid_rule():
    with pytest.raises(RuleValidationError) as raised:
        create("bad", {"field": "industy", "op": "eq", "value": "x"})
    assert raised.value.errors[0].path == "$.field"
    assert not Segment.objects.exists()


def test_create_rejects_duplicate_slug():
    create("software", SOFTWARE)
    with pytest.raises(ValidationError):
        create("software", SOFTWARE)


def test_update_adds_version_with_changes():
    user = get_user_model().objects.create_user("editor")
    segment = create("software", SOFTWARE)
    new_rule = {"field": "industry", "op": "in", "value": ["software", "saas"]}
    segment_update(segment=segment, changed_by=user, rule=new_rule, name="Software and SaaS")
    version = segment.versions.get(version=2)
    assert version.changed_by == user
    assert version.changes["rule"] == {"before": SOFTWARE, "after": new_rule}
    assert version.changes["name"] == {"before": "Software", "after": "Software and SaaS"}
    segment.refresh_from_db()
    assert segment.version == 2
    assert segment.rule == new_rule


def test_update_without_changes_adds_no_version():
    segment = create("software", SOFTWARE)
    segment_update(segment=segment, rule=SOFTWARE, name=segment.name)
    assert segment.versions.count() == 1


def test_update_records_owner_change():
    owner = get_user_model().objects.create_user("owner")
    segment = create("software", SOFTWARE)
    segment_update(segment=segment, owner=owner)
    assert segment.versions.get(version=2).changes["owner"] == {"before": None, "after": "owner"}


def test_update_rejects_cycle():
    create("a", SOFTWARE)
    create("b", {"segment": "a"})
    segment = Segment.objects.get(slug="a")
    with pytest.raises(RuleValidationError) as raised:
        segment_update(segment=segment, rule={"segment": "b"})
    assert "a -> b -> a" in str(raised.value)
    segment.refresh_from_db()
    assert segment.rule == SOFTWARE


def test_retire_referenced_segment_is_rejected():
    base = create("base", SOFTWARE)
    create("child", {"segment": "base"})
    with pytest.raises(ValidationError) as raised:
        segment_update(segment=base, status=SegmentStatus.RETIRED)
    assert "child" in str(raised.value)


def test_delete_referenced_segment_is_rejected():
    base = create("base", SOFTWARE)
    create("child", {"segment": "base"})
    with pytest.raises(ValidationError):
        segment_delete(segment=base)
    segment_delete(segment=Segment.objects.get(slug="child"))
    segment_delete(segment=base)
    assert not Segment.objects.exists()


# Recompute


def test_recompute_inserts_entries(companies):
    segment = create("software", SOFTWARE)
    counts = segment_recompute(segment=segment, now=DAY_1, run=7)
    assert (counts.entered, counts.exited, counts.members) == (2, 0, 2)
    assert current_member_names(segment) == ["Acme", "Globex"]
    stay = SegmentMembership.objects.get(segment=segment, account=companies["Acme"])
    assert stay.entered_at == DAY_1
    assert stay.entered_run_id == 7
    assert stay.exited_at is None
    segment.refresh_from_db()
    assert segment.member_count == 2
    assert segment.last_recomputed_at == DAY_1


def test_recompute_closes_exits_and_keeps_history(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    Account.objects.filter(name="Globex").update(industry="Retail")
    Account.objects.filter(name="Initech").update(industry="SOFTWARE")
    counts = segment_recompute(segment=segment, now=DAY_2, run=8)
    assert (counts.entered, counts.exited, counts.members) == (1, 1, 2)
    left = SegmentMembership.objects.get(segment=segment, account=companies["Globex"])
    assert left.exited_at == DAY_2
    assert left.exited_run_id == 8
    assert current_member_names(segment) == ["Acme", "Initech"]
    assert names(segment_members(segment=segment, at=DAY_1 + datetime.timedelta(hours=1))) == ["Acme", "Globex"]


def test_recompute_is_idempotent(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    counts = segment_recompute(segment=segment, now=DAY_2)
    assert (counts.entered, counts.exited) == (0, 0)
    assert SegmentMembership.objects.count() == 2


def test_reentry_opens_a_new_stay(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    Account.objects.filter(name="Acme").update(industry="Retail")
    segment_recompute(segment=segment, now=DAY_2)
    Account.objects.filter(name="Acme").update(industry="Software")
    segment_recompute(segment=segment, now=DAY_3)
    stays = SegmentMembership.objects.filter(segment=segment, account=companies["Acme"]).order_by("entered_at")
    assert [(stay.entered_at, stay.exited_at) for stay in stays] == [(DAY_1, DAY_2), (DAY_3, None)]


def test_recompute_rolls_back_with_outer_transaction(companies):
    segment = create("software", SOFTWARE)
    with pytest.raises(RuntimeError), transaction.atomic():
        segment_recompute(segment=segment, now=DAY_1)
        assert SegmentMembership.objects.count() == 2
        raise RuntimeError("a later pipeline step failed")
    assert SegmentMembership.objects.count() == 0


def test_recompute_invalid_rule_changes_nothing(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    Segment.objects.filter(pk=segment.pk).update(rule={"field": "gone", "op": "eq", "value": "x"})
    segment.refresh_from_db()
    with pytest.raises(RuleValidationError):
        segment_recompute(segment=segment, now=DAY_2)
    assert current_member_names(segment) == ["Acme", "Globex"]


def test_recompute_contact_segment():
    account = Account.objects.create(name="Acme")
    Contact.objects.create(account=account, email="cfo@acme.test", seniority="c_level")
    Contact.objects.create(account=account, email="dev@acme.test", seniority="manager")
    segment = create("execs", {"field": "seniority", "op": "eq", "value": "c_level"}, object_type="contacts")
    counts = segment_recompute(segment=segment, now=DAY_1)
    assert counts.entered == 1
    stay = SegmentMembership.objects.get(segment=segment)
    assert stay.contact.email == "cfo@acme.test"
    assert stay.account is None


def test_recompute_all_follows_dependency_order(companies):
    # "wide" references "narrow", and "narrow" sorts after it by slug, so
    # only dependency order makes "wide" see fresh members of "narrow".
    create("zz-narrow", SOFTWARE)
    create("wide", {"all": [{"segment": "zz-narrow"}, {"field": "name", "op": "starts_with", "value": "a"}]})
    result = segments_recompute_all(now=DAY_1, run=3)
    assert list(result.segments) == ["zz-narrow", "wide"]
    assert current_member_names(Segment.objects.get(slug="wide")) == ["Acme"]
    assert result.entered == 3
    assert result.skipped == {}


def test_recompute_all_includes_referenced_drafts(companies):
    create("draft-base", SOFTWARE, status=SegmentStatus.DRAFT)
    create("unused-draft", SOFTWARE, status=SegmentStatus.DRAFT)
    create("active", {"segment": "draft-base"})
    result = segments_recompute_all(now=DAY_1)
    assert set(result.segments) == {"draft-base", "active"}
    assert current_member_names(Segment.objects.get(slug="active")) == ["Acme", "Globex"]


def test_recompute_all_skips_invalid_segments_and_dependents(companies):
    create("base", SOFTWARE)
    create("child", {"segment": "base"})
    create("other", {"field": "industry", "op": "eq", "value": "retail"})
    Segment.objects.filter(slug="base").update(rule={"field": "gone", "op": "eq", "value": "x"})
    result = segments_recompute_all(now=DAY_1)
    assert list(result.segments) == ["other"]
    assert "$.field" in result.skipped["base"][0]
    assert 'segment "base"' in result.skipped["child"][0]


def test_recompute_all_empties_retired_segments(companies):
    segment = create("software", SOFTWARE)
    segments_recompute_all(now=DAY_1)
    segment_update(segment=segment, status=SegmentStatus.RETIRED)
    result = segments_recompute_all(now=DAY_2, run=9)
    assert result.retired_exits == {"software": 2}
    assert result.exited == 2
    assert not segment_members(segment=segment).exists()
    assert SegmentMembership.objects.filter(exited_run_id=9).count() == 2


def test_recompute_all_inside_outer_transaction(companies):
    create("software", SOFTWARE)
    with pytest.raises(RuntimeError), transaction.atomic():
        segments_recompute_all(now=DAY_1)
        raise RuntimeError("publish failed")
    assert not SegmentMembership.objects.exists()


# Selectors over the history


def test_entries_and_exits_in_a_period(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    Account.objects.filter(name="Globex").update(industry="Retail")
    Account.objects.filter(name="Initech").update(industry="Software")
    segment_recompute(segment=segment, now=DAY_2)
    joined = segment_entries(segment=segment, start=DAY_2, end=DAY_3)
    assert [stay.account.name for stay in joined] == ["Initech"]
    left = segment_exits(segment=segment, start=DAY_1, end=DAY_3)
    assert [stay.account.name for stay in left] == ["Globex"]


def test_segments_of_an_account_on_a_date(companies):
    software = create("software", SOFTWARE)
    everyone = create("everyone", {"field": "name", "op": "is_not_empty"})
    segment_recompute(segment=software, now=DAY_1)
    segment_recompute(segment=everyone, now=DAY_2)
    globex = companies["Globex"]
    assert names(record_segments(account=globex, at=DAY_1)) == ["Software"]
    assert names(record_segments(account=globex)) == ["Everyone", "Software"]
    assert names(record_segments(account=globex, at=DAY_1 - datetime.timedelta(seconds=1))) == []


def test_record_segments_needs_one_record():
    with pytest.raises(ValueError):
        record_segments()


# Preview


def test_preview_without_segment(companies):
    preview = segment_preview(object_type="accounts", rule=SOFTWARE, now=DAY_1, sample_size=1)
    assert preview["count"] == 2
    assert preview["entering"] == 2
    assert preview["leaving"] == 0
    assert [row["name"] for row in preview["sample"]] == ["Acme"]
    assert not SegmentMembership.objects.exists()


def test_preview_against_current_membership(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    rule = {"field": "industry", "op": "in", "value": ["retail", "software"]}
    Account.objects.filter(name="Globex").update(industry="Hardware")
    preview = segment_preview(object_type="accounts", rule=rule, now=DAY_2, segment=segment)
    assert preview["count"] == 2
    assert preview["entering"] == 1
    assert preview["leaving"] == 1
    assert SegmentMembership.objects.filter(exited_at__isnull=True).count() == 2


def test_preview_rejects_invalid_rule():
    with pytest.raises(RuleValidationError):
        segment_preview(object_type="accounts", rule={"all": []}, now=DAY_1)


def test_preview_rejects_other_object_type(companies):
    segment = create("software", SOFTWARE)
    with pytest.raises(ValueError, match="segment of accounts, not contacts"):
        segment_preview(object_type="contacts", rule={"field": "email", "op": "is_empty"}, now=DAY_1, segment=segment)


def test_preview_rejects_sample_size_out_of_range():
    with pytest.raises(ValueError, match="sample_size must be from 0 to 200"):
        segment_preview(object_type="accounts", rule=SOFTWARE, now=DAY_1, sample_size=500)


# Why


def test_explain_reports_every_node(companies):
    acme = companies["Acme"]
    EngagementEvent.objects.create(account=acme, type="meeting", occurred_at=DAY_1 - datetime.timedelta(hours=1))
    rule = {"all": [
        SOFTWARE,
        {"field": "employee_count", "op": "gt", "value": 100},
        {"related": "events", "where": {"field": "type", "op": "eq", "value": "meeting"}, "within_days": 7},
    ]}
    segment = create("busy-software", rule)
    explained = segment_explain(segment=segment, record=acme, now=DAY_1)
    assert explained["matches"] is False
    assert explained["member"] is False
    software, size, events = explained["tree"]["children"]
    assert (software["path"], software["actual"], software["result"]) == ("$.all[0]", "Software", True)
    assert (size["actual"], size["result"]) == (None, False)
    assert (events["kind"], events["matched"], events["result"]) == ("related", 1, True)


def test_explain_shows_membership_after_recompute(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    explained = segment_explain(segment=segment, record=companies["Globex"], now=DAY_1)
    assert explained["matches"] is True
    assert explained["member"] is True
    assert explained["tree"]["actual"] == "software "


def test_explain_segment_reference(companies):
    base = create("base", SOFTWARE)
    segment_recompute(segment=base, now=DAY_1)
    child = create("child", {"not": {"segment": "base"}})
    explained = segment_explain(segment=child, record=companies["Initech"], now=DAY_1)
    assert explained["tree"]["children"][0] == {"path": "$.not", "kind": "segment", "segment": "base", "result": False}
    assert explained["matches"] is True


def test_version_history_is_kept_per_segment():
    segment = create("software", SOFTWARE)
    segment_update(segment=segment, description="Software companies")
    segment_update(segment=segment, status=SegmentStatus.RETIRED)
    versions = list(SegmentVersion.objects.filter(segment=segment).values_list("version", "status"))
    assert versions == [(3, "retired"), (2, "active"), (1, "active")]


def test_recompute_all_of_chosen_slugs(companies):
    create("base", SOFTWARE, status=SegmentStatus.DRAFT)
    create("child", {"segment": "base"}, status=SegmentStatus.DRAFT)
    create("other", SOFTWARE)
    result = segments_recompute_all(now=DAY_1, slugs=["child", "missing"])
    assert list(result.segments) == ["base", "child"]
    assert result.skipped == {"missing": ['Segment "missing" not found.']}
    assert result.segments["child"].seconds > 0
    assert not SegmentMembership.objects.filter(segment__slug="other").exists()


def test_recompute_all_leaves_retired_out_of_chosen_slugs(companies):
    segment = create("old", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    segment_update(segment=segment, status=SegmentStatus.RETIRED)
    result = segments_recompute_all(now=DAY_2, slugs=["old"])
    assert result.skipped == {"old": ['Segment "old" is retired.']}
    assert result.retired_exits == {}
    assert segment_members(segment=segment).count() == 2


def test_preview_entering_is_a_set_difference(companies):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    rule = {"field": "name", "op": "is_not_empty"}
    preview = segment_preview(object_type="accounts", rule=rule, now=DAY_2, segment=segment)
    assert (preview["count"], preview["entering"], preview["leaving"]) == (3, 1, 0)


@pytest.mark.parametrize("sample_size", [0, 1, 20])
def test_preview_matches_next_recompute(companies, sample_size):
    segment = create("software", SOFTWARE)
    segment_recompute(segment=segment, now=DAY_1)
    rule = {"field": "industry", "op": "in", "value": ["retail", "hardware"]}
    Account.objects.filter(name="Globex").update(industry="Hardware")

    preview = segment_preview(object_type="accounts", rule=rule, now=DAY_2, segment=segment, sample_size=sample_size)
    Segment.objects.filter(pk=segment.pk).update(rule=rule)
    segment.refresh_from_db()
    counts = segment_recompute(segment=segment, now=DAY_2)

    assert preview["count"] == counts.members
    assert preview["entering"] == counts.entered
    assert preview["leaving"] == counts.exited
    assert len(preview["sample"]) == min(sample_size, counts.members)


def test_preview_contact_segment():
    account = Account.objects.create(name="Acme")
    Contact.objects.create(account=account, email="cfo@acme.test", seniority="c_level")
    Contact.objects.create(account=account, email="vp@acme.test", seniority="vp")
    segment = create("execs", {"field": "seniority", "op": "eq", "value": "c_level"}, object_type="contacts")
    segment_recompute(segment=segment, now=DAY_1)
    rule = {"field": "seniority", "op": "in", "value": ["vp"]}

    preview = segment_preview(object_type="contacts", rule=rule, now=DAY_2, segment=segment)

    assert (preview["count"], preview["entering"], preview["leaving"]) == (1, 1, 1)
    assert [row["email"] for row in preview["sample"]] == ["vp@acme.test"]


def test_recompute_all_refreshes_statistics_inside_transaction(companies, monkeypatch):
    # ANALYZE must work inside the caller's transaction, as the pipeline runs it.
    monkeypatch.setattr("segmentation.services.segments.ANALYZE_AFTER_CHANGED_ROWS", 1)
    create("zz-narrow", SOFTWARE)
    create("wide", {"segment": "zz-narrow"})
    with transaction.atomic():
        result = segments_recompute_all(now=DAY_1)
    assert result.segments["wide"].members == 2
