"""Property: the compiled SQL query and the reference evaluator select exactly
the same records, for random rules over random data.

Each example writes a small random data set (accounts with contacts,
events, intent, opportunities and segment memberships) inside a savepoint,
picks a time zone and an evaluation time near daylight saving changes,
and checks a few random rules. The data is drawn from small pools of
values so that rules hit them often: blanks, white space, mixed case,
accents, LIKE wildcards, missing numbers and dates, and timestamps on the
edges of local calendar days.

The "ci" Hypothesis profile runs the agreement property with 2,000 examples.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import JSONField, Value
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity
from segmentation.models import Lens, Segment, SegmentMembership, SegmentStatus
from segmentation.rules import evaluate_rule, validate_rule
from segmentation.rules.compiler import matching_queryset
from segmentation.rules.registry import (
    BOOLEAN,
    CHOICE,
    COUNT_OPERATORS,
    DATE,
    FIELDS,
    MONEY,
    NUMBER,
    RELATIONS,
    SEGMENT_OBJECT_TYPES,
    TAGS,
    TEXT,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC

TIME_ZONES = [
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/Sao_Paulo",
    "Europe/London",
    "Australia/Lord_Howe",
]

# Evaluation times on ordinary days and around daylight saving changes.
NOW_CHOICES = [
    datetime.datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    datetime.datetime(2026, 7, 1, 0, 0, tzinfo=UTC),
    datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
]

# Time zones paired with evaluation times just after one of their daylight
# saving changes, so that day boundaries near now move by an hour (or half an
# hour on Lord Howe). Sao Paulo changed clocks at midnight in 2018 and 2019,
# so there a calendar day started at 01:00 or had two 23:00 hours before it.
DAYLIGHT_SAVING_CHANGES = [
    ("America/Sao_Paulo", datetime.datetime(2018, 11, 4, 3, 0, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime.datetime(2018, 11, 5, 2, 59, 59, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime.datetime(2019, 2, 17, 3, 30, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime.datetime(2019, 2, 18, 12, 0, tzinfo=UTC)),
    ("America/New_York", datetime.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ("America/New_York", datetime.datetime(2026, 11, 2, 4, 30, tzinfo=UTC)),
    ("Europe/London", datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
    ("Europe/London", datetime.datetime(2026, 10, 26, 0, 30, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime.datetime(2026, 4, 5, 14, 0, tzinfo=UTC)),
]

STORED_TEXT = ["", " ", "\t", "Software", " software ", "SOFTWARE\n", "Soft", "ware", "Évry", "évry", "a_b", "axb",
               "50% off", "Gold", " gold", "x"]
RULE_TEXT = ["software", " Software", "SOFT", "ware", "x", "évry", "ÉVRY", "a_b", "50%", "gold", "us", "a.com",
             "dana", "o"]
TAG_POOL = ["Salesforce", " salesforce", "HubSpot", "hubspot ", "Marketo", "", " ", "Évry", "Salesforce CRM",
            'say "hi"', "a\\b", "tab\tin", "50%_off"]
RULE_TAGS = ["salesforce", "HUBSPOT", "marketo", "évry", "zendesk", 'SAY "hi"', "a\\b", "tab\tin", "50%_off",
             "50%"]
NUMBERS = [-1, 0, 0.5, 1, 3, 10, 10.5, 11, 33.3, 50, 100, 500]
MONEY_VALUES = [0, 0.1, 10.5, 100, 5000, 1000000]
STORED_MONEY = [None, Decimal("0"), Decimal("0.10"), Decimal("10.50"), Decimal("5000"), Decimal("1000000.00")]
SEGMENT_SLUGS = {"accounts": ["seg-a", "seg-b"], "contacts": ["seg-c"]}
USER_NAMES = ["Dana", "lee"]


def _local_today(now, tz_name):
    return now.astimezone(ZoneInfo(tz_name)).date()


# Data


@st.composite
def moments(draw, now, tz_name, *, allow_none=True):
    """A timestamp on or near the edges of a local calendar day around now, or None."""
    if allow_none and draw(st.integers(0, 5)) == 0:
        return None
    tz = ZoneInfo(tz_name)
    # Most rules look at the last few days, so days near today come up more often.
    offset = draw(st.one_of(st.integers(-2, 1), st.integers(-35, 1)))
    day = _local_today(now, tz_name) + datetime.timedelta(days=offset)
    local_now = now.astimezone(tz)
    clock = draw(st.sampled_from([
        datetime.time(0, 0),
        datetime.time(0, 0, 0, 1),
        datetime.time(23, 59, 59, 999999),
        datetime.time(12, 0),
        local_now.time(),
        (local_now + datetime.timedelta(seconds=1)).time(),
        (local_now - datetime.timedelta(microseconds=1)).time(),
    ]))
    moment = datetime.datetime.combine(day, clock).replace(tzinfo=tz, fold=draw(st.integers(0, 1)))
    if draw(st.booleans()):
        moment = now + datetime.timedelta(seconds=draw(st.sampled_from([-1, 0, 1])))
    return moment.astimezone(UTC)


@st.composite
def opportunity_dates(draw, now, tz_name):
    today = _local_today(now, tz_name)
    created = draw(st.one_of(st.none(), st.integers(-40, 1).map(lambda days: today + datetime.timedelta(days=days))))
    closed = None
    if draw(st.booleans()):
        start = created or today - datetime.timedelta(days=40)
        closed = start + datetime.timedelta(days=draw(st.integers(0, 41)))
    return created, closed


def tag_lists():
    return st.one_of(
        st.lists(st.sampled_from(TAG_POOL), max_size=3),
        st.sampled_from([None, {"Salesforce": 1}, "Salesforce", [1, True]]),
    )


@st.composite
def account_rows(draw, now, tz_name):
    return {
        "name": draw(st.sampled_from([name for name in STORED_TEXT if name])),
        # A pattern that write_data fills in, because external ids are unique.
        "external_id": draw(st.sampled_from([None, "CRM-{}", " crm-{} "])),
        "domain": draw(st.sampled_from(["", "a.com", "ab.com", "b.io"])),
        "industry": draw(st.sampled_from(STORED_TEXT)),
        "employee_count": draw(st.sampled_from([None, 0, 1, 10, 11, 500])),
        "employee_band": draw(st.sampled_from(["", "1-10", "11-50"])),
        "annual_revenue": draw(st.sampled_from(STORED_MONEY)),
        "currency": draw(st.sampled_from(["USD", "EUR"])),
        "country": draw(st.sampled_from(["", "US", "DE"])),
        "region": draw(st.sampled_from(STORED_TEXT)),
        "state": draw(st.sampled_from(["", "CA", " ca"])),
        "city": draw(st.sampled_from(STORED_TEXT)),
        "ownership_type": draw(st.sampled_from(["", "public", "private"])),
        "technologies": draw(tag_lists()),
        "strategic_value": draw(st.sampled_from([None, 1, 3, 5])),
        "needs": draw(tag_lists()),
        "arr": draw(st.sampled_from(STORED_MONEY)),
        "health_score": draw(st.sampled_from([None, 0, 50, 100])),
        "lifecycle_stage": draw(st.sampled_from(["", "prospect", "customer"])),
        "motion": draw(st.sampled_from(["", "acquire", "defend"])),
        "journey_stage": draw(st.sampled_from(["", "Aware", " engaged"])),
        "icp_score": draw(st.sampled_from([None, 0, 50, 100])),
        "icp_tier": draw(st.sampled_from([None, 1, 2, 3])),
        "engagement_score": draw(st.sampled_from([0.0, 0.5, 10.0, 33.3])),
        "in_market": draw(st.booleans()),
        "open_pipeline": draw(st.sampled_from([Decimal("0"), Decimal("10.50"), Decimal("5000")])),
        "won_revenue": draw(st.sampled_from([Decimal("0"), Decimal("100")])),
        "last_activity_at": draw(moments(now, tz_name)),
        "buying_roles_covered": draw(st.lists(st.sampled_from(["economic_buyer", "champion", " Champion", "user"]),
                                              max_size=2)),
        "buying_roles_engaged": draw(st.lists(st.sampled_from(["economic_buyer", "user", "USER "]), max_size=2)),
        "extra": draw(st.sampled_from([{}, {"plan": "Gold"}, {"plan": " gold "}, {"plan": 5}, {"plan": ""}])),
        "owner": draw(st.sampled_from([None, *USER_NAMES])),
        "parent": draw(st.one_of(st.none(), st.integers(0, 5))),
        "segments": draw(st.sets(st.sampled_from(SEGMENT_SLUGS["accounts"]))),
        "left_segments": draw(st.sets(st.sampled_from(SEGMENT_SLUGS["accounts"]))),
        "contacts": draw(st.lists(contact_rows(), max_size=3)),
        "events": draw(st.lists(event_rows(now, tz_name), max_size=4)),
        "intent": draw(st.lists(intent_rows(now, tz_name), max_size=2)),
        "opportunities": draw(st.lists(opportunity_rows(now, tz_name), max_size=2)),
    }


@st.composite
def contact_rows(draw):
    return {
        "external_id": draw(st.sampled_from([None, "C-{}"])),
        "email": draw(st.sampled_from(["", "a@x.com", " gold@x.com"])),
        "first_name": draw(st.sampled_from(STORED_TEXT)),
        "last_name": draw(st.sampled_from(["", "Gold", "évry"])),
        "title": draw(st.sampled_from(STORED_TEXT)),
        "department": draw(st.sampled_from(["", "finance", "it"])),
        "seniority": draw(st.sampled_from(["", "c_level", "vp", "manager"])),
        "buying_role": draw(st.sampled_from(["", "economic_buyer", "champion"])),
        "persona": draw(st.sampled_from(STORED_TEXT)),
        "extra": draw(st.sampled_from([{}, {"plan": "gold"}])),
        "segments": draw(st.sets(st.sampled_from(SEGMENT_SLUGS["contacts"]))),
    }


@st.composite
def event_rows(draw, now, tz_name):
    return {
        "type": draw(st.sampled_from(["web_visit", "content_download", "meeting"])),
        "theme": draw(st.sampled_from(STORED_TEXT)),
        "occurred_at": draw(moments(now, tz_name, allow_none=False)),
        # Index into the account's contacts, if it has any.
        "contact": draw(st.one_of(st.none(), st.integers(0, 2))),
    }


@st.composite
def intent_rows(draw, now, tz_name):
    return {
        "topic": draw(st.sampled_from(["Gold", " gold", "Software", "x"])),
        "score": draw(st.sampled_from([0, 40, 50, 100])),
        "provider": draw(st.sampled_from(["", "bombora", "Website"])),
        "observed_at": draw(moments(now, tz_name, allow_none=False)),
    }


@st.composite
def opportunity_rows(draw, now, tz_name):
    created, closed = draw(opportunity_dates(now, tz_name))
    return {
        "name": draw(st.sampled_from(STORED_TEXT)),
        "amount": draw(st.sampled_from([None, Decimal("0"), Decimal("100.50"), Decimal("5000")])),
        "currency": draw(st.sampled_from(["USD", "EUR"])),
        "stage": draw(st.sampled_from(["", "Proposal", " proposal"])),
        "status": draw(st.sampled_from(["open", "won", "lost"])),
        "type": draw(st.sampled_from(["new_business", "renewal"])),
        "created_date": created,
        "closed_date": closed,
    }


# Rules


def _vary_case(draw, text):
    return draw(st.sampled_from([text, text.upper(), f" {text.title()} "]))


def _scalar(draw, field, today):
    if field.type == TEXT:
        return draw(st.sampled_from(RULE_TEXT))
    if field.type in (CHOICE, TAGS) and field.choices:
        choice = draw(st.sampled_from(field.choices))
        return choice if isinstance(choice, int) else _vary_case(draw, choice)
    if field.type == TAGS:
        return draw(st.sampled_from(RULE_TAGS))
    if field.type == NUMBER:
        return draw(st.sampled_from(NUMBERS))
    if field.type == MONEY:
        return draw(st.sampled_from(MONEY_VALUES))
    if field.type == DATE:
        if draw(st.integers(0, 4)) == 0:
            return "today"
        offset = draw(st.one_of(st.integers(-2, 1), st.integers(-36, 2)))
        return (today + datetime.timedelta(days=offset)).isoformat()
    if field.type == BOOLEAN:
        return draw(st.booleans())
    raise AssertionError(field.type)


@st.composite
def conditions(draw, object_type, today):
    names = sorted(FIELDS[object_type])
    if object_type in ("accounts", "contacts"):
        names.append("extra.plan")
    from segmentation.rules.registry import get_field

    field = get_field(object_type, draw(st.sampled_from(names)))
    op = draw(st.sampled_from(field.operators))
    rule = {"field": field.name, "op": op}
    if op in ("is_empty", "is_not_empty"):
        return rule
    if op == "within_last_days":
        rule["value"] = draw(st.sampled_from([1, 2, 3, 7, 30, 31]))
    elif op == "between":
        low, high = (_scalar(draw, field, today) for _ in range(2))
        if field.type == DATE:
            low, high = sorted([low, high], key=lambda value: today.isoformat() if value == "today" else value)
        else:
            low, high = sorted([low, high])
        rule["value"] = [low, high]
    elif op in ("in", "not_in", "any_of", "all_of", "none_of"):
        rule["value"] = [_scalar(draw, field, today) for _ in range(draw(st.integers(1, 3)))]
    else:
        rule["value"] = _scalar(draw, field, today)
    return rule


@st.composite
def rules(draw, object_type, today, depth=3):
    kinds = ["condition"] * 4
    if RELATIONS[object_type] and depth > 0:
        kinds += ["related"] * 2
    if object_type in SEGMENT_OBJECT_TYPES:
        kinds.append("segment")
    if depth > 0:
        kinds += ["all", "any", "not"]
    kind = draw(st.sampled_from(kinds))
    if kind == "condition":
        return draw(conditions(object_type, today))
    if kind == "segment":
        return {"segment": draw(st.sampled_from(SEGMENT_SLUGS[object_type]))}
    if kind in ("all", "any"):
        return {kind: draw(st.lists(rules(object_type, today, depth - 1), min_size=1, max_size=3))}
    if kind == "not":
        return {"not": draw(rules(object_type, today, depth - 1))}
    name = draw(st.sampled_from(sorted(RELATIONS[object_type])))
    relation = RELATIONS[object_type][name]
    rule = {"related": name}
    if draw(st.booleans()):
        rule["where"] = draw(rules(relation.target, today, depth - 1))
    if draw(st.booleans()):
        rule["op"] = draw(st.sampled_from(COUNT_OPERATORS))
        rule["count"] = draw(st.integers(0, 3))
    if relation.time_columns and draw(st.booleans()):
        rule["within_days"] = draw(st.sampled_from([1, 2, 3, 7, 30, 31]))
    return rule


# Writing the data and building the reference records


@pytest.fixture
def users_and_segments():
    """Users and segments every example shares; each example writes only its own records."""
    users = {name: get_user_model().objects.create_user(name) for name in USER_NAMES}
    segments = {
        slug: Segment(
            name=slug, slug=slug, lens=Lens.FIRMOGRAPHIC, object_type=object_type, status=SegmentStatus.ACTIVE,
            rule={"field": "email" if object_type == "contacts" else "name", "op": "is_not_empty"},
        )
        for object_type, slugs in SEGMENT_SLUGS.items()
        for slug in slugs
    }
    Segment.objects.bulk_create(segments.values())
    return users, segments


def write_data(rows, now, users, segments):
    """Write the generated rows; return account records and contact records for the reference evaluator."""
    scalar_fields = [name for name in FIELDS["accounts"] if name not in ("owner", "parent")]
    for index, row in enumerate(rows):
        if row["external_id"] is not None:
            row["external_id"] = row["external_id"].format(index)
        for number, contact in enumerate(row["contacts"]):
            if contact["external_id"] is not None:
                contact["external_id"] = contact["external_id"].format(f"{index}-{number}")
    accounts = Account.objects.bulk_create([
        Account(
            **{name: row[name] for name in scalar_fields if row[name] is not None or name not in ("technologies", "needs")},
            owner=users.get(row["owner"]),
            extra=row["extra"],
        )
        for row in rows
    ])
    json_nulls = {}
    for account, row in zip(accounts, rows):
        for name in ("technologies", "needs"):
            if row[name] is None:
                json_nulls.setdefault(name, []).append(account.pk)
        if row["parent"] is not None and row["parent"] < len(accounts) and accounts[row["parent"]] is not account:
            account.parent = accounts[row["parent"]]
        else:
            row["parent"] = None
    Account.objects.bulk_update(accounts, ["parent"])
    for name, pks in json_nulls.items():
        Account.objects.filter(pk__in=pks).update(**{name: Value(None, output_field=JSONField())})

    contact_fields = [name for name in FIELDS["contacts"]]
    contacts, events, signals, opportunities, memberships = [], [], [], [], []
    for account, row in zip(accounts, rows):
        row["contact_objects"] = [
            Contact(account=account, extra=contact["extra"], **{name: contact[name] for name in contact_fields})
            for contact in row["contacts"]
        ]
        contacts.extend(row["contact_objects"])
    Contact.objects.bulk_create(contacts)

    for account, row in zip(accounts, rows):
        for event in row["events"]:
            contact = None
            if event["contact"] is not None and event["contact"] < len(row["contact_objects"]):
                contact = row["contact_objects"][event["contact"]]
            event["contact_object"] = contact
            events.append(EngagementEvent(
                account=account, contact=contact, type=event["type"], theme=event["theme"],
                occurred_at=event["occurred_at"],
            ))
        signals.extend(IntentSignal(account=account, **signal) for signal in row["intent"])
        opportunities.extend(Opportunity(account=account, **opportunity) for opportunity in row["opportunities"])
        for slug in row["segments"]:
            memberships.append(SegmentMembership(segment=segments[slug], account=account, entered_at=now))
        for slug in row["left_segments"]:
            memberships.append(SegmentMembership(
                segment=segments[slug], account=account, entered_at=now - datetime.timedelta(days=2),
                exited_at=now - datetime.timedelta(days=1),
            ))
        for contact, contact_row in zip(row["contact_objects"], row["contacts"]):
            for slug in contact_row["segments"]:
                memberships.append(SegmentMembership(segment=segments[slug], contact=contact, entered_at=now))
    EngagementEvent.objects.bulk_create(events)
    IntentSignal.objects.bulk_create(signals)
    Opportunity.objects.bulk_create(opportunities)
    SegmentMembership.objects.bulk_create(memberships)
    return _records(accounts, rows)


def _records(accounts, rows):
    by_index = {}
    account_records = {}
    contact_records = {}
    for index, (account, row) in enumerate(zip(accounts, rows)):
        record = {name: row[name] for name in FIELDS["accounts"] if name not in ("owner", "parent")}
        record["owner"] = row["owner"]
        record["extra"] = row["extra"]
        record["segments"] = set(row["segments"])
        record["intent"] = row["intent"]
        record["opportunities"] = row["opportunities"]
        record["events"] = [
            {"type": event["type"], "theme": event["theme"], "occurred_at": event["occurred_at"]}
            for event in row["events"]
        ]
        by_index[index] = record
        account_records[account.pk] = record
        record["contacts"] = []
        for contact, contact_row in zip(row["contact_objects"], row["contacts"]):
            contact_record = {name: contact_row[name] for name in FIELDS["contacts"]}
            contact_record["extra"] = contact_row["extra"]
            contact_record["segments"] = set(contact_row["segments"])
            contact_record["account"] = record
            contact_record["events"] = [
                {"type": event["type"], "theme": event["theme"], "occurred_at": event["occurred_at"]}
                for event in row["events"]
                if event["contact_object"] is contact
            ]
            record["contacts"].append(contact_record)
            contact_records[contact.pk] = contact_record
    for index, row in enumerate(rows):
        by_index[index]["parent"] = rows[row["parent"]]["name"] if row["parent"] is not None else None
    return account_records, contact_records


class _Rollback(Exception):
    pass


@st.composite
def scenarios(draw):
    if draw(st.booleans()):
        tz_name, now = draw(st.sampled_from(DAYLIGHT_SAVING_CHANGES))
    else:
        tz_name, now = draw(st.sampled_from(TIME_ZONES)), draw(st.sampled_from(NOW_CHOICES))
    today = _local_today(now, tz_name)
    rows = draw(st.lists(account_rows(now, tz_name), min_size=1, max_size=5))
    object_type = draw(st.sampled_from(["accounts", "accounts", "accounts", "contacts"]))
    rule_list = draw(st.lists(rules(object_type, today), min_size=1, max_size=4))
    return tz_name, now, rows, object_type, rule_list


# The fixture is shared by all examples on purpose: examples only read it.
@settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(scenarios())
def test_compiled_query_agrees_with_reference_evaluator(users_and_segments, scenario):
    tz_name, now, rows, object_type, rule_list = scenario
    users, segments = users_and_segments
    with override_settings(TIME_ZONE=tz_name):
        try:
            with transaction.atomic():
                account_records, contact_records = write_data(rows, now, users, segments)
                records = account_records if object_type == "accounts" else contact_records
                for rule in rule_list:
                    assert validate_rule(rule, object_type=object_type) == []
                    compiled = set(
                        matching_queryset(rule, object_type=object_type, now=now).values_list("pk", flat=True)
                    )
                    expected = {
                        pk for pk, record in records.items()
                        if evaluate_rule(rule, record, now=now, object_type=object_type)
                    }
                    assert compiled == expected, f"rule {rule} in {tz_name} at {now.isoformat()}"
                raise _Rollback
        except _Rollback:
            pass
