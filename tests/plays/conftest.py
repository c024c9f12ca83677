"""Hand-made records for the plays tests."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Account, EngagementEvent
from accounts.roles import ROLE_GROUPS
from plays.models import Play
from segmentation.models import Segment, SegmentMembership

NOW = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.timezone.utc)
_numbers = itertools.count(1)


@pytest.fixture
def now():
    return NOW


def make_account(name=None, **fields):
    return Account.objects.create(name=name or f"Account {next(_numbers)}", **fields)


def make_segment(slug, accounts, *, entered_at=NOW - datetime.timedelta(days=1)):
    segment = Segment.objects.create(name=slug.title(), slug=slug, lens="firmographic", status="active", rule={})
    for account in accounts:
        SegmentMembership.objects.create(segment=segment, account=account, entered_at=entered_at)
    return segment


def leave_segment(segment, account, *, at=NOW):
    SegmentMembership.objects.filter(segment=segment, account=account, exited_at__isnull=True).update(exited_at=at)


def make_play(*, segments=(), **fields):
    values = {"name": f"Play {next(_numbers)}", "motion": "acquire", "owner_team": "sales", "status": "active"}
    values.update(fields)
    values.setdefault("slug", values["name"].lower().replace(" ", "-"))
    play = Play.objects.create(**values)
    play.entry_segments.set(segments)
    return play


def make_event(account, type, occurred_at):
    return EngagementEvent.objects.create(account=account, type=type, occurred_at=occurred_at)


def make_user(username, role=None):
    user = get_user_model().objects.create_user(username, password="pw-for-tests-only")
    if role:
        user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[role])[0])
    return user
