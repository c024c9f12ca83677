"""The demo data generator: deterministic rows, the distributions its help
text and docs/demo-data.md promise, valid rows, and the command's options.

Distribution checks run on frames built in memory (30,000 accounts, no
database), database checks on a few hundred accounts.
"""

import datetime
import json
import os
import subprocess
import sys
import zoneinfo
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection
from django.db.models import Count, F, Max, Min
from django.test import Client
from django.utils import timezone

from accounts.demo import DemoDataError, demo_data_generate, fit_score
from accounts.demo.frames import (
    FIT_CRM_TECHNOLOGIES,
    FIT_WAREHOUSE_TECHNOLOGIES,
    BlockIds,
    GenerationPlan,
    Rep,
    block_build,
    name_order_for,
)
from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    BuyingRole,
    Contact,
    Department,
    EngagementEvent,
    EventType,
    IntentSignal,
    Opportunity,
    OwnershipType,
    Seniority,
    employee_band_for,
)
from tests.conftest import REPO_ROOT

AS_OF = datetime.date(2025, 6, 30)
MODELS = [Account, Contact, Opportunity, EngagementEvent, IntentSignal]


# Frames built in memory, for the distributions.


@pytest.fixture(scope="module")
def frames():
    plan = GenerationPlan(
        seed=11,
        as_of=AS_OF,
        reference_time=np.datetime64("2025-06-30T00:00:00", "s"),
        window_start=np.datetime64("2025-01-01T00:00:00", "s"),
        events_per_account=10.0,
        opportunities_per_account=0.5,
        intent_per_account=2.0,
        reps=(Rep(user_id=1, region="North America"), Rep(user_id=2, region="EMEA")),
        name_order=name_order_for(11),
    )
    blocks = []
    ids = BlockIds(account=1, contact=1, opportunity=1, event=1, intent_signal=1)
    for number in range(3):
        block = block_build(plan, block_number=number, ids=ids, count=10_000)
        blocks.append(block)
        ids = BlockIds(
            account=ids.account + 10_000,
            contact=ids.contact + len(block.frames[Contact]),
            opportunity=ids.opportunity + len(block.frames[Opportunity]),
            event=ids.event + len(block.frames[EngagementEvent]),
            intent_signal=ids.intent_signal + len(block.frames[IntentSignal]),
        )
    return {model: pd.concat([block.frames[model] for block in blocks], ignore_index=True) for model in MODELS}


def test_contacts_per_account_two_to_six(frames):
    per_account = frames[Contact].groupby("account_id").size().reindex(frames[Account]["id"], fill_value=0)
    assert per_account.min() == 2
    assert per_account.max() == 6
    assert 2.95 <= per_account.mean() <= 3.2


def test_contact_fields_use_choices(frames):
    contacts = frames[Contact]
    assert set(contacts["department"]) <= set(Department.values)
    assert set(contacts["seniority"]) == set(Seniority.values)
    assert set(contacts["buying_role"]) == set(BuyingRole.values) | {""}
    assert (contacts["title"] != "").all()
    assert (contacts["email"] == contacts["email"].str.lower()).all()
    assert contacts["email"].str.fullmatch(r"[a-z]+\.[a-z]+@[a-z0-9.]+").all()
    economic_buyers = contacts[contacts["buying_role"] == BuyingRole.ECONOMIC_BUYER]
    assert economic_buyers["seniority"].isin([Seniority.C_LEVEL, Seniority.VP]).mean() > 0.8


def test_revenue_and_headcount_log_normal(frames):
    accounts = frames[Account].dropna(subset=["annual_revenue", "employee_count"])
    log_revenue = np.log(accounts["annual_revenue"].astype(float))
    log_headcount = np.log(accounts["employee_count"].astype(float))
    # Skewed on the raw scale, close to symmetric on the log scale.
    assert accounts["annual_revenue"].skew() > 5
    assert abs(log_revenue.skew()) < 0.3
    assert abs(log_headcount.skew()) < 0.3
    assert np.corrcoef(log_revenue, log_headcount)[0, 1] > 0.85
    assert 80 <= accounts["employee_count"].median() <= 170


