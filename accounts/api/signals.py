"""Signals the records API sends, so higher apps can react without this app importing them."""

from django.dispatch import Signal

# Sent after a write through the API commits, with `account_ids`: the
# accounts whose own data or related records the write created, changed or
# deleted. The integrations app queues a recompute of them.
records_written = Signal()
