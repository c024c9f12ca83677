"""Who may read and write: tokens by scope, sessions by role, CSRF for session writes."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Account
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {"name": "Hooli"}


def csrf_token(client):
    """Load the sign-in page, which sets the CSRF cookie, and return the token."""
    client.get("/login/")
    return client.cookies["csrftoken"].value


def test_no_token_is_401_with_challenge():
    response = APIClient().get("/api/v1/accounts/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer tl_wrong"])
def test_malformed_or_unknown_token_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/v1/accounts/"), 401, "authentication_failed")


def test_read_token_reads(read_api):
    assert read_api.get("/api/v1/accounts/").status_code == 200


def test_read_token_cannot_write(read_api):
    body = assert_error(read_api.post("/api/v1/accounts/", NEW_ACCOUNT, format="json"), 403, "permission_denied")
    assert "write scope" in body["message"]
    assert not Account.objects.exists()


def test_write_only_token_cannot_read(make_token):
    _, secret = make_token(scopes=["write"])
    assert_error(client_for(secret).get("/api/v1/accounts/"), 403, "permission_denied")


def test_write_token_writes(api):
    assert api.post("/api/v1/accounts/", NEW_ACCOUNT, format="json").status_code == 201


def test_sales_session_reads_but_cannot_write(sales_session):
    assert sales_session.get("/api/v1/accounts/").status_code == 200
    response = sales_session.post(
        "/api/v1/accounts/", NEW_ACCOUNT, format="json", HTTP_X_CSRFTOKEN=csrf_token(sales_session)
    )
    body = assert_error(response, 403, "permission_denied")
    assert "RevOps" in body["message"]


def test_session_write_needs_csrf(revops_session):
    body = assert_error(revops_session.post("/api/v1/accounts/", NEW_ACCOUNT, format="json"), 403, "permission_denied")
    assert "CSRF" in body["message"]
    assert not Account.objects.exists()


def test_revops_session_writes_with_csrf(revops_session):
    token = csrf_token(revops_session)
    response = revops_session.post("/api/v1/accounts/", NEW_ACCOUNT, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_schema_and_docs_are_public():
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/accounts/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # The page loads Swagger UI from the installed sidecar package, not a CDN.
    assert b"cdn" not in docs.content.lower()
