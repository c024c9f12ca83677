"""The account page's tier explanation, overrides, history and segment reasons."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from segmentation.models import (
    IcpCriterion,
    IcpExplanation,
    IcpModel,
    RecomputeRun,
    StageChange,
    TierChange,
    TierOverride,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(book, revops):
    now = timezone.now()
    run = RecomputeRun.objects.create(trigger="cli", full=True, as_of=now, status="published", active=None, finished_at=now)
    model = IcpModel.objects.create(name="Fit", version=1, status="published", tier_1_min_score=80, tier_2_min_score=60, tier_3_min_score=40)
    software = IcpCriterion.objects.create(
        model=model, position=0, label="Software company", kind="rule",
        rule={"field": "industry", "op": "eq", "value": "Software"}, points=60,
    )
    big = IcpCriterion.objects.create(
        model=model, position=1, label="Large", kind="range", field="employee_count", minimum=1000, points=40,
    )
    acme = book["acme"]
    IcpExplanation.objects.create(
        account=acme, run=run, model=model, score=60, computed_tier=2, tier=1,
        points={software.key: 60, big.key: 0}, inputs={"industry": "Software", "employee_count": 120},
    )
    TierChange.objects.create(account=acme, run=run, from_tier=2, to_tier=1, from_score=55, to_score=60, reason="override", changed_at=now)
    StageChange.objects.create(account=acme, run=run, from_stage="prospect", to_stage="active_opportunity", from_motion="acquire", to_motion="acquire", changed_at=now)
    TierOverride.objects.create(account=acme, tier=1, reason="Strategic logo", author=revops, expires_on=(now + timedelta(days=30)).date())
    return acme


def test_explanation_lists_points_per_criterion(client, rep, scored):
    client.force_login(rep)
    response = client.get(reverse("workspace:account", args=[scored.pk]))
    rows = response.context["explanation"]["criteria"]
    assert [(row["label"], row["points"], row["max_points"]) for row in rows] == [("Software company", 60, 60), ("Large", 0, 40)]
    assert rows[1]["inputs"] == [("employee_count", 120)]
    html = response.content.decode()
    assert "The score alone gives Tier 2." in html
    assert "Strategic logo" in html


def test_history_merges_tier_and_stage_changes(client, rep, scored):
    client.force_login(rep)
    history = client.get(reverse("workspace:account", args=[scored.pk])).context["history"]
    assert sorted(entry["kind"] for entry in history) == ["stage", "tier"]


def test_segment_reason_shows_account_values(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("workspace:account", args=[book["acme"].pk]))
    reasons = response.context["segment_reasons"][book["segment"].pk]
    assert reasons == [(0, True, "Industry is “Software” (here: “Software”)")]


def test_revops_sets_and_revokes_override(client, revops, book):
    client.force_login(revops)
    globex = book["globex"]
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        reverse("workspace:account_override", args=[globex.pk]), {"tier": "", "reason": "Competitor", "expires_on": until}
    )
    assert response.status_code == 302
    override = TierOverride.objects.get(account=globex)
    assert override.tier is None
    client.post(reverse("workspace:account_override_revoke", args=[globex.pk, override.pk]))
    override.refresh_from_db()
    assert override.end_reason == "revoked"


def test_override_in_the_past_is_rejected(client, revops, book):
    client.force_login(revops)
    response = client.post(
        reverse("workspace:account_override", args=[book["globex"].pk]),
        {"tier": "1", "reason": "x", "expires_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "is not after today" in response.content.decode()
    assert not TierOverride.objects.exists()


def test_rep_cannot_override(client, rep, book):
    client.force_login(rep)
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(reverse("workspace:account_override", args=[book["acme"].pk]), {"tier": "1", "reason": "x", "expires_on": until})
    assert response.status_code == 403
