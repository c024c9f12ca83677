"""Forms of the play editor and the journey ladder editor."""

import json

from django import forms

from accounts.models import IcpTier, LifecycleStage
from segmentation.models import ObjectType, Segment, SegmentStatus

from .models import PLAY_SETTINGS_FIELDS, CadenceStep, JourneyStage, Kpi, Play
from .services.plays import STEP_FIELDS

RULE_HELP = (
    'A rule in the public rule format, such as {"field": "industry", "op": "eq", "value": "Software"}. '
    "Leave empty for none."
)


class RuleField(forms.JSONField):
    """A JSON rule typed into a text area; empty means no rule."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "code"}))
        kwargs.setdefault("help_text", RULE_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value in (None, "", {}):
            return ""
        if isinstance(value, str):
            return value
        return json.dumps(value, indent=2)

    def clean(self, value):
        rule = super().clean(value)
        if rule in ("", {}):
            return None
        if rule is not None and not isinstance(rule, dict):
            raise forms.ValidationError(
                f"A rule is a JSON object such as {{\"all\": [...]}}, not {type(rule).__name__}."
            )
        return rule


def journey_stage_choices():
    return list(JourneyStage.objects.order_by("position").values_list("key", "name"))


class PlayForm(forms.ModelForm):
    """A play's settings; its status changes on the play page."""

    entry_segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Members of any of these account segments can enter.",
    )
    eligible_tiers = forms.TypedMultipleChoiceField(
        choices=IcpTier.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only accounts in these ICP tiers can enter. None ticked: every tier and not ICP.",
    )
    entry_lifecycle_stages = forms.MultipleChoiceField(
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Entry lifecycle stages",
    )
    entry_rule = RuleField(label="Entry rule")
    exit_lifecycle_stages = forms.MultipleChoiceField(
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Exit on lifecycle stage",
    )
    exit_journey_stages = forms.MultipleChoiceField(
        choices=[], required=False, widget=forms.CheckboxSelectMultiple, label="Exit on journey stage"
    )
    kpis = forms.MultipleChoiceField(
        choices=Kpi.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Shared KPIs"
    )
    # The version of the play the editor opened, so a save cannot overwrite a later one.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Play
        fields = ["name", *PLAY_SETTINGS_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "offer": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"sla_hours": "SLA: first touch within (hours)", "sla_at_risk_hours": "At risk (hours before due)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry_segments"].queryset = Segment.objects.filter(object_type=ObjectType.ACCOUNTS).exclude(
            status=SegmentStatus.RETIRED
        ).order_by("name")
        self.fields["exit_journey_stages"].choices = journey_stage_choices()

    def segment_ids(self):
        return [segment.pk for segment in self.cleaned_data.get("entry_segments") or []]


class CadenceStepForm(forms.ModelForm):
    # The stored step a row edits, so that saving keeps the step and reps' completions of it.
    id = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Invalid step id: reload the editor to get the play's stored steps."},
    )

    class Meta:
        model = CadenceStep
        fields = ["day_offset", "channel", "action", "owner_role"]
        labels = {"day_offset": "Day"}


CadenceStepFormSet = forms.formset_factory(CadenceStepForm, extra=2, can_delete=True, max_num=50, validate_max=True)


def cadence_steps_from(formset) -> list[dict]:
    """Return the steps a valid formset holds, without deleted and empty rows, in their order.

    Each step has the id of the stored step its row edits, or None for a new row.
    """
    steps = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        steps.append({key: data.get(key) for key in ("id", *STEP_FIELDS)})
    return steps


class JourneyStageForm(forms.ModelForm):
    rule = RuleField(
        help_text=RULE_HELP.replace("Leave empty for none.", "Leave empty to take every account not placed higher.")
    )

    class Meta:
        model = JourneyStage
        fields = ["key", "name", "position", "rule", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["key"].disabled = True
