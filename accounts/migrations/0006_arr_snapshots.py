import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_account_buying_roles_engaged_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArrSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(help_text="The first day of the month the ARR belongs to.")),
                (
                    "arr",
                    models.DecimalField(
                        decimal_places=2, help_text="Annual recurring revenue at the end of the month.", max_digits=18
                    ),
                ),
                ("currency", models.CharField(default="USD", help_text="ISO 4217 code of arr.", max_length=3)),
                (
                    "source",
                    models.CharField(
                        default="crm",
                        help_text="The system the figure came from, such as crm or billing.",
                        max_length=64,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="arr_snapshots",
                        to="accounts.account",
                    ),
                ),
            ],
            options={
                "verbose_name": "ARR snapshot",
                "ordering": ["account", "-month"],
                "indexes": [models.Index(fields=["month", "account"], name="arr_month_account_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "month"),
                        name="arr_snapshot_account_month_unique",
                        violation_error_message="This account already has an ARR figure for this month.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("arr__gte", 0)),
                        name="arr_snapshot_arr_not_negative",
                        violation_error_message="ARR cannot be negative.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("month__day", 1)),
                        name="arr_snapshot_month_first_day",
                        violation_error_message="The month must be stored as its first day, such as 2024-03-01.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("currency__regex", "^[A-Z]{3}$")),
                        name="arr_snapshot_currency_iso",
                        violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
                    ),
                ],
            },
        ),
    ]
