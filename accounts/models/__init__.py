from .arr import ArrSnapshot
from .choices import (
    BuyingRole,
    Department,
    EmployeeBand,
    EventType,
    TWO_WAY_TOUCH_TYPES,
    IcpTier,
    LifecycleStage,
    Motion,
    OpportunityStatus,
    OpportunityType,
    OwnershipType,
    Seniority,
    employee_band_for,
)
from .derived import DerivedAttributesStaging, EngagementSettings
from .imports import ImportKind, ImportRun, ImportStatus, Synonym, SynonymKind
from .records import DEFAULT_SOURCE, Account, Contact, EngagementEvent, IntentSignal, Opportunity

__all__ = [
    "Account",
    "ArrSnapshot",
    "BuyingRole",
    "Contact",
    "DEFAULT_SOURCE",
    "Department",
    "DerivedAttributesStaging",
    "EmployeeBand",
    "EngagementEvent",
    "EngagementSettings",
    "EventType",
    "TWO_WAY_TOUCH_TYPES",
    "IcpTier",
    "ImportKind",
    "ImportRun",
    "ImportStatus",
    "IntentSignal",
    "LifecycleStage",
    "Motion",
    "Opportunity",
    "OpportunityStatus",
    "OpportunityType",
    "OwnershipType",
    "Seniority",
    "Synonym",
    "SynonymKind",
    "employee_band_for",
]
