"""DRF authentication by API token: `Authorization: Bearer <token>`."""

from rest_framework import authentication, exceptions

from integrations.models import ApiToken
from integrations.services.tokens import api_token_authenticate

KEYWORD = "Bearer"


class ApiTokenUser:
    """The caller behind an API token: authenticated, but not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.username = f"token:{token.name}"

    def __str__(self):
        return self.username

    def has_perm(self, perm, obj=None):
        return False


def bearer_secret(request) -> str | None:
    """Return the token in the Authorization header, or None when the header is not a bearer token."""
    header = authentication.get_authorization_header(request).split()
    if not header or header[0].lower() != KEYWORD.lower().encode():
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed("Invalid Authorization header: send `Bearer <token>` with one token.")
    try:
        return header[1].decode()
    except UnicodeError:
        raise exceptions.AuthenticationFailed("Invalid token: it contains characters that are not ASCII.") from None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        secret = bearer_secret(request)
        if secret is None:
            return None
        token = api_token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token: create a new token in Tierline.")
        return ApiTokenUser(token), token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
