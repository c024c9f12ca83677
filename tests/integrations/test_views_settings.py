"""API token and webhook pages: RevOps only, token shown once, revoke, subscribe, replay."""

import pytest
from django.urls import reverse

from integrations.models import ApiToken, WebhookDelivery, WebhookSubscription
from integrations.services.tokens import api_token_authenticate
from tests.workspace.conftest import rep, revops  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["integrations:token_list", "integrations:webhook_list"])
def test_settings_pages_are_revops_only(client, rep, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(rep)
    assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse(name), {"name": "x"}).status_code == 403


def test_token_created_shown_once_and_works(client, revops):
    client.force_login(revops)
    response = client.post(reverse("integrations:token_list"), {"name": "HubSpot sync", "scopes": ["read", "write"]})
    secret = response.context["new_secret"]
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert secret in response.content.decode()
    assert api_token_authenticate(secret=secret).name == "HubSpot sync"
    assert secret not in client.get(reverse("integrations:token_list")).content.decode()


def test_token_without_name_or_scope_is_rejected(client, revops):
    client.force_login(revops)
    response = client.post(reverse("integrations:token_list"), {"name": " ", "scopes": ["read"]})
    assert response.status_code == 400
    assert "A token needs a name" in response.content.decode()
    response = client.post(reverse("integrations:token_list"), {"name": "CRM"})
    assert response.status_code == 400
    assert "Invalid scopes (none)" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_revoke(client, revops):
    client.force_login(revops)
    secret = client.post(reverse("integrations:token_list"), {"name": "CRM", "scopes": ["read"]}).context["new_secret"]
    token = ApiToken.objects.get()
    client.post(reverse("integrations:token_revoke", args=[token.pk]))
    assert api_token_authenticate(secret=secret) is None


def test_webhook_subscribe_rejects_bad_input(client, revops, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    client.force_login(revops)
    response = client.post(reverse("integrations:webhook_list"), {"name": "CRM", "url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 400
    assert "Choose one or more events" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_webhook_to_loopback_is_refused_by_default(client, revops):
    client.force_login(revops)
    response = client.post(
        reverse("integrations:webhook_list"), {"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["tier.changed"]}
    )
    assert response.status_code == 400
    assert "127.0.0.1" in response.context["errors"][0]


def test_webhook_subscribe_pause_and_replay(client, revops, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    client.force_login(revops)
    response = client.post(
        reverse("integrations:webhook_list"),
        {"name": "Local receiver", "url": "http://127.0.0.1:9/hook", "events": ["tier.changed"]},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response.context["new_secret"].startswith("whsec_")
    subscription = WebhookSubscription.objects.get()
    client.post(reverse("integrations:webhook_toggle", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert not subscription.is_active
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event_type="tier.changed", event_id="e1", payload={}, status="failed",
    )
    client.post(reverse("integrations:delivery_replay", args=[delivery.pk]))
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
