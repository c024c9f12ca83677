"""CSV import of CRM exports and the set-based upsert it shares with the API.

Entry points: services.import_file (one file's bytes), the upsert services
(typed records or a DataFrame, per-row results) and the import_csv command.
"""

from .services import ImportFailed, ImportSummary, import_file
from .upsert import (
    UpsertResult,
    account_upsert,
    contact_upsert,
    engagement_event_upsert,
    intent_signal_upsert,
    opportunity_upsert,
    upsert_records,
)

__all__ = [
    "ImportFailed",
    "ImportSummary",
    "UpsertResult",
    "account_upsert",
    "contact_upsert",
    "engagement_event_upsert",
    "import_file",
    "intent_signal_upsert",
    "opportunity_upsert",
    "upsert_records",
]
