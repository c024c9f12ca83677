"""The pipeline on the real public datasets: tiers and stages that the datasets' documented facts make checkable.

The rows are loaded with pandas straight into the models, as the data
shows them, so these tests depend on the pipeline alone.
"""

import datetime
from decimal import Decimal

import pandas as pd
import pytest

from accounts.models import Account, Opportunity
from segmentation.models import IcpCriterion, IcpExplanation
from segmentation.services.defaults import pipeline_defaults_seed

from .pipeline_helpers import eager_pipeline, run_pipeline  # noqa: F401 - eager_pipeline is a fixture

pytestmark = [pytest.mark.acceptance, pytest.mark.django_db, pytest.mark.usefixtures("eager_pipeline")]

STAGES = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
TARGET_INDUSTRIES = {"software", "financial services", "telecommunications"}


def expected_tier(score):
    """Return the tier the default thresholds (70, 50 and 30) give a score."""
    if score >= 70:
        return 1
    if score >= 50:
        return 2
    if score >= 30:
        return 3
    return None


def _date(value):
    return None if pd.isna(value) else datetime.date.fromisoformat(value)


def load_maven(folder):
    accounts = pd.read_csv(folder / "accounts.csv")
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    by_name = {}
    for row in accounts.itertuples():
        by_name[row.account] = Account.objects.create(
            name=row.account,
            industry=row.sector,
            employee_count=int(row.employees),
            annual_revenue=Decimal(str(row.revenue)) * 1_000_000,
            source="maven",
        )
    Opportunity.objects.bulk_create(
        Opportunity(
            account=by_name[row.account],
            external_id=row.opportunity_id,
            source="maven",
            status=STAGES[row.deal_stage],
            stage=row.deal_stage,
            amount=None if pd.isna(row.close_value) else Decimal(str(row.close_value)),
            created_date=_date(row.engage_date),
            closed_date=_date(row.close_date),
        )
        for row in deals.itertuples()
        if isinstance(row.account, str)
    )
    return accounts, deals


def test_maven_accounts_get_stages_tiers_and_revenue(shared_data):
    pipeline_defaults_seed()
    accounts, deals = load_maven(shared_data / "maven-crm-sales-opportunities")

    run = run_pipeline(now=datetime.datetime(2018, 1, 15, 12, tzinfo=datetime.UTC))

    assert run.status == "published", run.error
    assert Account.objects.count() == 85
    assigned = deals[deals["account"].notna()]
    won_by_account = assigned[assigned["deal_stage"] == "Won"].groupby("account")["close_value"].sum()
    open_accounts = set(assigned[assigned["deal_stage"].isin(["Engaging", "Prospecting"])]["account"])
    for account in Account.objects.all():
        if account.name in won_by_account.index:
            # An account with a won deal is a customer: the data has no ARR, health or renewal deals.
            assert account.lifecycle_stage == "customer", account.name
            assert account.won_revenue == Decimal(str(won_by_account[account.name])), account.name
            assert account.motion == "grow", account.name
        elif account.name in open_accounts:
            assert account.lifecycle_stage == "active_opportunity", account.name
        else:
            assert account.lifecycle_stage == "prospect", account.name
        # Open deals carry no value in this data set.
        assert account.open_pipeline == 0, account.name
    assert sum(won_by_account) == 10_005_534

    for row in accounts.itertuples():
        account = Account.objects.get(name=row.account)
        expected = 25 * (row.sector.strip().lower() in TARGET_INDUSTRIES) + 20 * (200 <= row.employees <= 5000)
        assert account.icp_score == expected, row.account
        assert account.icp_tier == expected_tier(expected)
    # "technolgy" is misspelled in the data and so earns no industry points; "software" does, in any case.
    industry_key = IcpCriterion.objects.get(model__status="published", label="Target industry").key
    points = {
        explanation.account.industry: explanation.points[industry_key]
        for explanation in IcpExplanation.objects.filter(is_current=True).select_related("account")
    }
    assert points["technolgy"] == 0
    assert points["software"] == 25
    assert IcpExplanation.objects.filter(is_current=True).count() == 85

    again = run_pipeline(now=run.as_of + datetime.timedelta(hours=1), full=True)
    assert again.counts["tier_changes"] == 0
    assert again.counts["stage_changes"] == 0
    assert again.counts["accounts_derived_updated"] == 0


def _revenue_millions(raw):
    number = float(raw.replace("$", "").replace(",", "").strip())
    # Rows at or above 1,000,000 are in thousands of USD, the rest in millions.
    return number / 1000 if number >= 1_000_000 else number


def test_fortune_companies_get_tiers_from_firmographics(shared_data):
    pipeline_defaults_seed()
    companies = pd.read_csv(shared_data / "fortune-1000-2024" / "fortune_companies.csv", encoding="utf-8-sig")
    Account.objects.bulk_create(
        Account(
            name=row.Company,
            industry=row.Sector,
            employee_count=int(row.Number_of_employees),
            annual_revenue=Decimal(str(round(_revenue_millions(row.Revenue) * 1_000_000, 2))),
            country="US",
            region="North America",
            state=row.HeadquartersState,
            ownership_type="public" if row.CompanyType == "Public" else "private",
            source="fortune",
            external_id=str(row.Rank) + ":" + row.Company,
        )
        for row in companies.itertuples()
    )

    run = run_pipeline()

    assert run.status == "published", run.error
    scores = dict(Account.objects.values_list("name", "icp_score"))
    tiers = dict(Account.objects.values_list("name", "icp_tier"))
    for row in companies.itertuples():
        expected = (
            25 * (row.Sector.strip().lower() in TARGET_INDUSTRIES)
            + 20 * (200 <= row.Number_of_employees <= 5000)
            + 10  # every company is in North America
        )
        assert scores[row.Company] == expected, row.Company
        assert tiers[row.Company] == expected_tier(expected)
    # Without deals every company is a prospect, in the acquire motion.
    assert set(Account.objects.values_list("lifecycle_stage", "motion").distinct()) == {("prospect", "acquire")}
    telecoms = Account.objects.filter(industry="Telecommunications")
    assert telecoms.exists()
    assert all(account.icp_score >= 35 for account in telecoms)
