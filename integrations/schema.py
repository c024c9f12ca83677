"""Additions to the generated OpenAPI schema: the error shape on every operation.

drf-spectacular documents the success responses of each view; this hook
adds the API's one error body and the error statuses each operation can
return, so clients and schema checks know the shape of every response.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `manage.py create_api_token` or the API tokens page: "
            "`Authorization: Bearer tl_...`.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable error code, such as invalid or throttled."},
        "message": {"type": "string", "description": "What went wrong and what to do, for a person."},
        "fields": {
            "type": "object",
            "description": "Messages by field name, or by record index in bulk calls; empty when no field is at fault.",
            "additionalProperties": True,
        },
    },
}
READ_ERRORS = {
    "400": "Invalid query parameters, such as a filter value or cursor.",
    "401": "Missing, invalid or revoked API token.",
    "403": "The token lacks the scope, or the user the role, for this request.",
    "404": "No such record.",
    "405": "The method is not allowed here.",
    "406": "The Accept header asks for a format the API does not produce.",
    "429": "Too many requests for this token; wait for the seconds in Retry-After.",
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "400": "Invalid values; `fields` names each one.",
    "409": "The request conflicts with the current state, or a request with its Idempotency-Key is still running.",
    "412": "The resource changed since the ETag in If-Match was read.",
    "415": "The body is not JSON.",
    "422": "The Idempotency-Key was already used with another request.",
    "428": "If-Match is missing.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """Add the Error schema and the error responses to every operation of the /api/ schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = WRITE_ERRORS if method in WRITE_METHODS else READ_ERRORS
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": error_content})
    return result
