"""The one error shape of the API: `{"code", "message", "fields"}`.

`code` is a stable, machine-readable word and `message` is a sentence for
a person. `fields` maps a field name (or, in bulk calls, a record index)
to its messages, and is empty when the error is not about one field.
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

INVALID_MESSAGE = "The request has invalid values: see fields for each one."
SERVER_ERROR_MESSAGE = "The server failed to handle the request; it was logged. Retry later."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def error_response(status_code: int, code: str, message: str, fields: dict | None = None, headers=None):
    """Build a plain Django response in the API error shape, for code that runs outside DRF views."""
    response = JsonResponse(error_body(code, message, fields), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_detail(detail):
    """Turn DRF error details into plain strings, keeping dicts keyed by field or record index."""
    if isinstance(detail, dict):
        return {str(key): flatten_detail(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [str(item) for item in detail]
        # A list of per-record errors becomes a dict keyed by index, leaving out valid records.
        return {str(index): flatten_detail(item) for index, item in enumerate(detail) if item}
    return [str(detail)]


def validation_fields(detail) -> dict:
    fields = flatten_detail(detail)
    if isinstance(fields, list):
        return {"non_field_errors": fields}
    return fields


def value_error_message(exc) -> str | None:
    """Return a message for database rejections of a client's value, or None for other errors.

    PostgreSQL rejects text with NUL characters (psycopg2 raises ValueError)
    and numbers outside a column's range (DataError); SQLite raises
    OverflowError for integers past 64 bits.
    """
    if isinstance(exc, ValueError) and "NUL (0x00)" in str(exc):
        return "A value contains a NUL (0x00) character, which text cannot hold: remove it."
    if isinstance(exc, (DataError, OverflowError)):
        return "A value is out of range for its field, such as an id or number that is too large."
    return None


def api_exception_handler(exc, context):
    """Render every error of a DRF view in the API error shape."""
    message = value_error_message(exc)
    if message is not None:
        logger.warning("API request rejected: %s", exc)
        set_rollback()
        return Response(error_body("invalid", message), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.exception("API view %s failed", type(view).__name__ if view else "unknown")
        set_rollback()
        return Response(
            error_body("server_error", SERVER_ERROR_MESSAGE), status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", INVALID_MESSAGE, validation_fields(exc.detail))
    else:
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else str(exc.default_detail)
        fields = validation_fields(detail) if isinstance(detail, (dict, list)) else {}
        body = error_body(exc.default_code, message, fields)

    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def json_not_found(request, exception=None):
    """Return a JSON 404 in the API error shape for an unknown /api/ URL."""
    return error_response(404, "not_found", f"No API endpoint at {request.path}: see /api/docs/ for the endpoints.")
