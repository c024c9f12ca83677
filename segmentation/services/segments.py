"""Writes on segments: create and edit with version history, recompute
memberships, and preview a rule without writing.

A recompute is a set-based diff against the current membership: one UPDATE
closes the stays of records that no longer match, and one INSERT ... SELECT
opens stays for records that newly match. Both run in the caller's
transaction when there is one, so a pipeline can publish every segment at
once or not at all.
"""

import logging
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, Window
from django.utils import timezone

from ..models import ObjectType, Segment, SegmentMembership, SegmentStatus, SegmentVersion
from ..rules import RuleValidationError, compile_rule, validate_rule
from ..rules.compiler import MEMBERSHIP_COLUMNS, MODELS
from ..rules.validation import SegmentInfo, segment_references

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_SIZE = 20
# A recompute that changes at least this many stays of a segment that later
# segments reference refreshes the membership statistics before they run.
ANALYZE_AFTER_CHANGED_ROWS = 1000
MAX_SAMPLE_SIZE = 200

# Columns of each sample row a preview returns.
SAMPLE_COLUMNS = {
    "accounts": ("id", "name", "domain", "industry", "country", "icp_tier", "lifecycle_stage"),
    "contacts": ("id", "first_name", "last_name", "email", "title", "account_id"),
}

_UNSET = object()


@dataclass
class RecomputeCounts:
    """Counts of the stays one segment recompute opened and closed, and the members after it."""

    entered: int
    exited: int
    members: int
    # Wall-clock time of the recompute, for run reports and benchmarks.
    seconds: float = 0.0


@dataclass
class RecomputeAllResult:
    """Counts of a recompute of every segment, with the segments it skipped and why."""

    segments: dict = field(default_factory=dict)
    # slug -> list of messages saying why the segment was not recomputed.
    skipped: dict = field(default_factory=dict)
    # slug -> stays closed because the segment is retired.
    retired_exits: dict = field(default_factory=dict)

    @property
    def entered(self):
        return sum(counts.entered for counts in self.segments.values())

    @property
    def exited(self):
        return sum(counts.exited for counts in self.segments.values()) + sum(self.retired_exits.values())


def _run_id(run):
    """Accept a run object, a run id or None."""
    if run is None or isinstance(run, int):
        return run
    return run.pk


def _membership_column(object_type):
    return MEMBERSHIP_COLUMNS[object_type]


def _current_memberships(segment):
    return SegmentMembership.objects.filter(segment=segment, exited_at__isnull=True)


# Create and edit


def _check_rule(*, rule, object_type, slug):
    errors = validate_rule(rule, object_type=object_type, slug=slug)
    if errors:
        raise RuleValidationError(errors)


def segment_create(
    *,
    name: str,
    slug: str,
    lens: str,
    rule: dict,
    object_type: str = ObjectType.ACCOUNTS,
    description: str = "",
    owner=None,
    status: str = SegmentStatus.DRAFT,
    created_by=None,
) -> Segment:
    """Create a segment with a valid rule and record it as version 1.

    Raises RuleValidationError for an invalid rule and ValidationError for
    invalid attributes, such as a slug already in use.
    """
    _check_rule(rule=rule, object_type=object_type, slug=slug)
    segment = Segment(
        name=name,
        slug=slug,
        lens=lens,
        object_type=object_type,
        description=description,
        owner=owner,
        status=status,
        rule=rule,
        version=1,
    )
    segment.full_clean()
    with transaction.atomic():
        segment.save()
        SegmentVersion.objects.create(
            segment=segment,
            version=1,
            name=segment.name,
            status=segment.status,
            rule=segment.rule,
            changes={"created": True},
            changed_by=created_by,
            changed_at=timezone.now(),
        )
    logger.info("segment created: slug=%s id=%s", segment.slug, segment.pk)
    return segment


