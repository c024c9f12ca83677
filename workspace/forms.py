"""Forms of the workspace pages: account list filters and the sales input."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from accounts.models import Account, LifecycleStage

from .selectors.account_lists import NOT_ICP, AccountFilters

TIER_CHOICES = [("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3"), (NOT_ICP, "Not ICP")]
IN_MARKET_CHOICES = [("", "Any"), ("yes", "In market"), ("no", "Not in market")]
MAX_FREE_VALUES = 50


class FreeMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple choice whose offered values are suggestions: any non-blank text is accepted."""

    def valid_value(self, value):
        return bool(str(value).strip())


class AccountFilterForm(forms.Form):
    """Filters of the account list; every field is optional."""

    q = forms.CharField(label="Search", required=False, max_length=200, help_text="Name, domain or external id.")
    owner = forms.ChoiceField(label="Owner", required=False)
    tier = forms.MultipleChoiceField(label="Tier", required=False, choices=TIER_CHOICES, widget=forms.CheckboxSelectMultiple)
    stage = forms.MultipleChoiceField(label="Lifecycle stage", required=False, choices=LifecycleStage.choices)
    segment = forms.TypedChoiceField(label="Segment", required=False, coerce=int, empty_value=None)
    in_market = forms.ChoiceField(label="In market", required=False, choices=IN_MARKET_CHOICES)
    industry = FreeMultipleChoiceField(label="Industry", required=False)
    country = FreeMultipleChoiceField(label="Country", required=False)

    def __init__(self, data=None, *, choices, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["segment"].choices = [("", "Any segment")] + [(str(pk), name) for pk, name in choices["segments"]]
        self.fields["industry"].choices = [(value, value) for value in choices["industries"]]
        self.fields["country"].choices = [(value, value) for value in choices["countries"]]
        owners = (
            get_user_model()
            .objects.filter(Exists(Account.objects.filter(owner_id=OuterRef("pk"))))
            .order_by("username")
        )
        self.fields["owner"].choices = [("me", "My accounts"), ("all", "All accounts")] + [
            (str(pk), username) for pk, username in owners.values_list("pk", "username") if pk != user.pk
        ]

    def clean_industry(self):
        return self._clean_free_values("industry")

    def clean_country(self):
        return [value.upper() for value in self._clean_free_values("country")]

    def _clean_free_values(self, name):
        values = [value.strip() for value in self.cleaned_data[name] if value.strip()]
        if len(values) > MAX_FREE_VALUES:
            raise forms.ValidationError(f"Choose at most {MAX_FREE_VALUES} values; {len(values)} were given.")
        return values

    def owner_id(self):
        owner = self.cleaned_data.get("owner") or "me"
        if owner == "all":
            return None
        if owner == "me":
            return self.user.pk
        return int(owner)

    @staticmethod
    def default_filters(user):
        """Return the filters of an unfiltered visit: the user's own accounts."""
        return AccountFilters(owner_id=user.pk)

    def to_filters(self):
        """Return the AccountFilters for a valid form."""
        data = self.cleaned_data
        in_market = {"yes": True, "no": False}.get(data.get("in_market") or "")
        return AccountFilters(
            owner_id=self.owner_id(),
            tiers=tuple(int(tier) if tier != NOT_ICP else NOT_ICP for tier in data.get("tier") or ()),
            stages=tuple(data.get("stage") or ()),
            segment_id=data.get("segment"),
            in_market=in_market,
            industries=tuple(data.get("industry") or ()),
            countries=tuple(data.get("country") or ()),
            text=(data.get("q") or "").strip(),
        )


class SalesInputForm(forms.ModelForm):
    """What a rep knows that the data does not: how strategic the account is and what it needs."""

    needs = forms.CharField(
        label="Needs and use cases",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, such as data residency or SSO. Rules can match them with the needs field.",
    )

    class Meta:
        model = Account
        fields = ["strategic_value", "needs"]
        labels = {"strategic_value": "Strategic value"}
        widgets = {
            "strategic_value": forms.Select(
                choices=[("", "Not set"), (1, "1 - low"), (2, "2"), (3, "3 - medium"), (4, "4"), (5, "5 - high")]
            )
        }
        help_texts = {"strategic_value": "From 1 (low) to 5 (high). The ICP model may count it as a criterion."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and isinstance(self.instance.needs, list):
            self.initial["needs"] = "\n".join(self.instance.needs)

    def clean_needs(self):
        lines = [line.strip() for line in self.cleaned_data["needs"].splitlines()]
        needs = []
        for line in lines:
            if line and line.casefold() not in {need.casefold() for need in needs}:
                needs.append(line)
        too_long = [need for need in needs if len(need) > 100]
        if too_long:
            raise forms.ValidationError(f"Keep each need under 100 characters: {too_long[0][:40]!r}… is longer.")
        if len(needs) > 30:
            raise forms.ValidationError(f"List at most 30 needs; {len(needs)} were given.")
        return needs


class TierOverrideForm(forms.Form):
    """A manual tier for one account, with the reason and the date it stops applying."""

    tier = forms.TypedChoiceField(
        label="Tier",
        choices=[("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3"), ("", "Not ICP")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first date it no longer applies.",
    )
