"""Segments API: create, read with ETag, If-Match on change, members, preview, validation and why."""

import pytest
from django.utils import timezone

from accounts.models import Account
from segmentation.models import Segment, SegmentMembership
from segmentation.services import segment_create, segment_recompute

from .conftest import assert_error

pytestmark = pytest.mark.django_db

SOFTWARE = {"field": "industry", "op": "eq", "value": "Software"}
BAD_RULE = {"all": [{"field": "industry", "op": "between", "value": "x"}, {"field": "no_such_field", "op": "eq", "value": 1}]}


@pytest.fixture
def accounts():
    return Account.objects.bulk_create(
        [
            Account(name="Acme", industry="Software", icp_tier=1, icp_score=88, external_id="A-1"),
            Account(name="Globex", industry="Manufacturing", icp_tier=2, icp_score=61),
            Account(name="Initech", industry="software", icp_tier=None, icp_score=12),
        ]
    )


@pytest.fixture
def segment(accounts):
    created = segment_create(name="Software", slug="software", lens="firmographic", rule=SOFTWARE, status="active")
    segment_recompute(segment=created, now=timezone.now())
    created.refresh_from_db()
    return created


def create(api, **overrides):
    body = {"name": "Software", "slug": "software", "lens": "firmographic", "object": "accounts", "rule": SOFTWARE, **overrides}
    return api.post("/api/v1/segments/", body, format="json")


def test_create_returns_etag(api):
    response = create(api)
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"v1"'
    assert response.json()["rule"] == SOFTWARE
    assert response.json()["object"] == "accounts"


def test_create_reports_rule_paths(api):
    body = assert_error(create(api, rule=BAD_RULE), 400, "invalid")
    messages = body["fields"]["rule"]
    assert any(message.startswith("$.all[0]") for message in messages)
    assert any(message.startswith("$.all[1]") for message in messages)
    assert not Segment.objects.exists()


def test_create_rejects_taken_slug(api, segment):
    body = assert_error(create(api), 400, "invalid")
    assert "slug" in body["fields"]


def test_create_rejects_unknown_lens(api):
    body = assert_error(create(api, lens="astrology"), 400, "invalid")
    assert "lens" in body["fields"]


def test_detail_has_counts_and_etag(api, segment):
    response = api.get("/api/v1/segments/software/")
    assert response.status_code == 200
    assert response["ETag"] == f'"v{segment.version}"'
    body = response.json()
    assert body["member_count"] == 2
    assert body["status"] == "active"
    assert body["last_recomputed_at"] is not None


def test_list_filters_by_status(api, segment):
    segment_create(name="Draft", slug="draft-one", lens="icp", rule=SOFTWARE)
    slugs = [row["slug"] for row in api.get("/api/v1/segments/?status=active").json()["results"]]
    assert slugs == ["software"]


def test_update_without_if_match_is_428(api, segment):
    response = api.patch("/api/v1/segments/software/", {"name": "Renamed"}, format="json")
    assert_error(response, 428, "precondition_required")
    segment.refresh_from_db()
    assert segment.name == "Software"


