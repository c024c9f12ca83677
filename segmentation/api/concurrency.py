"""ETag and If-Match for resources that two integrations could edit at once.

A resource's ETag names its version. An update must send the ETag it read
in If-Match. Without it the API returns 428, and with an older one 412, so
a client never overwrites a change it has not seen.
"""

from rest_framework import exceptions, status

IF_MATCH_HELP = "The ETag from your last read of this resource; required for every change."


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = "Send If-Match with the ETag from your last read of this resource, so no change is overwritten."


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = "The resource changed since you read it: read it again, reapply your change and send the new ETag."


def etag(tag: str) -> str:
    return f'"{tag}"'


def if_match_tags(request) -> list[str]:
    """Return the entity tags in If-Match without quotes or weak prefixes; raise 428 when there are none."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    tags = []
    for item in header.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        tags.append(item.strip('"'))
    return tags


def check_if_match(request, current_etag: str) -> None:
    """Raise 428 without If-Match and 412 when it does not name the current ETag."""
    if current_etag.strip('"') not in if_match_tags(request):
        raise PreconditionFailed()