def segment_update(
    *,
    segment: Segment,
    changed_by=None,
    name: str | None = None,
    description: str | None = None,
    lens: str | None = None,
    status: str | None = None,
    rule: dict | None = None,
    owner=_UNSET,
) -> Segment:
    """Apply an edit to a segment and add a version that lists what changed.

    An edit that changes nothing adds no version. Raises RuleValidationError
    for an invalid rule, and ValidationError when a segment that other
    segments reference would be retired.
    """
    updates = {"name": name, "description": description, "lens": lens, "status": status, "rule": rule}
    changes = {}
    for attribute, value in updates.items():
        if value is not None and getattr(segment, attribute) != value:
            changes[attribute] = {"before": getattr(segment, attribute), "after": value}
    if owner is not _UNSET and owner != segment.owner:
        changes["owner"] = {
            "before": segment.owner.get_username() if segment.owner else None,
            "after": owner.get_username() if owner else None,
        }
    if not changes:
        return segment
    if rule is not None:
        _check_rule(rule=rule, object_type=segment.object_type, slug=segment.slug)
    if changes.get("status", {}).get("after") == SegmentStatus.RETIRED:
        dependents = segment_dependents(slug=segment.slug)
        if dependents:
            raise ValidationError(
                f'Segment "{segment.slug}" cannot be retired while these segments reference it: '
                f"{', '.join(dependents)}. Remove the references first."
            )
    for attribute, value in updates.items():
        if value is not None:
            setattr(segment, attribute, value)
    if owner is not _UNSET:
        segment.owner = owner
    segment.full_clean()
    with transaction.atomic():
        locked = Segment.objects.select_for_update().get(pk=segment.pk)
        segment.version = locked.version + 1
        segment.save()
        SegmentVersion.objects.create(
            segment=segment,
            version=segment.version,
            name=segment.name,
            status=segment.status,
            rule=segment.rule,
            changes=changes,
            changed_by=changed_by,
            changed_at=timezone.now(),
        )
    logger.info("segment updated: slug=%s version=%s changed=%s", segment.slug, segment.version, sorted(changes))
    return segment


def segment_dependents(*, slug: str) -> list[str]:
    """Return the slugs of the segments, other than retired ones, whose rules reference slug."""
    dependents = []
    for other_slug, status, rule in Segment.objects.exclude(slug=slug).values_list("slug", "status", "rule"):
        if status != SegmentStatus.RETIRED and slug in segment_references(rule):
            dependents.append(other_slug)
    return sorted(dependents)


def segment_delete(*, segment: Segment) -> None:
    """Delete a segment with its history. Raises ValidationError while other segments reference it."""
    dependents = segment_dependents(slug=segment.slug)
    if dependents:
        raise ValidationError(
            f'Segment "{segment.slug}" cannot be deleted while these segments reference it: '
            f"{', '.join(dependents)}. Remove the references first."
        )
    logger.info("segment deleted: slug=%s id=%s", segment.slug, segment.pk)
    segment.delete()


# Recompute


def segment_recompute(*, segment: Segment, now, run=None) -> RecomputeCounts:
    """Bring a segment's membership up to date with its rule at time now.

    Records that stopped matching get exited_at = now; records that started
    matching get a new stay with entered_at = now. run (a run object or id)
    is recorded on the stays it opens and closes. Raises RuleValidationError
    when the rule is invalid, leaving the membership unchanged.
    """
    started = time.perf_counter()
    condition = compile_rule(segment.rule, object_type=segment.object_type, now=now)
    matching = MODELS[segment.object_type].objects.filter(condition).order_by()
    column = _membership_column(segment.object_type)
    run_id = _run_id(run)
    with transaction.atomic():
        # Serializes recomputes of one segment; SQLite locks the whole database anyway.
        list(Segment.objects.select_for_update().filter(pk=segment.pk).values_list("pk"))
        exited = (
            _current_memberships(segment)
            .filter(~Exists(matching.filter(pk=OuterRef(column))))
            .update(exited_at=now, exited_run_id=run_id)
        )
        entered = _insert_entries(segment, matching, column, now, run_id)
        members = _current_memberships(segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=members, last_recomputed_at=now)
    segment.member_count = members
    segment.last_recomputed_at = now
    logger.info(
        "segment recomputed: slug=%s run=%s entered=%s exited=%s members=%s",
        segment.slug, run_id, entered, exited, members,
    )
    return RecomputeCounts(entered=entered, exited=exited, members=members, seconds=time.perf_counter() - started)


def _entering(segment, matching, column):
    """Return the ids of the matching records that are not current members.

    The set difference (EXCEPT) is computed by hashing or sorting both sides,
    so its cost stays linear even when the planner's row estimate for the
    membership is stale, as it is after a large recompute earlier in the same
    transaction. With such an estimate, an anti-join can pick a nested loop
    over the whole membership for every matching record.
    """
    # Select the id column by its own name: Django 5.2 aliases values_list("pk") as "pk",
    # which the outer SELECT below would not find as entering.id.
    return matching.values_list("id").difference(_current_memberships(segment).order_by().values_list(column))


