"""The records API's planned field getters give exactly DRF's own output."""

import datetime
import decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.api.serializers import value_getter

BERLIN = ZoneInfo("Europe/Berlin")

CASES = [
    (lambda: serializers.DateTimeField(), datetime.datetime(2025, 6, 30, 12, 5, 7, 123456, tzinfo=datetime.timezone.utc)),
    (lambda: serializers.DateTimeField(), datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=BERLIN)),
    (lambda: serializers.DateTimeField(format="%Y/%m/%d"), datetime.datetime(2025, 1, 2, tzinfo=datetime.timezone.utc)),
    (lambda: serializers.DateField(), datetime.date(2024, 2, 29)),
    (lambda: serializers.DecimalField(max_digits=14, decimal_places=2), decimal.Decimal("1200000.00")),
    (lambda: serializers.DecimalField(max_digits=14, decimal_places=2), decimal.Decimal("5")),
    (lambda: serializers.DecimalField(max_digits=14, decimal_places=2), decimal.Decimal("0.125")),
    (lambda: serializers.DecimalField(max_digits=14, decimal_places=2), 7.5),
    (lambda: serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False), decimal.Decimal("3.10")),
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize(("make_field", "value"), CASES)
def test_getter_matches_drf(make_field, value, zone):
    field = make_field()
    field.bind("value", serializers.Serializer())
    instance = SimpleNamespace(value=value)

    with timezone.override(ZoneInfo(zone)):
        expected = field.to_representation(value)
        rendered = value_getter(field)(instance, timezone.get_current_timezone())

    assert rendered == expected
    assert type(rendered) is type(expected)


def test_getter_empty_value_is_none():
    field = serializers.DateTimeField()
    field.bind("value", serializers.Serializer())

    assert value_getter(field)(SimpleNamespace(value=None), datetime.timezone.utc) is None


def test_cached_plan_follows_active_zone():
    from accounts.api.serializers import AccountSerializer
    from accounts.models import Account

    account = Account(id=1, name="Acme", created_at=datetime.datetime(2025, 6, 30, 12, tzinfo=datetime.timezone.utc))
    with timezone.override(ZoneInfo("UTC")):
        in_utc = AccountSerializer().to_representation(account)
    with timezone.override(ZoneInfo("America/New_York")):
        in_new_york = AccountSerializer().to_representation(account)

    assert in_utc["created_at"] == "2025-06-30T12:00:00Z"
    assert in_new_york["created_at"] == "2025-06-30T08:00:00-04:00"
