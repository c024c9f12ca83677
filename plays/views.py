"""Pages of plays and journeys. Everyone signed in reads; only RevOps edits."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Motion
from accounts.roles import user_has_role
from segmentation.models import Segment
from segmentation.rules import validate_rule

from .criteria import PlayCriteria
from .forms import CadenceStepFormSet, JourneyStageForm, PlayForm, cadence_steps_from
from .models import CadenceStep, Enrollment, EnrollmentStatus, JourneyStage, Play, PlayStatus, SlaStatus
from .selectors import (
    journey_accounts,
    journey_heatmap,
    journey_ladder,
    play_enrollments,
    play_entry_preview,
    play_kpis,
    play_list,
    play_sla_summary,
)
from .selectors.journeys import UNPLACED, UNPLACED_LABEL
from .services import (
    PlayChangedError,
    cadence_step_complete,
    journey_stage_delete,
    journey_stage_save,
    play_lock_unchanged,
    play_save,
    play_status_set,
    play_version,
)
from .services.plays import STATUS_CHANGES, STEP_FIELDS

ENROLLMENTS_PER_PAGE = 50
ACCOUNTS_PER_PAGE = 50
STATUS_ACTIONS = {"activate": PlayStatus.ACTIVE, "pause": PlayStatus.PAUSED, "retire": PlayStatus.RETIRED}


def revops_required(view):
    """Let only RevOps through; others get 403 and anonymous users the sign-in page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not user_has_role(request.user, "revops"):
            raise PermissionDenied("Only RevOps can change plays and the journey ladder.")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, items, per_page):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


@login_required
def play_index(request):
    status = request.GET.get("status") if request.GET.get("status") in PlayStatus.values else None
    motion = request.GET.get("motion") if request.GET.get("motion") in Motion.values else None
    context = {
        "plays": play_list(status=status, motion=motion),
        "statuses": PlayStatus.choices,
        "motions": Motion.choices,
        "status": status,
        "motion": motion,
        "may_edit": user_has_role(request.user, "revops"),
    }
    return render(request, "plays/play_list.html", context)


@login_required
def play_detail(request, slug):
    play = get_object_or_404(Play, slug=slug)
    now = timezone.now()
    status = request.GET.get("status") if request.GET.get("status") in EnrollmentStatus.values else None
    sla_status = request.GET.get("sla") if request.GET.get("sla") in SlaStatus.values else None
    enrollments = play_enrollments(play=play, now=now, status=status, sla_status=sla_status)
    context = {
        "play": play,
        "steps": play.steps.all(),
        "segments": play.entry_segments.order_by("name"),
        "kpis": play_kpis(play=play, now=now),
        "sla": play_sla_summary(play=play, now=now),
        "page": _page(request, enrollments, ENROLLMENTS_PER_PAGE),
        "status": status,
        "sla_status": sla_status,
        "enrollment_statuses": EnrollmentStatus.choices,
        "sla_statuses": SlaStatus.choices,
        "may_edit": user_has_role(request.user, "revops"),
        "actions": [
            (action, target) for action, target in STATUS_ACTIONS.items()
            if target in _allowed_targets(play)
        ],
    }
    return render(request, "plays/play_detail.html", context)


def _allowed_targets(play):
    return STATUS_CHANGES[PlayStatus(play.status)]


def _bind_editor(request, play):
    data = request.POST if request.method == "POST" else None
    initial_steps = []
    if play.pk:
        initial_steps = [
            {field: getattr(step, field) for field in ("id", *STEP_FIELDS)}
            for step in play.steps.all()
        ]
    form = PlayForm(data, instance=play, initial={"version": play_version(play)} if play.pk else None)
    formset = CadenceStepFormSet(data, initial=initial_steps if data is None else None, prefix="steps")
    return form, formset


@require_http_methods(["GET", "POST"])
@revops_required
def play_edit(request, slug=None):
    play = get_object_or_404(Play, slug=slug) if slug else Play(owner=request.user)
    form, formset = _bind_editor(request, play)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        edited = form.save(commit=False)
        try:
            with transaction.atomic():
                if edited.pk:
                    play_lock_unchanged(play=edited, version=form.cleaned_data["version"])
                play = play_save(play=edited, segment_ids=form.segment_ids(), steps=cadence_steps_from(formset))
        except PlayChangedError as conflict:
            form.add_error(None, str(conflict))
            status = 409
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved {play.name}. Enrollment follows at the next recompute.")
            return redirect("plays:detail", slug=play.slug)
    return render(request, "plays/play_form.html", {"form": form, "formset": formset, "play": play}, status=status)


def _add_errors(form, error):
    for field, messages_ in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)


