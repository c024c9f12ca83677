"""Importing the real public datasets through the command and the upload page.

The expected counts come from the datasets' READMEs. Fortune 1000 has 1,000
companies. The Maven CRM data has 85 accounts and 8,800 opportunities, and
1,425 of its open deals have no account.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account, ImportRun, ImportStatus, Opportunity, OpportunityStatus

pytestmark = [pytest.mark.acceptance, pytest.mark.django_db]

MAVEN_ACCOUNTS_MAPPING = {
    # The account name is the only key the dataset has: the pipeline joins on it.
    "columns": {"account": ["external_id", "name"], "subsidiary_of": "parent_external_id"},
    "units": {"annual_revenue": "millions"},
}
FORTUNE_MAPPING = {
    "columns": {"Company": ["external_id", "name"]},
    "units": {"annual_revenue": "millions"},
}


def run_import(kind, path, *args):
    output = io.StringIO()
    call_command("import_csv", kind, str(path), "--json", *args, stdout=output)
    return json.loads(output.getvalue())


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_report(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def fortune_in_millions(source, target):
    """Apply the file's own unit rule: raw revenue of 1,000,000 or more is in thousands of USD."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("Revenue")
    for row in rows[1:]:
        raw = Decimal(row[column].replace("$", "").replace(",", "").strip())
        millions = raw / 1000 if raw >= 1_000_000 else raw
        row[column] = f"${millions:,}"
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return target


def test_fortune_1000_imports_every_company(shared_data, tmp_path):
    path = fortune_in_millions(shared_data / "fortune-1000-2024" / "fortune_companies.csv", tmp_path / "fortune.csv")
    mapping = write_json(tmp_path / "mapping.json", FORTUNE_MAPPING)
    report = tmp_path / "rejects.csv"

    summary = run_import("accounts", path, "--mapping", str(mapping), "--report", str(report))

    assert summary["rows_read"] == 1000
    assert summary["created"] == 1000
    assert summary["rejected"] == 0
    assert Account.objects.count() == 1000
    walmart = Account.objects.get(name="Walmart")
    assert walmart.annual_revenue == Decimal("648125000000.00")
    assert walmart.employee_count == 2_100_000
    assert walmart.employee_band == "10001+"
    assert walmart.country == "US"
    assert walmart.state == "Arkansas"
    assert walmart.ownership_type == "public"
    assert walmart.extra["sector"] == "Retailing"
    assert walmart.extra["profitable"] is True
    assert Account.objects.get(name="Starbucks").annual_revenue == Decimal("35976000000.00")
    assert Account.objects.filter(annual_revenue__gte=10_000_000_000).count() == 393
    assert Account.objects.filter(employee_count__gte=10_000).count() == 632
    assert Account.objects.filter(ownership_type="private").count() == 45
    assert Account.objects.filter(industry="Computers, Office Equipment").exists()
    issues = read_report(report)
    # Every issue in the report is a value kept with a warning, none a rejection.
    assert {row["outcome"] for row in issues} <= {"kept as typed", "left blank"}
    mojibake = [row for row in issues if row["value"] == "EstÃ©e Lauder"]
    assert [row["line"] for row in mojibake] == ["260"]
    assert "Estée Lauder" in mojibake[0]["reason"]


def test_fortune_1000_reimport_changes_nothing(shared_data, tmp_path):
    path = fortune_in_millions(shared_data / "fortune-1000-2024" / "fortune_companies.csv", tmp_path / "fortune.csv")
    mapping = write_json(tmp_path / "mapping.json", FORTUNE_MAPPING)
    run_import("accounts", path, "--mapping", str(mapping))

    again = run_import("accounts", path, "--mapping", str(mapping))

    assert again["unchanged"] == 1000
    assert again["created"] == again["updated"] == again["rejected"] == 0


def test_fortune_1000_file_as_published(shared_data, tmp_path):
    """Import the file unchanged: revenue keeps its mixed units, so only values independent of them are checked."""
    path = shared_data / "fortune-1000-2024" / "fortune_companies.csv"
    mapping = write_json(tmp_path / "mapping.json", {"Company": ["external_id", "name"]})

    summary = run_import("accounts", path, "--mapping", str(mapping))

    assert summary["created"] == 1000
    assert Account.objects.filter(country="US").count() == 1000
    assert Account.objects.filter(ownership_type="public").count() == 955
    assert Account.objects.filter(name="EstÃ©e Lauder").exists()  # the file's mojibake, kept as typed
    assert Account.objects.filter(extra__ticker="PFE").count() == 2


def test_fortune_1000_without_a_key_column(shared_data, tmp_path):
    """No column of the file is an id or a domain, so without a mapping every row is rejected, saying why."""
    report = tmp_path / "rejects.csv"

    summary = run_import("accounts", shared_data / "fortune-1000-2024" / "fortune_companies.csv",
                         "--report", str(report))

    assert summary["rows_read"] == 1000
    assert summary["rejected"] == 1000
    assert Account.objects.count() == 0
    rejects = [row for row in read_report(report) if row["outcome"] == "rejected"]
    assert len(rejects) == 1000
    assert all("neither an external id nor a domain" in row["reason"] for row in rejects)


