"""Create, check and revoke API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.models import ApiToken, TokenScope

TOKEN_PREFIX = "tl_"
# last_used_at is written at most once a minute per token, so a busy
# integration does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(value: str | list[str]) -> list[str]:
    """Turn "read,write" or ["read"] into a sorted list of known scopes."""
    items = value.split(",") if isinstance(value, str) else list(value)
    scopes = sorted({item.strip().lower() for item in items if item and item.strip()})
    unknown = [scope for scope in scopes if scope not in TokenScope.values]
    if unknown or not scopes:
        raise ValidationError(
            f"Invalid scopes {', '.join(unknown) or '(none)'}: use read, write or read,write.", code="invalid"
        )
    return scopes


def api_token_create(
    *, name: str, scopes: list[str], created_by=None, rate_limit_per_minute: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A token needs a name, such as the integration that uses it."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(secret),
        scopes=parse_scopes(scopes),
        created_by=created_by,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, revoked_by=None, now: datetime | None = None) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.revoked_by = revoked_by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(*, secret: str, now: datetime | None = None) -> ApiToken | None:
    """Return the active token with this secret and note its use, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().filter(digest=token_digest(secret)).first()
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
