"""Idempotency-Key: retries replay the first response, reuse with another body is 422, in flight is 409."""

import threading
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from accounts.api.views import AccountViewSet
from accounts.models import Account
from integrations.models import IdempotencyKey
from integrations.models.idempotency import IdempotencyState
from integrations.tasks import idempotency_keys_purge_task
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/"
BODY = {"name": "Hooli", "external_id": "H-1"}


def post(client, key, body=BODY):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_retry_replays_first_response(api):
    first = post(api, "key-1")
    retry = post(api, "key-1")
    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Account.objects.count() == 1


def test_same_key_other_body_is_422(api):
    post(api, "key-1")
    body = assert_error(post(api, "key-1", {"name": "Other"}), 422, "idempotency_key_reused")
    assert "key-1" in body["message"]
    assert Account.objects.count() == 1


def test_same_key_other_path_is_422(api):
    post(api, "key-1")
    response = api.post("/api/v1/contacts/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert_error(response, 422, "idempotency_key_reused")


def test_keys_are_scoped_to_the_token(api, make_token):
    other = client_for(make_token(name="Other CRM")[1])
    assert post(api, "shared-key").status_code == 201
    response = post(other, "shared-key", {"name": "Another"})
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Account.objects.count() == 2


def test_request_without_key_is_not_stored(api):
    api.post(URL, BODY, format="json")
    assert not IdempotencyKey.objects.exists()


def test_key_in_flight_is_409(api):
    post(api, "warm-up")
    record = IdempotencyKey.objects.get(key="warm-up")
    IdempotencyKey.objects.create(
        scope=record.scope, key="busy", fingerprint=record.fingerprint, locked_at=timezone.now()
    )
    # The stored fingerprint covers the path and body, so send the same request under the busy key.
    IdempotencyKey.objects.filter(key="busy").update(fingerprint=fingerprint_of(api, "busy"))
    response = post(api, "busy")
    assert_error(response, 409, "idempotency_key_in_flight")
    assert response["Retry-After"] == "1"


def fingerprint_of(client, key):
    """The fingerprint the middleware computes for post(client, key), read from a throwaway request."""
    post(client, "probe-" + key)
    record = IdempotencyKey.objects.get(key="probe-" + key)
    Account.objects.filter(external_id="H-1").delete()
    return record.fingerprint


def test_in_flight_key_is_taken_over_after_lease(api, settings):
    settings.IDEMPOTENCY_IN_FLIGHT_SECONDS = 60
    fingerprint = fingerprint_of(api, "stale")
    scope = IdempotencyKey.objects.get(key="probe-stale").scope
    IdempotencyKey.objects.create(
        scope=scope, key="stale", fingerprint=fingerprint, locked_at=timezone.now() - timedelta(minutes=5)
    )
    response = post(api, "stale")
    assert response.status_code == 201
    assert IdempotencyKey.objects.get(key="stale").state == IdempotencyState.COMPLETED


def test_expired_key_runs_again(api, settings):
    post(api, "old-key")
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )
    response = post(api, "old-key", {"name": "Second"})
    assert response.status_code == 201
    assert Account.objects.count() == 2


def test_validation_error_is_replayed(api):
    first = post(api, "bad", {"name": ""})
    retry = post(api, "bad", {"name": ""})
    assert first.status_code == 400
    assert retry.status_code == 400
    assert retry["Idempotent-Replayed"] == "true"


def test_forbidden_response_releases_key(read_api):
    assert post(read_api, "k").status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_server_error_releases_key(api):
    with mock.patch.object(AccountViewSet, "perform_create", side_effect=RuntimeError("boom")):
        assert_error(post(api, "crash"), 500, "server_error")
    assert not IdempotencyKey.objects.exists()
    assert post(api, "crash").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "ключ"])
def test_invalid_key_is_400(api, key):
    body = assert_error(post(api, key), 400, "invalid")
    assert "Idempotency-Key" in body["fields"]


def test_anonymous_request_with_key_gets_401(db):
    from rest_framework.test import APIClient

    assert_error(post(APIClient(), "k"), 401, "not_authenticated")
    assert not IdempotencyKey.objects.exists()


def test_purge_deletes_only_expired_keys(api, settings):
    post(api, "fresh")
    post(api, "stale", {"name": "Stale"})
    IdempotencyKey.objects.filter(key="stale").update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1)
    )
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="concurrent requests need a database that several connections can write at once; SQLite locks the file",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_retry_while_first_request_runs_is_409(make_token):
    secret = make_token()[1]
    started, release = threading.Event(), threading.Event()
    original = AccountViewSet.perform_create

    def slow_create(view, serializer):
        started.set()
        assert release.wait(10)
        original(view, serializer)

    responses = {}

    def first_request():
        responses["first"] = post(client_for(secret), "slow")
        connection.close()

    with mock.patch.object(AccountViewSet, "perform_create", slow_create):
        thread = threading.Thread(target=first_request)
        thread.start()
        assert started.wait(10)
        retry = post(client_for(secret), "slow")
        release.set()
        thread.join(10)

    assert_error(retry, 409, "idempotency_key_in_flight")
    assert responses["first"].status_code == 201
    replay = post(client_for(secret), "slow")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert Account.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_apply_once(make_token):
    secret = make_token()[1]
    key = str(uuid.uuid4())
    barrier = threading.Barrier(4)
    statuses = []

    def send():
        barrier.wait(5)
        statuses.append(post(client_for(secret), key).status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert Account.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
