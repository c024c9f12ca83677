"""The rep's account list: filters, ordering by tier then score, keyset pages.

Pages are keyset pages over (tier rank, score rank, id) rather than OFFSET
pages, so the hundredth page costs what the first does. Accounts without a
tier sort after Tier 3 and accounts without a score after the scored ones.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account
from segmentation.models import Segment, SegmentMembership, SegmentStatus
from segmentation.rules import compile_rule

PAGE_SIZE = 50
# Beyond this many matches the list shows "10,000+" instead of counting every row.
COUNT_LIMIT = 10_000
# A text search or rule filter is counted only this far, because each
# counted match may cost a scan of many rows that do not match.
SEARCH_COUNT_LIMIT = 1_000
NO_TIER_RANK = 4
NO_SCORE_RANK = -1
NOT_ICP = "none"

LIST_COLUMNS = [
    "id",
    "external_id",
    "name",
    "domain",
    "industry",
    "country",
    "icp_tier",
    "icp_score",
    "lifecycle_stage",
    "motion",
    "in_market",
    "last_activity_at",
    "owner_id",
    "owner__username",
]


@dataclass(frozen=True)
class AccountFilters:
    """The filters of an account list, as parsed from the query string."""

    owner_id: int | None = None
    tiers: tuple = ()
    stages: tuple = ()
    segment_id: int | None = None
    in_market: bool | None = None
    industries: tuple = ()
    countries: tuple = ()
    text: str = ""
    # A rule in the public rule format, for lists that link from a figure.
    rule: dict | None = None
    updated_before: datetime | None = None


@dataclass
class AccountPage:
    rows: list
    # None when the count was left for a separate request.
    total: int | None
    total_is_capped: bool
    next_cursor: str | None
    segments_by_account: dict = field(default_factory=dict)


def account_list_queryset(filters: AccountFilters):
    """Return the filtered accounts annotated with their sort ranks, in list order."""
    queryset = Account.objects.annotate(
        tier_rank=Coalesce("icp_tier", Value(NO_TIER_RANK)),
        score_rank=Coalesce("icp_score", Value(NO_SCORE_RANK)),
    )
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    if filters.tiers:
        tier_condition = Q(icp_tier__in=[tier for tier in filters.tiers if tier != NOT_ICP])
        if NOT_ICP in filters.tiers:
            tier_condition |= Q(icp_tier__isnull=True)
        queryset = queryset.filter(tier_condition)
    if filters.stages:
        queryset = queryset.filter(lifecycle_stage__in=filters.stages)
    if filters.in_market is not None:
        queryset = queryset.filter(in_market=filters.in_market)
    if filters.industries:
        queryset = queryset.filter(industry__in=filters.industries)
    if filters.countries:
        queryset = queryset.filter(country__in=filters.countries)
    if filters.segment_id is not None:
        queryset = queryset.filter(
            Exists(
                SegmentMembership.objects.filter(
                    segment_id=filters.segment_id, account_id=OuterRef("pk"), exited_at__isnull=True
                )
            )
        )
    if filters.rule is not None:
        queryset = queryset.filter(compile_rule(filters.rule))
    if filters.updated_before is not None:
        queryset = queryset.filter(updated_at__lt=filters.updated_before)
    if filters.text:
        queryset = queryset.filter(
            Q(name__icontains=filters.text) | Q(domain__icontains=filters.text) | Q(external_id__iexact=filters.text)
        )
    return queryset.order_by("tier_rank", "-score_rank", "id")


def encode_cursor(row):
    return f"{row['tier_rank']}.{row['score_rank']}.{row['id']}"


def decode_cursor(cursor):
    """Return (tier rank, score rank, id) from a cursor, or raise ValueError naming the cursor."""
    parts = cursor.split(".")
    if len(parts) != 3:
        raise ValueError(f"Invalid page cursor {cursor!r}: expected three numbers separated by dots.")
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"Invalid page cursor {cursor!r}: expected three numbers separated by dots.") from None


def after_cursor(queryset, cursor):
    """Keep the rows that sort after the cursor's row."""
    tier_rank, score_rank, account_id = decode_cursor(cursor)
    return queryset.filter(
        Q(tier_rank__gt=tier_rank)
        | Q(tier_rank=tier_rank, score_rank__lt=score_rank)
        | Q(tier_rank=tier_rank, score_rank=score_rank, id__gt=account_id)
    )


