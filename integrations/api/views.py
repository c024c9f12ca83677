"""Webhook endpoints: subscriptions, their delivery log, and replay."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.services import (
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_update,
)

from . import serializers


def creator_of(request):
    return request.user if getattr(request.user, "pk", None) else None


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Subscriptions of URLs to tier changes, segment entries and exits, and stage changes."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = serializers.WebhookSubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["id"]
    lookup_value_regex = r"\d+"

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
        """The delivery log of one subscription, newest first."""
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
    lookup_value_regex = r"\d+"

    @extend_schema(request=None, responses={202: serializers.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send the delivery's event again as a new delivery with the same event id."""
        replay = webhook_delivery_replay(delivery=self.get_object())
        return Response(self.get_serializer(replay).data, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
