"""The segment editor: rule builder, live preview, save, publish, retire, history and rollback."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import user_has_role

from .. import builder
from ..forms import SegmentForm
from ..models import Lens, ObjectType, Segment, SegmentStatus, SegmentVersion
from ..presentation import describe_rule, version_changes
from ..rules import RuleValidationError, validate_rule
from ..rules.compiler import MODELS
from ..rules.registry import TEXT, get_field
from ..selectors.field_fill import filled_counts, rule_fields
from ..services import segment_create, segment_preview
from ..services.editing import SegmentEditConflict, segment_edit_save
from ..services.lenses import disabled_lenses

PREVIEW_SAMPLE_SIZE = 10
DATA_CHOICES_LIMIT = 100
DATA_CHOICES_CACHE_SECONDS = 600
FILLED_COUNTS_CACHE_SECONDS = 300
# Text fields whose values the builder offers from the data, by object type.
DATA_CHOICE_FIELDS = {
    "accounts": ("industry", "region", "state", "country", "city", "journey_stage", "currency"),
    "contacts": ("persona", "title"),
    "events": ("theme",),
    "intent": ("topic", "provider"),
    "opportunities": ("stage", "currency"),
}
EMPTY_RULE = {"all": []}


def revops_only(request, message="Only RevOps can edit segments."):
    if not user_has_role(request.user, "revops"):
        raise PermissionDenied(message)


def data_choices(object_type, field_name):
    """Return the most common stored values of a text field, cached for a few minutes."""
    if field_name not in DATA_CHOICE_FIELDS.get(object_type, ()):
        return []
    key = f"segmentation:data-choices:{object_type}:{field_name}"
    values = cache.get(key)
    if values is None:
        registered = get_field(object_type, field_name)
        column = registered.column
        values = list(
            MODELS[object_type]
            .objects.exclude(**{column: ""})
            .exclude(**{f"{column}__isnull": True})
            .order_by()
            .values_list(column)
            .annotate(n=Count("pk"))
            .order_by("-n", column)
            .values_list(column, flat=True)[:DATA_CHOICES_LIMIT]
        )
        values.sort(key=str.casefold)
        cache.set(key, values, DATA_CHOICES_CACHE_SECONDS)
    return values


def decorate(root, segment_options):
    """Give every condition node its widget choices, for the templates."""
    hidden = disabled_lenses()
    for node in root.walk():
        node.segment_options = segment_options
        if node.kind == "condition":
            registered = node.field_info
            choices = data_choices(node.object_type, node.field) if registered and registered.type == TEXT else []
            node.widget = builder.value_widget(node, choices)
            node.operators = builder.operator_choices(node)
            node.field_groups = builder.field_groups(node.object_type, hidden)
        elif node.kind == "related":
            node.relations = builder.relation_choices(node.object_type)
            node.count_operators = list(builder.COUNT_OPERATOR_LABELS.items())


def segment_options(object_type, segment):
    others = Segment.objects.filter(object_type=object_type).exclude(status=SegmentStatus.RETIRED)
    if segment is not None:
        others = others.exclude(pk=segment.pk)
    return list(others.order_by("name").values_list("slug", "name"))


def build_state(root, *, object_type, segment):
    """Turn a builder tree into its rule, validate it and attach errors; return (rule, errors, unplaced)."""
    rule = builder.rule_from_node(root)
    errors = validate_rule(rule, object_type=object_type, slug=segment.slug if segment else None)
    unplaced = builder.attach_errors(root, errors)
    decorate(root, segment_options(object_type, segment))
    return rule, errors, unplaced


def preview_context(rule, errors, *, object_type, segment, now):
    """Return the preview panel's context: counts, sample, entering and leaving, and missing values."""
    if errors:
        return {"preview_errors": len(errors)}
    if not rule_has_conditions(rule):
        return {"preview_empty": True}
    try:
        preview = segment_preview(
            object_type=object_type, rule=rule, now=now, segment=segment, sample_size=PREVIEW_SAMPLE_SIZE
        )
    except RuleValidationError as error:
        return {"preview_errors": len(error.errors)}
    fields = rule_fields(rule)
    total, filled = cached_filled_counts(fields, object_type=object_type, now=now)
    missing = [
        (get_field(object_type, name).label, total - filled[name])
        for name in fields
        if name in filled
    ]
    return {"preview": preview, "missing": missing, "total": total, "object_type": object_type}


def cached_filled_counts(fields, *, object_type, now):
    """Return filled_counts for the fields, cached a few minutes per field list.

    Fill rates change only with imports, syncs and runs, while the preview
    asks for them on every keystroke, and each count reads the whole table.
    """
    key = f"segmentation:filled:{object_type}:{','.join(sorted(fields))}"
    cached = cache.get(key)
    if cached is None:
        cached = filled_counts(fields, object_type=object_type, now=now)
        cache.set(key, cached, FILLED_COUNTS_CACHE_SECONDS)
    return cached


