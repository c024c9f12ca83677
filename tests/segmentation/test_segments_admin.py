"""The admin pages for segments save through the services."""

import json

import pytest
from django.contrib.auth import get_user_model

from segmentation.models import Lens, Segment
from segmentation.services import segment_create

pytestmark = pytest.mark.django_db

SOFTWARE = {"field": "industry", "op": "eq", "value": "software"}


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "name": "Software",
        "slug": "software",
        "lens": Lens.FIRMOGRAPHIC,
        "object_type": "accounts",
        "status": "draft",
        "owner": "",
        "description": "",
        "rule": json.dumps(SOFTWARE),
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_segment_pages_load(admin_client):
    segment = segment_create(name="Software", slug="software", lens=Lens.FIRMOGRAPHIC, rule=SOFTWARE)
    assert admin_client.get("/admin/segmentation/segment/").status_code == 200
    assert admin_client.get(f"/admin/segmentation/segment/{segment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/segmentation/segmentmembership/").status_code == 200


def test_admin_add_records_version_with_author(admin_client):
    response = admin_client.post("/admin/segmentation/segment/add/", form_data())
    assert response.status_code == 302
    version = Segment.objects.get(slug="software").versions.get()
    assert version.changed_by.username == "admin"


def test_admin_edit_adds_version(admin_client):
    segment = segment_create(name="Software", slug="software", lens=Lens.FIRMOGRAPHIC, rule=SOFTWARE)
    new_rule = {"field": "industry", "op": "eq", "value": "saas"}
    data = form_data(rule=json.dumps(new_rule), **{"versions-INITIAL_FORMS": "0"})
    response = admin_client.post(f"/admin/segmentation/segment/{segment.pk}/change/", data)
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.version == 2
    assert segment.versions.get(version=2).changes["rule"]["after"] == new_rule


def test_admin_shows_rule_errors(admin_client):
    response = admin_client.post(
        "/admin/segmentation/segment/add/", form_data(rule=json.dumps({"field": "industy", "op": "eq", "value": "x"}))
    )
    assert response.status_code == 200
    assert "$.field: Unknown field" in response.content.decode()
    assert not Segment.objects.exists()


def test_membership_rows_cannot_be_deleted_by_hand(admin_client):
    from django.utils import timezone

    from accounts.models import Account
    from segmentation.models import SegmentMembership

    segment = Segment.objects.create(name="Held", slug="held", lens="firmographic", status="active", rule={"all": []})
    account = Account.objects.create(name="Kept")
    stay = SegmentMembership.objects.create(segment=segment, account=account, entered_at=timezone.now())

    response = admin_client.get(f"/admin/segmentation/segmentmembership/{stay.pk}/delete/")

    assert response.status_code == 403
