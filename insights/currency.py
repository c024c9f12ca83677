"""Conversion of amounts into the reporting currency.

Amounts are summed in SQL per currency and converted afterwards, at the rate
in force on the last day of the period. An amount in a currency with no rate
is never added to the others: it is left out of the money figures and
reported beside them, so a total never mixes EUR and USD silently.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import ExchangeRate


def reporting_currency():
    code = settings.REPORTING_CURRENCY
    if not re.fullmatch(r"[A-Z]{3}", code or ""):
        raise ImproperlyConfigured(
            f"REPORTING_CURRENCY has the invalid value {code!r}: expected an ISO 4217 code such as USD."
        )
    return code


@dataclass
class RateTable:
    """The rate of each currency into the reporting currency on one day."""

    target: str
    day: object = None
    rates: dict = field(default_factory=dict)

    def rate(self, currency):
        """Return the rate as a float, or None when the currency has no rate in force."""
        if currency == self.target:
            return 1.0
        rate = self.rates.get(currency)
        return float(rate) if rate is not None else None


def rates_on(day):
    """Return the rates in force on `day`: for each currency, its latest rate valid from that day or earlier."""
    target = reporting_currency()
    rates = {}
    rows = ExchangeRate.objects.filter(valid_from__lte=day).order_by("currency", "-valid_from")
    for currency, rate in rows.values_list("currency", "rate"):
        rates.setdefault(currency, Decimal(rate))
    return RateTable(target=target, day=day, rates=rates)


def convert_frame(frame, rates, *, currency_column="currency", money_columns=(), squared_columns=()):
    """Convert money columns of a frame that has one row per currency, in place.

    Rows in a currency without a rate get NaN in the money columns, and their
    currency goes into the returned set. Squared columns (sums of squares)
    are scaled by the squared rate.
    """
    factors = frame[currency_column].map(rates.rate)
    missing = set(frame.loc[factors.isna(), currency_column])
    for column in money_columns:
        frame[column] = frame[column].astype(float) * factors
    for column in squared_columns:
        frame[column] = frame[column].astype(float) * factors * factors
    return missing
