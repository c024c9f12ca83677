"""The field registry: every field a rule may use, by object type and lens.

Each field has a type, and the type fixes the operators a condition on it
may use and the value each operator takes. Related records (contacts,
engagement events, intent signals, opportunities, and a contact's account)
are reached through the relations listed in RELATIONS.
"""

import re
from dataclasses import dataclass, field

from accounts.models import (
    BuyingRole,
    Department,
    EmployeeBand,
    EventType,
    IcpTier,
    LifecycleStage,
    Motion,
    OpportunityStatus,
    OpportunityType,
    OwnershipType,
    Seniority,
)

from ..models.segments import Lens

TEXT = "text"
CHOICE = "choice"
NUMBER = "number"
MONEY = "money"
DATE = "date"
BOOLEAN = "boolean"
TAGS = "tags"

FIELD_TYPES = (TEXT, CHOICE, NUMBER, MONEY, DATE, BOOLEAN, TAGS)

OPERATORS = {
    TEXT: ("eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "is_empty", "is_not_empty"),
    CHOICE: ("eq", "neq", "in", "not_in", "is_empty", "is_not_empty"),
    NUMBER: ("eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"),
    MONEY: ("eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"),
    DATE: ("eq", "neq", "before", "after", "between", "within_last_days", "is_empty", "is_not_empty"),
    BOOLEAN: ("eq", "neq"),
    TAGS: ("any_of", "all_of", "none_of", "is_empty", "is_not_empty"),
}

# Operators whose result is the exact complement of a positive operator, so
# they also match records where the value is missing.
NEGATIONS = {
    "neq": "eq",
    "not_in": "in",
    "not_contains": "contains",
    "none_of": "any_of",
    "is_not_empty": "is_empty",
}

# Count comparisons of a quantified condition on related records.
COUNT_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte")

OBJECT_TYPES = ("accounts", "contacts", "events", "intent", "opportunities")

# Object types whose records can be segment members, so rules over them may
# use {"segment": slug}.
SEGMENT_OBJECT_TYPES = ("accounts", "contacts")

EXTRA_PREFIX = "extra."
EXTRA_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class Field:
    """A field a rule condition may use."""

    name: str
    type: str
    label: str
    help_text: str = ""
    lens: str = ""
    # ORM path of the column, relative to the object's model.
    column: str = ""
    # Allowed values of a choice field, or of the tags of a tags field.
    choices: tuple = ()
    nullable: bool = False
    # True when a database constraint keeps every stored value in its
    # normalized form (a choice value or an upper-case code), so equality can
    # compare the column directly and use its index.
    canonical: bool = False
    # "upper" when canonical values are upper case, as country codes are.
    canonical_case: str = "lower"
    # True for a calendar date column; False for a timestamp.
    date_only: bool = False
    # Key inside a JSON object column, for custom attributes (extra.KEY).
    json_key: str = ""

    @property
    def operators(self):
        return OPERATORS[self.type]

    def as_dict(self):
        """Describe the field for forms and the API."""
        description = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "help_text": self.help_text,
            "lens": self.lens,
            "operators": list(self.operators),
        }
        if self.choices:
            description["choices"] = list(self.choices)
        return description


@dataclass(frozen=True)
class Relation:
    """Related records that a quantified condition counts."""

    name: str
    target: str
    label: str
    # Column of the related model compared with outer_column of the object.
    inner_column: str
    outer_column: str
    # The date that "within_days" applies to, as a tuple of columns: the
    # first one that is not empty is used.
    time_columns: tuple = field(default_factory=tuple)
    time_date_only: bool = False


def _values(choices):
    return tuple(choices.values)


