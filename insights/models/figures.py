"""Inputs the KPIs need beyond CRM records: exchange rates and marketing spend."""

from django.db import models
from django.db.models import Q

from accounts.models.records import DEFAULT_SOURCE, MONEY, currency_check


class ExchangeRate(models.Model):
    """The value of one unit of a currency in the reporting currency, from a date on.

    A rate stays in force until the next rate of the same currency. KPIs of a
    period convert at the rate in force on the period's last day.
    """

    currency = models.CharField(max_length=3, help_text="ISO 4217 code converted from.")
    valid_from = models.DateField(help_text="First day on which the rate applies.")
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, help_text="Units of the reporting currency for one unit of currency."
    )

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"],
                name="exchange_rate_currency_date_unique",
                violation_error_message="This currency already has a rate from this date.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message="An exchange rate must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=currency_check("currency"),
                name="exchange_rate_currency_iso",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
        ]

    def __str__(self):
        return f"{self.currency} from {self.valid_from}: {self.rate}"


class Spend(models.Model):
    """Acquisition spend of one month on one segment or one program (a play's slug or a campaign name)."""

    month = models.DateField(help_text="The first day of the month the money was spent in.")
    segment = models.ForeignKey(
        "segmentation.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="spend"
    )
    program = models.CharField(
        max_length=64, blank=True, help_text="A play's slug or a campaign name, when the spend is not by segment."
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    description = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=64, default=DEFAULT_SOURCE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "id"]
        verbose_name_plural = "spend"
        constraints = [
            models.CheckConstraint(
                condition=(Q(segment__isnull=False) & Q(program="")) | (Q(segment__isnull=True) & ~Q(program="")),
                name="spend_segment_or_program",
                violation_error_message="Spend belongs to exactly one segment or one program.",
            ),
            models.UniqueConstraint(
                fields=["month", "segment", "currency"],
                condition=Q(segment__isnull=False),
                name="spend_month_segment_unique",
                violation_error_message="This segment already has spend in this currency for this month.",
            ),
            models.UniqueConstraint(
                fields=["month", "program", "currency"],
                condition=Q(segment__isnull=True),
                name="spend_month_program_unique",
                violation_error_message="This program already has spend in this currency for this month.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="spend_amount_not_negative",
                violation_error_message="Spend cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="spend_month_first_day",
                violation_error_message="The month must be stored as its first day, such as 2024-03-01.",
            ),
            models.CheckConstraint(
                condition=currency_check("currency"),
                name="spend_currency_iso",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
        ]

    def __str__(self):
        target = self.program or f"segment {self.segment_id}"
        return f"{target} {self.month:%Y-%m}: {self.amount} {self.currency}"
