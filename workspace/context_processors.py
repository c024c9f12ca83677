"""Template context every page needs: the user's roles for the navigation, and how fresh the data is."""

from django.utils.functional import SimpleLazyObject

from segmentation.selectors.pipeline import recompute_health

from .permissions import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "roles": roles,
        "is_revops": "revops" in roles,
        # Read only by pages that render the freshness line.
        "freshness": SimpleLazyObject(recompute_health),
    }
