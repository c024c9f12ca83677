"""Property-based checks of the whole API against its OpenAPI schema with schemathesis.

Every operation in /api/schema/ gets generated requests, valid and
invalid. No response may be a server error, every status must be
documented, and every body must match the schema of its status.
"""

import socket
from unittest import mock

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from integrations.services import api_token_create

pytestmark = pytest.mark.django_db

# Examples per operation. About 60 operations at this size run in a few
# minutes on two cores.
EXAMPLES_PER_OPERATION = 15
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(settings):
    # The in-process WSGI client sends Host: localhost.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # A real WSGI handler closes the database connection after each request,
    # which would end the test's transaction; Django's test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Each request runs in a savepoint, so a request that the database
    # rejects (a 400) leaves the test's transaction usable, as autocommit does in production.
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    yield schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    connection.settings_dict["ATOMIC_REQUESTS"] = False
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def no_dns_lookups():
    """Fail every host name lookup of a webhook URL, so generated URLs send nothing to a DNS server."""
    with mock.patch("integrations.webhooks.addresses.getaddrinfo", side_effect=socket.gaierror("lookups are off in tests")):
        yield


@pytest.fixture
def token_header():
    _, secret = api_token_create(name="Schema fuzzing", scopes=["read", "write"], rate_limit_per_minute=1_000_000)
    return {"Authorization": f"Bearer {secret}"}


def check_operation(operation, headers):
    """Run generated cases against one operation; return the failure text, or None."""

    # NOTE: schemathesis' own pytest integration (from_fixture) fails under
    # pytest 9, so each operation gets a hypothesis test built here.
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Exception as error:  # noqa: BLE001 - every failure is collected and reported together
        return f"{operation.method.upper()} {operation.path}: {error}"
    return None


def test_api_matches_schema(api_schema, token_header):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    failures = [failure for operation in operations if (failure := check_operation(operation, token_header))]
    assert not failures, "\n\n".join(failures)
