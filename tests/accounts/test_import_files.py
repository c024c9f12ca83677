"""Importing small hand-made files: each parsing, normalization and upsert rule, including the failures."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.importing.parsing import ImportOptions
from accounts.importing.services import ImportFailed, import_file, synonym_save
from accounts.importing.upsert import account_upsert
from accounts.models import (
    Account,
    Contact,
    EngagementEvent,
    ImportRun,
    IntentSignal,
    Opportunity,
    SynonymKind,
)

pytestmark = pytest.mark.django_db


def run(kind, text, encoding="utf-8", **options):
    content = text if isinstance(text, bytes) else text.encode(encoding)
    return import_file(kind=kind, content=content, options=ImportOptions(**options))


def issues_by_line(summary):
    found = {}
    for issue in summary.issues:
        found.setdefault(issue.line, []).append(issue)
    return found


def make_account(**fields):
    defaults = {"name": "Acme", "source": "crm"}
    return Account.objects.create(**{**defaults, **fields})


# Column mapping.

def test_hubspot_headers_without_mapping():
    summary = run("accounts", (
        "Record ID,Company name,Company Domain Name,Number of Employees,Annual Revenue,Country/Region,"
        "Lifecycle Stage,Industry\n"
        "101,Acme,https://www.acme.com/about,51-200,\"$1,200,000\",USA,customer,Computer Software\n"
    ))

    account = Account.objects.get()
    assert summary.created == 1
    assert account.external_id == "101"
    assert account.domain == "acme.com"
    assert account.employee_count == 125
    assert account.employee_band == "51-200"
    assert account.annual_revenue == Decimal("1200000.00")
    assert account.currency == "USD"
    assert account.country == "US"
    assert account.industry == "Software"
    assert account.extra["crm_lifecycle_stage"] == "customer"
    assert account.extra["employee_range"] == "51-200"


def test_salesforce_headers_without_mapping():
    run("accounts", (
        "Account ID,Account Name,Website,NumberOfEmployees,AnnualRevenue,BillingCountry,Type,Ownership\n"
        "001A,Globex,globex.com,1200,5000000,Germany,Customer,Private\n"
    ))

    account = Account.objects.get()
    assert account.external_id == "001A"
    assert account.name == "Globex"
    assert account.employee_count == 1200
    assert account.country == "DE"
    assert account.ownership_type == "private"
    assert account.extra["account_type"] == "Customer"


def test_explicit_mapping_and_unknown_columns():
    summary = run("accounts", (
        "Acct Ref,Company,Site,Score Card,Notes\n"
        "A-1,Acme,acme.com,42,hello\n"
    ), mapping={"Acct Ref": "external_id", "Site": "domain", "Notes": None})

    account = Account.objects.get()
    assert account.external_id == "A-1"
    assert account.extra == {"score_card": 42}
    assert summary.columns["unknown"] == ["Score Card"]
    assert summary.columns["ignored"] == ["Notes"]
    assert any("Score Card" in note for note in summary.notes)


def test_extra_attribute_types():
    run("accounts", (
        "id,name,Profitable,Founded,Tier code,Region code\n"
        "1,Acme,yes,1999,007,EMEA\n"
        "2,Globex,no,,12,APAC\n"
    ))

    acme, globex = Account.objects.order_by("external_id")
    assert acme.extra == {"profitable": True, "founded": 1999, "tier_code": "007", "region_code": "EMEA"}
    assert globex.extra == {"profitable": False, "tier_code": "12", "region_code": "APAC"}


def test_mapping_to_unknown_field_fails_the_file():
    with pytest.raises(ImportFailed, match="not a field of accounts"):
        run("accounts", "id,name\n1,Acme\n", mapping={"name": "company_title"})


def test_mapping_names_missing_column():
    with pytest.raises(ImportFailed, match="does not have"):
        run("accounts", "id,name\n1,Acme\n", mapping={"Company": "name"})


# Encodings, delimiters and layout.

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings(encoding):
    summary = run("accounts", "id;name;country\n1;Estée Lauder;France\n", encoding=encoding)

    assert summary.created == 1
    assert Account.objects.get().name == "Estée Lauder"


def test_double_decoded_text_is_reported():
    summary = run("accounts", "id,name\n1,EstÃ©e Lauder\n2,Plain\n")

    assert Account.objects.get(external_id="1").name == "EstÃ©e Lauder"
    (issue,) = summary.issues
    assert (issue.line, issue.outcome) == (2, "kept as typed")
    assert "probably reads 'Estée Lauder'" in issue.reason


def test_special_characters_survive_staging():
    name = 'Acme "Quoted", Inc. \\ back\\slash'
    notes = "first line\nsecond\tline, \\N and \"quotes\""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "name", "notes"], ["1", name, notes]])

    first = run("accounts", buffer.getvalue())
    again = run("accounts", buffer.getvalue())

    account = Account.objects.get()
    assert first.created == 1
    assert account.name == name
    assert account.extra["notes"] == notes
    assert again.unchanged == 1


def test_tab_delimited_with_quoted_newline_reports_true_lines():
    text = 'id\tname\tdomain\n1\t"Acme\nHoldings"\tacme.com\n2\tGlobex\tnot a domain\n'

    summary = run("accounts", text)

    assert summary.created == 1
    assert Account.objects.get().name == "Acme Holdings"
    (issue,) = summary.issues
    assert (issue.line, issue.column, issue.value) == (4, "domain", "not a domain")


def test_long_row_rejected_with_line():
    summary = run("accounts", "id,name\n1,Acme\n2,Globex,extra\n3,Initech\n")

    assert summary.created == 2
    assert summary.rejected == 1
    assert summary.issues[0].line == 3
    assert "3 fields" in summary.issues[0].reason


def test_unclosed_quote_fails_the_file():
    with pytest.raises(ImportFailed, match="never closed"):
        run("accounts", 'id,name\n1,"Acme\n')


# Numbers, units and currency.

def test_amount_formats_and_currency_symbols():
    run("accounts", (
        "id,name,annual revenue\n"
        "1,A,\"$1,200,000\"\n"
        "2,B,1.2M\n"
        "3,C,€5m\n"
        "4,D,5 000\n"
    ))

    values = dict(Account.objects.values_list("external_id", "annual_revenue"))
    currencies = dict(Account.objects.values_list("external_id", "currency"))
    assert values == {"1": Decimal("1200000"), "2": Decimal("1200000"), "3": Decimal("5000000"), "4": Decimal("5000")}
    assert currencies == {"1": "USD", "2": "USD", "3": "EUR", "4": "USD"}


def test_european_number_format():
    text = "id;name;annual revenue\n1;Acme;1.200.000,50\n"

    rejected = run("accounts", text)
    assert rejected.rejected == 1
    assert "European number format" in rejected.issues[0].reason

    accepted = run("accounts", text, decimal_comma=True)
    assert accepted.created == 1
    assert Account.objects.get().annual_revenue == Decimal("1200000.50")


def test_units_and_default_currency():
    run("accounts", "id,name,revenue\n1,Acme,2.5\n2,Globex,1.2M\n", units={"annual_revenue": "millions"},
        currency="EUR")

    acme, globex = Account.objects.order_by("external_id")
    assert acme.annual_revenue == Decimal("2500000")
    assert acme.currency == "EUR"
    # A suffix states the amount itself, so the column unit does not multiply it again.
    assert globex.annual_revenue == Decimal("1200000")


def test_currency_column_and_clash():
    summary = run("accounts", "id,name,revenue,currency\n1,Acme,5000,gbp\n2,Globex,€100,USD\n")

    assert Account.objects.get().currency == "GBP"
    (issue,) = summary.issues
    assert issue.line == 3
    assert "in EUR but the row's currency is USD" in issue.reason


def test_negative_amount_rejected():
    summary = run("accounts", "id,name,revenue\n1,Acme,-5\n")

    assert summary.rejected == 1
    assert "negative" in summary.issues[0].reason


def test_employee_ranges_and_missing_markers():
    run("accounts", (
        "id,name,employees,industry,country\n"
        "1,A,10,001+,N/A,-\n".replace("10,001+", '"10,001+"') +
        "2,B,null,,\n"
    ))

    first, second = Account.objects.order_by("external_id")
    assert (first.employee_count, first.employee_band) == (10001, "10001+")
    assert first.industry == ""
    assert first.country == ""
    assert (second.employee_count, second.employee_band) == (None, "")


# Dates.

OPPORTUNITY_HEADER = "id,account id,name,created date,close date\n"


@pytest.fixture
def acme():
    return make_account(external_id="A1", domain="acme.com")


def test_iso_and_inferred_day_first_dates(acme):
    summary = run("opportunities", OPPORTUNITY_HEADER + "O1,A1,Deal,2024-01-05,25/03/2024\nO2,A1,Deal 2,2024-01-05,03/04/2024\n")

    closed = dict(Opportunity.objects.values_list("external_id", "closed_date"))
    assert closed == {"O1": date(2024, 3, 25), "O2": date(2024, 4, 3)}
    assert any("day/month/year" in note and "line 2" in note for note in summary.notes)


def test_ambiguous_dates_rejected_without_swap(acme):
    summary = run("opportunities", OPPORTUNITY_HEADER + "O1,A1,Deal,2024-01-05,03/04/2024\n")

    assert summary.rejected == 1
    assert Opportunity.objects.count() == 0
    assert "ambiguous" in summary.issues[0].reason
    assert "%d/%m/%Y" in summary.issues[0].reason


def test_date_format_option_settles_ambiguity(acme):
    summary = run("opportunities", OPPORTUNITY_HEADER + "O1,A1,Deal,01/05/2024,03/04/2024\n", date_format="%m/%d/%Y")

    assert summary.created == 1
    opportunity = Opportunity.objects.get()
    assert opportunity.created_date == date(2024, 1, 5)
    assert opportunity.closed_date == date(2024, 3, 4)


def test_close_before_created_rejected(acme):
    summary = run("opportunities", OPPORTUNITY_HEADER + "O1,A1,Deal,2024-05-01,2024-03-04\n")

    assert summary.rejected == 1
    assert "before the created date" in summary.issues[0].reason


# Booleans and opportunity status.

def test_status_from_flags_and_stages(acme):
    summary = run("opportunities", (
        "Id,AccountId,Name,StageName,IsWon,IsClosed,Amount\n"
        "O1,A1,One,Negotiation/Review,No,No,100\n"
        "O2,A1,Two,Closed Won,Yes,Yes,200\n"
        "O3,A1,Three,Closed Lost,0,1,0\n"
        "O4,A1,Four,Whatever,maybe,False,5\n"
    ))

    statuses = dict(Opportunity.objects.values_list("external_id", "status"))
    assert statuses == {"O1": "open", "O2": "won", "O3": "lost"}
    assert issues_by_line(summary)[5][0].reason.startswith("'maybe' is not a yes/no value")


def test_unknown_stage_counts_as_open_and_is_reported(acme):
    summary = run("opportunities", "id,account id,stage,amount\nO1,A1,Engaging,10\n")

    assert Opportunity.objects.get().status == "open"
    assert summary.unknown_values == {"stage": {"Engaging": 1}}
    assert summary.issues[0].outcome == "kept as typed"


def test_opportunity_without_external_id_rejected(acme):
    summary = run("opportunities", "id,account id,amount\n,A1,10\n")

    assert summary.rejected == 1
    assert "external id is missing" in summary.issues[0].reason


# Synonym tables.

def test_country_synonyms():
    run("accounts", "id,name,country\n1,A,USA\n2,B,U.S.\n3,C,United States\n4,D,us\n5,E,Deutschland\n6,F,GBR\n")

    assert dict(Account.objects.values_list("external_id", "country")) == {
        "1": "US", "2": "US", "3": "US", "4": "US", "5": "DE", "6": "GB"}


def test_unknown_value_kept_then_resolved_by_new_synonym():
    text = "id,name,country,industry\n1,Acme,Philipines,technolgy\n"

    first = run("accounts", text)
    account = Account.objects.get()
    assert account.country == ""
    assert account.extra["country_as_typed"] == "Philipines"
    assert account.industry == "technolgy"
    assert first.unknown_values == {"country": {"Philipines": 1}, "industry": {"technolgy": 1}}
    assert {issue.outcome for issue in first.issues} == {"left blank", "kept as typed"}

    synonym_save(kind=SynonymKind.COUNTRY, synonym="philipines", value="PH")
    synonym_save(kind=SynonymKind.INDUSTRY, synonym="technolgy", value="Technology")
    second = run("accounts", text)

    account.refresh_from_db()
    assert second.updated == 1
    assert account.country == "PH"
    assert account.industry == "Technology"
    assert "country_as_typed" not in account.extra


def test_ownership_and_contact_picklists():
    make_account(external_id="A1")
    run("contacts", (
        "id,account id,email,job title,buying role,department\n"
        "C1,A1,ann@acme.com,VP of Marketing,Decision Maker,\n"
        "C2,A1,bob@acme.com,Senior Software Engineer,Champion,Engineering\n"
        "C3,A1,cy@acme.com,CFO,Detractor,\n"
    ))

    rows = {c.external_id: (c.seniority, c.department, c.buying_role) for c in Contact.objects.all()}
    assert rows == {
        "C1": ("vp", "marketing", "economic_buyer"),
        "C2": ("individual_contributor", "engineering", "champion"),
        "C3": ("c_level", "finance", "blocker"),
    }


# Upsert keys.

def test_external_id_matched_trimmed_and_ignoring_case():
    make_account(external_id="ABC-1", name="Old name")

    summary = run("accounts", "id,name\n  abc-1 ,New name\n")

    assert summary.updated == 1
    assert Account.objects.get().name == "New name"


def test_external_id_matched_within_source_only():
    make_account(external_id="1", name="From HubSpot", source="hubspot")

    summary = run("accounts", "id,name\n1,From the CRM\n", source="crm")

    assert summary.created == 1
    assert Account.objects.count() == 2


def test_domain_matches_only_rows_without_external_id():
    existing = make_account(domain="acme.com", name="Acme")

    summary = run("accounts", "name,website,industry\nAcme Inc,https://www.ACME.com,Software\n")

    existing.refresh_from_db()
    assert summary.updated == 1
    assert existing.name == "Acme Inc"
    assert existing.industry == "Software"


def test_domain_matching_several_accounts_is_not_merged():
    make_account(domain="acme.com", name="Acme US")
    make_account(domain="acme.com", name="Acme EU")

    summary = run("accounts", "name,domain\nAcme,acme.com\n")

    assert summary.rejected == 1
    assert "2 accounts have the domain 'acme.com'" in summary.issues[0].reason
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme EU", "Acme US"]


def test_row_without_any_key_rejected():
    summary = run("accounts", "name,industry\nAcme,Software\n")

    assert summary.rejected == 1
    assert "neither an external id nor a domain" in summary.issues[0].reason


def test_duplicate_keys_in_file_name_both_lines():
    summary = run("accounts", "id,name\n1,Acme\n2,Globex\n1,Acme again\n")

    assert summary.created == 2
    assert summary.rejected == 1
    (issue,) = summary.issues
    assert issue.line == 4
    assert "lines 2 and 4" in issue.reason
    assert Account.objects.get(external_id="1").name == "Acme"


def test_duplicate_domains_in_file_name_both_lines():
    summary = run("accounts", "name,domain\nAcme,acme.com\nAcme again,www.acme.com\n")

    assert summary.rejected == 1
    assert "lines 2 and 3" in summary.issues[0].reason


def test_reimport_is_unchanged_and_blank_keeps_value():
    run("accounts", "id,name,industry,employees\n1,Acme,Software,20\n")

    again = run("accounts", "id,name,industry,employees\n1,Acme,Software,20\n")
    blank = run("accounts", "id,name,industry,employees\n1,Acme,,N/A\n")

    assert again.unchanged == 1
    assert blank.unchanged == 1
    account = Account.objects.get()
    assert account.industry == "Software"
    assert account.employee_count == 20


def test_deleted_ids_not_reused():
    run("accounts", "id,name\n1,Acme\n2,Globex\n")
    deleted = Account.objects.get(external_id="2")
    deleted_id = deleted.pk
    deleted.delete()

    run("accounts", "id,name\n3,Initech\n")

    assert Account.objects.get(external_id="3").pk > deleted_id


def test_progress_is_reported_in_order():
    reports = []

    import_file(kind="accounts", content=b"id,name,domain\n1,Acme,acme.com\n",
                progress=lambda step, percent: reports.append((step, percent)))

    percents = [percent for _, percent in reports]
    assert percents == sorted(percents)
    assert reports[-1] == ("Done", 100)
    assert ("Parsing values", 55) in reports


def test_dry_run_writes_nothing_and_counts_exactly():
    summary = import_file(kind="accounts", content=b"id,name\n1,Acme\n2,\n", dry_run=True)

    assert (summary.created, summary.rejected) == (1, 1)
    assert Account.objects.count() == 0


# Related rows.

def test_contacts_link_by_account_external_id_or_domain():
    acme = make_account(external_id="A1", domain="acme.com")
    summary = run("contacts", (
        "email,first name,account id,company domain name\n"
        "ann@acme.com,Ann,a1,\n"
        "BOB@Acme.com,Bob,,https://acme.com\n"
        "cy@nowhere.com,Cy,,nowhere.com\n"
        "di@acme.com,Di,,\n"
    ))

    assert summary.created == 2
    assert set(Contact.objects.values_list("email", flat=True)) == {"ann@acme.com", "bob@acme.com"}
    assert set(Contact.objects.values_list("account", flat=True)) == {acme.pk}
    reasons = {issue.line: issue.reason for issue in summary.issues}
    assert "No account has the domain 'nowhere.com'" in reasons[4]
    assert reasons[5].startswith("The account is missing")


def test_contact_matched_by_email_on_reimport():
    make_account(external_id="A1")
    run("contacts", "email,account id,title\nann@acme.com,A1,Manager\n")

    summary = run("contacts", "email,title\nANN@acme.com,Director of Sales\n")

    contact = Contact.objects.get()
    assert summary.updated == 1
    assert contact.title == "Director of Sales"
    assert contact.seniority == "director"


def test_account_parent_by_domain_and_within_file():
    parent = make_account(external_id="P", domain="parent.com", name="Parent")
    summary = run("accounts", (
        "id,name,parent domain,parent id\n"
        "S1,Sub one,parent.com,\n"
        "S2,Sub two,,S1\n"
        "S3,Sub three,,missing\n"
    ))

    assert summary.created == 2
    assert Account.objects.get(external_id="S1").parent == parent
    assert Account.objects.get(external_id="S2").parent.external_id == "S1"
    assert "No account has the external id or domain 'missing'" in summary.issues[0].reason


def test_account_cannot_be_its_own_parent():
    summary = run("accounts", "id,name,parent id\nS1,Sub,S1\n")

    assert summary.rejected == 1
    assert "own parent" in summary.issues[0].reason


def test_events_and_intent_link_and_reimport_unchanged():
    acme = make_account(external_id="A1", domain="acme.com")
    run("contacts", "email,account id\nann@acme.com,A1\n")
    events = "email,activity type,date,theme\nann@acme.com,Webinar,2024-03-05 10:00,security\n"
    intent = "domain,topic,score,date,provider\nacme.com,Zero trust,80,2024-03-04,bombora\n"

    first_events, first_intent = run("events", events), run("intent", intent)
    again_events, again_intent = run("events", events), run("intent", intent)

    assert (first_events.created, first_intent.created) == (1, 1)
    assert (again_events.unchanged, again_intent.unchanged) == (1, 1)
    event = EngagementEvent.objects.get()
    assert (event.account, event.type, event.contact.email) == (acme, "event_attendance", "ann@acme.com")
    assert IntentSignal.objects.get().score == 80


def test_event_for_unknown_contact_rejected():
    make_account(external_id="A1", domain="acme.com")

    summary = run("events", "email,type,date\nghost@acme.com,meeting,2024-03-05\n")

    assert summary.rejected == 1
    assert "No contact has the email 'ghost@acme.com'" in summary.issues[0].reason


def test_intent_score_out_of_range_rejected():
    make_account(external_id="A1", domain="acme.com")

    summary = run("intent", "domain,topic,score,date\nacme.com,Zero trust,180,2024-03-04\n")

    assert summary.rejected == 1
    assert "from 0 to 100" in summary.issues[0].reason


def test_owner_by_email_or_left_blank(django_user_model):
    rep = django_user_model.objects.create_user("rep", email="Rep@Example.com")

    summary = run("accounts", "id,name,account owner\n1,Acme,rep@example.com\n2,Globex,ghost@example.com\n")

    assert Account.objects.get(external_id="1").owner == rep
    assert Account.objects.get(external_id="2").owner is None
    assert summary.unknown_values == {"owner": {"ghost@example.com": 1}}


# The service the API reuses.

def test_upsert_service_takes_records():
    result = account_upsert(rows=[
        {"external_id": "X1", "name": "Acme", "country": "US", "annual_revenue": Decimal("10")},
        {"external_id": "X2", "name": "Bad", "country": "usa"},
        {"external_id": "X3", "name": "Also bad", "strategic_value": 9},
    ])

    assert result.counts == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert result.rows["outcome"].tolist() == ["created", "rejected", "rejected"]
    reasons = [issue.reason for issue in result.issues]
    assert any("ISO 3166-1 alpha-2" in reason for reason in reasons)
    assert any("from 1 to 5" in reason for reason in reasons)


# The command.

def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_command_json_summary(tmp_path):
    path = write(tmp_path, "accounts.csv", "id,name\n1,Acme\n2,\n")
    output = io.StringIO()

    call_command("import_csv", "accounts", str(path), "--json", stdout=output)

    summary = json.loads(output.getvalue())
    assert {key: summary[key] for key in ("rows_read", "created", "updated", "unchanged", "rejected")} == {
        "rows_read": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert summary["elapsed_seconds"] >= 0
    run_record = ImportRun.objects.get()
    assert run_record.status == "succeeded"
    assert run_record.file_name == "accounts.csv"


def test_command_dry_run_and_report(tmp_path):
    path = write(tmp_path, "accounts.csv", "id,name,domain\n1,Acme,acme.com\n2,Globex,not a domain\n")
    report = tmp_path / "rejects.csv"
    output = io.StringIO()

    call_command("import_csv", "accounts", str(path), "--dry-run", "--report", str(report), stdout=output)

    assert "Dry run, nothing written" in output.getvalue()
    assert Account.objects.count() == 0
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert rows == [{"line": "3", "column": "domain", "value": "not a domain", "outcome": "rejected",
                     "reason": "'not a domain' is not a web domain such as example.com."}]


def test_command_mapping_file_and_options(tmp_path):
    path = write(tmp_path, "accounts.csv", "Ref;Firm;Umsatz\nR1;Acme;1.500,5\n")
    mapping = write(tmp_path, "mapping.json", json.dumps({
        "columns": {"Ref": "external_id", "Firm": "name", "Umsatz": "annual_revenue"}, "decimal_comma": True}))

    call_command("import_csv", "accounts", str(path), "--mapping", str(mapping), "--unit", "annual_revenue=thousands",
                 "--currency", "EUR", "--source", "erp", stdout=io.StringIO())

    account = Account.objects.get()
    assert (account.source, account.annual_revenue, account.currency) == ("erp", Decimal("1500500"), "EUR")


@pytest.mark.parametrize(("args", "fragment"), [
    (["--currency", "XYZ"], "not an ISO 4217 currency"),
    (["--date-format", "dd/mm/yyyy"], "has no % codes"),
    (["--unit", "revenue=lakhs"], "not COLUMN=UNIT"),
])
def test_command_rejects_bad_options(tmp_path, args, fragment):
    path = write(tmp_path, "accounts.csv", "id,name\n1,Acme\n")

    with pytest.raises(CommandError, match=fragment):
        call_command("import_csv", "accounts", str(path), *args, stdout=io.StringIO())


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_csv", "accounts", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_command_unreadable_file_fails_with_reason(tmp_path):
    path = write(tmp_path, "accounts.csv", "")

    with pytest.raises(CommandError, match="The file is empty"):
        call_command("import_csv", "accounts", str(path), stdout=io.StringIO())
    assert ImportRun.objects.get().status == "failed"
