"""Serializers of the records API, using the field names of the public contract."""

import copy
import datetime
import decimal
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    ArrSnapshot,
    Contact,
    EngagementEvent,
    IntentSignal,
    LifecycleStage,
    Motion,
    Opportunity,
)

COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", "Country must be an ISO 3166-1 alpha-2 code such as US or DE.")
CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", "Currency must be an ISO 4217 code such as USD or EUR.")
EXTERNAL_ID_TAKEN = "Another record from this source already has this external id."
MONEY_NOT_NEGATIVE = [MinValueValidator(0, "Amounts cannot be negative.")]

# Columns the recompute pipeline writes; the API shows them but never writes them.
ACCOUNT_DERIVED_FIELDS = [
    "lifecycle_stage",
    "motion",
    "journey_stage",
    "icp_score",
    "icp_tier",
    "engagement_score",
    "in_market",
    "open_pipeline",
    "won_revenue",
    "last_activity_at",
]


PLAIN_DOMAIN = re.compile(r"[a-z0-9][a-z0-9.-]*")


def clean_domain(value: str) -> str:
    """Normalize a web address to its domain; raise ValueError when no valid domain remains."""
    if PLAIN_DOMAIN.fullmatch(value) and not value.startswith("www."):
        # Already a bare lower-case host name, as CRMs mostly send: skip the URL parsing.
        return value
    try:
        domain = normalize_domain(value)
    except ValueError:
        domain = None
    if domain is None or any(character.isspace() for character in domain) or "/" in domain or domain.startswith("www."):
        raise ValueError(f"Invalid domain {value!r}: send a host name such as example.com or a URL.")
    return domain


class UpperCaseCharField(serializers.CharField):
    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


# Fields whose stored value is already what DRF would render.
RAW_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.JSONField,
    serializers.ListField,
    serializers.DictField,
)


def value_getter(field):
    """Return a function of (instance, zone) that renders one field as DRF does, for the plain field kinds here.

    zone is the active time zone, read once per row by the caller, because
    reading it takes longer than rendering a time.
    """
    source = field.source
    if isinstance(field, serializers.SlugRelatedField):
        slug_field = field.slug_field

        def related_slug(instance, zone):
            related = getattr(instance, source)
            return None if related is None else getattr(related, slug_field)

        return related_slug
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return lambda instance, zone: getattr(instance, f"{source}_id")
    if isinstance(field, serializers.FloatField):
        return lambda instance, zone: None if (value := getattr(instance, source)) is None else float(value)
    if isinstance(field, RAW_FIELDS) and not isinstance(field, serializers.DecimalField) and "." not in source:
        return lambda instance, zone: getattr(instance, source)
    convert = value_converter(field)
    if "." not in source:
        return lambda instance, zone: None if (value := getattr(instance, source)) is None else convert(value, zone)
    # Anything else: DRF's own lookup and conversion.
    return lambda instance, zone: None if (value := field.get_attribute(instance)) is None else convert(value, zone)


def is_iso(output_format):
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


