"""Idempotency-Key support for every write to the API.

A client that sends `Idempotency-Key: <key>` with a POST, PUT, PATCH or
DELETE under /api/ may retry the request safely:

- the first request runs and its response is stored for IDEMPOTENCY_KEY_TTL_HOURS;
- a retry with the same key and the same body gets the stored response
  again, marked `Idempotent-Replayed: true`, and changes nothing;
- the same key with another method, path or body gets 422;
- a retry while the first request is still running gets 409.

Keys belong to the caller (the API token, or the user of a browser
session), so two integrations never see each other's responses. This is a
middleware, so it serves every app's API views without those apps
importing this one.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from integrations.authentication import bearer_secret
from integrations.errors import error_response
from integrations.models import ApiToken
from integrations.models.idempotency import IdempotencyKey, IdempotencyState
from integrations.services.tokens import token_digest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 255
# Responses that depend only on the request are stored. Others (401, 403,
# 409, 412, 428, 429 and server errors) depend on state that a retry may
# have fixed, so their key is released and the retry runs again.
STORED_CLIENT_ERRORS = {400, 404, 405, 413, 415, 422}
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def request_scope(request) -> str | None:
    """Return `token:<id>` or `user:<id>` for the caller, or None for an anonymous or invalid caller."""
    try:
        secret = bearer_secret(request)
    except AuthenticationFailed:
        return None
    if secret is not None:
        token_id = ApiToken.objects.active().filter(digest=token_digest(secret)).values_list("pk", flat=True).first()
        return f"token:{token_id}" if token_id else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def stored_response_is_kept(status_code: int) -> bool:
    return status_code < 400 or status_code in STORED_CLIENT_ERRORS


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)

        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            return error_response(
                400,
                "invalid",
                f"Invalid {HEADER}: send 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID.",
                {HEADER: [f"Invalid value {key[:40]!r}."]},
            )
        scope = request_scope(request)
        if scope is None:
            # Authentication fails later in the view, with the usual 401 or 403.
            return self.get_response(request)

        fingerprint = request_fingerprint(request)
        record, rejection = self.claim(scope=scope, key=key, fingerprint=fingerprint)
        if rejection is not None:
            return rejection
        if record.state == IdempotencyState.COMPLETED:
            return self.replay(record)

        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        self.store(record, response)
        return response

    def claim(self, *, scope, key, fingerprint):
        """Take the key for this request, or return why not: (record, None) or (None, response)."""
        now = timezone.now()
        expired_before = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        IdempotencyKey.objects.filter(scope=scope, key=key, created_at__lt=expired_before).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(scope=scope, key=key, fingerprint=fingerprint, locked_at=now)
            return record, None
        except IntegrityError:
            pass

        record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if record is None:
            # The holder released the key between our insert and this read.
            return self.claim(scope=scope, key=key, fingerprint=fingerprint)
        if record.fingerprint != fingerprint:
            return None, error_response(
                422,
                "idempotency_key_reused",
                f"{HEADER} {key!r} was already used with another request: send a new key for a new request.",
            )
        if record.state == IdempotencyState.COMPLETED:
            return record, None

        # A request whose process died leaves its key in flight; after the
        # lease another request may take the key over.
        lease_expired_before = now - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS)
        taken_over = IdempotencyKey.objects.filter(
            pk=record.pk, state=IdempotencyState.IN_FLIGHT, locked_at__lt=lease_expired_before
        ).update(locked_at=now)
        if taken_over:
            logger.warning("Took over idempotency key %s of %s after its lease expired", key, scope)
            return record, None
        return None, error_response(
            409,
            "idempotency_key_in_flight",
            f"A request with {HEADER} {key!r} is still being processed: retry after it finishes.",
            headers={"Retry-After": "1"},
        )

    def store(self, record, response):
        if getattr(response, "streaming", False) or not stored_response_is_kept(response.status_code):
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
        IdempotencyKey.objects.filter(pk=record.pk).update(
            state=IdempotencyState.COMPLETED,
            response_status=response.status_code,
            response_headers=headers,
            response_body=bytes(response.content),
        )

    def replay(self, record):
        response = HttpResponse(bytes(record.response_body or b""), status=record.response_status)
        for name, value in record.response_headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response