def test_firmographics_spread(frames):
    accounts = frames[Account]
    assert set(accounts["region"]) == {"North America", "EMEA", "APAC", "LATAM"}
    assert accounts["country"].nunique() >= 20
    assert accounts["country"].str.fullmatch(r"[A-Z]{2}").all()
    us = accounts[accounts["country"] == "US"]
    assert us["state"].str.fullmatch(r"[A-Z]{2}").all()
    assert us["state"].nunique() >= 20
    assert accounts["industry"].nunique() == 21
    assert set(accounts["ownership_type"]) == set(OwnershipType.values)
    currency_shares = accounts["currency"].value_counts(normalize=True)
    assert set(currency_shares.index) == {"USD", "EUR", "GBP"}
    assert currency_shares["USD"] > 0.7
    assert 0.03 < accounts["parent_id"].notna().mean() < 0.07
    technologies = accounts["technologies"].map(json.loads)
    assert 3.5 < technologies.map(len).mean() < 7
    assert 0.12 < accounts["strategic_value"].notna().mean() < 0.25
    assert set(accounts["strategic_value"].dropna()) <= {1, 2, 3, 4, 5}
    assert 0.85 < accounts["owner_id"].notna().mean() < 0.95


def test_employee_band_matches_count(frames):
    accounts = frames[Account]
    expected = [employee_band_for(None if pd.isna(count) else int(count)) for count in accounts["employee_count"]]
    assert accounts["employee_band"].tolist() == expected


def test_domains_normalized(frames):
    accounts = frames[Account]
    domains = accounts["domain"]
    assert all(normalize_domain(domain) == domain for domain in domains)
    assert domains.duplicated().mean() < 0.05


def test_subsidiaries_point_at_parents(frames):
    accounts = frames[Account].set_index("id")
    children = accounts[accounts["parent_id"].notna()]
    parents = accounts.loc[children["parent_id"].astype(int)]
    assert (children.index != parents.index).all()
    assert (children["ownership_type"] == OwnershipType.SUBSIDIARY).all()
    assert parents["parent_id"].isna().all()
    shares_domain = children["domain"].to_numpy() == parents["domain"].to_numpy()
    assert 0.3 < shares_domain.mean() < 0.9


def test_opportunities_dates_and_stages(frames):
    deals = frames[Opportunity]
    per_account = len(deals) / len(frames[Account])
    assert 0.45 <= per_account <= 0.55
    created = deals["created_date"]
    closed = deals["closed_date"]
    assert (created < np.datetime64(AS_OF)).all()
    assert (created >= np.datetime64(AS_OF) - np.timedelta64(3 * 365, "D")).all()
    is_open = deals["status"] == "open"
    assert closed[is_open].isna().all()
    assert (closed[~is_open] >= created[~is_open]).all()
    assert (closed[~is_open] < np.datetime64(AS_OF)).all()
    assert 0.1 < is_open.mean() < 0.3
    assert set(deals["type"]) == {"new_business", "expansion", "renewal"}
    assert (deals.loc[deals["status"] == "won", "stage"] == "Closed Won").all()
    assert (deals.loc[deals["status"] == "lost", "stage"] == "Closed Lost").all()
    assert (deals["amount"] >= 1000).all()
    assert (deals["currency"] == deals["account_id"].map(frames[Account].set_index("id")["currency"])).all()


