"""Builders for hand-made accounts, deals, memberships and ARR with known KPI results."""

import itertools
from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, ArrSnapshot, EngagementEvent, Opportunity
from segmentation.models import Segment, SegmentMembership

_names = itertools.count(1)


def local(day, hour=12):
    """An aware datetime on a calendar day in the configured time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def make_account(name=None, **fields):
    return Account.objects.create(name=name or f"Account {next(_names)}", **fields)


def make_segment(name, *, status="active", **fields):
    slug = name.lower().replace(" ", "-")
    return Segment.objects.create(name=name, slug=slug, lens="firmographic", status=status, rule={"all": []}, **fields)


def add_member(segment, account, *, entered, exited=None):
    return SegmentMembership.objects.create(
        segment=segment,
        account=account,
        entered_at=entered if isinstance(entered, datetime) else local(entered, 0),
        exited_at=exited if (exited is None or isinstance(exited, datetime)) else local(exited, 0),
    )


def make_deal(account, *, status, created, closed=None, amount=None, currency="USD", type="new_business"):
    return Opportunity.objects.create(
        account=account,
        status=status,
        created_date=created,
        closed_date=closed,
        amount=None if amount is None else Decimal(str(amount)),
        currency=currency,
        type=type,
    )


def make_arr(account, month, arr, currency="USD"):
    return ArrSnapshot.objects.create(account=account, month=month, arr=Decimal(str(arr)), currency=currency)


def make_event(account, type, occurred_at):
    return EngagementEvent.objects.create(account=account, type=type, occurred_at=occurred_at)


