"""API tokens: creation, hashing, scopes, revocation, last use, and the management command."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations.models import ApiToken
from integrations.services import api_token_create, api_token_revoke, parse_scopes
from integrations.services.tokens import token_digest
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_digest_only():
    token, secret = api_token_create(name="HubSpot", scopes=["read", "write"])
    assert secret.startswith("tl_")
    assert token.digest == token_digest(secret)
    assert secret not in {value for value in vars(token).values() if isinstance(value, str)}
    assert token.prefix == secret[:9]


@pytest.mark.parametrize("raw, expected", [("read", ["read"]), ("write, READ", ["read", "write"]), (["write"], ["write"])])
def test_parse_scopes(raw, expected):
    assert parse_scopes(raw) == expected


@pytest.mark.parametrize("raw", ["", "admin", "read,delete"])
def test_parse_scopes_rejects_unknown(raw):
    with pytest.raises(ValidationError):
        parse_scopes(raw)


def test_token_needs_a_name():
    with pytest.raises(ValidationError):
        api_token_create(name="  ", scopes=["read"])


def test_command_prints_token_once(capsys):
    call_command("create_api_token", "Salesforce", "--scopes", "read,write")
    captured = capsys.readouterr()
    secret = captured.out.strip()
    token = ApiToken.objects.get(name="Salesforce")
    assert token.digest == token_digest(secret)
    assert token.scopes == ["read", "write"]
    assert "shown once" in captured.err


def test_command_rejects_bad_scope():
    with pytest.raises(CommandError, match="Invalid scopes admin"):
        call_command("create_api_token", "Bad", "--scopes", "admin")


def test_command_rejects_unknown_user():
    with pytest.raises(CommandError, match="No user is named 'ghost'"):
        call_command("create_api_token", "Bad", "--user", "ghost")


def test_last_used_is_recorded(make_token):
    token, secret = make_token()
    client_for(secret).get("/api/v1/accounts/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    first_use = token.last_used_at
    client_for(secret).get("/api/v1/accounts/")
    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_revoked_token_is_rejected(make_token):
    token, secret = make_token()
    api_token_revoke(token=token)
    body = assert_error(client_for(secret).get("/api/v1/accounts/"), 401, "authentication_failed")
    assert "revoked" in body["message"]


def test_revoking_twice_keeps_first_time(make_token):
    token, _ = make_token()
    first = timezone.now() - timedelta(hours=1)
    api_token_revoke(token=token, now=first)
    api_token_revoke(token=token)
    token.refresh_from_db()
    assert token.revoked_at == first