def rule_has_conditions(rule):
    """Return False for a rule made only of empty groups, which the preview does not count."""
    if not isinstance(rule, dict):
        return True
    for kind in ("all", "any"):
        if kind in rule:
            return any(rule_has_conditions(child) for child in rule[kind])
    return True


def editor_context(request, *, segment, form, root, object_type, now, conflict=None):
    rule, errors, unplaced = build_state(root, object_type=object_type, segment=segment)
    context = {
        "segment": segment,
        "form": form,
        "root": root,
        "rule": rule,
        "rule_json": builder.rule_json(rule),
        "rule_lines": describe_rule(rule, object_type),
        "rule_errors": errors,
        "unplaced_errors": unplaced,
        "object_type": object_type,
        "may_edit": user_has_role(request.user, "revops"),
        "conflict": conflict,
        "version": segment.version if segment else 0,
        "supports_segments": builder.supports_segment_references(object_type),
        "builder_url": reverse("segmentation:segment_builder", args=[segment.pk])
        if segment
        else reverse("segmentation:segment_builder_new"),
        "preview_url": reverse("segmentation:segment_preview", args=[segment.pk])
        if segment
        else reverse("segmentation:segment_preview_new"),
    }
    context.update(preview_context(rule, errors, object_type=object_type, segment=segment, now=now))
    return context


def object_type_from(request, segment):
    if segment is not None:
        return segment.object_type
    object_type = request.POST.get("object_type") or request.GET.get("object_type") or ObjectType.ACCOUNTS
    return object_type if object_type in ObjectType.values else ObjectType.ACCOUNTS


def root_from_post(request, object_type):
    """Return the builder tree of a post: from the JSON box when it was loaded, else from the builder fields."""
    if request.POST.get("action") == "load-json":
        try:
            rule = json.loads(request.POST.get("rule_json") or "")
        except json.JSONDecodeError as error:
            raise ValueError(f"The rule JSON is invalid: {error.msg} at line {error.lineno}, column {error.colno}.")
        return builder.node_from_rule(rule, object_type=object_type)
    return builder.node_from_form(request.POST, object_type=object_type)


def apply_builder_action(request, root, object_type):
    action = request.POST.get("action") or ""
    if action and action != "load-json" and action not in ("save", "publish"):
        builder.apply_action(root, action, object_type=object_type)


@require_http_methods(["GET", "POST"])
@login_required
def segment_new(request):
    revops_only(request)
    return segment_editor(request, segment=None)


@require_http_methods(["GET", "POST"])
@login_required
def segment_edit(request, pk):
    segment = get_object_or_404(Segment.objects.select_related("owner"), pk=pk)
    if request.method == "POST":
        revops_only(request)
    return segment_editor(request, segment=segment)


def segment_editor(request, *, segment):
    now = timezone.now()
    object_type = object_type_from(request, segment)

    if request.method == "GET":
        initial = {"object_type": object_type}
        if request.GET.get("lens") in Lens.values:
            initial["lens"] = request.GET["lens"]
        form = SegmentForm(segment=segment, initial=initial) if segment is None else SegmentForm(
            segment=segment,
            initial={
                "name": segment.name,
                "slug": segment.slug,
                "lens": segment.lens,
                "object_type": segment.object_type,
                "description": segment.description,
            },
        )
        root = builder.node_from_rule(segment.rule if segment else EMPTY_RULE, object_type=object_type)
        if segment is None:
            builder.apply_action(root, "add-condition:r", object_type=object_type)
        context = editor_context(request, segment=segment, form=form, root=root, object_type=object_type, now=now)
        return render(request, "segmentation/segment_editor.html", context)

    form = SegmentForm(request.POST, segment=segment)
    try:
        root = root_from_post(request, object_type)
        apply_builder_action(request, root, object_type)
    except ValueError as error:
        return render(request, "400.html", {"reason": str(error)}, status=400)

    action = request.POST.get("action") or "save"
    if action not in ("save", "publish"):
        context = editor_context(request, segment=segment, form=form, root=root, object_type=object_type, now=now)
        return render(request, "segmentation/segment_editor.html", context)

    context = editor_context(request, segment=segment, form=form, root=root, object_type=object_type, now=now)
    if not form.is_valid() or context["rule_errors"]:
        messages.error(request, "The segment was not saved: fix the problems marked below.")
        return render(request, "segmentation/segment_editor.html", context, status=400)

    data = form.cleaned_data
    status = SegmentStatus.ACTIVE if action == "publish" else None
    try:
        if segment is None:
            segment = segment_create(
                name=data["name"],
                slug=data["slug"],
                lens=data["lens"],
                object_type=data["object_type"],
                description=data["description"],
                rule=context["rule"],
                owner=request.user,
                created_by=request.user,
            )
            if status:
                segment_edit_save(
                    segment=segment, expected_version=segment.version, changed_by=request.user, now=now, status=status
                )
            messages.success(request, f"Segment {segment.name} created" + (" and published." if status else " as a draft."))
            return redirect("segmentation:segment_edit", pk=segment.pk)

        result = segment_edit_save(
            segment=segment,
            expected_version=int(request.POST.get("version") or 0),
            changed_by=request.user,
            now=now,
            name=data["name"],
            lens=data["lens"],
            description=data["description"],
            rule=context["rule"],
            status=status,
        )
    except SegmentEditConflict as conflict:
        context["conflict"] = conflict_summary(conflict)
        messages.error(request, str(conflict))
        return render(request, "segmentation/segment_editor.html", context, status=409)
    except (RuleValidationError, ValidationError) as error:
        messages.error(request, f"The segment was not saved: {error_text(error)}")
        return render(request, "segmentation/segment_editor.html", context, status=400)

    messages.success(request, save_message(result))
    return redirect("segmentation:segment_edit", pk=result.segment.pk)


