"""Access rules of the API: tokens by scope, browser sessions by role."""

from rest_framework import permissions

from accounts.roles import user_has_role
from integrations.models import ApiToken, TokenScope

SCOPE_MESSAGE = "This API token lacks the {scope} scope: create a token with --scopes {scope}."
ROLE_MESSAGE = "Only RevOps users can change data through the API; your role can read it."


class ApiAccessPermission(permissions.BasePermission):
    """Reads need the read scope and writes the write scope.

    A browser session may read with any role, but only RevOps may write, so a
    sales rep's session cannot change synced data through the API.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        needed = TokenScope.READ if request.method in permissions.SAFE_METHODS else TokenScope.WRITE
        if isinstance(request.auth, ApiToken):
            if not request.auth.has_scope(needed):
                self.message = SCOPE_MESSAGE.format(scope=needed)
                return False
            return True
        if needed == TokenScope.READ:
            return True
        if not user_has_role(request.user, "revops"):
            self.message = ROLE_MESSAGE
            return False
        return True