ACCOUNT_FIELDS = (
    # Firmographic
    Field("name", TEXT, "Name", lens=Lens.FIRMOGRAPHIC, column="name"),
    Field("external_id", TEXT, "External id", "The id in the CRM.", Lens.FIRMOGRAPHIC, "external_id", nullable=True),
    Field("domain", TEXT, "Domain", "Normalized web domain, such as example.com.", Lens.FIRMOGRAPHIC, "domain"),
    Field("industry", TEXT, "Industry", lens=Lens.FIRMOGRAPHIC, column="industry"),
    Field("employee_count", NUMBER, "Employees", lens=Lens.FIRMOGRAPHIC, column="employee_count", nullable=True),
    Field(
        "employee_band",
        CHOICE,
        "Employee band",
        lens=Lens.FIRMOGRAPHIC,
        column="employee_band",
        choices=_values(EmployeeBand),
        canonical=True,
    ),
    Field(
        "annual_revenue",
        MONEY,
        "Annual revenue",
        "In the account's own currency; amounts are not converted.",
        Lens.FIRMOGRAPHIC,
        "annual_revenue",
        nullable=True,
    ),
    Field(
        "currency",
        TEXT,
        "Currency",
        "ISO 4217 code of annual revenue and ARR.",
        Lens.FIRMOGRAPHIC,
        "currency",
        canonical=True,
        canonical_case="upper",
    ),
    Field(
        "country",
        TEXT,
        "Country",
        "ISO 3166-1 alpha-2 code, such as US or DE.",
        Lens.FIRMOGRAPHIC,
        "country",
        canonical=True,
        canonical_case="upper",
    ),
    Field("region", TEXT, "Region", lens=Lens.FIRMOGRAPHIC, column="region"),
    Field("state", TEXT, "State", lens=Lens.FIRMOGRAPHIC, column="state"),
    Field("city", TEXT, "City", lens=Lens.FIRMOGRAPHIC, column="city"),
    Field(
        "ownership_type",
        CHOICE,
        "Ownership type",
        lens=Lens.FIRMOGRAPHIC,
        column="ownership_type",
        choices=_values(OwnershipType),
        canonical=True,
    ),
    Field("technologies", TAGS, "Technologies", "The tech stack.", Lens.FIRMOGRAPHIC, "technologies"),
    Field(
        "parent",
        TEXT,
        "Parent account",
        "The name of the parent account; empty for a top-level account.",
        Lens.FIRMOGRAPHIC,
        "parent__name",
        nullable=True,
    ),
    Field(
        "owner",
        TEXT,
        "Owner",
        "The user name of the account owner; empty when unassigned.",
        Lens.FIRMOGRAPHIC,
        "owner__username",
        nullable=True,
    ),
    # ICP and tiering
    Field("icp_score", NUMBER, "ICP score", "ICP fit from 0 to 100.", Lens.ICP, "icp_score", nullable=True),
    Field(
        "icp_tier",
        CHOICE,
        "ICP tier",
        "1, 2 or 3; empty when the account is not ICP.",
        Lens.ICP,
        "icp_tier",
        choices=_values(IcpTier),
        nullable=True,
        canonical=True,
    ),
    Field(
        "strategic_value",
        NUMBER,
        "Strategic value",
        "Sales input from 1 (low) to 5 (high).",
        Lens.ICP,
        "strategic_value",
        nullable=True,
    ),
    # Persona and buying center
    Field(
        "buying_roles_covered",
        TAGS,
        "Buying roles covered",
        "Buying roles with a known contact at the account.",
        Lens.PERSONA,
        "buying_roles_covered",
        choices=_values(BuyingRole),
    ),
    Field(
        "buying_roles_engaged",
        TAGS,
        "Buying roles engaged",
        "Buying roles whose contact had an engagement event recently.",
        Lens.PERSONA,
        "buying_roles_engaged",
        choices=_values(BuyingRole),
    ),
    # Needs and use case
    Field("needs", TAGS, "Needs", "Sales input: needs and use cases.", Lens.NEEDS, "needs"),
    # Behavioral and intent
    Field(
        "engagement_score", NUMBER, "Engagement score", "Recent engagement, weighted.", Lens.BEHAVIORAL,
        "engagement_score",
    ),
    Field("in_market", BOOLEAN, "In market", "Shows recent buying intent.", Lens.BEHAVIORAL, "in_market"),
    Field("last_activity_at", DATE, "Last activity", lens=Lens.BEHAVIORAL, column="last_activity_at", nullable=True),
    # Lifecycle and value
    Field(
        "lifecycle_stage",
        CHOICE,
        "Lifecycle stage",
        lens=Lens.LIFECYCLE,
        column="lifecycle_stage",
        choices=_values(LifecycleStage),
        canonical=True,
    ),
    Field("motion", CHOICE, "Motion", lens=Lens.LIFECYCLE, column="motion", choices=_values(Motion), canonical=True),
    Field("journey_stage", TEXT, "Journey stage", lens=Lens.LIFECYCLE, column="journey_stage"),
    Field("arr", MONEY, "ARR", "Annual recurring revenue.", Lens.LIFECYCLE, "arr", nullable=True),
    Field("health_score", NUMBER, "Health score", "Customer health from 0 to 100.", Lens.LIFECYCLE, "health_score",
          nullable=True),
    Field("open_pipeline", MONEY, "Open pipeline", "Sum of open opportunities.", Lens.LIFECYCLE, "open_pipeline"),
    Field("won_revenue", MONEY, "Won revenue", "Sum of won opportunities.", Lens.LIFECYCLE, "won_revenue"),
)