def count_capped(queryset, limit=COUNT_LIMIT):
    """Return (count, capped): the exact count up to limit, and whether more rows exist."""
    count = queryset.order_by().values("id")[: limit + 1].count()
    return min(count, limit), count > limit


def current_segments_by_account(account_ids):
    """Return {account id: [(segment id, segment name, join date as YYYY-MM-DD), ...]} for active account segments."""
    memberships = (
        SegmentMembership.objects.filter(
            account_id__in=account_ids,
            exited_at__isnull=True,
            segment__status=SegmentStatus.ACTIVE,
        )
        .order_by("segment__name")
        .values_list("account_id", "segment_id", "segment__name", "entered_at")
    )
    segments = {}
    for account_id, segment_id, name, entered_at in memberships:
        # The join date as text: formatting hundreds of datetimes in the template costs more than the query.
        joined = timezone.localdate(entered_at).isoformat()
        segments.setdefault(account_id, []).append((segment_id, name, joined))
    return segments


def count_is_costly(filters: AccountFilters):
    """Return True when counting the matches may read every candidate row, as a text search or a rule does.

    The page of rows stops at the first matches in index order, but a
    count has to read on, so the list requests such counts separately.
    """
    return bool(filters.text) or filters.rule is not None


def account_count(filters: AccountFilters):
    """Return (count, capped) for the filtered list; a costly filter is counted only up to SEARCH_COUNT_LIMIT."""
    limit = SEARCH_COUNT_LIMIT if count_is_costly(filters) else COUNT_LIMIT
    return count_capped(account_list_queryset(filters), limit=limit)


def account_page(filters: AccountFilters, *, cursor=None, page_size=PAGE_SIZE, with_count=True):
    """Return one page of the account list with the segments of its accounts.

    With with_count False the page's total is None. Raises ValueError for a
    malformed cursor.
    """
    queryset = account_list_queryset(filters)
    total, capped = count_capped(queryset) if with_count else (None, False)
    page_queryset = after_cursor(queryset, cursor) if cursor else queryset
    rows = list(page_queryset.values(*LIST_COLUMNS, "tier_rank", "score_rank")[: page_size + 1])
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    rows = rows[:page_size]
    return AccountPage(
        rows=rows,
        total=total,
        total_is_capped=capped,
        next_cursor=next_cursor,
        segments_by_account=current_segments_by_account([row["id"] for row in rows]),
    )


def account_list_rows(filters: AccountFilters, *, chunk_size=2000):
    """Yield every row of the filtered list in list order, with its segments, in keyset chunks."""
    queryset = account_list_queryset(filters)
    cursor = None
    while True:
        chunk_queryset = after_cursor(queryset, cursor) if cursor else queryset
        rows = list(chunk_queryset.values(*LIST_COLUMNS, "tier_rank", "score_rank")[:chunk_size])
        if not rows:
            return
        segments = current_segments_by_account([row["id"] for row in rows])
        for row in rows:
            row["segments"] = segments.get(row["id"], [])
            yield row
        cursor = encode_cursor(rows[-1])


def filter_choices(owner_id=None):
    """Return the values the list's filters offer: stages, active account segments, industries, countries.

    Industries and countries come from the data the rep owns (or all accounts for owner_id None).
    """
    accounts = Account.objects.order_by()
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    industries = accounts.exclude(industry="").values_list("industry", flat=True).distinct().order_by("industry")
    countries = accounts.exclude(country="").values_list("country", flat=True).distinct().order_by("country")
    segments = Segment.objects.filter(status=SegmentStatus.ACTIVE, object_type="accounts").values_list("id", "name")
    return {
        "industries": list(industries[:500]),
        "countries": list(countries[:300]),
        "segments": list(segments),
    }
