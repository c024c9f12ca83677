"""The KPI catalogue: each KPI's key, label, unit and the definition shown beside it."""

from dataclasses import dataclass

from accounts.models import TWO_WAY_TOUCH_TYPES

# Engagement event types that count as a touch: a reply, a call or a meeting.
TOUCH_EVENT_TYPES = TWO_WAY_TOUCH_TYPES
# An entry counts as answered when its first touch comes within this many days.
RESPONSE_WINDOW_DAYS = 14


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str  # count, money, percent, days, hours
    definition: str
    # The drill-down that lists the accounts behind the figure.
    drilldown: str


KPIS = [
    Kpi(
        "accounts",
        "Accounts",
        "count",
        "Accounts in the group: current members, or members on the period's last day when grouping as of entry.",
        "members",
    ),
    Kpi(
        "pipeline_created",
        "Pipeline created",
        "money",
        "Sum of the amounts of opportunities created in the period, whatever their status now.",
        "created",
    ),
    Kpi(
        "open_pipeline",
        "Open pipeline",
        "money",
        "Sum of the amounts of opportunities open at the end of the period: created by then and not won or "
        "lost by then.",
        "open",
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "percent",
        "Won ÷ (won + lost), counting opportunities closed in the period; empty when none closed.",
        "closed",
    ),
    Kpi(
        "avg_deal_size",
        "Average deal size",
        "money",
        "Mean amount of the opportunities won in the period; lost and open deals are left out.",
        "won",
    ),
    Kpi(
        "sales_cycle_days",
        "Sales cycle",
        "days",
        "Mean days from created date to close date of the opportunities won in the period.",
        "won",
    ),
    Kpi(
        "nrr",
        "NRR",
        "percent",
        "Net revenue retention: ARR at the end of the period's last month ÷ ARR at the end of the month "
        "before the period, over the accounts that had ARR then. New accounts are left out.",
        "arr",
    ),
    Kpi(
        "gross_churn",
        "Gross churn",
        "percent",
        "(ARR lost by accounts that dropped to zero + ARR lost by accounts that shrank) ÷ opening ARR, "
        "over the same accounts as NRR.",
        "arr",
    ),
    Kpi(
        "expansion_rate",
        "Expansion",
        "percent",
        "ARR gained by accounts that grew ÷ opening ARR, over the same accounts as NRR.",
        "arr",
    ),
    Kpi(
        "response_rate",
        "Response rate",
        "percent",
        f"Entries into the group in the period that got a first touch (meeting, call or email reply) within "
        f"{RESPONSE_WINDOW_DAYS} days ÷ all entries in the period. For plays, enrollments with a first touch.",
        "entered",
    ),
    Kpi(
        "speed_to_engage_hours",
        "Speed to engage",
        "hours",
        "Mean hours from entry to first touch, over the entries in the period answered within the response "
        "window (for plays, over every enrollment with a first touch).",
        "entered",
    ),
    Kpi(
        "meeting_acceptance",
        "Meeting acceptance",
        "percent",
        "Accounts with a meeting in the period ÷ accounts with a meeting, call or email reply in the period.",
        "touched",
    ),
    Kpi(
        "cac",
        "CAC",
        "money",
        "Spend recorded for the segment or play in the period ÷ new customers: accounts whose first won "
        "new-business deal closed in the period. Empty where no spend is recorded.",
        "new_customers",
    ),
]

KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}
# Figures computed from opportunities, which also get an unassigned row.
DEAL_KPIS = ("pipeline_created", "open_pipeline", "win_rate", "avg_deal_size", "sales_cycle_days")
