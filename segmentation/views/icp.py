"""The ICP model editor: criteria with points, tier thresholds, a preview of the tier moves, publish."""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import user_has_role

from ..models import CriterionKind, IcpModel, IcpModelStatus
from ..presentation import describe_rule
from ..rules.registry import FIELDS, MONEY, NUMBER
from ..selectors.previews import icp_move_samples
from ..services.icp import icp_model_create, icp_model_criteria, icp_model_preview, icp_model_publish
from .editor import revops_only

ROW_PATTERN = re.compile(r"^c-(\d+)-label$")
MAX_CRITERIA = 50
DEFAULT_THRESHOLDS = {"tier_1_min_score": 80, "tier_2_min_score": 60, "tier_3_min_score": 40}
ONLY_REVOPS = "Only RevOps can edit and publish ICP models."


def range_fields():
    return [(field.name, field.label) for field in FIELDS["accounts"].values() if field.type in (NUMBER, MONEY)]


def criteria_from_post(data):
    """Return (criteria dicts, problems) from the editor's criterion rows; rows marked delete are left out."""
    indexes = sorted(int(match.group(1)) for name in data if (match := ROW_PATTERN.match(name)))
    criteria, problems = [], []
    for index in indexes[:MAX_CRITERIA]:
        prefix = f"c-{index}-"
        if data.get(prefix + "delete"):
            continue
        label = (data.get(prefix + "label") or "").strip()
        points_text = (data.get(prefix + "points") or "").strip()
        points = int(points_text) if points_text.isdigit() else points_text
        criterion = {"label": label, "points": points}
        if data.get(prefix + "kind") == CriterionKind.RANGE:
            criterion["field"] = data.get(prefix + "field") or ""
            for bound in ("minimum", "maximum"):
                text = (data.get(prefix + bound) or "").strip().replace(",", "")
                try:
                    criterion[bound] = float(text) if text else None
                except ValueError:
                    criterion[bound] = text
        else:
            try:
                criterion["rule"] = json.loads(data.get(prefix + "rule") or "")
            except json.JSONDecodeError as error:
                problems.append(f"Criterion {len(criteria) + 1} ({label or 'no label'}): the rule is not valid JSON: {error.msg}.")
                criterion["rule"] = {}
        criteria.append(criterion)
    return criteria, problems


def thresholds_from_post(data):
    thresholds = {}
    for name in DEFAULT_THRESHOLDS:
        text = (data.get(name) or "").strip()
        thresholds[name] = int(text) if text.isdigit() else text
    return thresholds


def criterion_rows(criteria):
    """Return the criteria as rows for the template, with the rule as JSON text and plain English."""
    rows = []
    for criterion in criteria:
        row = dict(criterion)
        row["kind"] = CriterionKind.RULE if "rule" in criterion else CriterionKind.RANGE
        if "rule" in criterion:
            row["rule_json"] = json.dumps(criterion["rule"], indent=1, ensure_ascii=False)
            row["rule_text"] = describe_rule(criterion["rule"]) if isinstance(criterion["rule"], dict) else []
        rows.append(row)
    return rows


@require_GET
@login_required
def icp_list(request):
    models = list(IcpModel.objects.select_related("created_by", "published_by").prefetch_related("criteria"))
    published = next((model for model in models if model.status == IcpModelStatus.PUBLISHED), None)
    return render(
        request,
        "segmentation/icp_list.html",
        {"models": models, "published": published, "may_edit": user_has_role(request.user, "revops")},
    )


@require_POST
@login_required
def icp_new(request):
    """Start a draft: a copy of the published model, or a first model with one example criterion."""
    revops_only(request, ONLY_REVOPS)
    source = IcpModel.objects.filter(status=IcpModelStatus.PUBLISHED).first()
    if source is not None:
        criteria = icp_model_criteria(source)
        thresholds = {name: getattr(source, name) for name in DEFAULT_THRESHOLDS}
        name = source.name
    else:
        criteria = [{"label": "Company size", "points": 30, "field": "employee_count", "minimum": 200, "maximum": None}]
        thresholds = DEFAULT_THRESHOLDS
        name = "ICP model"
    model = icp_model_create(name=name, criteria=criteria, created_by=request.user, **thresholds)
    messages.success(request, f"Draft v{model.version} created. Edit it, preview the moves, then publish.")
    return redirect("segmentation:icp_edit", pk=model.pk)


