"""Query-string forms shared by the dashboard pages and the API."""

from django import forms

from .kpis.definitions import KPIS
from .kpis.queries import BASIS_CURRENT, BASIS_ENTRY
from .models import Grouping
from .periods import PERIOD_FORMATS, PeriodError, parse_period

BASIS_CHOICES = [(BASIS_CURRENT, "Group today"), (BASIS_ENTRY, "Group as of entry")]


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", f"{PERIOD_FORMATS}; empty for this month.")
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_period(super().to_python(value))
        except PeriodError as error:
            raise forms.ValidationError(str(error), code="invalid_period") from error


class SegmentIdsField(forms.TypedMultipleChoiceField):
    """Segment ids, given as repeated values, comma-separated, or both."""

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return [part.strip() for item in super().to_python(value) for part in item.split(",") if part.strip()]


def unknown_choice(name, choices):
    """Return the invalid_choice message of a choice field, naming the rejected value and every accepted one."""
    return {"invalid_choice": f"Unknown {name} %(value)s: use one of {', '.join(str(key) for key, _ in choices)}."}


class KpiFilterForm(forms.Form):
    grouping = forms.ChoiceField(
        choices=Grouping.choices, required=False, initial=Grouping.SEGMENT,
        error_messages=unknown_choice("grouping", Grouping.choices),
    )
    period = PeriodField()
    basis = forms.ChoiceField(
        choices=BASIS_CHOICES, required=False, initial=BASIS_CURRENT, error_messages=unknown_choice("basis", BASIS_CHOICES)
    )
    segments = SegmentIdsField(  # ids are checked against the choices, so no id overflows
        coerce=int, required=False, help_text="Segments to show; empty for every active account segment.",
        error_messages={
            "invalid_choice": "No account segment that is not retired has the id %(value)s. "
            "Use the ids of draft or active account segments."
        },
    )
    chart = forms.ChoiceField(
        choices=[(kpi.key, kpi.label) for kpi in KPIS], required=False, initial="win_rate", label="Chart",
        error_messages=unknown_choice("KPI", [(kpi.key, kpi.label) for kpi in KPIS]),
    )

    def __init__(self, data=None, *, segment_choices=(), **kwargs):
        if data is not None and "chart" not in data:
            # A bound form ignores initial values, so the default chart is filled into the data.
            data = data.copy()
            data["chart"] = "win_rate"
        super().__init__(data, **kwargs)
        self.fields["segments"].choices = list(segment_choices)

    def clean_grouping(self):
        return self.cleaned_data.get("grouping") or Grouping.SEGMENT

    def clean_basis(self):
        return self.cleaned_data.get("basis") or BASIS_CURRENT

    def clean_chart(self):
        return self.cleaned_data.get("chart") or "win_rate"


class BacktestForm(forms.Form):
    period = PeriodField()
    basis = forms.ChoiceField(
        choices=[("current", "Published model, tier today"), ("entry", "Published model, tier at deal creation"),
                 ("draft", "Another ICP model")],
        required=False,
    )
    model = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="The ICP model to score when basis is draft."
    )

    def clean(self):
        data = super().clean()
        data["basis"] = data.get("basis") or "current"
        if data["basis"] == "draft" and not data.get("model"):
            self.add_error("model", "Choose the ICP model to backtest.")
        return data
