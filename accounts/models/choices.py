"""Choice lists shared by the models, rules, imports and the API.

The stored values are the snake_case names of the public contract.
"""

from django.db import models


class OwnershipType(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"
    SUBSIDIARY = "subsidiary", "Subsidiary"
    NONPROFIT = "nonprofit", "Nonprofit"
    GOVERNMENT = "government", "Government"


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    ACTIVE_OPPORTUNITY = "active_opportunity", "Active opportunity"
    CUSTOMER = "customer", "Customer"
    EXPANSION = "expansion", "Expansion"
    RENEWAL = "renewal", "Renewal"
    AT_RISK = "at_risk", "At risk"
    CHURNED = "churned", "Churned"


class Motion(models.TextChoices):
    ACQUIRE = "acquire", "Acquire"
    GROW = "grow", "Grow"
    DEFEND = "defend", "Defend"


class IcpTier(models.IntegerChoices):
    TIER_1 = 1, "Tier 1"
    TIER_2 = 2, "Tier 2"
    TIER_3 = 3, "Tier 3"


class EmployeeBand(models.TextChoices):
    """Headcount bands as CRMs export them; the bounds are inclusive."""

    B1_10 = "1-10", "1-10"
    B11_50 = "11-50", "11-50"
    B51_200 = "51-200", "51-200"
    B201_500 = "201-500", "201-500"
    B501_1000 = "501-1000", "501-1,000"
    B1001_5000 = "1001-5000", "1,001-5,000"
    B5001_10000 = "5001-10000", "5,001-10,000"
    B10001_PLUS = "10001+", "10,001+"


# (band, lowest headcount, highest headcount or None for open-ended)
EMPLOYEE_BAND_BOUNDS = [
    (EmployeeBand.B1_10, 1, 10),
    (EmployeeBand.B11_50, 11, 50),
    (EmployeeBand.B51_200, 51, 200),
    (EmployeeBand.B201_500, 201, 500),
    (EmployeeBand.B501_1000, 501, 1000),
    (EmployeeBand.B1001_5000, 1001, 5000),
    (EmployeeBand.B5001_10000, 5001, 10000),
    (EmployeeBand.B10001_PLUS, 10001, None),
]


def employee_band_for(count):
    """Return the band a headcount falls in, or "" for a missing or zero headcount."""
    if count is None or count < 1:
        return ""
    for band, low, high in EMPLOYEE_BAND_BOUNDS:
        if high is None or count <= high:
            return band.value
    return ""


class Seniority(models.TextChoices):
    C_LEVEL = "c_level", "C-level"
    VP = "vp", "VP"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    INDIVIDUAL_CONTRIBUTOR = "individual_contributor", "Individual contributor"


class BuyingRole(models.TextChoices):
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    CHAMPION = "champion", "Champion"
    USER = "user", "User"
    TECHNICAL_REVIEWER = "technical_reviewer", "Technical reviewer"
    INFLUENCER = "influencer", "Influencer"
    BLOCKER = "blocker", "Blocker"


class Department(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    ENGINEERING = "engineering", "Engineering"
    IT = "it", "IT"
    FINANCE = "finance", "Finance"
    OPERATIONS = "operations", "Operations"
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    PRODUCT = "product", "Product"
    HUMAN_RESOURCES = "human_resources", "Human resources"
    LEGAL = "legal", "Legal"
    OTHER = "other", "Other"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class OpportunityType(models.TextChoices):
    NEW_BUSINESS = "new_business", "New business"
    EXPANSION = "expansion", "Expansion"
    RENEWAL = "renewal", "Renewal"


class EventType(models.TextChoices):
    WEB_VISIT = "web_visit", "Web visit"
    EMAIL_OPEN = "email_open", "Email open"
    EMAIL_CLICK = "email_click", "Email click"
    EMAIL_REPLY = "email_reply", "Email reply"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    EVENT_ATTENDANCE = "event_attendance", "Event attendance"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"


# Event types that count as a two-way touch with an account: a reply, a call or a meeting.
TWO_WAY_TOUCH_TYPES = (EventType.MEETING.value, EventType.CALL.value, EventType.EMAIL_REPLY.value)

def choice_check(field, choices, *, allow_blank=True):
    """Build a CHECK condition that keeps a field within its choices."""
    condition = models.Q(**{f"{field}__in": list(choices.values)})
    if allow_blank:
        condition |= models.Q(**{field: ""})
    return condition
