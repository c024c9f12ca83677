from .choices import (
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
    employee_band_for,
)
from .derived import DerivedAttributesStaging, EngagementSettings
from .records import Account, Contact, EngagementEvent, IntentSignal, Opportunity

__all__ = [
    "Account",
    "BuyingRole",
    "Contact",
    "Department",
    "DerivedAttributesStaging",
    "EmployeeBand",
    "EngagementEvent",
    "EngagementSettings",
    "EventType",
    "IcpTier",
    "IntentSignal",
    "LifecycleStage",
    "Motion",
    "Opportunity",
    "OpportunityStatus",
    "OpportunityType",
    "OwnershipType",
    "Seniority",
    "employee_band_for",
]
