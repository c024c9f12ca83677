"""The user roles, each a Django group created by a migration."""

ROLE_GROUPS = {
    "revops": "RevOps",
    "sales": "Sales",
    "marketing": "Marketing",
    "cs": "Customer Success",
    # Created by the insights app's migrations: leaders read KPIs and verdicts.
    "leader": "Leadership",
}


def user_has_role(user, role):
    """Return True when the user belongs to the role's group; superusers hold every role."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ROLE_GROUPS[role]).exists()