def _insert_entries(segment, matching, column, now, run_id):
    """Open a stay for every matching record that is not a current member, in one INSERT ... SELECT."""
    select_sql, select_params = _entering(segment, matching, column).query.sql_with_params()
    table = connection.ops.quote_name(SegmentMembership._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(name) for name in ("segment_id", column, "entered_at", "entered_run_id")
    )
    sql = f"INSERT INTO {table} ({columns}) SELECT %s, entering.id, %s, %s FROM ({select_sql}) AS entering"
    entered_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [segment.pk, entered_at, run_id, *select_params])
        return cursor.rowcount


def _close_retired(segment, now, run_id):
    return _current_memberships(segment).update(exited_at=now, exited_run_id=run_id)


def segments_recompute_all(*, now, run=None, slugs: list[str] | None = None) -> RecomputeAllResult:
    """Recompute every active segment, and the draft segments they reference, in dependency order.

    A segment is computed after every segment its rule references, so it
    reads their fresh membership. A segment whose rule is invalid is skipped
    with its errors, and so is every segment that depends on it. Their
    memberships stay as they were. Retired segments lose their members.

    With slugs, only those segments (of any status but retired) and the
    segments they reference are recomputed, and retired segments are left alone.
    """
    run_id = _run_id(run)
    segments = {segment.slug: segment for segment in Segment.objects.all()}
    infos = {
        slug: SegmentInfo(slug, segment.object_type, segment.status, segment.rule) for slug, segment in segments.items()
    }
    result = RecomputeAllResult()
    order, skipped = _dependency_order(segments, infos, slugs)
    result.skipped.update(skipped)
    referenced = {reference for slug in order for reference in segment_references(segments[slug].rule)}
    with transaction.atomic():
        for slug in order:
            segment = segments[slug]
            counts = segment_recompute(segment=segment, now=now, run=run_id)
            result.segments[slug] = counts
            if slug in referenced and counts.entered + counts.exited >= ANALYZE_AFTER_CHANGED_ROWS:
                _membership_statistics_refresh()
        for slug, segment in sorted(segments.items()):
            if slugs is None and segment.status == SegmentStatus.RETIRED:
                closed = _close_retired(segment, now, run_id)
                if closed:
                    Segment.objects.filter(pk=segment.pk).update(member_count=0, last_recomputed_at=now)
                    result.retired_exits[slug] = closed
    for slug, messages in result.skipped.items():
        logger.error("segment not recomputed: slug=%s run=%s errors=%s", slug, run_id, "; ".join(messages))
    return result