@require_http_methods(["GET", "POST"])
@login_required
def icp_edit(request, pk):
    model = get_object_or_404(IcpModel.objects.prefetch_related("criteria"), pk=pk)
    may_edit = user_has_role(request.user, "revops") and model.status == IcpModelStatus.DRAFT
    context = {"model": model, "may_edit": may_edit, "range_fields": range_fields(), "problems": []}

    if request.method == "GET":
        context.update(
            rows=criterion_rows(icp_model_criteria(model)),
            thresholds={name: getattr(model, name) for name in DEFAULT_THRESHOLDS},
            name=model.name,
            description=model.description,
        )
        if request.GET.get("preview") and model.status == IcpModelStatus.DRAFT:
            context["preview"] = preview_context(model)
        return render(request, "segmentation/icp_edit.html", context)

    revops_only(request, ONLY_REVOPS)
    if model.status != IcpModelStatus.DRAFT:
        messages.error(request, f"ICP model v{model.version} is {model.get_status_display().lower()}; start a new draft to change it.")
        return redirect("segmentation:icp_edit", pk=model.pk)

    criteria, problems = criteria_from_post(request.POST)
    action = request.POST.get("action") or "save"
    if action == "add":
        criteria.append({"label": "", "points": 10, "rule": {"field": "industry", "op": "eq", "value": ""}})
    if action == "add-range":
        criteria.append({"label": "", "points": 10, "field": "employee_count", "minimum": None, "maximum": None})
    context.update(
        rows=criterion_rows(criteria),
        thresholds=thresholds_from_post(request.POST),
        name=request.POST.get("name") or "",
        description=request.POST.get("description") or "",
        problems=problems,
    )
    if action in ("add", "add-range"):
        return render(request, "segmentation/icp_edit.html", context)
    if problems:
        return render(request, "segmentation/icp_edit.html", context, status=400)
    try:
        with transaction.atomic():
            replacement = icp_model_create(
                name=context["name"],
                description=context["description"],
                criteria=criteria,
                created_by=request.user,
                **context["thresholds"],
            )
            model.delete()
    except ValidationError as error:
        context["problems"] = error.messages
        return render(request, "segmentation/icp_edit.html", context, status=400)
    messages.success(request, f"Draft saved as v{replacement.version}. Preview it before you publish.")
    return redirect(reverse("segmentation:icp_edit", args=[replacement.pk]) + "?preview=1")


def preview_context(model):
    """Return the tier distribution before and after, the moves and sample accounts for each move."""
    preview = icp_model_preview(model=model)
    samples = icp_move_samples(model)
    tiers = [1, 2, 3, None]
    before = {tier: 0 for tier in tiers}
    for (current, _), count in preview["moves"].items():
        before[current] = before.get(current, 0) + count
    moves = [
        {"from": current, "to": new, "count": count, "samples": samples.get((current, new), [])}
        for (current, new), count in sorted(preview["moves"].items(), key=lambda item: -item[1])
        if current != new
    ]
    return {
        "accounts": preview["accounts"],
        "changed": preview["changed"],
        "distribution": [(tier, before.get(tier, 0), preview["tiers"].get(tier, 0)) for tier in tiers],
        "moves": moves,
    }


@require_POST
@login_required
def icp_publish(request, pk):
    revops_only(request, ONLY_REVOPS)
    model = get_object_or_404(IcpModel, pk=pk)
    try:
        run = icp_model_publish(model=model, published_by=request.user)
    except ValidationError as error:
        messages.error(request, f"ICP model v{model.version} was not published: {' '.join(error.messages)}")
        return redirect("segmentation:icp_edit", pk=model.pk)
    if run is None:
        messages.success(request, f"ICP model v{model.version} published. A run is in progress; the next run scores with it.")
    else:
        messages.success(request, f"ICP model v{model.version} published; recompute run #{run.pk} scores every account with it.")
    return redirect("segmentation:icp_list")
