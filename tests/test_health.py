"""/healthz reports each dependency and names the one that is down."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.test import override_settings

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_server():
    """Start a throwaway Redis on a free loopback port and return its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the throwaway Redis did not start")
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait()


def test_database_only_without_redis(client):
    with override_settings(REDIS_URL=None):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": {"ok": True}}


def test_running_redis_is_reported_ok(client, redis_server):
    url, _ = redis_server
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True}
    assert response.json()["checks"]["broker"] == {"ok": True}


def test_stopped_redis_gives_503_naming_it(client, redis_server):
    url, process = redis_server
    process.terminate()
    process.wait(timeout=10)
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["redis", "broker"]
    assert body["checks"]["database"] == {"ok": True}
    assert "Connection" in body["checks"]["redis"]["error"]


def test_health_needs_no_login_and_only_get(client):
    assert client.post("/healthz").status_code == 405
