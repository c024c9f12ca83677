from .idempotency import IdempotencyKey
from .tokens import ApiToken, TokenScope
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "ApiToken",
    "IdempotencyKey",
    "TokenScope",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
