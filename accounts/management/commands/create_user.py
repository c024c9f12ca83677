import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import ROLE_GROUPS


class Command(BaseCommand):
    help = (
        "Create a user with a role, or update the role and password of an existing one. "
        "Without --password-file a random password is generated and printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS), help="The user's role.")
        parser.add_argument(
            "--password-file", type=Path, help="A file whose first line is the password; keeps it out of the shell history."
        )
        parser.add_argument("--email", default="", help="The user's email address.")

    def handle(self, *args, username, role, password_file, email, **options):
        generated = password_file is None
        password = secrets.token_urlsafe(12) if generated else self._read_password(password_file)

        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"The password in {password_file} is too weak: {' '.join(error.messages)}") from None

        with transaction.atomic():
            created = user.pk is None
            user.email = email or user.email
            # RevOps administers the product, so it gets the admin site.
            user.is_staff = role == "revops"
            user.is_superuser = role == "revops"
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=ROLE_GROUPS[role])])

        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user {username} with the role {ROLE_GROUPS[role]}.")
        if generated:
            self.stdout.write(f"Password: {password}")

    def _read_password(self, path):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise CommandError(f"Cannot read the password file {path}: {error.strerror}.") from None
        if not lines or not lines[0].strip():
            raise CommandError(f"The password file {path} is empty: put the password on its first line.")
        return lines[0].strip()
