"""ICP endpoints: an account's score, tier and explanation; ICP models; recompute runs."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import re_path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from segmentation.models import IcpModel, RecomputeRun, RunTrigger
from segmentation.selectors.history import icp_explanation
from segmentation.selectors.pipeline import tiers_computed_at
from segmentation.services.icp import icp_model_criteria, icp_model_publish
from segmentation.services.pipeline import RecomputeInProgress, recompute_request

from . import serializers as api_serializers
from .concurrency import IF_MATCH_HELP, check_if_match, etag
from .views import PRECONDITION_RESPONSES, Conflict

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True, description=IF_MATCH_HELP)


class CriterionResultSerializer(serializers.Serializer):
    label = serializers.CharField()
    points = serializers.IntegerField(help_text="Points the criterion gave this account.")
    max_points = serializers.IntegerField()
    matched = serializers.BooleanField()


class OverrideSerializer(serializers.Serializer):
    tier = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    author = serializers.CharField(source="author.username")
    expires_on = serializers.DateField()


class AccountIcpSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    icp_score = serializers.IntegerField(allow_null=True)
    icp_tier = serializers.IntegerField(allow_null=True, help_text="1, 2, 3, or null when the account is not ICP.")
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the last published recompute ran.")
    run_id = serializers.IntegerField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    computed_tier = serializers.IntegerField(allow_null=True, help_text="The tier the score gives, before any override.")
    override = OverrideSerializer(allow_null=True)
    criteria = CriterionResultSerializer(many=True)
    inputs = serializers.DictField(help_text="The account values the criteria read.")


class AccountIcpView(APIView):
    """An account's ICP score, tier and the explanation of the last run that scored it."""

    @extend_schema(responses={200: AccountIcpSerializer})
    def get(self, request, account_id):
        account = get_object_or_404(Account, pk=account_id)
        explanation = icp_explanation(account) or {}
        body = {
            "account": account.pk,
            "icp_score": account.icp_score,
            "icp_tier": account.icp_tier,
            "computed_at": tiers_computed_at(),
            "run_id": explanation.get("run_id"),
            "model_version": explanation.get("model_version"),
            "computed_tier": explanation.get("computed_tier"),
            "override": explanation.get("override"),
            "criteria": explanation.get("criteria", []),
            "inputs": explanation.get("inputs", {}),
        }
        return Response(AccountIcpSerializer(body).data)


class IcpModelSerializer(serializers.ModelSerializer):
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = IcpModel
        fields = [
            "id",
            "name",
            "version",
            "status",
            "description",
            "tier_1_min_score",
            "tier_2_min_score",
            "tier_3_min_score",
            "criteria",
            "created_at",
            "published_at",
        ]
        read_only_fields = fields

    def get_criteria(self, model) -> list[dict]:
        return icp_model_criteria(model)


def icp_model_etag(model):
    return etag(f"v{model.version}-{model.status}")


class IcpModelViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """ICP model versions. A published version never changes; publishing a draft replaces it."""

    queryset = IcpModel.objects.prefetch_related("criteria")
    serializer_class = IcpModelSerializer
    ordering = ["-version"]
    lookup_value_regex = r"\d{1,18}"

    def retrieve(self, request, pk=None):
        """Read one version; the ETag changes when its status does."""
        model = self.get_object()
        response = Response(self.get_serializer(model).data)
        response["ETag"] = icp_model_etag(model)
        return response

    @extend_schema(
        request=None,
        parameters=[IF_MATCH],
        responses={200: IcpModelSerializer, 409: OpenApiResponse(description="Only a draft can be published."), **PRECONDITION_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft in place of the published version and start a recompute. Needs If-Match."""
        model = self.get_object()
        check_if_match(request, icp_model_etag(model))
        try:
            icp_model_publish(model=model, published_by=request.user if request.user.pk else None)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        model.refresh_from_db()
        response = Response(self.get_serializer(model).data)
        response["ETag"] = icp_model_etag(model)
        return response


class RecomputeRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recompute runs: start one, and read a run's status, steps, counts and changes."""

    queryset = RecomputeRun.objects.select_related("requested_by")
    serializer_class = api_serializers.RecomputeRunSerializer
    ordering = ["-id"]
    lookup_value_regex = r"\d{1,18}"

    @extend_schema(
        request=api_serializers.RecomputeRequestSerializer,
        responses={202: api_serializers.RecomputeRunSerializer, 409: OpenApiResponse(description="A run is in progress.")},
    )
    def create(self, request):
        """Start a recompute run; 409 names the run in progress when there is one."""
        payload = api_serializers.RecomputeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            run = recompute_request(
                trigger=RunTrigger.API,
                requested_by=request.user if request.user.pk else None,
                full=payload.validated_data["full"],
            )
        except RecomputeInProgress as busy:
            raise Conflict(str(busy)) from None
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [re_path(r"^accounts/(?P<account_id>\d{1,18})/icp/$", AccountIcpView.as_view(), name="account-icp")]
