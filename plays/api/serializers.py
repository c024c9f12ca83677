"""Representations of plays, enrollments, their changes and journey stages, and the body of a play write."""

from rest_framework import serializers

from accounts.models import Account, IcpTier, LifecycleStage
from segmentation.models import Segment

from ..models import (
    PLAY_SETTINGS_FIELDS,
    CadenceStep,
    Enrollment,
    EnrollmentChange,
    JourneyStage,
    Kpi,
    Play,
    PlayStatus,
)
from ..services.plays import STATUS_CHANGES


class CadenceStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CadenceStep
        fields = ["id", "position", "day_offset", "channel", "action", "owner_role"]


class PlaySerializer(serializers.ModelSerializer):
    entry_segments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    steps = CadenceStepSerializer(many=True, read_only=True)
    enrolled = serializers.IntegerField(read_only=True, help_text="Accounts enrolled now.")
    waitlisted = serializers.IntegerField(read_only=True, help_text="Accounts waiting for a place.")

    class Meta:
        model = Play
        fields = [
            "id",
            "slug",
            "name",
            "status",
            *PLAY_SETTINGS_FIELDS,
            "overflow_count",
            "steps",
            "enrolled",
            "waitlisted",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CadenceStepWriteSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the play's stored step that this entry updates, from the play's steps. Left out "
        "or null, the entry updates the stored step at the same index, or adds a new step.",
    )

    class Meta:
        model = CadenceStep
        fields = ["id", "day_offset", "channel", "action", "owner_role"]


def allowed(values) -> str:
    return ", ".join(str(value) for value in values)


STATUS_HELP = (
    "draft, active, paused or retired. A new play is created as draft and then moved to the status sent. "
    "Allowed changes: "
    + "; ".join(f"{source} to {allowed(sorted(targets)) or 'none'}" for source, targets in STATUS_CHANGES.items())
    + ". Enrollments follow at the next recompute."
)


class PlayWriteSerializer(serializers.ModelSerializer):
    """The settings of a play that a create or update sends; the play editor's rules apply to them."""

    slug = serializers.SlugField(
        max_length=64,
        required=False,
        help_text="The play's address in the API and the browser; made from the name when left out. "
        "It cannot change after creation.",
    )
    status = serializers.ChoiceField(choices=PlayStatus.choices, required=False, help_text=STATUS_HELP)
    entry_segments = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Segment.objects.all(),
        help_text="Slugs of account segments whose current members can enter.",
        error_messages={"does_not_exist": "No segment has the slug {value}: list segments at /api/v1/segments/."},
    )
    eligible_tiers = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=f"ICP tiers that can enter, from {allowed(IcpTier.values)}. Empty: every tier and not ICP.",
    )
    entry_lifecycle_stages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=f"Lifecycle stages that can enter, from {allowed(LifecycleStage.values)}. Empty: every stage.",
    )
    entry_rule = serializers.DictField(
        allow_null=True,
        required=False,
        help_text="A rule in the public rule format that entering accounts must match; null or {} for none.",
    )
    exit_lifecycle_stages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=f"An account exits on reaching one of these lifecycle stages: {allowed(LifecycleStage.values)}.",
    )
    exit_journey_stages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="An account exits on reaching one of these journey stages, by key (see /api/v1/journey-stages/).",
    )
    kpis = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=f"Keys of the shared KPIs the play reports, from {allowed(Kpi.values)}.",
    )
    steps = CadenceStepWriteSerializer(
        many=True,
        required=False,
        help_text="The whole cadence in order, and leaving it out keeps the stored one. Each entry updates the "
        "stored step whose id it sends, or without an id the stored step at the same index unless another "
        "entry sends that step's id, so reps' completions of it stay. Stored steps that no entry updates "
        "are deleted with their completions. Errors name each step by its index in this list, from 0.",
    )

    class Meta:
        model = Play
        fields = ["name", "slug", "status", *PLAY_SETTINGS_FIELDS, "steps"]

    def validate_entry_rule(self, rule):
        return rule or None


class EnrollmentSerializer(serializers.ModelSerializer):
    play = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    account_external_id = serializers.CharField(source="account.external_id", read_only=True, allow_null=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "play",
            "account",
            "account_external_id",
            "status",
            "waitlisted_at",
            "entered_at",
            "entered_on",
            "exited_at",
            "exit_reason",
            "sla_status",
            "sla_due_at",
            "sla_breached_at",
            "first_touch_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnrollmentChangeSerializer(serializers.ModelSerializer):
    play = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    account_external_id = serializers.CharField(source="account.external_id", read_only=True, allow_null=True)

    class Meta:
        model = EnrollmentChange
        fields = [
            "id",
            "kind",
            "enrollment",
            "play",
            "account",
            "account_external_id",
            "exit_reason",
            "occurred_at",
            "recorded_at",
            "run_id",
        ]
        read_only_fields = fields


class EnrollmentChangePageSerializer(serializers.Serializer):
    """A page of the change feed: pass next_after as ?after= to read on."""

    results = EnrollmentChangeSerializer(many=True)
    next_after = serializers.IntegerField(help_text="The id of the last change on this page, or the after you sent.")
    has_more = serializers.BooleanField(help_text="True when more changes follow this page now.")


class JourneyStageSerializer(serializers.ModelSerializer):
    account_count = serializers.IntegerField(
        read_only=True, help_text="Accounts on the stage after the last recompute."
    )

    class Meta:
        model = JourneyStage
        fields = ["key", "name", "position", "rule", "description", "account_count"]
        read_only_fields = fields


class AccountJourneySerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "external_id", "name", "journey_stage", "lifecycle_stage", "icp_tier", "updated_at"]
        read_only_fields = fields
