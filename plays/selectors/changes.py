"""The enrollment change feed of the API. Webhooks read the same log through the feed events of integrations."""

from ..models import EnrollmentChange

MAX_CHANGES = 1000


def enrollment_changes(*, after_id: int = 0, kinds=None, play=None, account=None, limit: int = MAX_CHANGES):
    """Return up to limit changes logged after the change with id after_id, oldest first.

    The ids only grow, so a reader that stores the id of the last change it
    handled reads each change once, for example every sla_breached change to
    send a webhook.
    """
    changes = EnrollmentChange.objects.filter(id__gt=after_id).select_related("play", "account")
    if kinds:
        changes = changes.filter(kind__in=kinds)
    if play is not None:
        changes = changes.filter(play=play)
    if account is not None:
        changes = changes.filter(account=account)
    return changes.order_by("id")[:limit]
