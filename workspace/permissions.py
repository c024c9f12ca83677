"""Who may see and change what in the browser.

RevOps edits rules, publishes models and manages tokens. A sales rep edits
the sales input of the accounts they own. Every signed-in user may read.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.roles import ROLE_GROUPS


def user_roles(user):
    """Return the set of role keys (revops, sales, marketing, cs) the user holds."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLE_GROUPS)
    if not hasattr(user, "_tierline_roles"):
        names = set(user.groups.values_list("name", flat=True))
        user._tierline_roles = frozenset(key for key, name in ROLE_GROUPS.items() if name in names)
    return user._tierline_roles


def is_revops(user):
    return "revops" in user_roles(user)


def can_edit_sales_input(user, account):
    """RevOps edits any account's sales input; anyone else only that of the accounts they own."""
    if not user.is_authenticated:
        return False
    return is_revops(user) or account.owner_id == user.pk


def revops_required(view):
    """Let only RevOps users through; others get the 403 page, anonymous users the sign-in page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_revops(request.user):
            raise PermissionDenied("Only RevOps can do this.")
        return view(request, *args, **kwargs)

    return wrapper