def test_update_with_stale_etag_is_412(api, segment):
    etag = api.get("/api/v1/segments/software/")["ETag"]
    first = api.patch("/api/v1/segments/software/", {"name": "First"}, format="json", HTTP_IF_MATCH=etag)
    second = api.patch("/api/v1/segments/software/", {"name": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    assert_error(second, 412, "precondition_failed")
    segment.refresh_from_db()
    assert segment.name == "First"


def test_update_rule_recomputes_active_segment(api, segment):
    etag = api.get("/api/v1/segments/software/")["ETag"]
    rule = {"field": "icp_tier", "op": "in", "value": [1, 2]}
    response = api.patch("/api/v1/segments/software/", {"rule": rule}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["member_count"] == 2
    assert response.json()["version"] == segment.version + 1


def test_update_with_invalid_rule_is_400(api, segment):
    etag = api.get("/api/v1/segments/software/")["ETag"]
    response = api.patch("/api/v1/segments/software/", {"rule": BAD_RULE}, format="json", HTTP_IF_MATCH=etag)
    assert_error(response, 400, "invalid")


def test_weak_etag_and_lists_are_accepted(api, segment):
    response = api.patch(
        "/api/v1/segments/software/", {"description": "x"}, format="json", HTTP_IF_MATCH=f'"v0", W/"v{segment.version}"'
    )
    assert response.status_code == 200


def test_delete_needs_if_match(api, segment):
    assert_error(api.delete("/api/v1/segments/software/"), 428, "precondition_required")
    assert_error(api.delete("/api/v1/segments/software/", HTTP_IF_MATCH='"v99"'), 412, "precondition_failed")
    assert api.delete("/api/v1/segments/software/", HTTP_IF_MATCH=f'"v{segment.version}"').status_code == 204


def test_delete_referenced_segment_is_409(api, segment):
    segment_create(name="Uses it", slug="uses-it", lens="icp", rule={"segment": "software"}, status="active")
    response = api.delete("/api/v1/segments/software/", HTTP_IF_MATCH=f'"v{segment.version}"')
    body = assert_error(response, 409, "conflict")
    assert "uses-it" in body["message"]


def test_unknown_segment_is_404(api):
    assert_error(api.get("/api/v1/segments/nope/"), 404, "not_found")


def test_members_with_tier_and_score(api, segment, accounts):
    first = api.get("/api/v1/segments/software/members/?page_size=1").json()
    second = api.get("/api/v1/segments/software/members/", {"page_size": 1, "cursor": first["next_cursor"]}).json()
    rows = {row["account"]: row for row in first["results"] + second["results"]}
    assert set(rows) == {accounts[0].pk, accounts[2].pk}
    assert (rows[accounts[0].pk]["icp_tier"], rows[accounts[0].pk]["icp_score"]) == (1, 88)
    assert (rows[accounts[2].pk]["icp_tier"], rows[accounts[2].pk]["icp_score"]) == (None, 12)
    assert second["next"] is None


def test_member_rendering_matches_drf(segment, accounts):
    from rest_framework import serializers

    from segmentation.api.serializers import MemberSerializer

    contact = accounts[0].contacts.create(email="cfo@acme.test", external_id="c-1")
    stays = list(SegmentMembership.objects.filter(segment=segment)) + [
        SegmentMembership(segment=segment, contact=contact, entered_at=timezone.now())
    ]
    serializer = MemberSerializer()

    for stay in stays:
        assert serializer.to_representation(stay) == serializers.ModelSerializer.to_representation(serializer, stay)


def test_members_leave_out_past_stays(api, segment, accounts):
    SegmentMembership.objects.filter(account=accounts[0]).update(exited_at=timezone.now())
    results = api.get("/api/v1/segments/software/members/").json()["results"]
    assert [row["account"] for row in results] == [accounts[2].pk]


def test_accounts_filter_by_segment(api, segment):
    names = sorted(row["name"] for row in api.get("/api/v1/accounts/?segment=software").json()["results"])
    assert names == ["Acme", "Initech"]


def test_preview_any_rule(api, accounts):
    response = api.post("/api/v1/segments/preview/", {"object": "accounts", "rule": SOFTWARE}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["entering"] == 2
    assert body["leaving"] == 0
    assert {row["name"] for row in body["sample"]} == {"Acme", "Initech"}


def test_preview_against_segment(api, segment):
    rule = {"field": "icp_tier", "op": "eq", "value": 2}
    body = api.post("/api/v1/segments/preview/", {"object": "accounts", "rule": rule, "segment": "software"}, format="json").json()
    assert (body["count"], body["entering"], body["leaving"]) == (1, 1, 2)


def test_preview_invalid_rule_is_400(api):
    body = assert_error(api.post("/api/v1/segments/preview/", {"object": "accounts", "rule": BAD_RULE}, format="json"), 400, "invalid")
    assert "rule" in body["fields"]


def test_preview_unknown_segment_is_400(api):
    response = api.post("/api/v1/segments/preview/", {"object": "accounts", "rule": SOFTWARE, "segment": "nope"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "segment" in body["fields"]


def test_validate_lists_error_paths(api):
    response = api.post("/api/v1/segments/validate/", {"object": "accounts", "rule": BAD_RULE}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    paths = [error["path"] for error in body["errors"]]
    assert any(path.startswith("$.all[0]") for path in paths)
    assert any(path.startswith("$.all[1]") for path in paths)
    ok = api.post("/api/v1/segments/validate/", {"object": "accounts", "rule": SOFTWARE}, format="json").json()
    assert ok == {"valid": True, "errors": []}


def test_why_explains_each_node(api, segment, accounts):
    inside = api.get(f"/api/v1/segments/software/why/{accounts[0].pk}/").json()
    outside = api.get(f"/api/v1/segments/software/why/{accounts[1].pk}/").json()
    assert inside["matches"] is True
    assert inside["member"] is True
    assert outside["matches"] is False
    assert outside["member"] is False
    assert_error(api.get("/api/v1/segments/software/why/999999/"), 404, "not_found")


def test_read_token_cannot_create_segment(read_api):
    assert_error(create(read_api), 403, "permission_denied")
