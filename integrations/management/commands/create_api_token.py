"""`python manage.py create_api_token NAME --scopes read,write`: print a new API token."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.services import api_token_create, parse_scopes


class Command(BaseCommand):
    help = "Create an API token for an integration and print it once; only its SHA-256 digest is stored."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the token is for, such as the CRM that uses it.")
        parser.add_argument(
            "--scopes", default="read", help="Comma-separated scopes: read, write or read,write (default: read)."
        )
        parser.add_argument("--user", help="User name recorded as the token's creator.")
        parser.add_argument(
            "--rate-limit", type=int, help="Requests a minute for this token (default: the API_THROTTLE_RATE setting)."
        )

    def handle(self, *args, name, scopes, user, rate_limit, **options):
        creator = None
        if user:
            creator = get_user_model().objects.filter(username=user).first()
            if creator is None:
                raise CommandError(f"No user is named {user!r}: create it with create_user first.")
        if rate_limit is not None and rate_limit < 1:
            raise CommandError(f"Invalid --rate-limit {rate_limit}: use a whole number of requests a minute, 1 or more.")
        try:
            token, secret = api_token_create(
                name=name, scopes=parse_scopes(scopes), created_by=creator, rate_limit_per_minute=rate_limit
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["verbosity"] > 0:
            self.stderr.write(f"Created API token {token.name!r} with scopes {','.join(token.scopes)}. It is shown once:")
        self.stdout.write(secret)
