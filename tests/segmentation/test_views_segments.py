"""Segment pages: list, lenses, editor with builder and preview, publish, retire, history, rollback."""

import pytest
from django.urls import reverse

from accounts.models import Account
from segmentation.models import Segment, SegmentStatus
from segmentation.services import segment_create, segment_update
from tests.workspace.conftest import book, make_user, other_rep, rep, revops  # noqa: F401

pytestmark = pytest.mark.django_db


def builder_post(rule_fields, **extra):
    """Return form data for the builder: rule_fields maps PATH-ATTRIBUTE to values."""
    data = {"r-kind": "all", "name": "Big software", "lens": "firmographic", "object_type": "accounts"}
    data.update(rule_fields)
    data.update(extra)
    return data


SOFTWARE = {"r_0-kind": "condition", "r_0-field": "industry", "r_0-op": "eq", "r_0-value": "Software"}


@pytest.fixture
def draft(revops):
    return segment_create(
        name="German accounts",
        slug="german",
        lens="firmographic",
        rule={"field": "country", "op": "eq", "value": "DE"},
        owner=revops,
        created_by=revops,
    )


def test_segment_pages_need_sign_in(client, draft):
    for url in (
        reverse("segmentation:segment_list"),
        reverse("segmentation:lenses"),
        reverse("segmentation:segment_edit", args=[draft.pk]),
        reverse("segmentation:segment_history", args=[draft.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_segment_list_shows_segments_with_counts(client, rep, book, draft):
    client.force_login(rep)
    response = client.get(reverse("segmentation:segment_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Software in market" in html
    assert "German accounts" in html
    assert "New segment" not in html


def test_segment_list_filters(client, revops, book, draft):
    client.force_login(revops)
    response = client.get(reverse("segmentation:segment_list"), {"status": "draft"})
    assert [row.segment.slug for row in response.context["rows"]] == ["german"]
    response = client.get(reverse("segmentation:segment_list"), {"q": "software"})
    assert [row.segment.slug for row in response.context["rows"]] == ["software-in-market"]


def test_segment_list_trend_counts_recent_entries(client, revops, book):
    client.force_login(revops)
    rows = client.get(reverse("segmentation:segment_list")).context["rows"]
    assert rows[0].entered == 1
    assert rows[0].trend == 1


def test_segment_list_flags_rule_errors(client, revops, book):
    Segment.objects.filter(pk=book["segment"].pk).update(rule={"field": "nope", "op": "eq", "value": 1})
    client.force_login(revops)
    response = client.get(reverse("segmentation:segment_list"), {"errors": "on"})
    rows = response.context["rows"]
    assert [row.segment.slug for row in rows] == ["software-in-market"]
    assert "Unknown field" in rows[0].errors[0]


def test_lenses_overview_lists_every_lens(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("segmentation:lenses"))
    lenses = {lens["lens"]: lens for lens in response.context["lenses"]}
    assert len(lenses) == 6
    assert lenses["firmographic"]["counts"]["active"] == 1
    assert "Software in market" in response.content.decode()


def test_rep_cannot_open_new_segment_editor(client, rep):
    client.force_login(rep)
    assert client.get(reverse("segmentation:segment_new")).status_code == 403


def test_rep_sees_segment_read_only_and_cannot_save(client, rep, draft):
    client.force_login(rep)
    page = client.get(reverse("segmentation:segment_edit", args=[draft.pk]))
    assert page.status_code == 200
    assert "Only RevOps can edit segments." in page.content.decode()
    response = client.post(
        reverse("segmentation:segment_edit", args=[draft.pk]), builder_post(SOFTWARE, version=draft.version)
    )
    assert response.status_code == 403
    for name in ("segment_publish", "segment_retire"):
        assert client.post(reverse(f"segmentation:{name}", args=[draft.pk]), {"version": 1}).status_code == 403
    rollback = reverse("segmentation:segment_rollback", args=[draft.pk, 1])
    assert client.post(rollback, {"version": 1}).status_code == 403


def test_new_segment_editor_starts_with_one_condition(client, revops):
    client.force_login(revops)
    response = client.get(reverse("segmentation:segment_new"))
    assert response.status_code == 200
    assert [node.kind for node in response.context["root"].children] == ["condition"]


def test_create_segment_as_draft(client, revops, book):
    client.force_login(revops)
    response = client.post(reverse("segmentation:segment_new"), builder_post(SOFTWARE, action="save"))
    assert response.status_code == 302
    segment = Segment.objects.get(slug="big-software")
    assert segment.status == SegmentStatus.DRAFT
    assert segment.rule == {"all": [{"field": "industry", "op": "eq", "value": "Software"}]}
    assert segment.owner == revops


def test_create_and_publish_computes_membership(client, revops, book):
    client.force_login(revops)
    client.post(reverse("segmentation:segment_new"), builder_post(SOFTWARE, action="publish"))
    segment = Segment.objects.get(slug="big-software")
    assert segment.status == SegmentStatus.ACTIVE
    assert segment.member_count == 2


def test_save_rejects_invalid_rule_with_error_at_condition(client, revops, book):
    client.force_login(revops)
    data = builder_post({"r_0-kind": "condition", "r_0-field": "employee_count", "r_0-op": "gt", "r_0-value": "lots"})
    response = client.post(reverse("segmentation:segment_new"), dict(data, action="save"))
    assert response.status_code == 400
    condition = response.context["root"].children[0]
    assert condition.errors
    assert "lots" in condition.errors[0]
    assert not Segment.objects.filter(slug="big-software").exists()


def test_save_rejects_empty_nested_group(client, revops, book):
    client.force_login(revops)
    data = builder_post(dict(SOFTWARE, **{"r_1-kind": "any"}), action="save")
    response = client.post(reverse("segmentation:segment_new"), data)
    assert response.status_code == 400
    group = response.context["root"].children[1]
    assert "empty" in group.errors[0]


def test_builder_adds_and_removes_nodes(client, revops):
    client.force_login(revops)
    url = reverse("segmentation:segment_builder_new")
    response = client.post(url, builder_post(SOFTWARE, action="add-group:r"))
    root = response.context["root"]
    assert [node.kind for node in root.children] == ["condition", "any"]
    response = client.post(url, builder_post(SOFTWARE, **{"r_1-kind": "any", "action": "add-condition:r_1"}))
    assert [node.kind for node in response.context["root"].children[1].children] == ["condition"]
    response = client.post(url, builder_post(SOFTWARE, action="remove:r_0"))
    assert response.context["root"].children == []


def test_builder_rejects_malformed_action(client, revops):
    client.force_login(revops)
    response = client.post(reverse("segmentation:segment_builder_new"), builder_post(SOFTWARE, action="explode:r"))
    assert response.status_code == 400
    assert "Unknown builder action 'explode'" in response.content.decode()


def test_builder_field_change_resets_operator(client, revops):
    client.force_login(revops)
    data = builder_post({"r_0-kind": "condition", "r_0-field": "in_market", "r_0-op": "contains", "r_0-value": ""})
    response = client.post(reverse("segmentation:segment_builder_new"), data)
    condition = response.context["root"].children[0]
    assert condition.op == "eq"
    assert condition.widget.kind == "select"


def test_preview_counts_members_and_entering(client, revops, book):
    client.force_login(revops)
    segment = book["segment"]
    response = client.post(
        reverse("segmentation:segment_preview", args=[segment.pk]),
        builder_post({"r_0-kind": "condition", "r_0-field": "icp_tier", "r_0-op": "eq", "r_0-value": "1"}),
    )
    preview = response.context["preview"]
    assert preview["count"] == 3
    assert preview["entering"] == 1
    assert preview["leaving"] == 0
    assert response.context["missing"] == [("ICP tier", 2)]


def test_preview_shows_errors_out_of_band(client, revops, book):
    client.force_login(revops)
    data = builder_post({"r_0-kind": "condition", "r_0-field": "employee_count", "r_0-op": "gt", "r_0-value": "x"})
    response = client.post(reverse("segmentation:segment_preview_new"), data)
    html = response.content.decode()
    assert response.context["preview_errors"] == 1
    assert 'id="errors-r_0" class="node-errors" role="alert" hx-swap-oob="true"><p class="error">' in html


def test_nested_group_and_related_condition_round_trip(client, revops, book):
    client.force_login(revops)
    data = builder_post(
        {
            "r_0-kind": "any",
            "r_0_0-kind": "condition", "r_0_0-field": "country", "r_0_0-op": "in", "r_0_0-value": "US\nDE",
            "r_0_1-kind": "not",
            "r_0_1_0-kind": "condition", "r_0_1_0-field": "in_market", "r_0_1_0-op": "eq", "r_0_1_0-value": "true",
            "r_1-kind": "related", "r_1-related": "events", "r_1-count_op": "gte", "r_1-count": "1",
            "r_1-within_days": "30",
            "r_1_w-kind": "all",
            "r_1_w_0-kind": "condition", "r_1_w_0-field": "type", "r_1_w_0-op": "eq",
            "r_1_w_0-value": "content_download",
        },
        action="save",
    )
    response = client.post(reverse("segmentation:segment_new"), data)
    assert response.status_code == 302
    assert Segment.objects.get(slug="big-software").rule == {
        "all": [
            {"any": [
                {"field": "country", "op": "in", "value": ["US", "DE"]},
                {"not": {"field": "in_market", "op": "eq", "value": True}},
            ]},
            {"related": "events", "op": "gte", "count": 1, "within_days": 30,
             "where": {"field": "type", "op": "eq", "value": "content_download"}},
        ]
    }


def test_load_json_into_builder(client, revops):
    client.force_login(revops)
    data = builder_post({}, action="load-json", rule_json='{"any": [{"field": "country", "op": "eq", "value": "US"}]}')
    response = client.post(reverse("segmentation:segment_new"), data)
    assert response.status_code == 200
    assert response.context["root"].kind == "any"
    bad = client.post(reverse("segmentation:segment_new"), builder_post({}, action="load-json", rule_json="{oops"))
    assert bad.status_code == 400
    assert "The rule JSON is invalid" in bad.content.decode()


def test_stale_save_rejected_with_changes(client, revops, book, draft):
    colleague = make_user("carl", "revops")
    segment_update(
        segment=draft, changed_by=colleague, rule={"field": "country", "op": "eq", "value": "FR"}
    )
    client.force_login(revops)
    response = client.post(
        reverse("segmentation:segment_edit", args=[draft.pk]), builder_post(SOFTWARE, action="save", version=1)
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "was changed by carl after you opened it" in html
    assert "Country is “FR”" in html
    assert Segment.objects.get(pk=draft.pk).rule == {"field": "country", "op": "eq", "value": "FR"}


def test_publish_and_retire(client, revops, book, draft):
    client.force_login(revops)
    response = client.post(reverse("segmentation:segment_publish", args=[draft.pk]), {"version": draft.version})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == SegmentStatus.ACTIVE
    assert draft.member_count == 1
    client.post(reverse("segmentation:segment_retire", args=[draft.pk]), {"version": draft.version})
    draft.refresh_from_db()
    assert draft.status == SegmentStatus.RETIRED


def test_history_shows_readable_diff_and_rolls_back(client, revops, book, draft):
    segment_update(segment=draft, changed_by=revops, rule={"field": "country", "op": "eq", "value": "FR"})
    client.force_login(revops)
    html = client.get(reverse("segmentation:segment_history", args=[draft.pk])).content.decode()
    assert '<span class="removed">- Country is “DE”</span>' in html
    assert '<span class="added">+ Country is “FR”</span>' in html
    response = client.post(reverse("segmentation:segment_rollback", args=[draft.pk, 1]), {"version": 2})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 3
    assert draft.rule == {"field": "country", "op": "eq", "value": "DE"}


def test_rollback_of_stale_page_is_rejected(client, revops, book, draft):
    segment_update(segment=draft, changed_by=revops, rule={"field": "country", "op": "eq", "value": "FR"})
    client.force_login(revops)
    client.post(reverse("segmentation:segment_rollback", args=[draft.pk, 1]), {"version": 1})
    draft.refresh_from_db()
    assert draft.version == 2


def test_editor_404_for_missing_segment(client, revops):
    client.force_login(revops)
    assert client.get(reverse("segmentation:segment_edit", args=[424242])).status_code == 404


def test_account_counts_unchanged_by_preview(client, revops, book):
    client.force_login(revops)
    before = Account.objects.count()
    client.post(reverse("segmentation:segment_preview_new"), builder_post(SOFTWARE))
    assert Account.objects.count() == before
    assert not Segment.objects.filter(slug="big-software").exists()


def test_lens_toggle_hides_fields_from_builder(client, revops, book):
    client.force_login(revops)
    response = client.post(reverse("segmentation:lens_toggle", args=["behavioral"]), {"enabled": "off"})
    assert response.status_code == 302
    lenses = {lens["lens"]: lens for lens in client.get(reverse("segmentation:lenses")).context["lenses"]}
    assert lenses["behavioral"]["on"] is False
    editor = client.get(reverse("segmentation:segment_new"))
    groups = [label for label, _ in editor.context["root"].children[0].field_groups]
    assert "Behavioral and intent" not in groups
    assert "Firmographic" in groups


def test_rep_cannot_toggle_lens(client, rep):
    client.force_login(rep)
    assert client.post(reverse("segmentation:lens_toggle", args=["icp"]), {"enabled": "off"}).status_code == 403


def test_new_segment_takes_lens_from_link(client, revops):
    client.force_login(revops)
    response = client.get(reverse("segmentation:segment_new"), {"lens": "behavioral"})
    assert response.context["form"].initial["lens"] == "behavioral"


def test_contact_segment_editor_offers_contact_fields(client, revops):
    client.force_login(revops)
    response = client.get(reverse("segmentation:segment_new"), {"object_type": "contacts"})
    condition = response.context["root"].children[0]
    assert condition.object_type == "contacts"
    fields = [field.name for _, group in condition.field_groups for field in group]
    assert "buying_role" in fields
    assert "industry" not in fields
