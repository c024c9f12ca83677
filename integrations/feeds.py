"""Reads of the change feeds: ordered, resumable pages of tier, stage, membership and play events.

A feed position is (transaction id, event id). Events are ordered by the
PostgreSQL transaction that wrote them, then by id, and an event shows only
once every transaction of this database that started before its own has
ended. So a transaction that commits late cannot slip an event in behind a
position a client has already read: resuming from a cursor never misses or
repeats an event. The cost is latency: while a write transaction runs (a
recompute publishing, an import), the events of later transactions wait
until it ends. On SQLite, which runs one write transaction at a time, the
event id alone is the order.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from accounts.models import Account
from integrations.models import Feed, FeedEvent, FeedEventKind
from plays.models import EnrollmentChange
from segmentation.models import SegmentMembership, StageChange, TierChange

# The oldest transaction still running in this statement's snapshot that may
# belong to this database, or the next transaction id when there is none.
# Transactions of other databases on the same server cannot write events, so
# they are left out when pg_stat_activity shows them. A transaction it does
# not show (it ended meanwhile, or another role's session hides it) counts
# as one of this database.
# Every call of pg_current_snapshot() in one statement returns its snapshot.
# The modulo is written %% because the SQL goes through query parameters.
VISIBLE_BEFORE_SQL = """
    COALESCE(
        (SELECT min(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
         WHERE NOT EXISTS (
             SELECT 1 FROM pg_stat_activity activity
             WHERE activity.backend_xid::text::bigint = running::text::bigint %% 4294967296
               AND activity.datname <> current_database())),
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
"""
WEBHOOK_EVENT_TYPES = {
    (Feed.TIERS, FeedEventKind.CHANGED): "tier.changed",
    (Feed.STAGES, FeedEventKind.CHANGED): "stage.changed",
    (Feed.MEMBERSHIPS, FeedEventKind.ENTERED): "segment.entered",
    (Feed.MEMBERSHIPS, FeedEventKind.EXITED): "segment.exited",
    (Feed.PLAYS, FeedEventKind.ENTERED): "play.entered",
    (Feed.PLAYS, FeedEventKind.EXITED): "play.exited",
    (Feed.PLAYS, FeedEventKind.BREACHED): "play.sla_breached",
}


def valid_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


class InvalidCursor(ValueError):
    """The cursor is not one this feed returned."""


@dataclass(frozen=True)
class FeedPosition:
    transaction_id: int | None
    event_id: int

    def encode(self, feed: str) -> str:
        payload = {"f": feed, "t": self.transaction_id, "i": self.event_id}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, feed: str, text: str) -> "FeedPosition":
        try:
            payload = json.loads(base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode()))
            position = cls(payload["t"], payload["i"])
        except (binascii.Error, ValueError, UnicodeError, TypeError, KeyError):
            raise InvalidCursor(text) from None
        if payload.get("f") != feed or not valid_integer(position.event_id):
            raise InvalidCursor(text)
        if position.transaction_id is not None and not valid_integer(position.transaction_id):
            raise InvalidCursor(text)
        return position


@dataclass
class FeedPage:
    events: list[dict]
    position: FeedPosition | None
    has_more: bool


def ordered_events(feed: str, after: FeedPosition | None, since=None):
    events = FeedEvent.objects.filter(feed=feed)
    if since is not None and after is None:
        events = events.filter(created_at__gte=since)
    if connection.vendor != "postgresql":
        if after is not None:
            events = events.filter(id__gt=after.event_id)
        return events.order_by("id")
    events = events.filter(transaction_id__lt=RawSQL(VISIBLE_BEFORE_SQL, []))
    if after is not None:
        transaction_id = after.transaction_id or 0
        events = events.filter(
            Q(transaction_id__gt=transaction_id) | Q(transaction_id=transaction_id, id__gt=after.event_id)
        )
    return events.order_by("transaction_id", "id")


def feed_page(*, feed: str, after: FeedPosition | None = None, limit: int = 100, since=None) -> FeedPage:
    """Return up to `limit` events after a position, described for the API, and the position to resume from."""
    rows = list(ordered_events(feed, after, since)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = FeedPosition(rows[-1].transaction_id, rows[-1].pk) if rows else after
    return FeedPage(events=describe_events(feed, rows), position=position, has_more=has_more)


def describe_events(feed: str, rows: list[FeedEvent]) -> list[dict]:
    """Turn event rows into dicts with the public field names; events of deleted records are left out."""
    source_ids = [row.source_id for row in rows]
    describe = {
        Feed.TIERS: tier_events,
        Feed.STAGES: stage_events,
        Feed.MEMBERSHIPS: membership_events,
        Feed.PLAYS: play_events,
    }[feed]
    sources = describe(source_ids)
    events = []
    for row in rows:
        source = sources.get(row.source_id)
        if source is None:
            continue
        data = dict(source)
        exited = row.kind == FeedEventKind.EXITED
        occurred_at = data.pop("occurred_at")
        exited_at = data.pop("exited_at", None)
        if feed == Feed.MEMBERSHIPS:
            # One membership row records both its entry and its exit.
            occurred_at = exited_at if exited else occurred_at
            data["run"] = data.pop("exited_run") if exited else data.pop("entered_run")
            data.pop("exited_run", None)
            data.pop("entered_run", None)
        events.append(
            {
                "id": f"{feed}-{row.pk}",
                "type": WEBHOOK_EVENT_TYPES[(feed, row.kind)],
                "occurred_at": occurred_at,
                "recorded_at": row.created_at,
                "data": data,
            }
        )
    return events


def external_ids(account_ids) -> dict:
    return dict(Account.objects.filter(pk__in=set(account_ids)).values_list("pk", "external_id"))


def tier_events(source_ids) -> dict:
    changes = list(TierChange.objects.filter(pk__in=source_ids))
    accounts = external_ids(change.account_id for change in changes)
    return {
        change.pk: {
            "account": change.account_id,
            "external_id": accounts.get(change.account_id),
            "from_tier": change.from_tier,
            "to_tier": change.to_tier,
            "from_score": change.from_score,
            "to_score": change.to_score,
            "reason": change.reason,
            "run": change.run_id,
            "occurred_at": change.changed_at,
        }
        for change in changes
    }


def stage_events(source_ids) -> dict:
    changes = list(StageChange.objects.filter(pk__in=source_ids))
    accounts = external_ids(change.account_id for change in changes)
    return {
        change.pk: {
            "account": change.account_id,
            "external_id": accounts.get(change.account_id),
            "from_stage": change.from_stage,
            "to_stage": change.to_stage,
            "from_motion": change.from_motion,
            "to_motion": change.to_motion,
            "run": change.run_id,
            "occurred_at": change.changed_at,
        }
        for change in changes
    }


def membership_events(source_ids) -> dict:
    stays = list(SegmentMembership.objects.filter(pk__in=source_ids).select_related("segment", "contact"))
    accounts = external_ids(stay.account_id or stay.contact.account_id for stay in stays)
    return {
        stay.pk: {
            "segment": stay.segment.slug,
            "account": stay.account_id or stay.contact.account_id,
            "contact": stay.contact_id,
            "external_id": accounts.get(stay.account_id) if stay.account_id else stay.contact.external_id,
            "entered_run": stay.entered_run_id,
            "exited_run": stay.exited_run_id,
            "occurred_at": stay.entered_at,
            "exited_at": stay.exited_at,
        }
        for stay in stays
    }


def play_events(source_ids) -> dict:
    """Describe enrollment changes: the play, the enrollment, its account and SLA due time, and the run."""
    changes = list(EnrollmentChange.objects.filter(pk__in=source_ids).select_related("play", "enrollment"))
    accounts = external_ids(change.account_id for change in changes)
    events = {}
    for change in changes:
        data = {
            "play": change.play.slug,
            "enrollment": change.enrollment_id,
            "account": change.account_id,
            "external_id": accounts.get(change.account_id),
            "sla_due_at": change.enrollment.sla_due_at,
            "run": change.run_id,
            "occurred_at": change.occurred_at,
        }
        if change.exit_reason:
            data["exit_reason"] = change.exit_reason
        events[change.pk] = data
    return events
