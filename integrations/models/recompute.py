"""Accounts written through the API since the last recompute picked them up."""

from django.db import models


class TouchedAccount(models.Model):
    """An account whose inputs an API write changed, waiting for a recompute.

    One row per account: a later write only moves `touched_at` forward.
    """

    account = models.OneToOneField("accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+")
    touched_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"account {self.account_id} touched at {self.touched_at:%Y-%m-%d %H:%M:%S}"
