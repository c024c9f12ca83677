"""Builders shared by the pipeline tests: accounts with related records, models and runs."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity
from segmentation.models import RecomputeRun, RunTrigger
from segmentation.services.icp import icp_model_create, icp_model_publish
from segmentation.services.pipeline import recompute_request



@pytest.fixture
def eager_pipeline(settings):
    """Run pipeline tasks in the test process, in chunks of two accounts."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.RECOMPUTE_CHUNK_SIZE = 2
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


def make_account(name, **fields):
    return Account.objects.create(name=name, **fields)


def add_opportunity(account, status, *, type="new_business", amount="1000", created=None, closed=None):
    created = created or datetime.date(2026, 1, 10)
    if closed is None and status != "open":
        closed = datetime.date(2026, 3, 1)
    return Opportunity.objects.create(
        account=account,
        status=status,
        type=type,
        amount=Decimal(amount) if amount is not None else None,
        created_date=created,
        closed_date=closed,
    )


def add_event(account, type, occurred_at, contact=None):
    return EngagementEvent.objects.create(account=account, contact=contact, type=type, occurred_at=occurred_at)


def add_contact(account, buying_role="", email=""):
    return Contact.objects.create(account=account, buying_role=buying_role, email=email)


def add_intent(account, score, observed_at, topic="data platforms"):
    return IntentSignal.objects.create(account=account, topic=topic, score=score, observed_at=observed_at)


def make_user(username="revops"):
    return get_user_model().objects.create_user(username=username, password="unused-password")


def publish_model(criteria, thresholds=(70, 50, 30), name="Test ICP"):
    tier_1, tier_2, tier_3 = thresholds
    model = icp_model_create(
        name=name,
        criteria=criteria,
        tier_1_min_score=tier_1,
        tier_2_min_score=tier_2,
        tier_3_min_score=tier_3,
    )
    icp_model_publish(model=model, recompute=False)
    model.refresh_from_db()
    return model


def run_pipeline(now=None, full=False, trigger=RunTrigger.CLI):
    """Run the pipeline (eagerly in these tests) and return the finished run."""
    run = recompute_request(trigger=trigger, now=now, full=full)
    return RecomputeRun.objects.get(pk=run.pk)


def refreshed(account):
    account.refresh_from_db()
    return account


def days_before(now, days, hour=10):
    """Return a time `days` calendar days before `now`'s date, at `hour` in the configured time zone."""
    local = timezone.localtime(now)
    day = local.date() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=local.tzinfo)


def edit(account, **fields):
    """Change some fields of an account as a user would, leaving the pipeline's columns alone."""
    account.refresh_from_db()
    for name, value in fields.items():
        setattr(account, name, value)
    account.save(update_fields=[*fields, "updated_at"])
    return account
