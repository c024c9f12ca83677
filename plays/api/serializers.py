"""Read-only representations of plays, enrollments, their changes and journey stages."""

from rest_framework import serializers

from accounts.models import Account

from ..models import CadenceStep, Enrollment, EnrollmentChange, JourneyStage, Play


class CadenceStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CadenceStep
        fields = ["position", "day_offset", "channel", "action", "owner_role"]


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
            "description",
            "motion",
            "owner_team",
            "coverage",
            "status",
            "entry_segments",
            "eligible_tiers",
            "entry_lifecycle_stages",
            "entry_rule",
            "exit_on_leaving_entry",
            "exit_lifecycle_stages",
            "exit_journey_stages",
            "exit_after_days",
            "exit_on_won_deal",
            "reentry_after_days",
            "offer",
            "sla_hours",
            "sla_at_risk_hours",
            "kpis",
            "enrollment_cap",
            "overflow_policy",
            "overflow_count",
            "steps",
            "enrolled",
            "waitlisted",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


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
