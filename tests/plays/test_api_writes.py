"""Plays API writes: create, update with If-Match and ETags, status changes, errors and access."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.services import api_token_create
from plays.api.views import invalid_play
from plays.models import CadenceStep, Enrollment, Play, StepCompletion
from plays.services import PlayValidationError, cadence_step_complete, enrollments_recompute, play_save, play_version
from segmentation.models import Segment
from tests.api.conftest import assert_error, client_for
from tests.integrations.test_permissions import csrf_token

from .conftest import NOW, make_account, make_play, make_segment, make_user
from .test_views import editor_data

pytestmark = pytest.mark.django_db

STEPS = [
    {"day_offset": 0, "channel": "email", "action": "Send the benchmark report"},
    {"day_offset": 3, "channel": "call", "action": "Call the economic buyer", "owner_role": "sales"},
]


@pytest.fixture
def api():
    _, secret = api_token_create(name="CRM sync", scopes=["read", "write"])
    return client_for(secret)


@pytest.fixture
def read_api():
    _, secret = api_token_create(name="Read-only BI", scopes=["read"])
    return client_for(secret)


def session_of(username, role):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user(username, role))
    return client


@pytest.fixture
def fintech():
    return make_segment("fintech", [make_account("Acme", icp_tier=1)])


def new_play(**fields):
    return {"name": "Tier 1 fintech", "motion": "acquire", "owner_team": "sales", **fields}


def create(api, **fields):
    return api.post("/api/v1/plays/", new_play(**fields), format="json")


def test_create_returns_play_and_etag(api, fintech):
    response = create(api, entry_segments=["fintech"], eligible_tiers=[1], sla_hours=24, steps=STEPS, kpis=["enrolled"])

    assert response.status_code == 201, response.content
    body = response.json()
    play = Play.objects.get()
    assert body["slug"] == "tier-1-fintech"
    assert body["status"] == "draft"
    assert body["entry_segments"] == ["fintech"]
    assert body["sla_hours"] == 24
    assert body["enrolled"] == 0
    assert [(step["position"], step["channel"], step["owner_role"]) for step in body["steps"]] == [
        (1, "email", "account_owner"),
        (2, "call", "sales"),
    ]
    assert response["ETag"] == api.get("/api/v1/plays/tier-1-fintech/")["ETag"]
    assert response["ETag"].startswith('"')
    assert response["ETag"].endswith('"')
    # A token is not a person, so a play it creates has no owner.
    assert play.owner is None


def test_create_with_slug_and_active_status(api, fintech):
    response = create(api, slug="fintech-q3", status="active", entry_segments=["fintech"])

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "active"
    assert Play.objects.get().slug == "fintech-q3"


def test_create_with_status_a_draft_cannot_take(api, fintech):
    body = assert_error(create(api, status="paused", entry_segments=["fintech"]), 400, "invalid")

    assert list(body["fields"]) == ["status"]
    assert "cannot become paused" in body["fields"]["status"][0]
    assert not Play.objects.exists()


def test_active_play_without_criteria_is_400(api):
    body = assert_error(create(api, status="active"), 400, "invalid")

    assert "at least one entry criterion" in body["fields"]["non_field_errors"][0]
    assert not Play.objects.exists()


def test_create_errors_keyed_by_field(api):
    contacts = Segment.objects.create(
        name="Champions", slug="champions", lens="persona", status="active", rule={}, object_type="contacts"
    )
    response = create(
        api,
        entry_segments=[contacts.slug],
        sla_hours=24,
        sla_at_risk_hours=30,
        kpis=["enrolled", "happiness"],
        entry_lifecycle_stages=["prospect", "dormant"],
        entry_rule={"all": [{"field": "industry", "op": "gt", "value": "Software"}]},
    )

    fields = assert_error(response, 400, "invalid")["fields"]
    assert set(fields) == {"entry_segments", "sla_at_risk_hours", "kpis", "entry_lifecycle_stages", "entry_rule"}
    assert "account segments" in fields["entry_segments"][0]
    assert "must be shorter than the SLA (24 hours)" in fields["sla_at_risk_hours"][0]
    assert "'happiness'" in fields["kpis"][0]
    assert "'dormant'" in fields["entry_lifecycle_stages"][0]
    assert "$.all[0]" in fields["entry_rule"][0]
    assert not Play.objects.exists()


def test_step_errors_keyed_by_index(api):
    steps = [STEPS[0], {"day_offset": 400, "channel": "fax", "action": "Send a fax"}]

    fields = assert_error(create(api, steps=steps), 400, "invalid")["fields"]

    assert list(fields) == ["steps"]
    assert list(fields["steps"]) == ["1"]
    assert set(fields["steps"]["1"]) == {"day_offset", "channel"}
    assert "365" in fields["steps"]["1"]["day_offset"][0]
    assert "fax" in fields["steps"]["1"]["channel"][0]


def test_service_step_errors_keep_index(fintech):
    play = Play(name="Steps", motion="acquire", owner_team="sales", sla_hours=24, sla_at_risk_hours=30)
    bad_step = {"day_offset": 1, "channel": "fax", "action": "", "owner_role": "sales"}

    with pytest.raises(PlayValidationError) as raised:
        play_save(play=play, segment_ids=[fintech.pk], steps=[STEPS[0], STEPS[0], bad_step])

    error = raised.value
    assert set(error.step_errors) == {2}
    assert set(error.step_errors[2]) == {"channel", "action"}
    assert "step 3: channel:" in error.message_dict["__all__"][0]
    assert list(error.field_errors) == ["sla_at_risk_hours"]
    detail = invalid_play(error).detail
    assert set(detail) == {"sla_at_risk_hours", "steps"}
    assert set(detail["steps"]) == {"2"}
    assert set(detail["steps"]["2"]) == {"channel", "action"}


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": ""}, "name"),
        ({"motion": "expand"}, "motion"),
        ({"slug": "new"}, "slug"),
        ({"slug": "not a slug"}, "slug"),
        ({"sla_hours": 9000}, "sla_hours"),
        ({"sla_hours": 0}, "sla_hours"),
        ({"exit_after_days": 100000}, "exit_after_days"),
        ({"reentry_after_days": 5000}, "reentry_after_days"),
        ({"enrollment_cap": 0}, "enrollment_cap"),
        ({"eligible_tiers": [4]}, "eligible_tiers"),
        ({"eligible_tiers": "1"}, "eligible_tiers"),
        ({"entry_rule": "industry is Software"}, "entry_rule"),
        ({"entry_segments": ["nope"]}, "entry_segments"),
        ({"exit_journey_stages": ["orbit"]}, "exit_journey_stages"),
        ({"steps": [{"day_offset": 1, "channel": "email", "action": ""}]}, "steps"),
    ],
)
def test_create_rejects_bad_value(api, fields, field):
    body = assert_error(create(api, **fields), 400, "invalid")

    assert list(body["fields"]) == [field]
    assert not Play.objects.exists()


def test_unknown_segment_is_named(api):
    body = assert_error(create(api, entry_segments=["nope"]), 400, "invalid")

    assert "nope" in body["fields"]["entry_segments"][0]


def test_taken_slug_is_400(api):
    make_play(name="Existing", slug="fintech-q3")

    body = assert_error(create(api, slug="fintech-q3"), 400, "invalid")

    assert list(body["fields"]) == ["slug"]
    assert Play.objects.count() == 1


@pytest.fixture
def play(api, fintech):
    response = create(api, entry_segments=["fintech"], sla_hours=24, steps=STEPS, status="active")
    assert response.status_code == 201, response.content
    return Play.objects.get()


def patch(api, slug, body, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return api.patch(f"/api/v1/plays/{slug}/", body, format="json", **headers)


def current_etag(api, slug):
    return api.get(f"/api/v1/plays/{slug}/")["ETag"]


def test_update_without_if_match_is_428(api, play):
    assert_error(patch(api, play.slug, {"name": "Renamed"}), 428, "precondition_required")
    play.refresh_from_db()
    assert play.name == "Tier 1 fintech"


def test_update_with_stale_etag_is_412(api, play):
    etag = current_etag(api, play.slug)

    first = patch(api, play.slug, {"name": "First"}, etag)
    second = patch(api, play.slug, {"name": "Second"}, etag)

    assert first.status_code == 200, first.content
    assert first["ETag"] != etag
    assert first["ETag"] == current_etag(api, play.slug)
    assert_error(second, 412, "precondition_failed")
    play.refresh_from_db()
    assert play.name == "First"


def test_every_edit_changes_etag(api, play, client):
    seen = [current_etag(api, play.slug)]
    for body in ({"offer": "Workshop"}, {"status": "paused"}, {"status": "active"}, {"steps": []}):
        response = patch(api, play.slug, body, seen[-1])
        assert response.status_code == 200, response.content
        seen.append(response["ETag"])

    client.force_login(make_user("rita", "revops"))
    play.refresh_from_db()
    data = editor_data(name="Edited in the browser", version=play_version(play))
    edited = client.post(reverse("plays:edit", args=[play.slug]), data)
    assert edited.status_code == 302
    seen.append(current_etag(api, play.slug))

    assert len(set(seen)) == len(seen)


def test_update_keeps_what_is_left_out(api, play):
    enrollments_recompute(now=NOW)
    enrollment = Enrollment.objects.get(play=play)
    step_ids = list(play.steps.order_by("position").values_list("pk", flat=True))
    first_step = CadenceStep.objects.get(pk=step_ids[0])
    cadence_step_complete(enrollment=enrollment, step=first_step, user=None, now=NOW)

    response = patch(api, play.slug, {"description": "Fintech accounts in Tier 1"}, current_etag(api, play.slug))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["description"] == "Fintech accounts in Tier 1"
    assert body["entry_segments"] == ["fintech"]
    assert body["sla_hours"] == 24
    assert body["enrolled"] == 1
    assert list(play.steps.order_by("position").values_list("pk", flat=True)) == step_ids
    assert StepCompletion.objects.filter(step=first_step).count() == 1


def test_update_replaces_steps_and_segments(api, play):
    make_segment("software", [])
    steps = [{"day_offset": 1, "channel": "meeting", "action": "Book the workshop"}]

    response = patch(api, play.slug, {"steps": steps, "entry_segments": ["software"]}, current_etag(api, play.slug))

    assert response.status_code == 200, response.content
    assert [(step["position"], step["action"]) for step in response.json()["steps"]] == [(1, "Book the workshop")]
    assert response.json()["entry_segments"] == ["software"]


def test_update_changes_status_by_the_rules(api, play):
    paused = patch(api, play.slug, {"status": "paused"}, current_etag(api, play.slug))
    assert paused.status_code == 200, paused.content
    assert paused.json()["status"] == "paused"

    body = assert_error(patch(api, play.slug, {"status": "draft"}, paused["ETag"]), 400, "invalid")
    assert "cannot become draft" in body["fields"]["status"][0]

    retired = patch(api, play.slug, {"status": "retired"}, paused["ETag"])
    assert retired.status_code == 200, retired.content
    body = assert_error(patch(api, play.slug, {"status": "active"}, retired["ETag"]), 400, "invalid")
    assert "stays retired" in body["fields"]["status"][0]


def test_failed_status_change_keeps_settings(api, play):
    etag = current_etag(api, play.slug)

    response = patch(api, play.slug, {"name": "Renamed", "status": "draft"}, etag)

    assert_error(response, 400, "invalid")
    play.refresh_from_db()
    assert play.name == "Tier 1 fintech"
    assert current_etag(api, play.slug) == etag


def test_update_errors_keyed_by_field(api, play):
    response = patch(api, play.slug, {"sla_at_risk_hours": 48}, current_etag(api, play.slug))

    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["sla_at_risk_hours"]


def test_slug_cannot_change(api, play):
    etag = current_etag(api, play.slug)

    body = assert_error(patch(api, play.slug, {"slug": "renamed"}, etag), 400, "invalid")
    assert list(body["fields"]) == ["slug"]
    assert "cannot change" in body["fields"]["slug"][0]

    same = patch(api, play.slug, {"slug": play.slug, "offer": "Trial"}, etag)
    assert same.status_code == 200, same.content


def test_put_and_delete_are_not_allowed(api, play):
    etag = current_etag(api, play.slug)
    assert_error(api.put(f"/api/v1/plays/{play.slug}/", new_play(), format="json", HTTP_IF_MATCH=etag), 405,
                 "method_not_allowed")
    assert_error(api.delete(f"/api/v1/plays/{play.slug}/", HTTP_IF_MATCH=etag), 405, "method_not_allowed")
    assert Play.objects.filter(pk=play.pk).exists()


def test_update_unknown_play_is_404(api):
    assert_error(patch(api, "nope", {"name": "x"}, '"x"'), 404, "not_found")


def test_read_token_cannot_write(read_api, play):
    body = assert_error(read_api.post("/api/v1/plays/", new_play(slug="other"), format="json"), 403,
                        "permission_denied")
    assert "write scope" in body["message"]
    etag = current_etag(read_api, play.slug)
    assert_error(patch(read_api, play.slug, {"name": "Renamed"}, etag), 403, "permission_denied")
    assert Play.objects.count() == 1


def test_sales_session_cannot_edit_plays(play):
    sales_session = session_of("sam", "sales")
    token = csrf_token(sales_session)
    etag = sales_session.get(f"/api/v1/plays/{play.slug}/")["ETag"]

    created = sales_session.post("/api/v1/plays/", new_play(slug="other"), format="json", HTTP_X_CSRFTOKEN=token)
    updated = sales_session.patch(
        f"/api/v1/plays/{play.slug}/", {"status": "paused"}, format="json", HTTP_IF_MATCH=etag, HTTP_X_CSRFTOKEN=token
    )

    assert "RevOps" in assert_error(created, 403, "permission_denied")["message"]
    assert_error(updated, 403, "permission_denied")
    play.refresh_from_db()
    assert play.status == "active"


def test_revops_session_writes():
    revops_session = session_of("rosa", "revops")
    token = csrf_token(revops_session)

    response = revops_session.post("/api/v1/plays/", new_play(), format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201, response.content
    assert Play.objects.get().owner.username == "rosa"


def test_schema_documents_writes():
    client = APIClient()
    schema = client.get("/api/schema/", {"format": "json"}).json()
    collection = schema["paths"]["/api/v1/plays/"]
    detail = schema["paths"]["/api/v1/plays/{slug}/"]

    assert collection["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PlayWrite")
    assert "ETag" in collection["post"]["responses"]["201"]["headers"]
    assert "ETag" in detail["get"]["responses"]["200"]["headers"]
    if_match = [p for p in detail["patch"]["parameters"] if p["name"] == "If-Match"]
    assert if_match and if_match[0]["required"] is True
    assert {"400", "412", "428"} <= set(detail["patch"]["responses"])
    assert "put" not in detail
    assert "delete" not in detail
    assert schema["components"]["schemas"]["PlayStatusEnum"]["enum"] == ["draft", "active", "paused", "retired"]


needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="overlapping transactions need PostgreSQL; SQLite runs one write transaction at a time",
)


def rename_while_request_waits(play, request, name):
    """Send request from another thread while this one holds the play's row lock, then rename the play and commit.

    Return the request's response. The caller reads the play's version
    beforehand, so the request reaches the lock with a version the rename replaces.
    """
    responses = []

    def send():
        responses.append(request())
        connection.close()

    with transaction.atomic():
        locked = Play.objects.select_for_update().get(pk=play.pk)
        thread = threading.Thread(target=send)
        thread.start()
        # Give the request time to reach the row lock.
        time.sleep(1)
        locked.name = name
        locked.save()
    thread.join(30)
    return responses[0]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edit_makes_update_fail(api, play):
    """An update that read the ETag before another edit committed must get 412, not overwrite it."""
    etag = current_etag(api, play.slug)

    response = rename_while_request_waits(
        play, lambda: patch(api, play.slug, {"name": "From the API"}, etag), "From the editor"
    )

    assert_error(response, 412, "precondition_failed")
    play.refresh_from_db()
    assert play.name == "From the editor"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_editor_save_fails(play):
    """A browser save of a version that another save replaced while it waited for the row lock must not overwrite it."""
    browser = session_of("rita", "revops")
    data = editor_data(name="From the browser", version=play_version(play))
    data["csrfmiddlewaretoken"] = csrf_token(browser)

    response = rename_while_request_waits(
        play, lambda: browser.post(reverse("plays:edit", args=[play.slug]), data), "From the API"
    )

    assert response.status_code == 409
    play.refresh_from_db()
    assert play.name == "From the API"
