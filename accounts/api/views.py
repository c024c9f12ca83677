"""Records API: accounts, contacts, opportunities, engagement events, intent signals and ARR snapshots."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from accounts.models import (
    DEFAULT_SOURCE,
    Account,
    ArrSnapshot,
    Contact,
    EngagementEvent,
    ImportKind,
    IntentSignal,
    Opportunity,
)

from . import bulk, filters, serializers
from .signals import records_written

EXTERNAL_ID_PATH = r"by-external-id/(?P<external_id>[^/]+)"
SOURCE_PARAMETER = OpenApiParameter(
    "source", str, description="The system the external id comes from, such as crm; needed when several match."
)
BULK_PARAMETERS = [
    OpenApiParameter(
        "source", str, description=f"The system the records come from; external ids are unique within it. Default: {DEFAULT_SOURCE}."
    ),
    OpenApiParameter("dry_run", bool, description="Report what would happen without writing anything."),
]
TRUE_WORDS = {"1", "true", "yes"}
MAX_SOURCE_LENGTH = 64


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
    # Ids are 64-bit; a longer number is no id and gets a 404.
    lookup_value_regex = r"\d{1,18}"

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

    @extend_schema(
        request=bulk.BulkRequestSerializer,
        responses={200: bulk.BulkResponseSerializer, 207: bulk.BulkResponseSerializer},
        parameters=BULK_PARAMETERS,
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert", url_name="bulk-upsert")
    def bulk_upsert(self, request):
        """Create or update up to 1,000 records by external id; each record gets its own result.

        Returns 200 when every record succeeded and 207 when some failed. The
        valid records are written either way.
        """
        payload = bulk.BulkRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        source = request.query_params.get("source") or DEFAULT_SOURCE
        if len(source) > MAX_SOURCE_LENGTH:
            raise exceptions.ValidationError({"source": [f"Invalid source: use at most {MAX_SOURCE_LENGTH} characters."]})
        dry_run = request.query_params.get("dry_run", "").lower() in TRUE_WORDS
        outcome = bulk.bulk_upsert(
            kind=self.import_kind, records=payload.validated_data["records"], source=source, dry_run=dry_run
        )
        notify_written(self.account_ids_for(outcome.record_ids))
        return Response(outcome.body, status=outcome.status_code)

    def account_ids_for(self, record_ids):
        if not record_ids:
            return []
        return list(self.get_queryset().model.objects.filter(pk__in=record_ids).values_list("account_id", flat=True))

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

    import_kind = ImportKind.ACCOUNTS

    def account_ids_of(self, instance):
        return [instance.pk]

    def account_ids_for(self, record_ids):
        return record_ids

    def perform_destroy(self, instance):
        # The account itself is gone, so no recompute is queued for it.
        instance.delete()


class AccountChildViewSet(RecordViewSet):
    model = None

    def get_queryset(self):
        return self.model.objects.annotate(account_external_id=F("account__external_id"))


class ContactViewSet(AccountChildViewSet):
    import_kind = ImportKind.CONTACTS
    record_name = "contact"
    model = Contact
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["id", "updated_at", "created_at", "last_name", "email"]


class OpportunityViewSet(AccountChildViewSet):
    import_kind = ImportKind.OPPORTUNITIES
    record_name = "opportunity"
    model = Opportunity
    serializer_class = serializers.OpportunitySerializer
    filterset_class = filters.OpportunityFilter
    ordering_fields = ["id", "updated_at", "created_at", "created_date", "closed_date", "amount"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner")


class EngagementEventViewSet(AccountChildViewSet):
    import_kind = ImportKind.EVENTS
    record_name = "engagement event"
    model = EngagementEvent
    serializer_class = serializers.EngagementEventSerializer
    filterset_class = filters.EngagementEventFilter
    ordering_fields = ["id", "updated_at", "occurred_at"]


class ArrSnapshotViewSet(AccountChildViewSet):
    """ARR by account and month; bulk upsert matches by external id, else by account and month."""

    import_kind = ImportKind.ARR
    record_name = "ARR snapshot"
    model = ArrSnapshot
    serializer_class = serializers.ArrSnapshotSerializer
    filterset_class = filters.ArrSnapshotFilter
    ordering_fields = ["id", "updated_at", "month", "arr"]


class IntentSignalViewSet(AccountChildViewSet):
    import_kind = ImportKind.INTENT
    record_name = "intent signal"
    model = IntentSignal
    serializer_class = serializers.IntentSignalSerializer
    filterset_class = filters.IntentSignalFilter
    ordering_fields = ["id", "updated_at", "observed_at", "score"]
