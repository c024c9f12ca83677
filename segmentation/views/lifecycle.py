"""The lifecycle rules editor with a preview of the stage moves the rules would cause."""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import LifecycleStage
from accounts.roles import user_has_role

from ..models import DEFAULT_STAGE, STAGE_MOTIONS, LifecycleRule
from ..presentation import describe_rule
from ..selectors.previews import lifecycle_preview
from ..services.lifecycle_rules import lifecycle_rules_errors, lifecycle_rules_replace
from .editor import revops_only

ROW_PATTERN = re.compile(r"^l-(\d+)-stage$")
MAX_RULES = 50


def rules_from_post(data):
    """Return (rule dicts in the posted order, problems) from the editor rows; deleted rows are left out."""
    indexes = sorted(int(match.group(1)) for name in data if (match := ROW_PATTERN.match(name)))
    rules, problems = [], []
    for index in indexes[:MAX_RULES]:
        prefix = f"l-{index}-"
        if data.get(prefix + "delete"):
            continue
        entry = {
            "stage": data.get(prefix + "stage") or "",
            "description": (data.get(prefix + "description") or "").strip(),
            "enabled": bool(data.get(prefix + "enabled")),
        }
        pk = data.get(prefix + "id") or ""
        if pk.isdigit():
            entry["id"] = int(pk)
        try:
            entry["rule"] = json.loads(data.get(prefix + "rule") or "")
        except json.JSONDecodeError as error:
            problems.append(f"Rule {len(rules) + 1} ({entry['description'] or entry['stage']}): the rule is not valid JSON: {error.msg}.")
            entry["rule"] = {}
        rules.append(entry)
    return rules, problems


def rows_for(rules):
    rows = []
    for entry in rules:
        row = dict(entry)
        row["rule_json"] = json.dumps(entry["rule"], indent=1, ensure_ascii=False)
        row["rule_text"] = describe_rule(entry["rule"]) if isinstance(entry["rule"], dict) else []
        row["motion"] = STAGE_MOTIONS.get(entry["stage"], "")
        rows.append(row)
    return rows


def stored_rules():
    return [
        {"id": rule.pk, "stage": rule.stage, "rule": rule.rule, "description": rule.description, "enabled": rule.enabled}
        for rule in LifecycleRule.objects.order_by("priority")
    ]


def preview_of(rules):
    """Preview the enabled rules in order; unsaved rules get placeholder ids for the SQL."""
    unsaved = [
        LifecycleRule(pk=position, stage=entry["stage"], rule=entry["rule"], priority=position)
        for position, entry in enumerate(rules, start=1)
        if entry.get("enabled")
    ]
    preview = lifecycle_preview(unsaved)
    labels = dict(LifecycleStage.choices)
    moves = [
        {"from": labels.get(current, "Not computed"), "to": labels.get(new, new), "count": count,
         "samples": preview["samples"].get((current, new), [])}
        for (current, new), count in sorted(preview["moves"].items(), key=lambda item: -item[1])
        if current != new
    ]
    distribution = [(label, preview["stages"].get(stage, 0)) for stage, label in LifecycleStage.choices]
    return {"accounts": preview["accounts"], "changed": preview["changed"], "moves": moves, "distribution": distribution}


@require_http_methods(["GET", "POST"])
@login_required
def lifecycle_rules(request):
    may_edit = user_has_role(request.user, "revops")
    context = {
        "may_edit": may_edit,
        "stages": LifecycleStage.choices,
        "default_stage": dict(LifecycleStage.choices)[DEFAULT_STAGE],
        "problems": [],
    }
    if request.method == "GET":
        rules = stored_rules()
        context["rows"] = rows_for(rules)
        if request.GET.get("preview"):
            context["preview"] = preview_of(rules)
        return render(request, "segmentation/lifecycle_rules.html", context)

    revops_only(request, "Only RevOps can edit the lifecycle rules.")
    rules, problems = rules_from_post(request.POST)
    action = request.POST.get("action") or "preview"
    if action == "add":
        rules.append({"stage": LifecycleStage.CUSTOMER, "rule": {"field": "won_revenue", "op": "gt", "value": 0},
                      "description": "", "enabled": True})
    context["rows"] = rows_for(rules)
    problems += [] if action == "add" else lifecycle_rules_errors(rules)
    context["problems"] = problems
    if action == "add":
        return render(request, "segmentation/lifecycle_rules.html", context)
    if problems:
        return render(request, "segmentation/lifecycle_rules.html", context, status=400)
    if action == "preview":
        context["preview"] = preview_of(rules)
        context["unsaved"] = True
        return render(request, "segmentation/lifecycle_rules.html", context)
    try:
        lifecycle_rules_replace(rules=rules, changed_by=request.user)
    except ValidationError as error:
        context["problems"] = error.messages
        return render(request, "segmentation/lifecycle_rules.html", context, status=400)
    messages.success(request, "Lifecycle rules saved. The next recompute run gives accounts their new stages.")
    return redirect("segmentation:lifecycle_rules")
