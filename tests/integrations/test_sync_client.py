"""The example sync client pushes a CSV and follows the tier feed against a live server on 127.0.0.1."""

import importlib.util
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Account
from integrations.services import api_token_create
from segmentation.models import RecomputeRun, RunStatus, RunTrigger, TierChange

CLIENT_PATH = Path(__file__).resolve().parents[2] / "examples" / "sync_client.py"
CSV_TEXT = """external_id,name,domain,industry,employee_count,technologies
A-1,Acme,https://www.acme.com,Software,120,Snowflake;dbt
A-2,Globex,globex.com,Manufacturing,5000,
A-3,Broken,broken.com,Retail,lots,
"""


def load_client():
    spec = importlib.util.spec_from_file_location("sync_client", CLIENT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_push_then_follow(live_server, tmp_path, capsys):
    sync_client = load_client()
    _, token = api_token_create(name="Example client", scopes=["read", "write"])
    client = sync_client.TierlineClient(live_server.url, token)
    csv_path = tmp_path / "accounts.csv"
    csv_path.write_text(CSV_TEXT.replace("lots", "12"))

    totals = sync_client.push(client, "accounts", csv_path, batch_size=2)
    again = sync_client.push(client, "accounts", csv_path, batch_size=2)

    assert totals == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert again["unchanged"] == 3
    assert Account.objects.get(external_id="A-1").technologies == ["Snowflake", "dbt"]

    run = RecomputeRun.objects.create(
        trigger=RunTrigger.NIGHTLY, status=RunStatus.PUBLISHED, active=None, full=True, as_of=timezone.now()
    )
    acme = Account.objects.get(external_id="A-1")
    TierChange.objects.create(account=acme, run=run, from_tier=None, to_tier=1, reason="score", changed_at=run.as_of)
    state = tmp_path / "tiers.cursor"
    deadline = timezone.now() + timezone.timedelta(seconds=60)
    seen = 0
    while not seen and timezone.now() < deadline:
        seen = sync_client.follow(client, state)
    assert seen == 1
    assert "account A-1: tier none -> 1" in capsys.readouterr().out
    assert sync_client.follow(client, state) == 0


@pytest.mark.django_db(transaction=True)
def test_push_reports_rejected_lines(live_server, tmp_path, capsys):
    sync_client = load_client()
    _, token = api_token_create(name="Example client", scopes=["read", "write"])
    csv_path = tmp_path / "accounts.csv"
    csv_path.write_text(CSV_TEXT.replace("lots", "-5"))
    totals = sync_client.push(sync_client.TierlineClient(live_server.url, token), "accounts", csv_path, BATCH_SIZE)
    assert totals["error"] == 1
    assert "line 4: rejected: employee_count" in capsys.readouterr().out


def test_main_needs_a_token(monkeypatch, capsys):
    monkeypatch.delenv("TIERLINE_TOKEN", raising=False)
    with pytest.raises(SystemExit):
        load_client().main(["push", "missing.csv"])
    assert "TIERLINE_TOKEN" in capsys.readouterr().err


BATCH_SIZE = 1000
