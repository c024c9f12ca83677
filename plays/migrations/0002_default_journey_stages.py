"""Seed the default journey ladder: target, aware, engaged, evaluating,
deciding, customer, expanding, advocate.

The rules are written out here rather than imported, so the migration stays
valid if the defaults change later. RevOps edits them in the browser.
"""

from django.db import migrations

TOUCH_TYPES = ["meeting", "call", "email_reply", "event_attendance", "content_download"]
OPEN_DEAL = {"related": "opportunities", "where": {"field": "status", "op": "eq", "value": "open"}, "op": "gte", "count": 1}

DEFAULT_STAGES = [
    ("target", "Target", None, "Every account not placed on a higher stage."),
    (
        "aware",
        "Aware",
        {"any": [{"related": "events", "within_days": 90, "op": "gte", "count": 1},
                 {"field": "in_market", "op": "eq", "value": True}]},
        "Any engagement event in the last 90 days, or in market.",
    ),
    (
        "engaged",
        "Engaged",
        {"related": "events", "where": {"field": "type", "op": "in", "value": TOUCH_TYPES}, "within_days": 90,
         "op": "gte", "count": 2},
        "Two or more meetings, calls, email replies, event visits or downloads in the last 90 days.",
    ),
    ("evaluating", "Evaluating", OPEN_DEAL, "An open opportunity."),
    (
        "deciding",
        "Deciding",
        {"all": [
            OPEN_DEAL,
            {"related": "contacts", "where": {"field": "buying_role", "op": "eq", "value": "economic_buyer"},
             "op": "gte", "count": 1},
            {"related": "events", "where": {"field": "type", "op": "eq", "value": "meeting"}, "within_days": 30,
             "op": "gte", "count": 1},
        ]},
        "An open opportunity, a known economic buyer and a meeting in the last 30 days.",
    ),
    (
        "customer",
        "Customer",
        {"field": "lifecycle_stage", "op": "in", "value": ["customer", "renewal", "at_risk"]},
        "Lifecycle stage customer, renewal or at risk.",
    ),
    (
        "expanding",
        "Expanding",
        {"any": [
            {"field": "lifecycle_stage", "op": "eq", "value": "expansion"},
            {"all": [
                {"field": "lifecycle_stage", "op": "in", "value": ["customer", "renewal", "at_risk"]},
                {"related": "opportunities",
                 "where": {"all": [{"field": "type", "op": "eq", "value": "expansion"},
                                   {"field": "status", "op": "eq", "value": "open"}]},
                 "op": "gte", "count": 1},
            ]},
        ]},
        "Lifecycle stage expansion, or a customer with an open expansion deal.",
    ),
    (
        "advocate",
        "Advocate",
        {"all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["customer", "expansion", "renewal"]},
            {"field": "health_score", "op": "gte", "value": 80},
        ]},
        "A customer with a health score of 80 or more.",
    ),
]


def create_stages(apps, schema_editor):
    JourneyStage = apps.get_model("plays", "JourneyStage")
    if JourneyStage.objects.exists():
        return
    JourneyStage.objects.bulk_create(
        JourneyStage(key=key, name=name, position=position, rule=rule, description=description)
        for position, (key, name, rule, description) in enumerate(DEFAULT_STAGES, start=1)
    )


def delete_stages(apps, schema_editor):
    apps.get_model("plays", "JourneyStage").objects.filter(key__in=[stage[0] for stage in DEFAULT_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("plays", "0001_initial")]

    operations = [migrations.RunPython(create_stages, delete_stages)]
