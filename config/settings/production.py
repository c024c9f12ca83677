"""Settings for a deployment behind HTTPS.

SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are required here, and every
security setting that `manage.py check --deploy` looks at is switched on.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F401,F403
from .base import ALLOWED_HOSTS, DEBUG

if DEBUG:
    raise ImproperlyConfigured("Environment variable DEBUG is true: production settings need DEBUG=false.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Environment variable ALLOWED_HOSTS is missing: set it to the host names the app serves."
    )
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Environment variable ALLOWED_HOSTS contains '*': list the host names the app serves instead."
    )
env_str("DATABASE_URL", required=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Container and load-balancer health checks call /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
WHITENOISE_USE_FINDERS = False
