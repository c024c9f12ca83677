"""ICP model pages: list, new draft, edit, preview with samples, publish, by role."""

import json

import pytest
from django.urls import reverse

from segmentation.models import IcpModel, IcpModelStatus
from segmentation.services.icp import icp_model_create
from tests.workspace.conftest import book, other_rep, rep, revops  # noqa: F401

pytestmark = pytest.mark.django_db

SOFTWARE_RULE = {"field": "industry", "op": "eq", "value": "Software"}


@pytest.fixture
def draft(revops):
    return icp_model_create(
        name="Fit",
        criteria=[{"label": "Software", "points": 50, "rule": SOFTWARE_RULE}],
        tier_1_min_score=80,
        tier_2_min_score=60,
        tier_3_min_score=40,
        created_by=revops,
    )


def edit_post(**rows):
    data = {"name": "Fit", "description": "", "tier_1_min_score": "80", "tier_2_min_score": "60", "tier_3_min_score": "40"}
    data.update(rows)
    return data


def test_icp_list_empty_state(client, rep):
    client.force_login(rep)
    html = client.get(reverse("segmentation:icp_list")).content.decode()
    assert "No ICP model yet" in html
    assert "Create the first model" not in html


def test_rep_cannot_create_edit_or_publish(client, rep, draft):
    client.force_login(rep)
    assert client.post(reverse("segmentation:icp_new")).status_code == 403
    assert client.post(reverse("segmentation:icp_edit", args=[draft.pk]), edit_post()).status_code == 403
    assert client.post(reverse("segmentation:icp_publish", args=[draft.pk])).status_code == 403
    assert client.get(reverse("segmentation:icp_edit", args=[draft.pk])).status_code == 200


def test_revops_creates_first_draft(client, revops):
    client.force_login(revops)
    response = client.post(reverse("segmentation:icp_new"))
    model = IcpModel.objects.get()
    assert response["Location"] == reverse("segmentation:icp_edit", args=[model.pk])
    assert model.status == IcpModelStatus.DRAFT


def test_save_replaces_draft_and_previews_moves(client, revops, book, draft):
    client.force_login(revops)
    data = edit_post(**{
        "c-0-kind": "rule", "c-0-label": "Software", "c-0-points": "50", "c-0-rule": json.dumps(SOFTWARE_RULE),
        "c-1-kind": "range", "c-1-label": "Big", "c-1-points": "50", "c-1-field": "icp_score", "c-1-minimum": "80",
        "c-1-maximum": "",
    })
    response = client.post(reverse("segmentation:icp_edit", args=[draft.pk]), data)
    replacement = IcpModel.objects.get()
    assert replacement.pk != draft.pk
    assert replacement.criteria.count() == 2
    preview = client.get(response["Location"])
    context = preview.context["preview"]
    assert context["accounts"] == 6
    moves = {(move["from"], move["to"]): move for move in context["moves"]}
    # Acme (Software, score 91) keeps Tier 1; Globex (Software, 85) too; Initech drops out of ICP.
    assert (2, None) in moves
    assert [name for _, name in moves[(2, None)]["samples"]] == ["Initech"]


def test_save_rejects_bad_criteria_with_messages(client, revops, draft):
    client.force_login(revops)
    data = edit_post(**{"c-0-kind": "rule", "c-0-label": "", "c-0-points": "0", "c-0-rule": "{nope"})
    response = client.post(reverse("segmentation:icp_edit", args=[draft.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "the rule is not valid JSON" in html
    assert IcpModel.objects.get().pk == draft.pk


def test_publish_starts_a_run(client, revops, book, draft):
    client.force_login(revops)
    response = client.post(reverse("segmentation:icp_publish", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == IcpModelStatus.PUBLISHED
    assert "published; recompute run #" in response.content.decode()