def test_win_rate_rises_with_fit(frames):
    accounts = frames[Account].set_index("id")
    technologies = accounts["technologies"].map(json.loads)
    accounts["fit"] = fit_score(
        industry=accounts["industry"].to_numpy(),
        employee_count=accounts["employee_count"].astype(float).to_numpy(),
        region=accounts["region"].to_numpy(),
        has_crm=technologies.map(lambda names: bool(FIT_CRM_TECHNOLOGIES & set(names))).to_numpy(),
        has_warehouse=technologies.map(lambda names: bool(FIT_WAREHOUSE_TECHNOLOGIES & set(names))).to_numpy(),
    )
    deals = frames[Opportunity]
    closed = deals[(deals["status"] != "open") & (deals["type"] == "new_business")].copy()
    closed["fit"] = closed["account_id"].map(accounts["fit"])
    quartile = pd.qcut(closed["fit"], 4, labels=False, duplicates="drop")
    win_rate = (closed["status"] == "won").groupby(quartile).mean()
    assert win_rate.iloc[-1] > win_rate.iloc[0] + 0.2
    assert win_rate.is_monotonic_increasing
    assert 0.15 < (closed["status"] == "won").mean() < 0.4
    # High-fit accounts also get more deals.
    deals_per_account = deals.groupby("account_id").size().reindex(accounts.index, fill_value=0)
    top = accounts["fit"] >= accounts["fit"].quantile(0.75)
    assert deals_per_account[top].mean() > 1.5 * deals_per_account[~top].mean()


def test_customers_have_arr_and_health(frames):
    accounts = frames[Account].set_index("id")
    deals = frames[Opportunity]
    winners = set(deals.loc[deals["status"] == "won", "account_id"])
    customers = accounts["arr"].notna()
    assert set(accounts.index[customers]) == winners
    assert (accounts["health_score"].notna() == customers).all()
    health = accounts.loc[customers, "health_score"].astype(int)
    assert health.between(0, 100).all()
    churned = accounts.loc[customers, "arr"] == 0
    assert 0.02 < churned.mean() < 0.2
    assert health[churned.to_numpy()].mean() < health[~churned.to_numpy()].mean() - 20


def test_events_within_window(frames):
    events = frames[EngagementEvent]
    assert 9.5 <= len(events) / len(frames[Account]) <= 10.5
    reference = np.datetime64("2025-06-30T00:00:00", "s")
    assert (events["occurred_at"] < reference).all()
    assert (events["occurred_at"] >= reference - np.timedelta64(180, "D")).all()
    assert set(events["type"]) == set(EventType.values)
    assert events["theme"].nunique() >= 10
    named = events["contact_id"].notna()
    assert 0.6 < named.mean() < 0.9
    contact_account = frames[Contact].set_index("id")["account_id"]
    assert (events.loc[named, "contact_id"].astype(int).map(contact_account) == events.loc[named, "account_id"]).all()


def test_intent_signals_within_window(frames):
    signals = frames[IntentSignal]
    assert 1.8 <= len(signals) / len(frames[Account]) <= 2.2
    assert signals["score"].between(0, 100).all()
    assert signals["topic"].nunique() >= 12
    assert set(signals["provider"]) == {"bombora", "g2", "6sense", "trustradius", "website"}
    reference = np.datetime64("2025-06-30T00:00:00", "s")
    assert (signals["observed_at"] < reference).all()
    assert (signals["observed_at"] >= reference - np.timedelta64(180, "D")).all()


def test_high_fit_accounts_engage_more(frames):
    accounts = frames[Account].set_index("id")
    technologies = accounts["technologies"].map(json.loads)
    fit = fit_score(
        industry=accounts["industry"].to_numpy(),
        employee_count=accounts["employee_count"].astype(float).to_numpy(),
        region=accounts["region"].to_numpy(),
        has_crm=technologies.map(lambda names: bool(FIT_CRM_TECHNOLOGIES & set(names))).to_numpy(),
        has_warehouse=technologies.map(lambda names: bool(FIT_WAREHOUSE_TECHNOLOGIES & set(names))).to_numpy(),
    )
    top = pd.Series(fit >= np.quantile(fit, 0.75), index=accounts.index)
    for model in (EngagementEvent, IntentSignal):
        per_account = frames[model].groupby("account_id").size().reindex(accounts.index, fill_value=0)
        assert per_account[top].mean() > 1.3 * per_account[~top].mean(), model.__name__


