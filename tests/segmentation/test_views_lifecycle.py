"""Lifecycle rules editor: preview of stage moves, save, validation, by role."""

import json

import pytest
from django.urls import reverse

from segmentation.models import LifecycleRule
from tests.workspace.conftest import book, other_rep, rep, revops  # noqa: F401

pytestmark = pytest.mark.django_db

URL = reverse("segmentation:lifecycle_rules")
BANKING_CUSTOMERS = {"field": "industry", "op": "eq", "value": "Banking"}


def rules_post(action, rule=BANKING_CUSTOMERS, stage="customer"):
    return {
        "action": action,
        "l-0-stage": stage,
        "l-0-description": "Banks are customers",
        "l-0-enabled": "on",
        "l-0-rule": json.dumps(rule),
    }


def test_rep_sees_rules_but_cannot_change_them(client, rep):
    client.force_login(rep)
    assert client.get(URL).status_code == 200
    assert client.post(URL, rules_post("save")).status_code == 403


def test_preview_counts_stage_moves_without_saving(client, revops, book):
    client.force_login(revops)
    response = client.post(URL, rules_post("preview"))
    preview = response.context["preview"]
    moves = {(move["from"], move["to"]): move for move in preview["moves"]}
    # Initech is the only bank and is already a customer; every other account becomes a prospect.
    assert ("Customer", "Customer") not in moves
    assert preview["accounts"] == 6
    assert not LifecycleRule.objects.exists()


def test_save_then_reorder_keeps_ids(client, revops, book):
    client.force_login(revops)
    response = client.post(URL, rules_post("save"))
    assert response.status_code == 302
    rule = LifecycleRule.objects.get()
    assert rule.stage == "customer"
    data = rules_post("save", stage="expansion")
    data["l-0-id"] = str(rule.pk)
    client.post(URL, data)
    assert LifecycleRule.objects.get().pk == rule.pk
    assert LifecycleRule.objects.get().stage == "expansion"


def test_invalid_rule_is_rejected_with_path(client, revops):
    client.force_login(revops)
    response = client.post(URL, rules_post("save", rule={"field": "nope", "op": "eq", "value": 1}))
    assert response.status_code == 400
    assert "Rule 1 (Banks are customers): $" in response.content.decode()
    assert not LifecycleRule.objects.exists()
