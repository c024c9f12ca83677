"""Records API: accounts, contacts, opportunities, engagement events and intent signals."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from accounts.models import Account, Contact, EngagementEvent, IntentSignal, Opportunity

from . import filters, serializers
from .signals import records_written

EXTERNAL_ID_PATH = r"by-external-id/(?P<external_id>[^/]+)"
SOURCE_PARAMETER = OpenApiParameter(
    "source", str, description="The system the external id comes from, such as crm; needed when several match."
)


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with another record."


def notify_written(account_ids):
    ids = sorted({account_id for account_id in account_ids if account_id})
    if ids:
        transaction.on_commit(lambda: records_written.send(sender=Account, account_ids=ids))


class RecordViewSet(viewsets.ModelViewSet):
    """List, read, create, partly update and delete one kind of record."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering = ["id"]
    lookup_value_regex = r"\d+"

    def account_ids_of(self, instance):
        return [instance.account_id]

    def perform_create(self, serializer):
        self.save(serializer)

    def perform_update(self, serializer):
        self.save(serializer)

    def save(self, serializer):
        try:
            with transaction.atomic():
                instance = serializer.save()
        except IntegrityError as error:
            raise ConflictError(f"The record conflicts with another one: {error.__cause__ or error}") from None
        notify_written(self.account_ids_of(instance))

    def perform_destroy(self, instance):
        account_ids = self.account_ids_of(instance)
        instance.delete()
        notify_written(account_ids)

    def get_by_external_id(self, external_id):
        queryset = self.filter_by_source(self.get_queryset().filter(external_id__iexact=external_id.strip()))
        matches = list(queryset[:2])
        if not matches:
            raise exceptions.NotFound(f"No {self.record_name} has the external id {external_id!r}.")
        if len(matches) > 1:
            raise ConflictError(
                f"Several {self.record_name}s have the external id {external_id!r}: add ?source= to pick one."
            )
        self.check_object_permissions(self.request, matches[0])
        return matches[0]

    def filter_by_source(self, queryset):
        source = self.request.query_params.get("source")
        return queryset.filter(source=source) if source else queryset

    @extend_schema(parameters=[SOURCE_PARAMETER], operation_id=None)
    @action(detail=False, methods=["get", "patch", "delete"], url_path=EXTERNAL_ID_PATH, url_name="by-external-id")
    def by_external_id(self, request, external_id=None):
        instance = self.get_by_external_id(external_id)
        if request.method == "DELETE":
            self.perform_destroy(instance)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            serializer = self.get_serializer(instance, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            return Response(serializer.data)
        return Response(self.get_serializer(instance).data)


class AccountViewSet(RecordViewSet):
    record_name = "account"
    serializer_class = serializers.AccountSerializer
    filterset_class = filters.AccountFilter
    ordering_fields = ["id", "name", "updated_at", "created_at", "icp_score", "icp_tier", "employee_count", "annual_revenue"]

    def get_queryset(self):
        return Account.objects.select_related("owner")

    def account_ids_of(self, instance):
        return [instance.pk]

    def perform_destroy(self, instance):
        # The account itself is gone, so no recompute is queued for it.
        instance.delete()


class AccountChildViewSet(RecordViewSet):
    model = None

    def get_queryset(self):
        return self.model.objects.annotate(account_external_id=F("account__external_id"))


class ContactViewSet(AccountChildViewSet):
    record_name = "contact"
    model = Contact
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["id", "updated_at", "created_at", "last_name", "email"]


class OpportunityViewSet(AccountChildViewSet):
    record_name = "opportunity"
    model = Opportunity
    serializer_class = serializers.OpportunitySerializer
    filterset_class = filters.OpportunityFilter
    ordering_fields = ["id", "updated_at", "created_at", "created_date", "closed_date", "amount"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner")


class EngagementEventViewSet(AccountChildViewSet):
    record_name = "engagement event"
    model = EngagementEvent
    serializer_class = serializers.EngagementEventSerializer
    filterset_class = filters.EngagementEventFilter
    ordering_fields = ["id", "updated_at", "occurred_at"]


class IntentSignalViewSet(AccountChildViewSet):
    record_name = "intent signal"
    model = IntentSignal
    serializer_class = serializers.IntentSignalSerializer
    filterset_class = filters.IntentSignalFilter
    ordering_fields = ["id", "updated_at", "observed_at", "score"]
