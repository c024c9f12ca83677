"""The home page: each role starts from what it works on."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.selectors import account_overview

from ..permissions import user_roles
from ..selectors.home import RECENT_DAYS, recent_segment_entries, rep_summary, segment_summary


@require_GET
@login_required
def home(request):
    roles = user_roles(request.user)
    now = timezone.now()
    context = {
        "rep": rep_summary(request.user, now=now),
        "segments": segment_summary(),
        "overview": account_overview() if "revops" in roles or not request.user.owned_accounts.exists() else None,
    }
    return render(request, "workspace/home.html", context)


@require_GET
@login_required
def home_recent_entries(request):
    """Render the home page's list of segment entries, which the page loads after itself."""
    entries = recent_segment_entries(request.user, now=timezone.now())
    return render(request, "workspace/_recent_entries.html", {"entries": entries, "recent_days": RECENT_DAYS})
