"""Request limits per API token, per signed-in user, or per address."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    """Limit each token to its own rate, or to API_THROTTLE_RATE.

    A throttled request gets 429 with a Retry-After header, which DRF sets
    from `wait()`.
    """

    scope = "api"
    cache = caches["api"]

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and token.rate_limit_per_minute:
            self.num_requests, self.duration = token.rate_limit_per_minute, 60
        elif self.rate is None:
            return True
        else:
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
