"""Recompute runs: their status, step timings, counts, changes and errors, and "run now"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import user_has_role

from ..models import RecomputeRun, RunTrigger
from ..selectors.pipeline import recompute_health, run_changes
from ..services.pipeline import RecomputeInProgress, recompute_request
from .editor import revops_only

RUNS_PER_PAGE = 25


@require_GET
@login_required
def run_list(request):
    runs = RecomputeRun.objects.select_related("requested_by").order_by("-id")
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "health": recompute_health(),
        "may_run": user_has_role(request.user, "revops"),
    }
    template = "segmentation/_run_rows.html" if request.htmx else "segmentation/run_list.html"
    return render(request, template, context)


@require_GET
@login_required
def run_detail(request, pk):
    run = get_object_or_404(RecomputeRun.objects.select_related("requested_by"), pk=pk)
    return render(request, "segmentation/run_detail.html", {"run": run, "changes": run_changes(run)})


@require_POST
@login_required
def run_now(request):
    """Start a run; a second request while one runs is refused with a message naming that run."""
    revops_only(request, "Only RevOps can start a recompute run.")
    full = request.POST.get("full") == "on"
    try:
        run = recompute_request(trigger=RunTrigger.UI, requested_by=request.user, full=full)
    except RecomputeInProgress as busy:
        messages.warning(request, str(busy))
        return redirect("segmentation:run_list")
    messages.success(request, f"Recompute run #{run.pk} started ({'all accounts' if run.full else 'changed accounts'}).")
    return redirect("segmentation:run_detail", pk=run.pk)
