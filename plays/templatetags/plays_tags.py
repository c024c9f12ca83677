"""Filters and include tags of the plays pages.

Other apps' pages show plays with two tags, which read their own data:
`{% load plays_tags %}{% account_plays account %}` on an account page, and
`{% rep_work_queue %}` on a rep's page for the signed-in user.
"""

from django import template
from django.utils import timezone

from accounts.roles import user_has_role

from ..models import SlaStatus
from ..selectors import account_enrollments, steps_due, work_queue

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Return mapping[key], or None when the key is missing."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def sla_label(value):
    """Return the label of a stored SLA state, such as at_risk -> At risk."""
    return SlaStatus(value).label if value in SlaStatus.values else ""


@register.inclusion_tag("plays/includes/account_plays.html", takes_context=True)
def account_plays(context, account):
    """Render the account's plays, their SLA states and the steps due on it."""
    now = timezone.now()
    request = context.get("request")
    user = getattr(request, "user", None)
    may_complete = user is not None and (account.owner_id == user.pk or user_has_role(user, "revops"))
    return {
        "account": account,
        "enrollments": account_enrollments(account=account, now=now),
        "steps": steps_due(user=user, now=now, account=account),
        "may_complete": may_complete,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("plays/includes/work_queue.html", takes_context=True)
def rep_work_queue(context):
    """Render the signed-in user's steps due and SLAs needing attention."""
    request = context["request"]
    return {
        "queue": work_queue(user=request.user, now=timezone.now()),
        "may_complete": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
