"""Importing spend and exchange rates from CSV: parsing, rejects with reasons, re-import."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from insights.importing import ImportFileError, exchange_rate_import, spend_import
from insights.models import ExchangeRate, Spend

from .builders import make_segment

pytestmark = pytest.mark.django_db

SPEND_FILE = """month,segment,program,amount,currency,description
2024-03,software,,"$12,500",,Paid social
March 2024,,webinar-series,€5k,EUR,Webinars
2024-04-01,software,,3000,USD,
2024-13,software,,10,USD,
2024-05,unknown-slug,,10,USD,
2024-05,software,webinar-series,10,USD,
2024-05,software,,-5,USD,
2024-05,software,,10,dollars,
2024-03,software,,99,USD,Same key as line 2
"""


def run_command(*args):
    output = io.StringIO()
    call_command("import_figures", *args, stdout=output)
    return output.getvalue()


def test_spend_import_keeps_valid_rows_and_reports_rejects():
    software = make_segment("Software")
    summary = spend_import(content=SPEND_FILE.encode())

    assert summary.as_dict() == {"rows_read": 9, "created": 3, "updated": 0, "unchanged": 0, "rejected": 6}
    assert Spend.objects.get(segment=software, month=date(2024, 3, 1)).amount == Decimal("12500")
    webinar = Spend.objects.get(program="webinar-series")
    assert (webinar.month, webinar.amount, webinar.currency) == (date(2024, 3, 1), Decimal("5000"), "EUR")
    reasons = {line: (column, reason) for line, column, _, reason in summary.rejects}
    assert reasons[5] == ("month", "'2024-13' is not a month: 13 is not from 1 to 12.")
    assert reasons[6][1].startswith("No segment has the slug 'unknown-slug'")
    assert reasons[7][1] == "Give either a segment slug or a program, not both and not neither."
    assert reasons[8] == ("amount", "amount must be zero or more.")
    assert reasons[9] == ("currency", "Currency must be an ISO 4217 code such as USD or EUR.")
    assert reasons[10][1].startswith("Line 2 has the same month, segment or program and currency")


def test_spend_reimport_changes_nothing_then_updates():
    make_segment("Software")
    spend_import(content=SPEND_FILE.encode())
    again = spend_import(content=SPEND_FILE.encode())

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = spend_import(content=b"month,segment,amount\n2024-03,software,13000\n")
    assert (changed.created, changed.updated) == (0, 1)
    assert Spend.objects.get(month=date(2024, 3, 1), segment__slug="software").amount == Decimal("13000")


def test_spend_file_needs_segment_or_program_column():
    with pytest.raises(ImportFileError, match="needs a segment column"):
        spend_import(content=b"month,amount\n2024-03,10\n")


def test_rate_import_and_rejects():
    summary = exchange_rate_import(content=b"currency,valid_from,rate\nEUR,2024-01-01,1.08\nGBP,2024-01-01,0\nXYZ,2024-01-01,1\n")

    assert summary.as_dict()["created"] == 1
    assert ExchangeRate.objects.get(currency="EUR").rate == Decimal("1.08")
    assert [(line, column) for line, column, _, _ in summary.rejects] == [(3, "rate"), (4, "currency")]


def test_rate_file_missing_column():
    with pytest.raises(ImportFileError, match="The file has no rate column"):
        exchange_rate_import(content=b"currency,valid_from\nEUR,2024-01-01\n")


def test_import_figures_command(tmp_path):
    make_segment("Software")
    path = tmp_path / "spend.csv"
    path.write_text(SPEND_FILE, encoding="utf-8")
    report = tmp_path / "rejects.csv"

    counts = json.loads(run_command("spend", str(path), "--json", "--report", str(report)))

    assert counts["created"] == 3
    assert counts["rejected"] == 6
    assert report.read_text().splitlines()[0] == "line,column,value,reason"
    assert len(report.read_text().splitlines()) == 7


def test_import_figures_command_errors(tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        run_command("rates", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="Invalid --currency 'usd'"):
        run_command("spend", str(tmp_path / "missing.csv"), "--currency", "usd")
