"""ARR by account and month through the CSV import and the API's bulk upsert."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import ArrSnapshot
from insights.kpis.groups import grouping_for
from insights.kpis.table import kpi_table
from insights.periods import parse_period
from tests.api.conftest import client_for, make_token  # noqa: F401

from .builders import make_account

pytestmark = pytest.mark.django_db

ARR_FILE = """account_id,month,arr,currency
acme,2024-03-31,"$12,000",USD
acme,2024-06-30,15000,USD
globex,2024-03-01,€8k,EUR
globex,2024-03-15,9000,EUR
unknown,2024-03-31,100,USD
initech,2024-03-31,-5,USD
"""


@pytest.fixture
def customers():
    return {name: make_account(name.title(), external_id=name) for name in ("acme", "globex", "initech")}


def import_arr(tmp_path, text):
    path = tmp_path / "arr.csv"
    path.write_text(text, encoding="utf-8")
    report = tmp_path / "rejects.csv"
    output = io.StringIO()
    call_command("import_csv", "arr", str(path), "--json", "--report", str(report), stdout=output)
    return json.loads(output.getvalue()), report.read_text(encoding="utf-8")


def test_csv_import_normalizes_and_rejects(tmp_path, customers):
    summary, report = import_arr(tmp_path, ARR_FILE)

    assert summary["created"] == 3
    assert summary["rejected"] == 3
    acme = ArrSnapshot.objects.filter(account=customers["acme"]).order_by("month")
    assert [(row.month, row.arr, row.currency) for row in acme] == [
        (date(2024, 3, 1), Decimal("12000.00"), "USD"),
        (date(2024, 6, 1), Decimal("15000.00"), "USD"),
    ]
    assert ArrSnapshot.objects.get(account=customers["globex"]).arr == Decimal("8000.00")
    assert "Line 4 has the same account, month" in report
    assert "unknown" in report
    assert "'-5' is negative; arr cannot be." in report


def test_csv_reimport_changes_nothing(tmp_path, customers):
    import_arr(tmp_path, ARR_FILE)
    summary, _ = import_arr(tmp_path, ARR_FILE)

    assert summary["created"] == 0
    assert summary["updated"] == 0
    assert summary["unchanged"] == 3


def test_imported_arr_feeds_retention(tmp_path, customers):
    import_arr(tmp_path, "account_id,month,arr\nacme,2024-03-01,1000\nacme,2024-06-01,1100\n")

    table = kpi_table(grouping=grouping_for("tier"), period=parse_period("2024-Q2"))
    total = next(row for row in table.rows if row.key == "total")

    assert total.values["nrr"] == pytest.approx(1.1)
    assert total.values["expansion_rate"] == pytest.approx(0.1)


def test_api_bulk_upsert_of_arr(make_token, customers):  # noqa: F811
    _, secret = make_token(scopes=["read", "write"])
    api = client_for(secret)
    records = [
        {"account_external_id": "acme", "month": "2024-03-31", "arr": "500.00", "currency": "USD"},
        {"account_external_id": "acme", "month": "2024-04-01", "arr": "-1", "currency": "USD"},
    ]

    response = api.post("/api/v1/arr-snapshots/bulk-upsert/", {"records": records}, format="json")
    again = api.post("/api/v1/arr-snapshots/bulk-upsert/", {"records": records[:1]}, format="json")
    listed = api.get("/api/v1/arr-snapshots/", {"account_external_id": "acme"})

    assert response.status_code == 207
    statuses = [result["status"] for result in response.json()["results"]]
    assert statuses == ["created", "error"]
    assert again.json()["results"][0]["status"] == "unchanged"
    assert [(row["month"], row["arr"]) for row in listed.json()["results"]] == [("2024-03-01", "500.00")]
