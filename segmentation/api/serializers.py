"""Serializers of the segments, ICP and recompute run endpoints."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from segmentation.models import Lens, ObjectType, RecomputeRun, Segment, SegmentMembership, SegmentStatus


class RuleErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="JSON path of the offending node, such as $.all[1].op.")
    message = serializers.CharField()
    value = serializers.JSONField(allow_null=True)


class SegmentSerializer(serializers.ModelSerializer):
    object = serializers.ChoiceField(
        source="object_type", choices=ObjectType.choices, default=ObjectType.ACCOUNTS, help_text="accounts or contacts."
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), allow_null=True, required=False
    )
    rule = serializers.JSONField(help_text="The rule tree in the public rule format.")
    member_count = serializers.IntegerField(read_only=True, help_text="Members after the last recompute.")
    last_recomputed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "slug",
            "lens",
            "object",
            "description",
            "owner",
            "status",
            "rule",
            "version",
            "member_count",
            "last_recomputed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"validators": []}}


class SegmentUpdateSerializer(serializers.Serializer):
    """The attributes an update may change; slug and object are fixed at creation."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    lens = serializers.ChoiceField(choices=Lens.choices, required=False)
    status = serializers.ChoiceField(choices=SegmentStatus.choices, required=False)
    rule = serializers.JSONField(required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), allow_null=True, required=False
    )


class RuleRequestSerializer(serializers.Serializer):
    object = serializers.ChoiceField(choices=ObjectType.choices, default=ObjectType.ACCOUNTS)
    rule = serializers.JSONField()


class PreviewRequestSerializer(RuleRequestSerializer):
    segment = serializers.SlugField(
        required=False, help_text="Slug of a segment to compare with: entering and leaving count against its members."
    )
    sample_size = serializers.IntegerField(required=False, min_value=0, max_value=200, default=20)


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.DictField())
    entering = serializers.IntegerField()
    leaving = serializers.IntegerField()


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = RuleErrorSerializer(many=True)


# Renders entered_at as the declared field would, with the active time zone.
ENTERED_AT = serializers.DateTimeField()


class MemberSerializer(serializers.ModelSerializer):
    """A current member: the account (or contact) with its tier and score."""

    account = serializers.IntegerField(source="account_id", allow_null=True)
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    external_id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    icp_tier = serializers.SerializerMethodField()
    icp_score = serializers.SerializerMethodField()
    lifecycle_stage = serializers.SerializerMethodField()

    class Meta:
        model = SegmentMembership
        fields = ["id", "account", "contact", "external_id", "name", "icp_tier", "icp_score", "lifecycle_stage", "entered_at"]

    def to_representation(self, membership):
        """Build the member dict directly, with the same keys and values as the declared fields.

        DRF's lookup of each field for every row was most of a 100-member page.
        """
        record = membership.account or membership.contact
        account = self.member_account(membership)
        return {
            "id": membership.pk,
            "account": membership.account_id,
            "contact": membership.contact_id,
            "external_id": record.external_id,
            "name": str(record),
            "icp_tier": account.icp_tier,
            "icp_score": account.icp_score,
            "lifecycle_stage": account.lifecycle_stage,
            "entered_at": ENTERED_AT.to_representation(membership.entered_at),
        }

    def member_account(self, membership):
        return membership.account if membership.account_id else membership.contact.account

    def get_external_id(self, membership) -> str | None:
        record = membership.account or membership.contact
        return record.external_id

    def get_name(self, membership) -> str:
        return str(membership.account or membership.contact)

    def get_icp_tier(self, membership) -> int | None:
        return self.member_account(membership).icp_tier

    def get_icp_score(self, membership) -> int | None:
        return self.member_account(membership).icp_score

    def get_lifecycle_stage(self, membership) -> str:
        return self.member_account(membership).lifecycle_stage


class WhySerializer(serializers.Serializer):
    segment = serializers.CharField()
    matches = serializers.BooleanField(help_text="Whether the record matches the rule now.")
    member = serializers.BooleanField(help_text="Whether the record is a member after the last recompute.")
    tree = serializers.DictField(help_text="The rule with the result of every node for this record.")


class RecomputeRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "trigger",
            "requested_by",
            "status",
            "full",
            "since",
            "as_of",
            "created_at",
            "finished_at",
            "chunks_total",
            "chunks_done",
            "steps",
            "counts",
            "changes",
            "error",
        ]
        read_only_fields = fields


class RecomputeRequestSerializer(serializers.Serializer):
    full = serializers.BooleanField(default=False, help_text="Cover every account, not only those changed since the last run.")
