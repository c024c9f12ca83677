"""The Tiers-Computed-At header: when the tiers in an API response were published.

Every successful read under /api/v1/ carries it, so a CRM can tell fresh
tiers from stale ones without another request. The time is cached briefly,
because it changes once per recompute run.
"""

from django.core.cache import caches

HEADER = "Tiers-Computed-At"
CACHE_KEY = "tiers-computed-at"
CACHE_SECONDS = 10
NEVER = "never"


def tiers_computed_header() -> str:
    value = caches["api"].get(CACHE_KEY)
    if value is None:
        from segmentation.selectors.pipeline import tiers_computed_at

        published = tiers_computed_at()
        value = published.isoformat() if published else NEVER
        caches["api"].set(CACHE_KEY, value, CACHE_SECONDS)
    return value


class TiersComputedAtMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "GET" and request.path.startswith("/api/v1/") and response.status_code == 200:
            response[HEADER] = tiers_computed_header()
        return response