# The command and the database, on SQLite and PostgreSQL.


def start_of_day(day):
    """Return midnight at the start of the day in the configured time zone, where generated events end."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def generate(*arguments):
    call_command(
        "generate_demo_data", "--accounts", "300", "--as-of", AS_OF.isoformat(), *arguments, verbosity=0
    )


def table_rows():
    """Return every row of the demo tables as tuples of all their columns, by model."""
    rows = {}
    for model in MODELS:
        columns = [field.attname for field in model._meta.concrete_fields]
        rows[model] = list(model.objects.order_by("id").values_list(*columns))
    return rows


def empty_demo_tables():
    """Empty the demo tables and restart their ids at 1, as in a fresh database."""
    tables = [model._meta.db_table for model in MODELS]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)


@pytest.mark.django_db
def test_same_seed_same_rows():
    # Earlier tests may have advanced the id sequences, so both runs start
    # from emptied tables with their ids restarted.
    empty_demo_tables()
    generate("--seed", "5")
    first = table_rows()
    empty_demo_tables()
    generate("--seed", "5")
    second = table_rows()
    for model in MODELS:
        assert first[model] == second[model], model.__name__
    assert len(first[Account]) == 300


@pytest.mark.django_db
def test_different_seeds_differ():
    generate("--seed", "5")
    first = table_rows()
    first_names = list(Account.objects.order_by("id").values_list("name", flat=True))
    empty_demo_tables()
    generate("--seed", "6")
    second = table_rows()
    second_names = list(Account.objects.order_by("id").values_list("name", flat=True))
    assert sum(a == b for a, b in zip(first_names, second_names)) < 10
    assert first[Account] != second[Account]
    assert first[EngagementEvent] != second[EngagementEvent]


@pytest.mark.django_db
def test_rows_valid_in_database():
    generate("--seed", "3")
    counts = {model: model.objects.count() for model in MODELS}
    assert counts[Account] == 300
    assert 600 <= counts[Contact] <= 1800
    assert counts[EngagementEvent] > 2000
    # Model validation, which mirrors the named constraints, passes on a sample of every table.
    for model in MODELS:
        for record in model.objects.order_by("id")[:40]:
            record.full_clean()
    window = EngagementEvent.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    reference = start_of_day(AS_OF)
    assert window["first"] >= reference - datetime.timedelta(days=180)
    assert window["last"] < reference
    assert not Opportunity.objects.filter(closed_date__lt=F("created_date")).exists()
    assert Account.objects.filter(arr__gt=Decimal("0")).exists()
    account = Account.objects.exclude(technologies=[]).order_by("id").first()
    assert all(isinstance(name, str) for name in account.technologies)


@pytest.mark.django_db
def test_window_counts_local_calendar_days(settings):
    # New York changes to daylight saving time inside the window, so 180 days
    # of 24 hours would reach back into the evening of the 181st day.
    settings.TIME_ZONE = "America/New_York"
    demo_data_generate(accounts=200, seed=4, as_of=AS_OF, events_per_account=50, intent_per_account=10)
    window_start = start_of_day(AS_OF - datetime.timedelta(days=180))
    for model, field in ((EngagementEvent, "occurred_at"), (IntentSignal, "observed_at")):
        bounds = model.objects.aggregate(first=Min(field), last=Max(field))
        assert bounds["first"] >= window_start, model.__name__
        assert bounds["first"] < window_start + datetime.timedelta(days=3), model.__name__
        assert bounds["last"] < start_of_day(AS_OF), model.__name__


@pytest.mark.django_db
def test_ids_continue_after_generation():
    generate("--seed", "3")
    # The id sequences were reset past the explicit ids that were written.
    last_account_id = Account.objects.aggregate(last=Max("id"))["last"]
    last_contact_id = Contact.objects.aggregate(last=Max("id"))["last"]
    account = Account.objects.create(name="Added by hand")
    contact = Contact.objects.create(account=account, email="new@example.com")
    assert account.pk == last_account_id + 1
    assert contact.pk == last_contact_id + 1


@pytest.mark.django_db
def test_sales_reps_own_accounts(capsys):
    generate("--seed", "3", "--reps", "4")
    reps = get_user_model().objects.filter(groups__name="Sales").order_by("username")
    assert [rep.username for rep in reps] == ["avery.chen", "jordan.patel", "morgan.reyes", "taylor.okafor"]
    assert not any(rep.has_usable_password() for rep in reps)
    owners = set(Account.objects.exclude(owner=None).values_list("owner__username", flat=True))
    assert owners == {rep.username for rep in reps}
    assert Opportunity.objects.exclude(owner=None).exists()

    call_command("create_user", "avery.chen", "--role", "sales")
    password = capsys.readouterr().out.split("Password: ")[1].strip()
    assert Client().login(username="avery.chen", password=password)


@pytest.mark.django_db
def test_if_empty_skips_and_says_so(capsys):
    generate("--seed", "3")
    capsys.readouterr()
    call_command("generate_demo_data", "--accounts", "50", "--seed", "9", "--if-empty")
    assert "Skipped: the database already contains 300 accounts" in capsys.readouterr().out
    assert Account.objects.count() == 300


@pytest.mark.django_db
def test_if_empty_generates_on_empty_database(capsys):
    call_command("generate_demo_data", "--accounts", "40", "--seed", "9", "--if-empty", "--as-of", "2025-06-30")
    output = capsys.readouterr().out
    assert "Generated 40 accounts" in output
    assert "create_user avery.chen --role sales" in output
    assert Account.objects.count() == 40


@pytest.mark.django_db
def test_existing_accounts_rejected_without_flag():
    generate("--seed", "3")
    with pytest.raises(CommandError, match="already contains 300 accounts. Use --if-empty"):
        generate("--seed", "4")
    assert Account.objects.count() == 300


@pytest.mark.django_db
def test_append_adds_with_new_ids():
    generate("--seed", "3")
    contacts_before = Contact.objects.count()
    first_batch = Account.objects.aggregate(first=Min("id"), last=Max("id"))
    generate("--seed", "3", "--append")
    assert Account.objects.count() == 600
    assert first_batch["last"] - first_batch["first"] == 299
    assert Account.objects.aggregate(last=Max("id"))["last"] == first_batch["last"] + 300
    duplicates = Account.objects.values("external_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    assert Contact.objects.count() > contacts_before
    assert get_user_model().objects.filter(groups__name="Sales").count() == 8


@pytest.mark.django_db
def test_append_skips_deleted_ids():
    generate("--seed", "3")
    last_id = Account.objects.aggregate(last=Max("id"))["last"]
    Account.objects.filter(id__gt=last_id - 50).delete()
    call_command("generate_demo_data", "--accounts", "10", "--seed", "3", "--append", verbosity=0)
    new_ids = list(Account.objects.filter(id__gt=last_id - 50).order_by("id").values_list("id", flat=True))
    assert new_ids == list(range(last_id + 1, last_id + 11))
    # The next hand-made account follows the generated ones.
    assert Account.objects.create(name="Added by hand").pk == last_id + 11


@pytest.mark.django_db
def test_unwritten_table_keeps_its_sequence():
    generate("--seed", "3")
    last_event_id = EngagementEvent.objects.aggregate(last=Max("id"))["last"]
    EngagementEvent.objects.all().delete()
    call_command(
        "generate_demo_data", "--accounts", "5", "--seed", "3", "--append", "--events-per-account", "0", verbosity=0
    )
    event = EngagementEvent.objects.create(account=Account.objects.first(), type="call", occurred_at=start_of_day(AS_OF))
    assert event.pk > last_event_id


@pytest.mark.django_db
def test_options_scale_counts():
    call_command(
        "generate_demo_data",
        "--accounts", "200",
        "--seed", "2",
        "--as-of", "2025-06-30",
        "--events-per-account", "0",
        "--intent-per-account", "0",
        "--opportunities-per-account", "2",
        "--reps", "0",
        verbosity=0,
    )
    assert EngagementEvent.objects.count() == 0
    assert IntentSignal.objects.count() == 0
    assert 300 <= Opportunity.objects.count() <= 500
    assert not Account.objects.exclude(owner=None).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--accounts", "0", "--seed", "1"], "number of accounts must be from 1 to 10,000,000; got 0"),
        (["--accounts", "many", "--seed", "1"], "invalid whole number: 'many'"),
        (["--accounts", "10", "--seed", "-1"], "seed must be from 0 to 4,294,967,295; got -1"),
        (["--accounts", "10", "--seed", "1", "--as-of", "2025-13-01"], "invalid date: '2025-13-01'; use YYYY-MM-DD"),
        (["--accounts", "10", "--seed", "1", "--events-per-account", "-2"], "Events per account must be from 0 to 100"),
        (["--accounts", "10", "--seed", "1", "--events-per-account", "nan"], "invalid number: 'nan'"),
        (["--accounts", "10", "--seed", "1", "--reps", "31"], "sales reps must be from 0 to 30; got 31"),
        (["--accounts", "10", "--seed", "1", "--opportunities-per-account", "6"], "Opportunities per account must be"),
        (["--accounts", "10", "--seed", "1", "--if-empty", "--append"], "not allowed with argument"),
        (["--seed", "1"], "the following arguments are required: --accounts"),
    ],
)
@pytest.mark.django_db
def test_bad_options_rejected(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_demo_data", *arguments, verbosity=0)
    assert Account.objects.count() == 0


@pytest.mark.django_db
def test_invalid_row_rolls_back_everything(monkeypatch):
    from accounts.demo import services

    build = services.block_build

    def build_with_bad_event(plan, *, block_number, ids, count):
        block = build(plan, block_number=block_number, ids=ids, count=count)
        if block_number == 1:
            block.frames[EngagementEvent].loc[0, "type"] = "fax"
        return block

    monkeypatch.setattr(services, "BLOCK_SIZE", 100)
    monkeypatch.setattr(services, "block_build", build_with_bad_event)
    with pytest.raises(IntegrityError, match="event_type_valid|CHECK constraint failed"):
        demo_data_generate(accounts=250, seed=1, as_of=AS_OF)
    for model in MODELS:
        assert not model.objects.exists(), model.__name__


def test_unmigrated_database_rejected(tmp_path):
    environment = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", DEBUG="true")
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    finished = subprocess.run(
        [sys.executable, "manage.py", "generate_demo_data", "--accounts", "5", "--seed", "1", "--skip-checks"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 1
    assert "The account tables are missing or unreadable (no such table: accounts_account)" in finished.stderr
    assert "run `python manage.py migrate` first." in finished.stderr


@pytest.mark.django_db
def test_service_rejects_unknown_on_existing():
    with pytest.raises(DemoDataError, match="on_existing must be one of error, skip, append; got 'replace'"):
        demo_data_generate(accounts=10, seed=1, on_existing="replace")


@pytest.mark.django_db
def test_as_of_defaults_to_today():
    demo_data_generate(accounts=20, seed=1)
    today_start = start_of_day(timezone.localdate())
    latest = EngagementEvent.objects.aggregate(last=Max("occurred_at"))["last"]
    assert today_start - datetime.timedelta(days=180) <= latest < today_start


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_restores_indexes_and_keys():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    tables = [model._meta.db_table for model in MODELS]

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            return indexes, cursor.fetchall()

    before = schema()
    generate("--seed", "3")
    assert schema() == before
    assert len(before[0]) > 20
