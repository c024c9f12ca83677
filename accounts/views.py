"""Pages for imports and synonym tables.

Every signed-in user can view the import history. Only RevOps uploads files
and edits the synonym tables.
"""

import csv
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import ImportUploadForm, SynonymForm
from accounts.importing.selectors import import_run_get, import_run_list, synonym_list
from accounts.importing.services import import_run_create, synonym_delete, synonym_save
from accounts.models import ImportRun, SynonymKind
from accounts.roles import user_has_role
from accounts.tasks import import_run_task

REPORT_PREVIEW_LINES = 200


def revops_required(view):
    """Let only RevOps users through; others get 403 and anonymous users the sign-in page."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not user_has_role(request.user, "revops"):
            raise PermissionDenied("Only RevOps can import files and edit synonym tables.")
        return view(request, *args, **kwargs)

    return wrapper


def _get_run(import_run_id):
    try:
        return import_run_get(import_run_id=import_run_id)
    except ImportRun.DoesNotExist:
        raise Http404("No import has this id.") from None


@require_GET
@login_required
def import_list(request):
    page = Paginator(import_run_list(), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/import_list.html", {
        "page": page,
        "can_import": user_has_role(request.user, "revops"),
    })


@require_http_methods(["GET", "POST"])
@revops_required
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = import_run_create(
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            content=upload.read(),
            options=form.cleaned_data["options"],
            created_by=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
        # The worker must find the committed record, so the task is sent after the commit.
        transaction.on_commit(lambda: import_run_task.delay(run.pk))
        return redirect("accounts:import_detail", run.pk)
    return render(request, "accounts/import_upload.html", {"form": form}, status=400 if form.errors else 200)


def _report_preview(run):
    lines = run.report.splitlines()
    rows = list(csv.reader(lines[1: REPORT_PREVIEW_LINES + 1]))
    return rows, max(len(lines) - 1, 0)


def _synonym_kind_for(run, field):
    """Return the synonym table that would resolve an unknown value of field, or None."""
    if field in ("stage", "status"):
        return SynonymKind.OPPORTUNITY_STAGE
    if field == "type":
        return SynonymKind.OPPORTUNITY_TYPE if run.kind == "opportunities" else SynonymKind.EVENT_TYPE
    return field if field in SynonymKind.values else None


def _unknown_values(run):
    rows = []
    for field, values in (run.summary.get("unknown_values") or {}).items():
        for value, count in values.items():
            rows.append({"field": field, "value": value, "count": count, "kind": _synonym_kind_for(run, field)})
    return rows


@require_GET
@login_required
def import_detail(request, import_run_id):
    run = _get_run(import_run_id)
    rows, issue_count = _report_preview(run)
    return render(request, "accounts/import_detail.html", {
        "run": run,
        "issues": rows,
        "issue_count": issue_count,
        "preview_limit": REPORT_PREVIEW_LINES,
        "unknown_values": _unknown_values(run),
        "can_edit_synonyms": user_has_role(request.user, "revops"),
    })


@require_GET
@login_required
def import_progress(request, import_run_id):
    """The progress fragment that htmx polls; once the import is finished it asks htmx to reload the page."""
    run = _get_run(import_run_id)
    response = render(request, "accounts/_import_progress.html", {"run": run})
    if run.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@login_required
def import_report(request, import_run_id):
    run = _get_run(import_run_id)
    response = HttpResponse(run.report or "line,column,value,outcome,reason\n", content_type="text/csv; charset=utf-8")
    stem = run.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-report-{run.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@revops_required
def synonym_list_view(request):
    kind = request.GET.get("kind") or ""
    if kind and kind not in SynonymKind.values:
        kind = ""
    initial = {"kind": kind or request.GET.get("add_kind"), "synonym": request.GET.get("synonym", "")}
    form = SynonymForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        entry = synonym_save(kind=form.cleaned_data["kind"], synonym=form.cleaned_data["synonym"],
                             value=form.cleaned_data["value"], user=request.user)
        messages.success(request, f"Saved: {entry.synonym} → {entry.value} in {entry.get_kind_display()}. "
                                  "Re-import the file to apply it.")
        return redirect(f"{request.path}?kind={entry.kind}")
    page = Paginator(synonym_list(kind=kind, search=request.GET.get("q", "")), 100).get_page(request.GET.get("page"))
    return render(request, "accounts/synonym_list.html", {
        "form": form,
        "page": page,
        "kind": kind,
        "kinds": SynonymKind.choices,
        "query": request.GET.get("q", ""),
    }, status=400 if form.errors else 200)


@require_POST
@revops_required
def synonym_delete_view(request, synonym_id):
    if synonym_delete(synonym_id=synonym_id, user=request.user):
        messages.success(request, "Synonym deleted.")
    else:
        messages.error(request, "That synonym no longer exists.")
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("accounts:synonym_list")
