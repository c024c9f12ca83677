"""ICP endpoints: an account's score, tier and explanation; model versions with ETags; recompute runs."""

import pytest
from django.utils import timezone

from accounts.models import Account
from segmentation.models import IcpExplanation, IcpModel, RecomputeRun, RunStatus, RunTrigger
from segmentation.services.icp import icp_model_create

from .conftest import assert_error

pytestmark = pytest.mark.django_db

CRITERIA = [
    {"label": "Software company", "points": 60, "rule": {"field": "industry", "op": "eq", "value": "Software"}},
    {"label": "Mid-market headcount", "points": 40, "field": "employee_count", "minimum": 200, "maximum": 5000},
]


@pytest.fixture
def model():
    return icp_model_create(name="FY26", criteria=CRITERIA, tier_1_min_score=80, tier_2_min_score=50, tier_3_min_score=20)


@pytest.fixture
def scored_account(model):
    account = Account.objects.create(name="Acme", industry="Software", employee_count=100, icp_score=60, icp_tier=2)
    run = RecomputeRun.objects.create(
        trigger=RunTrigger.NIGHTLY, status=RunStatus.PUBLISHED, active=None, full=True,
        as_of=timezone.now(), finished_at=timezone.now(),
    )
    software, headcount = model.criteria.order_by("position")
    IcpExplanation.objects.create(
        account=account, run=run, model=model, score=60, computed_tier=2, tier=2,
        points={software.key: 60, headcount.key: 0}, inputs={"industry": "Software", "employee_count": 100},
    )
    return account, run


def test_account_icp_explains_points(api, scored_account):
    account, run = scored_account
    body = api.get(f"/api/v1/accounts/{account.pk}/icp/").json()
    assert body["icp_score"] == 60
    assert body["icp_tier"] == 2
    assert body["run_id"] == run.pk
    assert body["criteria"] == [
        {"label": "Software company", "points": 60, "max_points": 60, "matched": True},
        {"label": "Mid-market headcount", "points": 0, "max_points": 40, "matched": False},
    ]
    assert body["inputs"]["employee_count"] == 100
    assert body["override"] is None
    assert body["computed_at"] is not None


def test_account_icp_before_any_run(api):
    account = Account.objects.create(name="New")
    body = api.get(f"/api/v1/accounts/{account.pk}/icp/").json()
    assert body["icp_tier"] is None
    assert body["criteria"] == []


def test_account_icp_unknown_account_is_404(api):
    assert_error(api.get("/api/v1/accounts/999999/icp/"), 404, "not_found")


def test_icp_model_detail_has_etag(api, model):
    response = api.get(f"/api/v1/icp-models/{model.pk}/")
    assert response["ETag"] == f'"v{model.version}-draft"'
    assert [criterion["label"] for criterion in response.json()["criteria"]] == ["Software company", "Mid-market headcount"]


def test_publish_needs_if_match(api, model):
    url = f"/api/v1/icp-models/{model.pk}/publish/"
    assert_error(api.post(url), 428, "precondition_required")
    assert_error(api.post(url, HTTP_IF_MATCH='"v1-published"'), 412, "precondition_failed")
    model.refresh_from_db()
    assert model.status == "draft"


def test_publish_with_current_etag(api, model):
    etag = api.get(f"/api/v1/icp-models/{model.pk}/")["ETag"]
    response = api.post(f"/api/v1/icp-models/{model.pk}/publish/", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert response["ETag"] != etag
    again = api.post(f"/api/v1/icp-models/{model.pk}/publish/", HTTP_IF_MATCH=response["ETag"])
    assert_error(again, 409, "conflict")


def test_publish_needs_write_scope(read_api, model):
    assert_error(read_api.post(f"/api/v1/icp-models/{model.pk}/publish/", HTTP_IF_MATCH="x"), 403, "permission_denied")


def test_start_run_and_read_status(api):
    response = api.post("/api/v1/recompute-runs/", {"full": True}, format="json")
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    assert RecomputeRun.objects.get(pk=run_id).trigger == RunTrigger.API
    status = api.get(f"/api/v1/recompute-runs/{run_id}/").json()
    assert status["status"] in {"running", "publishing", "published"}
    assert api.get("/api/v1/recompute-runs/").json()["results"][0]["id"] == run_id


def test_second_run_while_running_is_409(api):
    running = RecomputeRun.objects.create(trigger=RunTrigger.NIGHTLY, full=True, as_of=timezone.now())
    body = assert_error(api.post("/api/v1/recompute-runs/", {}, format="json"), 409, "conflict")
    assert f"#{running.pk}" in body["message"]


def test_unknown_run_is_404(api):
    assert_error(api.get("/api/v1/recompute-runs/999999/"), 404, "not_found")
    assert IcpModel.objects.count() == 0
