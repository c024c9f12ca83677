"""The account page and the sales input form, by role."""

import pytest
from django.urls import reverse

from accounts.models import Account

pytestmark = pytest.mark.django_db


def url(account):
    return reverse("workspace:account", args=[account.pk])


def test_account_page_shows_segments_contacts_engagement(client, rep, book):
    client.force_login(rep)
    response = client.get(url(book["acme"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Software in market" in html
    assert "Cara Champ" in html
    assert "SIEM" in html
    assert "Content download on security" in html


def test_account_page_calls_out_missing_economic_buyer(client, rep, book):
    client.force_login(rep)
    response = client.get(url(book["acme"]))
    gaps = [group.role for group in response.context["role_groups"] if group.is_gap]
    assert gaps == ["economic_buyer", "technical_reviewer"]
    assert "no economic buyer known" in response.content.decode()


def test_account_page_groups_contacts_without_role(client, rep, book):
    client.force_login(rep)
    groups = client.get(url(book["acme"])).context["role_groups"]
    assert groups[-1].label == "No buying role"
    assert [str(contact) for contact in groups[-1].contacts] == ["Nora Norole"]


def test_account_page_404_for_missing_account(client, rep, book):
    client.force_login(rep)
    response = client.get(reverse("workspace:account", args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_owner_saves_sales_input(client, rep, book):
    client.force_login(rep)
    response = client.post(url(book["acme"]), {"strategic_value": "4", "needs": "SSO\nData residency\nsso\n"})
    assert response.status_code == 302
    account = Account.objects.get(pk=book["acme"].pk)
    assert account.strategic_value == 4
    assert account.needs == ["SSO", "Data residency"]


def test_sales_input_save_bumps_updated_at(client, rep, book):
    before = Account.objects.get(pk=book["acme"].pk).updated_at
    client.force_login(rep)
    client.post(url(book["acme"]), {"strategic_value": "2", "needs": ""})
    assert Account.objects.get(pk=book["acme"].pk).updated_at > before


def test_sales_input_rejects_out_of_range_value(client, rep, book):
    client.force_login(rep)
    response = client.post(url(book["acme"]), {"strategic_value": "9", "needs": ""})
    assert response.status_code == 400
    assert "Strategic value must be from 1 to 5." in response.content.decode()
    assert Account.objects.get(pk=book["acme"].pk).strategic_value is None


def test_rep_cannot_edit_another_reps_account(client, rep, book):
    client.force_login(rep)
    stark = book["stark"]
    page = client.get(url(stark))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = client.post(url(stark), {"strategic_value": "5", "needs": ""})
    assert response.status_code == 403
    assert Account.objects.get(pk=stark.pk).strategic_value is None


def test_marketing_cannot_edit_sales_input(client, marketer, book):
    client.force_login(marketer)
    response = client.post(url(book["acme"]), {"strategic_value": "5", "needs": ""})
    assert response.status_code == 403


def test_revops_edits_any_sales_input(client, revops, book):
    client.force_login(revops)
    response = client.post(url(book["stark"]), {"strategic_value": "5", "needs": "Audit logs"})
    assert response.status_code == 302
    assert Account.objects.get(pk=book["stark"].pk).needs == ["Audit logs"]


def test_sales_input_form_needs_csrf_token(rep, book):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rep)
    response = strict.post(url(book["acme"]), {"strategic_value": "3", "needs": ""})
    assert response.status_code == 403