CONTACT_FIELDS = (
    Field("external_id", TEXT, "External id", column="external_id", lens=Lens.PERSONA, nullable=True),
    Field("email", TEXT, "Email", column="email", lens=Lens.PERSONA),
    Field("first_name", TEXT, "First name", column="first_name", lens=Lens.PERSONA),
    Field("last_name", TEXT, "Last name", column="last_name", lens=Lens.PERSONA),
    Field("title", TEXT, "Title", column="title", lens=Lens.PERSONA),
    Field(
        "department", CHOICE, "Department", column="department", lens=Lens.PERSONA, choices=_values(Department),
        canonical=True,
    ),
    Field(
        "seniority", CHOICE, "Seniority", column="seniority", lens=Lens.PERSONA, choices=_values(Seniority),
        canonical=True,
    ),
    Field(
        "buying_role", CHOICE, "Buying role", column="buying_role", lens=Lens.PERSONA, choices=_values(BuyingRole),
        canonical=True,
    ),
    Field("persona", TEXT, "Persona", column="persona", lens=Lens.PERSONA),
)

EVENT_FIELDS = (
    Field("type", CHOICE, "Event type", column="type", lens=Lens.BEHAVIORAL, choices=_values(EventType),
          canonical=True),
    Field("theme", TEXT, "Content theme", column="theme", lens=Lens.BEHAVIORAL),
    Field("occurred_at", DATE, "Occurred", column="occurred_at", lens=Lens.BEHAVIORAL),
)

INTENT_FIELDS = (
    Field("topic", TEXT, "Topic", column="topic", lens=Lens.BEHAVIORAL),
    Field("score", NUMBER, "Score", "Strength of the signal from 0 to 100.", column="score", lens=Lens.BEHAVIORAL),
    Field("provider", TEXT, "Provider", column="provider", lens=Lens.BEHAVIORAL),
    Field("observed_at", DATE, "Observed", column="observed_at", lens=Lens.BEHAVIORAL),
)

