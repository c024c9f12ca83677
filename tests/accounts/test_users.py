"""create_user, the role groups and the sign-in path to the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.domains import normalize_domain
from accounts.models import Account
from accounts.roles import ROLE_GROUPS, user_has_role

pytestmark = pytest.mark.django_db


def test_migration_creates_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS.values())
    revops = Group.objects.get(name="RevOps")
    assert revops.permissions.filter(codename="change_account").exists()
    assert not Group.objects.get(name="Marketing").permissions.filter(codename="change_account").exists()


def test_create_user_prints_generated_password(capsys):
    call_command("create_user", "rita", "--role", "sales")
    output = capsys.readouterr().out
    assert "Created user rita with the role Sales." in output
    password = output.split("Password: ")[1].strip()
    user = get_user_model().objects.get(username="rita")
    assert user.check_password(password)
    assert user_has_role(user, "sales")
    assert not user_has_role(user, "revops")
    assert not user.is_staff


def test_create_user_reads_password_file(tmp_path, capsys):
    secret = tmp_path / "password.txt"
    secret.write_text("correct-horse-battery-staple\n")
    call_command("create_user", "olga", "--role", "revops", "--password-file", str(secret))
    output = capsys.readouterr().out
    assert "Password:" not in output
    user = get_user_model().objects.get(username="olga")
    assert user.check_password("correct-horse-battery-staple")
    assert user.is_staff


def test_create_user_again_updates_role(capsys):
    call_command("create_user", "sam", "--role", "sales")
    call_command("create_user", "sam", "--role", "cs")
    assert "Updated user sam with the role Customer Success." in capsys.readouterr().out
    user = get_user_model().objects.get(username="sam")
    assert list(user.groups.values_list("name", flat=True)) == ["Customer Success"]


def test_create_user_rejects_weak_or_missing_password_file(tmp_path):
    weak = tmp_path / "weak.txt"
    weak.write_text("1234\n")
    with pytest.raises(CommandError, match="too weak"):
        call_command("create_user", "weak", "--role", "sales", "--password-file", str(weak))
    with pytest.raises(CommandError, match="Cannot read the password file"):
        call_command("create_user", "lost", "--role", "sales", "--password-file", str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(CommandError, match="is empty"):
        call_command("create_user", "blank", "--role", "sales", "--password-file", str(empty))
    assert not get_user_model().objects.filter(username__in=["weak", "lost", "blank"]).exists()


def test_create_user_rejects_unknown_role():
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        call_command("create_user", "x", "--role", "admin")


def test_login_page_then_home_and_admin(client, tmp_path):
    assert client.get("/").status_code == 302
    assert "Sign in" in client.get("/login/").content.decode()
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-demo-password")
    call_command("create_user", "demo", "--role", "revops", "--password-file", str(secret))
    Account.objects.create(name="Globex", domain="globex.com")
    response = client.post("/login/", {"username": "demo", "password": "a-long-enough-demo-password"}, follow=True)
    assert response.status_code == 200
    assert "1</strong> accounts" in response.content.decode()
    admin_page = client.get("/admin/accounts/account/")
    assert admin_page.status_code == 200
    assert "Globex" in admin_page.content.decode()


def test_sales_rep_gets_no_admin(client):
    user = get_user_model().objects.create_user("rep", password="x-long-password-1")
    user.groups.add(Group.objects.get(name="Sales"))
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Example.com/about?x=1", "example.com"),
        ("example.com", "example.com"),
        ("  www.example.co.uk.  ", "example.co.uk"),
        ("http://user@shop.example.com:8080", "shop.example.com"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_domain(raw, expected):
    assert normalize_domain(raw) == expected