def value_converter(field):
    """Return a function of (value, zone) giving DRF's output for the field.

    ISO 8601 times and dates and string decimals take a faster path for the
    common case; every other value goes to DRF's to_representation.
    """
    fallback = field.to_representation
    if isinstance(field, serializers.DateTimeField) and is_iso(getattr(field, "format", api_settings.DATETIME_FORMAT)):
        fixed_zone = getattr(field, "timezone", None)

        def datetime_text(value, zone):
            zone = fixed_zone or zone
            if zone is None or not isinstance(value, datetime.datetime) or value.tzinfo is None:
                return fallback(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return datetime_text
    if isinstance(field, serializers.DateField) and is_iso(getattr(field, "format", api_settings.DATE_FORMAT)):
        return lambda value, zone: value.isoformat() if type(value) is datetime.date else fallback(value)
    if (
        isinstance(field, serializers.DecimalField)
        and field.decimal_places is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
    ):
        exponent = -field.decimal_places

        def decimal_text(value, zone):
            # A value read from a column with these decimal places needs no rounding.
            if isinstance(value, decimal.Decimal) and value.is_finite() and value.as_tuple().exponent == exponent:
                return f"{value:f}"
            return fallback(value)

        return decimal_text
    return lambda value, zone: fallback(value)


class RecordSerializer(serializers.ModelSerializer):
    """Check the model's named constraints before saving, so a violation is a 400 on its field."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            candidate = self.Meta.model(**attrs)
        else:
            # A copy keeps the saved row's state, so unique checks exclude the row itself.
            candidate = copy.copy(self.instance)
            for name, value in attrs.items():
                setattr(candidate, name, value)
        try:
            candidate.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.constraint_errors(error)) from None
        return attrs

    def to_representation(self, instance):
        """Build the same dict as DRF's to_representation, with the field lookups planned once per class.

        DRF resolves each field's attribute and converter for every row, and
        builds the fields for every request, which together took more than
        half the time of a 100-row page.
        """
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        return {name: getter(instance, zone) for name, getter in self.representation_plan()}

    @classmethod
    def representation_plan(cls):
        """Return (field name, getter) pairs for the readable fields, built once per serializer class.

        The fields come from an instance without context, so the plan keeps no request alive.
        """
        plan = cls.__dict__.get("_representation_plan")
        if plan is None:
            plan = [(field.field_name, value_getter(field)) for field in cls()._readable_fields]
            cls._representation_plan = plan
        return plan

    @staticmethod
    def constraint_errors(error):
        errors = {}
        for field, messages in error.message_dict.items():
            for message in messages:
                key = "external_id" if message == EXTERNAL_ID_TAKEN else field
                key = "non_field_errors" if key == NON_FIELD_ERRORS else key
                errors.setdefault(key, []).append(message)
        return errors


def derived_choice(choices, help_text):
    """Return a read-only choice field for a column the recompute writes; it is empty until the first run."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True, help_text=help_text)


class AccountSerializer(RecordSerializer):
    lifecycle_stage = derived_choice(LifecycleStage.choices, "Derived by the lifecycle rules in each recompute.")
    motion = derived_choice(Motion.choices, "acquire, grow or defend, following the lifecycle stage.")
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
        help_text="User name of the account owner.",
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), allow_null=True, required=False, help_text="Id of the parent account."
    )
    country = UpperCaseCharField(max_length=2, allow_blank=True, required=False, validators=[COUNTRY_CODE])
    currency = UpperCaseCharField(max_length=3, required=False, validators=[CURRENCY_CODE])
    technologies = serializers.ListField(child=serializers.CharField(max_length=128), required=False)
    needs = serializers.ListField(child=serializers.CharField(max_length=255), required=False)
    extra = serializers.DictField(required=False, help_text="Custom attributes, usable in rules.")

    class Meta:
        model = Account
        fields = [
            "id",
            "external_id",
            "source",
            "name",
            "domain",
            "industry",
            "employee_count",
            "employee_band",
            "annual_revenue",
            "currency",
            "country",
            "region",
            "state",
            "city",
            "ownership_type",
            "technologies",
            "strategic_value",
            "needs",
            "owner",
            "parent",
            "arr",
            "health_score",
            *ACCOUNT_DERIVED_FIELDS,
            "extra",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ACCOUNT_DERIVED_FIELDS
        extra_kwargs = {
            "annual_revenue": {"validators": MONEY_NOT_NEGATIVE},
            "arr": {"validators": MONEY_NOT_NEGATIVE},
            "health_score": {"validators": [MaxValueValidator(100, "Health score must be from 0 to 100.")]},
            "strategic_value": {
                "validators": [
                    MinValueValidator(1, "Strategic value must be from 1 to 5."),
                    MaxValueValidator(5, "Strategic value must be from 1 to 5."),
                ]
            },
        }

    def validate_domain(self, value):
        try:
            return clean_domain(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate_parent(self, value):
        if value is not None and self.instance is not None and value.pk == self.instance.pk:
            raise serializers.ValidationError("An account cannot be its own parent.")
        return value


class AccountChildSerializer(RecordSerializer):
    """A record that belongs to an account, named by `account` (id) or `account_external_id`.

    Views annotate `account_external_id` on their querysets, so listing
    records needs no query per row.
    """

    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), required=False)
    account_external_id = serializers.CharField(
        required=False, allow_null=True, max_length=255, help_text="External id of the account, instead of its id."
    )

    def validate(self, attrs):
        external_id = attrs.pop("account_external_id", None)
        if "account" not in attrs and external_id:
            matches = list(Account.objects.filter(external_id__iexact=external_id.strip())[:2])
            if len(matches) != 1:
                problem = "No account has" if not matches else "Several accounts have"
                raise serializers.ValidationError(
                    {"account_external_id": [f"{problem} the external id {external_id!r}: send the account id instead."]}
                )
            attrs["account"] = matches[0]
        if self.instance is None and "account" not in attrs:
            raise serializers.ValidationError({"account": ["Name the account by account or account_external_id."]})
        return super().validate(attrs)

    def to_representation(self, instance):
        if not hasattr(instance, "account_external_id"):
            instance.account_external_id = instance.account.external_id
        return super().to_representation(instance)


class ContactSerializer(AccountChildSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "external_id",
            "source",
            "account",
            "account_external_id",
            "email",
            "first_name",
            "last_name",
            "title",
            "department",
            "seniority",
            "buying_role",
            "persona",
            "extra",
            "created_at",
            "updated_at",
        ]

    def validate_email(self, value):
        return value.strip().lower()


class OpportunitySerializer(AccountChildSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), allow_null=True, required=False
    )
    currency = UpperCaseCharField(max_length=3, required=False, validators=[CURRENCY_CODE])

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "external_id",
            "source",
            "account",
            "account_external_id",
            "name",
            "amount",
            "currency",
            "stage",
            "status",
            "type",
            "created_date",
            "closed_date",
            "owner",
            "extra",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"amount": {"validators": MONEY_NOT_NEGATIVE}}


class EngagementEventSerializer(AccountChildSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)

    class Meta:
        model = EngagementEvent
        fields = [
            "id",
            "external_id",
            "source",
            "account",
            "account_external_id",
            "contact",
            "type",
            "theme",
            "occurred_at",
            "created_at",
            "updated_at",
        ]


class ArrSnapshotSerializer(AccountChildSerializer):
    class Meta:
        model = ArrSnapshot
        fields = [
            "id",
            "external_id",
            "source",
            "account",
            "account_external_id",
            "month",
            "arr",
            "currency",
            "created_at",
            "updated_at",
        ]

    def validate_month(self, month):
        return month.replace(day=1)


class IntentSignalSerializer(AccountChildSerializer):
    class Meta:
        model = IntentSignal
        fields = [
            "id",
            "external_id",
            "source",
            "account",
            "account_external_id",
            "topic",
            "score",
            "provider",
            "observed_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"score": {"validators": [MaxValueValidator(100, "Intent score must be from 0 to 100.")]}}
