"""Writes made from the workspace pages."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Account

from .permissions import can_edit_sales_input

logger = logging.getLogger(__name__)


def account_sales_input_update(*, account: Account, user, strategic_value: int | None, needs: list[str]) -> bool:
    """Store a rep's strategic value and needs for an account; return whether anything changed.

    The change bumps the account's updated_at, so the next recompute run
    re-derives the account with the new input. Raises PermissionDenied when
    the user may not edit this account's sales input.
    """
    if not can_edit_sales_input(user, account):
        raise PermissionDenied("Only the account's owner or RevOps can change its sales input.")

    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.strategic_value == strategic_value and locked.needs == needs:
            return False
        before = {"strategic_value": locked.strategic_value, "needs": locked.needs}
        locked.strategic_value = strategic_value
        locked.needs = needs
        locked.save(update_fields=["strategic_value", "needs", "updated_at"])

    account.strategic_value, account.needs, account.updated_at = strategic_value, needs, locked.updated_at
    logger.info(
        "sales input updated: account_id=%s user_id=%s before=%s after=%s",
        account.pk,
        user.pk,
        before,
        {"strategic_value": strategic_value, "needs": needs},
    )
    return True
