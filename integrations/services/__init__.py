from .tokens import api_token_authenticate, api_token_create, api_token_revoke, parse_scopes
from .webhooks import (
    webhook_changes_publish,
    webhook_delivery_replay,
    webhook_events_publish,
    webhook_subscription_create,
    webhook_subscription_update,
)

__all__ = [
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "parse_scopes",
    "webhook_changes_publish",
    "webhook_delivery_replay",
    "webhook_events_publish",
    "webhook_subscription_create",
    "webhook_subscription_update",
]
