"""Personas and a small book of accounts for the workspace page tests."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Account, Contact, EngagementEvent, IntentSignal
from accounts.roles import ROLE_GROUPS
from segmentation.models import Segment, SegmentMembership, SegmentStatus


def make_user(username, role):
    user = get_user_model().objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[role])[0])
    return user


@pytest.fixture
def revops(db):
    return make_user("olga", "revops")


@pytest.fixture
def rep(db):
    return make_user("rita", "sales")


@pytest.fixture
def other_rep(db):
    return make_user("sam", "sales")


@pytest.fixture
def marketer(db):
    return make_user("mia", "marketing")


@pytest.fixture
def book(rep, other_rep):
    """Rita owns five accounts across the tiers, Sam owns one."""
    now = timezone.now()
    accounts = {
        "acme": Account.objects.create(
            name="Acme", domain="acme.com", industry="Software", country="US", owner=rep, icp_tier=1,
            icp_score=91, lifecycle_stage="active_opportunity", motion="acquire", in_market=True,
            last_activity_at=now - timedelta(days=2),
        ),
        "globex": Account.objects.create(
            name="Globex", domain="globex.com", industry="Software", country="DE", owner=rep, icp_tier=1,
            icp_score=85, lifecycle_stage="prospect", motion="acquire",
        ),
        "initech": Account.objects.create(
            name="Initech", domain="initech.com", industry="Banking", country="US", owner=rep, icp_tier=2,
            icp_score=70, lifecycle_stage="customer", motion="grow",
        ),
        "umbrella": Account.objects.create(
            name="Umbrella", domain="umbrella.com", industry="Pharmaceuticals", country="GB", owner=rep, icp_tier=None,
            icp_score=20, lifecycle_stage="prospect",
        ),
        "hooli": Account.objects.create(name="Hooli", domain="hooli.com", owner=rep),
        "stark": Account.objects.create(
            name="Stark Industries", domain="stark.com", industry="Manufacturing", owner=other_rep, icp_tier=1,
            icp_score=99,
        ),
    }
    segment = Segment.objects.create(
        name="Software in market",
        slug="software-in-market",
        lens="firmographic",
        status=SegmentStatus.ACTIVE,
        rule={"field": "industry", "op": "eq", "value": "Software"},
    )
    SegmentMembership.objects.create(segment=segment, account=accounts["acme"], entered_at=now - timedelta(days=3))
    SegmentMembership.objects.create(segment=segment, account=accounts["globex"], entered_at=now - timedelta(days=40))
    acme = accounts["acme"]
    champion = Contact.objects.create(account=acme, first_name="Cara", last_name="Champ", buying_role="champion")
    Contact.objects.create(account=acme, first_name="Uma", last_name="User", buying_role="user", title="Analyst")
    Contact.objects.create(account=acme, first_name="Nora", last_name="Norole", email="nora@acme.com")
    EngagementEvent.objects.create(
        account=acme, contact=champion, type="content_download", theme="security", occurred_at=now - timedelta(days=1)
    )
    IntentSignal.objects.create(account=acme, topic="SIEM", score=88, provider="bombora", observed_at=now - timedelta(days=5))
    accounts["segment"] = segment
    return accounts
