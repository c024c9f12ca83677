from .idempotency import IdempotencyKey
from .recompute import TouchedAccount
from .tokens import ApiToken, TokenScope
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "ApiToken",
    "IdempotencyKey",
    "TokenScope",
    "TouchedAccount",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
