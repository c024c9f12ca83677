"""Annual recurring revenue by account and calendar month.

One row is the ARR an account had at the end of one month, as the CRM or the
billing system reports it. Retention figures (NRR, gross churn, expansion)
compare two such months, so a month with no row for an account reads as zero
ARR for that account.
"""

from django.db import models
from django.db.models import Q

from .records import DEFAULT_SOURCE, MONEY, currency_check, external_id_unique


class ArrSnapshot(models.Model):
    """The ARR of one account at the end of one month; upserted by external id, else by (account, month)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="arr_snapshots")
    month = models.DateField(help_text="The first day of the month the ARR belongs to.")
    arr = models.DecimalField(**MONEY, help_text="Annual recurring revenue at the end of the month.")
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code of arr.")
    external_id = models.CharField(
        max_length=255, null=True, blank=True, help_text="The id in the system the figure came from, when it has one."
    )
    source = models.CharField(
        max_length=64, default=DEFAULT_SOURCE, help_text="The system the figure came from, such as crm or billing."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["account", "-month"]
        verbose_name = "ARR snapshot"
        indexes = [models.Index(fields=["month", "account"], name="arr_month_account_idx")]
        constraints = [
            external_id_unique("arrsnapshot"),
            models.UniqueConstraint(
                fields=["account", "month"],
                name="arr_snapshot_account_month_unique",
                violation_error_message="This account already has an ARR figure for this month.",
            ),
            models.CheckConstraint(
                condition=Q(arr__gte=0),
                name="arr_snapshot_arr_not_negative",
                violation_error_message="ARR cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="arr_snapshot_month_first_day",
                violation_error_message="The month must be stored as its first day, such as 2024-03-01.",
            ),
            models.CheckConstraint(
                condition=currency_check("currency"),
                name="arr_snapshot_currency_iso",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m}: {self.arr} {self.currency}"
