"""The lenses overview and the segment list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import user_has_role

from ..forms import SegmentListFilterForm
from ..models import Lens
from ..selectors.overview import TREND_DAYS, lens_overview, segment_rows
from ..services.lenses import lens_enabled_set
from .editor import revops_only


@require_GET
@login_required
def lenses(request):
    return render(
        request,
        "segmentation/lenses.html",
        {"lenses": lens_overview(), "may_edit": user_has_role(request.user, "revops")},
    )


@require_GET
@login_required
def segment_list(request):
    form = SegmentListFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "segmentation/segment_list.html", {"form": form, "rows": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    rows = segment_rows(
        text=(data.get("q") or "").strip(),
        lens=data.get("lens") or "",
        status=data.get("status") or "",
        owner=request.user if data.get("owner") == "me" else None,
        only_errors=bool(data.get("errors")),
        now=timezone.now(),
    )
    context = {
        "form": form,
        "rows": rows,
        "filtered": form.is_bound and any(data.values()),
        "trend_days": TREND_DAYS,
        "may_edit": user_has_role(request.user, "revops"),
    }
    template = "segmentation/_segment_rows.html" if request.htmx else "segmentation/segment_list.html"
    return render(request, template, context)


@require_POST
@login_required
def lens_toggle(request, lens):
    revops_only(request, "Only RevOps can turn lenses on and off.")
    if lens not in Lens.values:
        return render(request, "400.html", {"reason": f"Unknown lens {lens!r}."}, status=400)
    enabled = request.POST.get("enabled") == "on"
    lens_enabled_set(lens=lens, enabled=enabled, changed_by=request.user)
    label = Lens(lens).label
    messages.success(request, f"{label} is {'on' if enabled else 'off'}." + ("" if enabled else " Its fields leave the rule builder; segments built on it keep working."))
    return redirect("segmentation:lenses")