def test_maven_accounts_and_pipeline(shared_data, tmp_path):
    folder = shared_data / "maven-crm-sales-opportunities"
    mapping = write_json(tmp_path / "accounts.json", MAVEN_ACCOUNTS_MAPPING)
    account_report = tmp_path / "accounts-rejects.csv"
    pipeline_report = tmp_path / "pipeline-rejects.csv"

    accounts = run_import("accounts", folder / "accounts.csv", "--mapping", str(mapping),
                          "--report", str(account_report))
    pipeline = run_import("opportunities", folder / "sales_pipeline.csv", "--report", str(pipeline_report))

    assert accounts["rows_read"] == 85
    assert accounts["created"] == 85
    assert accounts["rejected"] == 0
    assert Account.objects.filter(parent__isnull=False).count() == 15
    assert Account.objects.get(name="Codehow").parent.name == "Acme Corporation"
    assert Account.objects.filter(parent__name="Acme Corporation").count() == 4
    acme = Account.objects.get(name="Acme Corporation")
    assert acme.annual_revenue == Decimal("1100040000.00")
    assert acme.industry == "technolgy"  # misspelled in the file: kept as typed and reported
    bioholding = Account.objects.get(name="Bioholding")
    assert bioholding.country == ""
    assert bioholding.extra["country_as_typed"] == "Philipines"
    account_issues = read_report(account_report)
    assert {(row["column"], row["value"]) for row in account_issues} >= {("sector", "technolgy"),
                                                                        ("office_location", "Philipines")}

    assert pipeline["rows_read"] == 8800
    assert pipeline["created"] == 8800 - 1425
    assert pipeline["rejected"] == 1425
    assert Opportunity.objects.filter(status=OpportunityStatus.WON).count() == 4238
    assert Opportunity.objects.filter(status=OpportunityStatus.LOST).count() == 2473
    assert Opportunity.objects.filter(status=OpportunityStatus.OPEN).count() == 2089 - 1425
    won_total = sum(Opportunity.objects.filter(status=OpportunityStatus.WON).values_list("amount", flat=True))
    assert won_total == Decimal("10005534")
    rejects = [row for row in read_report(pipeline_report) if row["outcome"] == "rejected"]
    assert len(rejects) == 1425
    assert {row["column"] for row in rejects} == {"account"}
    assert all(row["reason"].startswith("The account is missing") for row in rejects)
    warnings = [row for row in read_report(pipeline_report) if row["outcome"] != "rejected"]
    assert [(row["column"], row["value"]) for row in warnings] == [("stage", "Engaging")]


def test_maven_reimport_changes_nothing(shared_data, tmp_path):
    folder = shared_data / "maven-crm-sales-opportunities"
    mapping = write_json(tmp_path / "accounts.json", MAVEN_ACCOUNTS_MAPPING)
    run_import("accounts", folder / "accounts.csv", "--mapping", str(mapping))
    run_import("opportunities", folder / "sales_pipeline.csv")

    accounts = run_import("accounts", folder / "accounts.csv", "--mapping", str(mapping))
    pipeline = run_import("opportunities", folder / "sales_pipeline.csv")

    assert accounts["unchanged"] == 85
    assert accounts["created"] == accounts["updated"] == 0
    assert pipeline["unchanged"] == 8800 - 1425
    assert pipeline["created"] == pipeline["updated"] == 0
    assert pipeline["rejected"] == 1425


def test_maven_accounts_through_upload_page(shared_data, client, django_user_model, eager_celery,
                                           django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("revops", password="pw-for-tests-only")
    user.groups.add(Group.objects.get(name="RevOps"))
    client.force_login(user)
    folder = shared_data / "maven-crm-sales-opportunities"

    with (folder / "accounts.csv").open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:import_upload"), {
            "kind": "accounts",
            "file": upload,
            "mapping": json.dumps(MAVEN_ACCOUNTS_MAPPING),
            "currency": "USD",
        })

    assert response.status_code == 302, response.context["form"].errors
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("accounts:import_detail", args=[run.pk])
    assert run.status == ImportStatus.SUCCEEDED
    assert run.created == 85
    assert run.created_by == user
    page = client.get(reverse("accounts:import_detail", args=[run.pk]))
    assert b"85" in page.content
    with (folder / "sales_pipeline.csv").open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:import_upload"), {"kind": "opportunities", "file": upload, "currency": "USD"})
    pipeline = ImportRun.objects.get(kind="opportunities")
    assert pipeline.created == 8800 - 1425
    assert pipeline.rejected == 1425
    report = client.get(reverse("accounts:import_report", args=[pipeline.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert len(report.content.decode().splitlines()) == 1 + 1425 + 1
