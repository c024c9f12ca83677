"""Choice lists of plays, cadence steps, enrollments and their changes."""

from django.db import models

from accounts.models.choices import TWO_WAY_TOUCH_TYPES


class PlayStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    RETIRED = "retired", "Retired"


class OwnerTeam(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"


class Coverage(models.TextChoices):
    """How much human effort each enrolled account gets, usually chosen by tier."""

    ONE_TO_ONE = "one_to_one", "1:1"
    ONE_TO_FEW = "one_to_few", "1:few"
    PROGRAMMATIC = "programmatic", "Programmatic"


class OverflowPolicy(models.TextChoices):
    WAITLIST = "waitlist", "Waitlist, first come first served"
    SKIP = "skip", "Skip, highest ICP scores first at each run"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social (LinkedIn)"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    ADVERTISING = "advertising", "Advertising"
    EVENT = "event", "Event or webinar"
    TASK = "task", "Task"


class StepOwnerRole(models.TextChoices):
    ACCOUNT_OWNER = "account_owner", "Account owner"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SUCCESS = "cs", "Customer success"


class EnrollmentStatus(models.TextChoices):
    WAITLISTED = "waitlisted", "Waitlisted"
    ACTIVE = "active", "Active"
    EXITED = "exited", "Exited"


OPEN_ENROLLMENT_STATUSES = [EnrollmentStatus.WAITLISTED, EnrollmentStatus.ACTIVE]


class ExitReason(models.TextChoices):
    LEFT_ENTRY_CRITERIA = "left_entry_criteria", "Left the entry criteria"
    STAGE_REACHED = "stage_reached", "Reached an exit stage"
    TIME_LIMIT = "time_limit", "Time limit reached"
    DEAL_WON = "deal_won", "Won a deal"
    PLAY_RETIRED = "play_retired", "Play retired"


class SlaStatus(models.TextChoices):
    ON_TIME = "on_time", "On time"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"


class ChangeKind(models.TextChoices):
    WAITLISTED = "waitlisted", "Waitlisted"
    ENTERED = "entered", "Entered"
    EXITED = "exited", "Exited"
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    SLA_MET = "sla_met", "SLA met"


class Kpi(models.TextChoices):
    """Shared KPIs a play can report, each computed over its enrollments."""

    ENROLLED = "enrolled", "Accounts enrolled now"
    SLA_MET_RATE = "sla_met_rate", "SLA met rate"
    HOURS_TO_FIRST_TOUCH = "hours_to_first_touch", "Average hours to first touch"
    MEETINGS = "meetings", "Meetings after entry"
    PIPELINE_CREATED = "pipeline_created", "Pipeline created after entry"
    DEALS_WON = "deals_won", "Deals won after entry"
    WON_REVENUE = "won_revenue", "Revenue won after entry"


# Engagement event types that count as the first touch of an enrollment.
TOUCH_EVENT_TYPES = list(TWO_WAY_TOUCH_TYPES)
