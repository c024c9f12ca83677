from .feeds import Feed, FeedCursor, FeedEvent, FeedEventKind
from .idempotency import IdempotencyKey
from .tokens import ApiToken, TokenScope
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "ApiToken",
    "Feed",
    "FeedCursor",
    "FeedEvent",
    "FeedEventKind",
    "IdempotencyKey",
    "TokenScope",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