OPPORTUNITY_FIELDS = (
    Field("name", TEXT, "Name", column="name", lens=Lens.LIFECYCLE),
    Field("amount", MONEY, "Amount", "In the opportunity's own currency.", column="amount", lens=Lens.LIFECYCLE,
          nullable=True),
    Field("currency", TEXT, "Currency", column="currency", lens=Lens.LIFECYCLE, canonical=True,
          canonical_case="upper"),
    Field("stage", TEXT, "Stage", "The CRM's own stage name.", column="stage", lens=Lens.LIFECYCLE),
    Field("status", CHOICE, "Status", column="status", lens=Lens.LIFECYCLE, choices=_values(OpportunityStatus),
          canonical=True),
    Field("type", CHOICE, "Type", column="type", lens=Lens.LIFECYCLE, choices=_values(OpportunityType),
          canonical=True),
    Field("created_date", DATE, "Created", column="created_date", lens=Lens.LIFECYCLE, nullable=True,
          date_only=True),
    Field("closed_date", DATE, "Closed", column="closed_date", lens=Lens.LIFECYCLE, nullable=True, date_only=True),
)

FIELDS = {
    "accounts": {f.name: f for f in ACCOUNT_FIELDS},
    "contacts": {f.name: f for f in CONTACT_FIELDS},
    "events": {f.name: f for f in EVENT_FIELDS},
    "intent": {f.name: f for f in INTENT_FIELDS},
    "opportunities": {f.name: f for f in OPPORTUNITY_FIELDS},
}

RELATIONS = {
    "accounts": {
        "contacts": Relation("contacts", "contacts", "Contacts", "account_id", "pk"),
        "events": Relation("events", "events", "Engagement events", "account_id", "pk", ("occurred_at",)),
        "intent": Relation("intent", "intent", "Intent signals", "account_id", "pk", ("observed_at",)),
        # A closed opportunity counts on its close date, an open one on its
        # created date.
        "opportunities": Relation(
            "opportunities",
            "opportunities",
            "Opportunities",
            "account_id",
            "pk",
            ("closed_date", "created_date"),
            time_date_only=True,
        ),
    },
    "contacts": {
        "account": Relation("account", "accounts", "The contact's account", "pk", "account_id"),
        "events": Relation("events", "events", "Engagement events", "contact_id", "pk", ("occurred_at",)),
    },
    "events": {},
    "intent": {},
    "opportunities": {},
}

# Objects that accept custom attributes as "extra.KEY" text fields.
EXTRA_OBJECT_TYPES = ("accounts", "contacts")


def get_field(object_type, name):
    """Return the Field called name on object_type, or None when there is none."""
    if not isinstance(name, str):
        return None
    found = FIELDS.get(object_type, {}).get(name)
    if found is not None:
        return found
    if object_type in EXTRA_OBJECT_TYPES and name.startswith(EXTRA_PREFIX):
        key = name[len(EXTRA_PREFIX):]
        if EXTRA_KEY_PATTERN.match(key):
            return Field(
                name,
                TEXT,
                f"Custom attribute {key}",
                "A custom attribute kept from an import; only text values match.",
                Lens.FIRMOGRAPHIC if object_type == "accounts" else Lens.PERSONA,
                "extra",
                nullable=True,
                json_key=key,
            )
    return None


def get_relation(object_type, name):
    """Return the Relation called name from object_type, or None."""
    if not isinstance(name, str):
        return None
    return RELATIONS.get(object_type, {}).get(name)


def fields_by_lens(object_type="accounts"):
    """Return the fields of object_type grouped by lens, in lens order."""
    grouped = {lens.value: [] for lens in Lens}
    for registered in FIELDS[object_type].values():
        grouped[registered.lens].append(registered)
    return {lens: fields for lens, fields in grouped.items() if fields}


def describe_registry():
    """Describe every field and relation, for rule editors and the API."""
    return {
        object_type: {
            "fields": [registered.as_dict() for registered in FIELDS[object_type].values()],
            "relations": [
                {
                    "name": relation.name,
                    "target": relation.target,
                    "label": relation.label,
                    "within_days": bool(relation.time_columns),
                }
                for relation in RELATIONS[object_type].values()
            ],
            "segments": object_type in SEGMENT_OBJECT_TYPES,
        }
        for object_type in OBJECT_TYPES
    }
