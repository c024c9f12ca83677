"""Per-token request limits: 429 with Retry-After, counted per token."""

import pytest
from django.test import override_settings

from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


@override_settings(API_THROTTLE_RATE="3/min")
def test_fourth_request_in_a_minute_is_429(make_token):
    _, secret = make_token()
    client = client_for(secret)
    for _ in range(3):
        assert client.get("/api/v1/accounts/").status_code == 200
    response = client.get("/api/v1/accounts/")
    body = assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in body["message"].lower()


@override_settings(API_THROTTLE_RATE="2/min")
def test_tokens_are_counted_apart(make_token):
    first = client_for(make_token(name="One")[1])
    second = client_for(make_token(name="Two")[1])
    for _ in range(2):
        first.get("/api/v1/accounts/")
    assert first.get("/api/v1/accounts/").status_code == 429
    assert second.get("/api/v1/accounts/").status_code == 200


@override_settings(API_THROTTLE_RATE="1/min")
def test_token_rate_overrides_setting(make_token):
    client = client_for(make_token(rate_limit_per_minute=5)[1])
    statuses = [client.get("/api/v1/accounts/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