@require_POST
@revops_required
def play_preview(request, slug=None):
    """Render who would enter now with the editor's unsaved settings."""
    play = get_object_or_404(Play, slug=slug) if slug else Play()
    form = PlayForm(request.POST, instance=play)
    context = {"form": form, "preview": None}
    if form.is_valid():
        edited = form.save(commit=False)
        criteria = PlayCriteria(
            segment_ids=tuple(form.segment_ids()),
            tiers=tuple(edited.eligible_tiers),
            lifecycle_stages=tuple(edited.entry_lifecycle_stages),
            rule=edited.entry_rule,
            exit_lifecycle_stages=tuple(edited.exit_lifecycle_stages),
            exit_journey_stages=tuple(edited.exit_journey_stages),
        )
        rule_errors = validate_rule(edited.entry_rule, object_type="accounts") if edited.entry_rule else []
        if rule_errors:
            context["rule_errors"] = [str(error) for error in rule_errors]
        elif not criteria.has_entry_criteria:
            context["no_criteria"] = True
        else:
            context["preview"] = play_entry_preview(play=edited, criteria=criteria, now=timezone.now())
    return render(request, "plays/_preview.html", context)


@require_POST
@revops_required
def play_status(request, slug):
    play = get_object_or_404(Play, slug=slug)
    target = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if target is None:
        messages.error(request, f"Unknown action {request.POST.get('action')!r}: use activate, pause or retire.")
        return redirect("plays:detail", slug=play.slug)
    try:
        play_status_set(play=play, status=target)
    except ValidationError as error:
        messages.error(request, " ".join(message for messages_ in error.message_dict.values() for message in messages_))
    else:
        messages.success(request, f"{play.name} is now {play.get_status_display().lower()}. "
                                  "Enrollments follow at the next recompute.")
    return redirect("plays:detail", slug=play.slug)


@require_POST
@login_required
def step_done(request, enrollment_id, step_id):
    enrollment = get_object_or_404(Enrollment.objects.select_related("account"), pk=enrollment_id)
    step = get_object_or_404(CadenceStep, pk=step_id)
    if enrollment.account.owner_id != request.user.pk and not user_has_role(request.user, "revops"):
        raise PermissionDenied("Only the account's owner or RevOps can mark its steps done.")
    try:
        cadence_step_complete(enrollment=enrollment, step=step, user=request.user, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Marked done: {step.action} for {enrollment.account.name}.")
    next_url = request.POST.get("next")
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("plays:queue")


@login_required
def queue(request):
    """Render the signed-in user's work queue, which the rep_work_queue tag reads."""
    return render(request, "plays/work_queue.html")


@login_required
def journeys(request):
    context = {
        "ladder": journey_ladder(),
        "heatmap": journey_heatmap(),
        "may_edit": user_has_role(request.user, "revops"),
    }
    return render(request, "plays/journeys.html", context)


@login_required
def journey_cell(request):
    """List the accounts of one heatmap cell: ?segment=SLUG&stage=KEY (either may be left out)."""
    segment = None
    if request.GET.get("segment"):
        segment = get_object_or_404(Segment, slug=request.GET["segment"])
    stage_key = request.GET.get("stage")
    stage_name = None
    if stage_key == UNPLACED:
        stage_name = UNPLACED_LABEL
    elif stage_key is not None:
        stage_name = get_object_or_404(JourneyStage, key=stage_key).name
    context = {
        "segment": segment,
        "stage_name": stage_name,
        "page": _page(request, journey_accounts(segment=segment, stage_key=stage_key), ACCOUNTS_PER_PAGE),
        "query": request.GET.copy(),
    }
    context["query"].pop("page", None)
    return render(request, "plays/journey_accounts.html", context)


@require_http_methods(["GET", "POST"])
@revops_required
def journey_stage_edit(request, key=None):
    stage = get_object_or_404(JourneyStage, key=key) if key else JourneyStage()
    form = JourneyStageForm(request.POST or None, instance=stage)
    if request.method == "POST" and form.is_valid():
        try:
            stage = journey_stage_save(stage=form.save(commit=False))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved the stage {stage.name}. Accounts move at the next recompute.")
            return redirect("plays:journeys")
    status = 400 if request.method == "POST" else 200
    return render(request, "plays/journey_stage_form.html", {"form": form, "stage": stage}, status=status)


@require_POST
@revops_required
def journey_stage_remove(request, key):
    stage = get_object_or_404(JourneyStage, key=key)
    journey_stage_delete(stage=stage)
    messages.success(request, f"Deleted the stage {stage.name}. Its accounts move at the next recompute.")
    return redirect("plays:journeys")