def _membership_statistics_refresh():
    """Update PostgreSQL's planner statistics of the membership table.

    Segments that reference a segment read its membership through EXISTS.
    When that membership just grew by many rows in the same transaction,
    which autovacuum cannot see yet, the planner would take it for nearly
    empty and could scan it once per account. ANALYZE in the transaction
    counts the transaction's own new rows.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(SegmentMembership._meta.db_table)}")


def _dependency_order(segments, infos, slugs=None):
    """Return (slugs in the order to compute them, {slug: reasons} for the segments to skip).

    The order holds the active segments (or the given slugs) and every
    segment they reference, each after its references, with ties broken by
    slug so that runs are repeatable.
    """
    wanted = set()
    skipped = {}
    if slugs is None:
        stack = sorted(slug for slug, segment in segments.items() if segment.status == SegmentStatus.ACTIVE)
    else:
        stack = []
        for slug in sorted(set(slugs)):
            if slug not in segments:
                skipped[slug] = [f'Segment "{slug}" not found.']
            elif segments[slug].status == SegmentStatus.RETIRED:
                skipped[slug] = [f'Segment "{slug}" is retired.']
            else:
                stack.append(slug)
    while stack:
        slug = stack.pop()
        if slug in wanted or slug not in segments:
            continue
        wanted.add(slug)
        stack.extend(segment_references(segments[slug].rule))

    references = {}
    for slug in sorted(wanted):
        errors = validate_rule(segments[slug].rule, object_type=segments[slug].object_type, slug=slug, segments=infos)
        if errors:
            skipped[slug] = [str(error) for error in errors]
        references[slug] = sorted(set(segment_references(segments[slug].rule)) & wanted)

    order = []
    done = set()
    pending = sorted(wanted)
    while pending:
        progressed = False
        for slug in list(pending):
            if all(reference in done for reference in references[slug]):
                pending.remove(slug)
                done.add(slug)
                progressed = True
                failed = [reference for reference in references[slug] if reference in skipped]
                if slug in skipped:
                    continue
                if failed:
                    skipped[slug] = [f'It references segment "{reference}", which was not recomputed.'
                                     for reference in failed]
                    continue
                order.append(slug)
        if not progressed:
            # Only a cycle stops progress, and validation reports cycles, so
            # every segment left here is already skipped.
            for slug in pending:
                skipped.setdefault(slug, ["It is part of a cycle of segment references."])
            break
    return order, skipped


# Preview


def segment_preview(*, object_type: str, rule: dict, now, segment: Segment | None = None,
                    sample_size: int = DEFAULT_SAMPLE_SIZE) -> dict:
    """Count the records a rule selects, without writing anything.

    Returns count, a sample of up to sample_size matching records ordered by
    name, and how many records would enter and leave compared with the
    segment's current membership (with no segment, every match enters).
    Raises RuleValidationError for an invalid rule.
    """
    if not 0 <= sample_size <= MAX_SAMPLE_SIZE:
        raise ValueError(f"sample_size must be from 0 to {MAX_SAMPLE_SIZE}; got {sample_size}")
    if segment is not None and segment.object_type != object_type:
        raise ValueError(f'Segment "{segment.slug}" is a segment of {segment.object_type}, not {object_type}.')
    errors = validate_rule(rule, object_type=object_type, slug=segment.slug if segment else None)
    if errors:
        raise RuleValidationError(errors)
    model = MODELS[object_type]
    matching = model.objects.filter(compile_rule(rule, object_type=object_type, now=now)).order_by()
    count, members, sample = _count_and_sample(matching, model, object_type, sample_size, segment)
    if segment is None:
        return {"count": count, "sample": sample, "entering": count, "leaving": 0}
    # A recompute that commits between the two queries could make this negative.
    leaving = max(_current_memberships(segment).count() - members, 0)
    return {"count": count, "sample": sample, "entering": count - members, "leaving": leaving}


def _count_and_sample(matching, model, object_type, sample_size, segment):
    """Return the number of matching records, how many of them are current members, and a sample.

    The sample is the first sample_size matches in the model's order. All
    three come from one query, so the rule is evaluated once. Window
    aggregates (COUNT(*) OVER ()) count every matching row before LIMIT
    keeps the sample. A LEFT JOIN to the segment's current stays, of which
    a record has at most one, counts the members among the matches.
    """
    totals = {"matching_total": Count("*")}
    if segment is not None:
        relation = SegmentMembership._meta.get_field(_membership_column(object_type)).remote_field.related_name
        matching = matching.annotate(
            current_stay=FilteredRelation(
                relation, condition=Q(**{f"{relation}__segment": segment, f"{relation}__exited_at__isnull": True})
            )
        )
        totals["matching_members"] = Count("current_stay__id")
    if sample_size == 0:
        result = matching.aggregate(**totals)
        return result["matching_total"], result.get("matching_members", 0), []
    rows = list(
        matching.annotate(**{name: Window(total) for name, total in totals.items()})
        .order_by(*model._meta.ordering)
        .values(*SAMPLE_COLUMNS[object_type], *totals)[:sample_size]
    )
    if not rows:
        return 0, 0, []
    count = rows[0]["matching_total"]
    members = rows[0].get("matching_members", 0)
    for row in rows:
        for name in totals:
            del row[name]
    return count, members, rows


def segment_explain(*, segment: Segment, record, now) -> dict:
    """Explain why an account (or a contact) is or is not in a segment.

    Returns the segment's slug, whether the record matches the rule at time
    now, whether it is a current member after the last recompute, and the
    evaluation tree of every node of the rule.
    """
    from ..rules import explain_rule

    tree = explain_rule(segment.rule, record, now=now)
    column = _membership_column(segment.object_type)
    member = _current_memberships(segment).filter(**{column: record.pk}).exists()
    return {"segment": segment.slug, "matches": tree["result"], "member": member, "tree": tree}
