"""Fixtures of the API tests: tokens, API clients and users of each role."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.roles import ROLE_GROUPS
from integrations.services import api_token_create


@pytest.fixture
def clear_throttle_counts():
    """Count API requests afresh; the root conftest already does this for every test."""
    caches["api"].version = time.time_ns()


@pytest.fixture
def make_token(db):
    def make(scopes=("read", "write"), name="CRM sync", **options):
        return api_token_create(name=name, scopes=list(scopes), **options)

    return make


def client_for(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api(make_token):
    """A client with a read and write token."""
    token, secret = make_token()
    client = client_for(secret)
    client.token = token
    return client


@pytest.fixture
def read_api(make_token):
    token, secret = make_token(scopes=["read"], name="Read-only BI")
    client = client_for(secret)
    client.token = token
    return client


@pytest.fixture
def make_user(db):
    def make(username, role):
        user = get_user_model().objects.create_user(username=username, password="unused-password-1")
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        return user

    return make


@pytest.fixture
def revops_session(make_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("rosa", "revops"))
    return client


@pytest.fixture
def sales_session(make_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("sam", "sales"))
    return client


def assert_error(response, status, code):
    """Check the API error shape and return its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]
    return body
