"""Webhook endpoints: subscriptions, their delivery log, and replay."""

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.views import APIView
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.services import (
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_update,
)

from integrations.feeds import FeedPosition, InvalidCursor, feed_page
from integrations.models import Feed

from . import serializers
from .serializers import MAX_FEED_LIMIT


def creator_of(request):
    return request.user if getattr(request.user, "pk", None) else None


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Subscriptions of URLs to tier changes, segment entries and exits, stage changes and play events."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = serializers.WebhookSubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["id"]
    lookup_value_regex = r"\d{1,18}"

    @extend_schema(responses={201: serializers.WebhookSubscriptionCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, secret = webhook_subscription_create(**serializer.validated_data, created_by=creator_of(request))
        subscription.secret = secret
        body = serializers.WebhookSubscriptionCreatedSerializer(subscription).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = webhook_subscription_update(subscription=serializer.instance, **serializer.validated_data)

    @extend_schema(responses={200: serializers.WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """List the delivery log of one subscription, newest first."""
        subscription = self.get_object()
        queryset = WebhookDelivery.objects.filter(subscription=subscription).prefetch_related("attempt_log")
        self.ordering = ["-id"]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every delivery, with its attempts; a delivery can be sent again."""

    queryset = WebhookDelivery.objects.prefetch_related("attempt_log")
    serializer_class = serializers.WebhookDeliverySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["status", "event_type", "subscription"]
    ordering = ["-id"]
    lookup_value_regex = r"\d{1,18}"

    @extend_schema(request=None, responses={202: serializers.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send the delivery's event again as a new delivery with the same event id."""
        replay = webhook_delivery_replay(delivery=self.get_object())
        return Response(self.get_serializer(replay).data, status=status.HTTP_202_ACCEPTED)


class ChangeFeedView(APIView):
    """An ordered stream of changes that a client resumes from its last cursor.

    Store `next_cursor` after each page and pass it back as `?cursor=`: no
    event is missed or repeated, even across restarts. An empty page returns
    the same cursor, so a client can keep polling with it.
    """

    feed = None

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="The next_cursor of the previous page; omit to start from the oldest event."),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Without a cursor, start at the first event recorded at or after this time."),
            OpenApiParameter("limit", int, description=f"Events a page, from 1 to {MAX_FEED_LIMIT}; default 100."),
        ],
        responses={200: serializers.ChangeFeedPageSerializer},
    )
    def get(self, request):
        params = serializers.ChangeFeedQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cursor = params.validated_data.get("cursor")
        try:
            after = FeedPosition.decode(self.feed, cursor) if cursor else None
        except InvalidCursor:
            raise exceptions.ValidationError(
                {"cursor": [f"Invalid cursor for the {self.feed} feed: pass a next_cursor this feed returned, unchanged."]}
            ) from None
        page = feed_page(
            feed=self.feed, after=after, limit=params.validated_data["limit"], since=params.validated_data.get("since")
        )
        body = {
            "results": page.events,
            "next_cursor": page.position.encode(self.feed) if page.position else cursor,
            "has_more": page.has_more,
        }
        return Response(serializers.ChangeFeedPageSerializer(body).data)


def change_feed_view(feed):
    view = type(f"{feed.capitalize()}ChangeFeedView", (ChangeFeedView,), {"feed": feed, "__doc__": ChangeFeedView.__doc__})
    return view.as_view()


# The plays feed only feeds webhooks: API clients read play entries, exits
# and SLA changes from /api/v1/enrollments/changes/.
API_FEEDS = [Feed.TIERS, Feed.STAGES, Feed.MEMBERSHIPS]

change_feed_urls = [
    path(f"changes/{feed}/", change_feed_view(feed), name=f"changes-{feed}") for feed in API_FEEDS
]

router = SimpleRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
