"""Segments API: list, create, read and update with ETags, members, preview, validation and "why"."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Contact
from segmentation.models import ObjectType, Segment, SegmentMembership
from segmentation.rules import RuleValidationError, validate_rule
from segmentation.selectors.segments import segment_list
from segmentation.services import segment_create, segment_delete, segment_preview
from segmentation.services.editing import SegmentEditConflict, segment_edit_save
from segmentation.services.segments import segment_explain

from . import serializers
from .concurrency import IF_MATCH_HELP, PreconditionFailed, check_if_match, etag

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True, description=IF_MATCH_HELP)
PRECONDITION_RESPONSES = {
    412: OpenApiResponse(description="The segment changed since the ETag in If-Match was read."),
    428: OpenApiResponse(description="If-Match is missing."),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def segment_etag(segment):
    return etag(f"v{segment.version}")


def rule_errors(error: RuleValidationError) -> dict:
    return {"rule": [str(item) for item in error.errors]}


class SegmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.SegmentSerializer
    lookup_field = "slug"
    ordering = ["id"]

    def get_queryset(self):
        params = self.request.query_params
        return segment_list(status=params.get("status"), lens=params.get("lens"), object_type=params.get("object"))

    def respond(self, segment, status_code=status.HTTP_200_OK):
        response = Response(self.get_serializer(segment).data, status=status_code)
        response["ETag"] = segment_etag(segment)
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["draft", "active", "retired"]),
            OpenApiParameter("lens", str),
            OpenApiParameter("object", str, enum=list(ObjectType.values)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request):
        """Create a segment; the response carries its ETag."""
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            segment = segment_create(
                name=data["name"],
                slug=data["slug"],
                lens=data["lens"],
                rule=data["rule"],
                object_type=data.get("object_type", ObjectType.ACCOUNTS),
                description=data.get("description", ""),
                owner=data.get("owner"),
                status=data.get("status", "draft"),
                created_by=request.user if request.user.pk else None,
            )
        except RuleValidationError as error:
            raise exceptions.ValidationError(rule_errors(error)) from None
        return self.respond(segment, status.HTTP_201_CREATED)

    def retrieve(self, request, slug=None):
        """Read a segment: rule, lens, status, member count and last recompute; the ETag is its version."""
        return self.respond(self.get_object())

    @extend_schema(request=serializers.SegmentUpdateSerializer, parameters=[IF_MATCH], responses={200: serializers.SegmentSerializer, **PRECONDITION_RESPONSES})
    def partial_update(self, request, slug=None):
        """Change a segment. Needs If-Match with the segment's ETag; an active segment is recomputed at once."""
        segment = self.get_object()
        check_if_match(request, segment_etag(segment))
        payload = serializers.SegmentUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = segment_edit_save(
                segment=segment,
                expected_version=segment.version,
                changed_by=request.user if request.user.pk else None,
                now=timezone.now(),
                **payload.validated_data,
            )
        except SegmentEditConflict:
            raise PreconditionFailed() from None
        except RuleValidationError as error:
            raise exceptions.ValidationError(rule_errors(error)) from None
        return self.respond(result.segment)

    @extend_schema(parameters=[IF_MATCH], responses={204: None, 409: OpenApiResponse(description="Other segments reference it."), **PRECONDITION_RESPONSES})
    def destroy(self, request, slug=None):
        """Delete a segment and its history. Needs If-Match; refused while other segments reference it."""
        segment = self.get_object()
        check_if_match(request, segment_etag(segment))
        try:
            segment_delete(segment=segment)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: serializers.MemberSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def members(self, request, slug=None):
        """Current members with their tier and score, in a stable order for cursor paging."""
        segment = self.get_object()
        queryset = SegmentMembership.objects.filter(segment=segment, exited_at__isnull=True).select_related(
            "account", "contact__account"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.MemberSerializer(page, many=True).data)

    @extend_schema(
        responses={200: serializers.WhySerializer},
        parameters=[OpenApiParameter("record_id", int, OpenApiParameter.PATH, description="Account id (contact id for contact segments).")],
    )
    @action(detail=True, methods=["get"], url_path=r"why/(?P<record_id>\d{1,18})")
    def why(self, request, slug=None, record_id=None):
        """Why an account is or is not in the segment: the rule with each node's result."""
        segment = self.get_object()
        model = Account if segment.object_type == ObjectType.ACCOUNTS else Contact
        record = get_object_or_404(model, pk=record_id)
        return Response(segment_explain(segment=segment, record=record, now=timezone.now()))

    @extend_schema(request=serializers.PreviewRequestSerializer, responses={200: serializers.PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """Count, sample, entering and leaving for any rule, without saving anything."""
        payload = serializers.PreviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        segment = None
        if data.get("segment"):
            segment = Segment.objects.filter(slug=data["segment"]).first()
            if segment is None:
                raise exceptions.ValidationError({"segment": [f"No segment has the slug {data['segment']!r}."]})
            if segment.object_type != data["object"]:
                raise exceptions.ValidationError({"segment": [f"Segment {segment.slug!r} is a segment of {segment.object_type}."]})
        try:
            result = segment_preview(
                object_type=data["object"], rule=data["rule"], now=timezone.now(), segment=segment, sample_size=data["sample_size"]
            )
        except RuleValidationError as error:
            raise exceptions.ValidationError(rule_errors(error)) from None
        return Response(result)

    @extend_schema(request=serializers.RuleRequestSerializer, responses={200: serializers.ValidationResultSerializer})
    @action(detail=False, methods=["post"])
    def validate(self, request):
        """Check a rule and list every error with the JSON path of its node."""
        payload = serializers.RuleRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        errors = validate_rule(payload.validated_data["rule"], object_type=payload.validated_data["object"])
        return Response({"valid": not errors, "errors": [error.as_dict() for error in errors]})