def error_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def save_message(result):
    segment = result.segment
    if not result.changed:
        return "Nothing changed, so no new version was saved."
    text = f"Saved version {segment.version} of {segment.name}."
    if result.recomputed:
        text += f" Membership recomputed: {segment.member_count:,} members."
    return text


def conflict_summary(conflict):
    """Return what the other editors changed, version by version, for the conflict message."""
    previous = SegmentVersion.objects.filter(
        segment=conflict.segment, version=conflict.expected_version
    ).first()
    summaries = []
    for version in conflict.versions:
        summaries.append({"version": version, "summary": version_changes(version, previous, conflict.segment.object_type)})
        previous = version
    return {"segment": conflict.segment, "versions": summaries, "error": str(conflict)}


@require_POST
@login_required
def segment_builder(request, pk=None):
    """Re-render the builder after a structural action, with the preview as an out-of-band swap."""
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    object_type = object_type_from(request, segment)
    try:
        root = root_from_post(request, object_type)
        apply_builder_action(request, root, object_type)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    context = editor_context(
        request, segment=segment, form=None, root=root, object_type=object_type, now=timezone.now()
    )
    context["oob"] = True
    return render(request, "segmentation/_builder_response.html", context)


@require_POST
@login_required
def segment_preview_panel(request, pk=None):
    """Render the live preview of the rule in the posted builder, with each error swapped in at its node."""
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    object_type = object_type_from(request, segment)
    try:
        root = root_from_post(request, object_type)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    context = editor_context(
        request, segment=segment, form=None, root=root, object_type=object_type, now=timezone.now()
    )
    context["nodes"] = list(root.walk())
    return render(request, "segmentation/_preview_response.html", context)


@require_POST
@login_required
def segment_status_change(request, pk, status):
    """Publish (make active) or retire a segment without changing its rule."""
    revops_only(request)
    segment = get_object_or_404(Segment, pk=pk)
    try:
        result = segment_edit_save(
            segment=segment,
            expected_version=int(request.POST.get("version") or 0),
            changed_by=request.user,
            now=timezone.now(),
            status=status,
        )
    except SegmentEditConflict as conflict:
        messages.error(request, f"{conflict} Review the changes below before you try again.")
        return redirect("segmentation:segment_history", pk=segment.pk)
    except (RuleValidationError, ValidationError) as error:
        messages.error(request, f"The status was not changed: {error_text(error)}")
        return redirect("segmentation:segment_edit", pk=segment.pk)
    if status == SegmentStatus.RETIRED:
        messages.success(request, f"{segment.name} is retired. Its members leave it at the next recompute run.")
    else:
        messages.success(request, save_message(result))
    return redirect("segmentation:segment_edit", pk=segment.pk)


@require_GET
@login_required
def segment_history(request, pk):
    segment = get_object_or_404(Segment, pk=pk)
    versions = list(segment.versions.select_related("changed_by").order_by("version"))
    entries = []
    previous = None
    for version in versions:
        entries.append({"version": version, "summary": version_changes(version, previous, segment.object_type)})
        previous = version
    entries.reverse()
    return render(
        request,
        "segmentation/segment_history.html",
        {"segment": segment, "entries": entries, "may_edit": user_has_role(request.user, "revops")},
    )


@require_POST
@login_required
def segment_rollback(request, pk, version):
    """Make an earlier version's name and rule current again, as a new version."""
    revops_only(request)
    segment = get_object_or_404(Segment, pk=pk)
    target = get_object_or_404(SegmentVersion, segment=segment, version=version)
    try:
        result = segment_edit_save(
            segment=segment,
            expected_version=int(request.POST.get("version") or 0),
            changed_by=request.user,
            now=timezone.now(),
            name=target.name,
            rule=target.rule,
        )
    except SegmentEditConflict as conflict:
        messages.error(request, f"{conflict} Review the changes below before you roll back.")
        return redirect("segmentation:segment_history", pk=segment.pk)
    except (RuleValidationError, ValidationError) as error:
        messages.error(request, f"Version {version} cannot be restored: {error_text(error)}")
        return redirect("segmentation:segment_history", pk=segment.pk)
    if result.changed:
        messages.success(request, f"Rolled back to version {version}; saved as version {result.segment.version}.")
    else:
        messages.info(request, f"Version {version} matches the current segment; nothing changed.")
    return redirect("segmentation:segment_history", pk=segment.pk)

