"""Pages where RevOps manages API tokens and webhook subscriptions."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import user_has_role

from .models import ApiToken, TokenScope, WebhookDelivery, WebhookEvent, WebhookSubscription
from .services.tokens import api_token_create, api_token_revoke
from .services.webhooks import webhook_delivery_replay, webhook_subscription_create, webhook_subscription_update

RECENT_DELIVERIES = 50


def revops_required(view):
    """Let only signed-in RevOps users through: others get the 403 page, anonymous users the sign-in page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not user_has_role(request.user, "revops"):
            raise PermissionDenied("Only RevOps can manage API tokens and webhooks.")
        return view(request, *args, **kwargs)

    return wrapper


def error_messages(error):
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return error.messages


@require_http_methods(["GET", "POST"])
@revops_required
def token_list(request):
    """List tokens and create one; a new token's secret is shown on this response only."""
    context = {"scopes": TokenScope.choices, "errors": [], "form": {}}
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "")
        scopes = request.POST.getlist("scopes")
        limit = (request.POST.get("rate_limit_per_minute") or "").strip()
        context["form"] = {"name": name, "scopes": scopes, "rate_limit_per_minute": limit}
        try:
            if limit and not limit.isdigit():
                raise ValidationError({"rate_limit_per_minute": [f"Invalid rate limit {limit!r}: give requests per minute as a whole number, or leave it empty."]})
            token, secret = api_token_create(
                name=name, scopes=scopes, created_by=request.user, rate_limit_per_minute=int(limit) if limit else None
            )
        except ValidationError as error:
            context["errors"] = error_messages(error)
            status = 400
        else:
            context["new_token"], context["new_secret"] = token, secret
            context["form"] = {}
    context["tokens"] = ApiToken.objects.select_related("created_by", "revoked_by").order_by("revoked_at", "-created_at")
    response = render(request, "integrations/token_list.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@revops_required
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    api_token_revoke(token=token, revoked_by=request.user)
    messages.success(request, f"Token {token.name} ({token.prefix}…) is revoked; requests with it now get 401.")
    return redirect("integrations:token_list")


@require_http_methods(["GET", "POST"])
@revops_required
def webhook_list(request):
    """List subscriptions with their recent deliveries and create one; the signing secret is shown once."""
    context = {"events": WebhookEvent.choices, "errors": [], "form": {}}
    status = 200
    if request.method == "POST":
        form = {"name": request.POST.get("name", ""), "url": request.POST.get("url", ""), "events": request.POST.getlist("events")}
        context["form"] = form
        try:
            subscription, secret = webhook_subscription_create(created_by=request.user, **form)
        except ValidationError as error:
            context["errors"] = error_messages(error)
            status = 400
        else:
            context["new_subscription"], context["new_secret"] = subscription, secret
            context["form"] = {}
    context["subscriptions"] = WebhookSubscription.objects.order_by("-is_active", "name")
    context["deliveries"] = WebhookDelivery.objects.select_related("subscription").order_by("-created_at", "-id")[:RECENT_DELIVERIES]
    response = render(request, "integrations/webhook_list.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@revops_required
def webhook_toggle(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    webhook_subscription_update(subscription=subscription, is_active=not subscription.is_active)
    state = "resumed" if subscription.is_active else "paused"
    messages.success(request, f"Webhook {subscription.name} {state}.")
    return redirect("integrations:webhook_list")


@require_POST
@revops_required
def delivery_replay(request, pk):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    replay = webhook_delivery_replay(delivery=delivery)
    messages.success(request, f"Event {delivery.event_id} queued again as delivery #{replay.pk}.")
    return redirect("integrations:webhook_list")
