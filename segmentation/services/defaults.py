"""The default ICP model and lifecycle rules that a new installation starts with."""

import logging

from django.db import transaction

from accounts.models import LifecycleStage

from ..models import IcpModel, LifecycleRule
from .icp import icp_model_create, icp_model_publish

logger = logging.getLogger(__name__)


def _opportunities(where, op="gte", count=1, within_days=None):
    node = {"related": "opportunities", "where": where, "op": op, "count": count}
    if within_days is not None:
        node["within_days"] = within_days
    return node


WON = {"field": "status", "op": "eq", "value": "won"}
OPEN = {"field": "status", "op": "eq", "value": "open"}
HAS_WON_DEAL = _opportunities(WON)
HAS_OPEN_DEAL = _opportunities(OPEN)
IS_CUSTOMER = {"any": [HAS_WON_DEAL, {"field": "arr", "op": "gt", "value": 0}]}

# (priority, stage, description, rule): the first rule an account matches,
# from the lowest priority up, gives its stage; no match means prospect.
DEFAULT_LIFECYCLE_RULES = [
    (
        10,
        LifecycleStage.CHURNED,
        "Won a deal before but has no ARR left, or lost a renewal this year with no win since",
        {
            "any": [
                {"all": [HAS_WON_DEAL, {"field": "arr", "op": "eq", "value": 0}]},
                {
                    "all": [
                        _opportunities(
                            {"all": [{"field": "type", "op": "eq", "value": "renewal"},
                                     {"field": "status", "op": "eq", "value": "lost"}]},
                            within_days=365,
                        ),
                        _opportunities(WON, op="eq", count=0, within_days=365),
                        _opportunities(OPEN, op="eq", count=0),
                    ]
                },
            ]
        },
    ),
    (
        20,
        LifecycleStage.AT_RISK,
        "A customer whose health score is below 40",
        {"all": [IS_CUSTOMER, {"field": "health_score", "op": "lt", "value": 40}]},
    ),
    (
        30,
        LifecycleStage.RENEWAL,
        "Has an open renewal opportunity",
        _opportunities({"all": [OPEN, {"field": "type", "op": "eq", "value": "renewal"}]}),
    ),
    (
        40,
        LifecycleStage.EXPANSION,
        "Has an open expansion opportunity",
        _opportunities({"all": [OPEN, {"field": "type", "op": "eq", "value": "expansion"}]}),
    ),
    (50, LifecycleStage.CUSTOMER, "Has won a deal or has ARR", IS_CUSTOMER),
    (60, LifecycleStage.ACTIVE_OPPORTUNITY, "Has an open opportunity", HAS_OPEN_DEAL),
]

# The default ICP: software, financial or telecommunications companies of
# 200 to 5,000 employees in North America or EMEA that run a CRM and a
# cloud data warehouse, with a known buyer.
DEFAULT_ICP_CRITERIA = [
    {
        "label": "Target industry",
        "points": 25,
        "rule": {"field": "industry", "op": "in", "value": ["Software", "Financial Services", "Telecommunications"]},
    },
    {"label": "200 to 5,000 employees", "points": 20, "field": "employee_count", "minimum": 200, "maximum": 5000},
    {
        "label": "North America or EMEA",
        "points": 10,
        "rule": {"field": "region", "op": "in", "value": ["North America", "EMEA"]},
    },
    {
        "label": "Runs a CRM",
        "points": 10,
        "rule": {"field": "technologies", "op": "any_of", "value": ["Salesforce", "Microsoft Dynamics 365"]},
    },
    {
        "label": "Runs a cloud data warehouse",
        "points": 10,
        "rule": {"field": "technologies", "op": "any_of", "value": ["Snowflake", "Databricks", "BigQuery"]},
    },
    {"label": "High strategic value (sales input)", "points": 10, "field": "strategic_value", "minimum": 4},
    {
        "label": "Economic buyer or champion known",
        "points": 15,
        "rule": {
            "related": "contacts",
            "where": {"field": "buying_role", "op": "in", "value": ["economic_buyer", "champion"]},
            "op": "gte",
            "count": 1,
        },
    },
]


@transaction.atomic
def pipeline_defaults_seed():
    """Create the default ICP model and lifecycle rules where none exist; return what was created."""
    created = {"icp_model": None, "lifecycle_rules": 0}
    if not IcpModel.objects.exists():
        model = icp_model_create(
            name="Default ICP",
            description="Starting point: edit a copy and publish it to replace this model.",
            criteria=DEFAULT_ICP_CRITERIA,
            tier_1_min_score=70,
            tier_2_min_score=50,
            tier_3_min_score=30,
        )
        icp_model_publish(model=model, recompute=False)
        created["icp_model"] = model.version
    if not LifecycleRule.objects.exists():
        LifecycleRule.objects.bulk_create(
            LifecycleRule(priority=priority, stage=stage, description=description, rule=rule)
            for priority, stage, description, rule in DEFAULT_LIFECYCLE_RULES
        )
        created["lifecycle_rules"] = len(DEFAULT_LIFECYCLE_RULES)
    if created["icp_model"] or created["lifecycle_rules"]:
        logger.info("Seeded pipeline defaults: %s", created)
    return created
