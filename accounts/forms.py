"""Forms of the accounts pages: the import upload and the synonym tables."""

import json

from django import forms
from django.conf import settings

from accounts.importing.columns import MappingError
from accounts.importing.normalize import matching_form, validate_synonym_value
from accounts.importing.services import options_from_mapping_file
from accounts.importing.values import UNITS
from accounts.models import DEFAULT_SOURCE, ImportKind, SynonymKind

DEFAULT_MAX_UPLOAD_MB = 100
# The site style sizes every input to the full width; a checkbox sits beside its label instead.
CHECKBOX = {"style": "width: auto; margin-right: .4rem"}


def max_upload_bytes():
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)) * 1024 * 1024


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="Records in the file")
    file = forms.FileField(label="CSV file", help_text="A CSV export from your CRM: comma, semicolon or tab separated.")
    source = forms.CharField(
        max_length=64, initial=DEFAULT_SOURCE, required=False,
        help_text="The system the records come from; external ids are matched within it.",
    )
    currency = forms.CharField(
        max_length=3, initial="USD", required=False, help_text="ISO 4217 currency of amounts in rows that name none.",
    )
    money_unit = forms.ChoiceField(
        choices=[(unit, unit.capitalize()) for unit in UNITS if unit != "units"], initial="dollars", required=False,
        label="Unit of amounts", help_text="Applies to every money column, unless the mapping sets units.",
    )
    date_format = forms.CharField(
        required=False, max_length=32, label="Date format",
        help_text="Only for files whose dates could be read two ways, such as 03/04/2024: %d/%m/%Y or %m/%d/%Y.",
    )
    decimal_comma = forms.BooleanField(
        required=False, label="European number format (1.200.000,50)", widget=forms.CheckboxInput(attrs=CHECKBOX),
    )
    mapping = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Column mapping (JSON, optional)",
        help_text='For columns Tierline does not recognize, such as {"Acct Ref": "external_id", "Notes": null}.',
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: check and count, write nothing", widget=forms.CheckboxInput(attrs=CHECKBOX),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.0f} MB; the limit is {max_upload_bytes() // 1024 // 1024} MB. "
                "Split it into smaller files or use the import_csv command."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload

    def clean_mapping(self):
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"The mapping is not valid JSON: {error.msg} at line {error.lineno}.") from None
        if not isinstance(data, dict):
            raise forms.ValidationError('The mapping must be a JSON object such as {"Acct Ref": "external_id"}.')
        return data

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        mapping = cleaned.get("mapping") or {}
        settings_in_file = "columns" in mapping
        units = dict(mapping.get("units") or {}) if settings_in_file else {}
        if cleaned.get("money_unit") not in ("", None, "dollars"):
            for name in ("annual_revenue", "arr", "amount"):
                units.setdefault(name, cleaned["money_unit"])
        try:
            cleaned["options"] = options_from_mapping_file(
                mapping,
                source=cleaned["source"].strip() or DEFAULT_SOURCE,
                currency=cleaned["currency"].strip().upper() or "USD",
                date_format=cleaned["date_format"].strip() or None,
                decimal_comma=cleaned["decimal_comma"] or None,
                units=units or None,
            )
        except MappingError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class SynonymForm(forms.Form):
    kind = forms.ChoiceField(choices=SynonymKind.choices, label="Table")
    synonym = forms.CharField(max_length=255, help_text="The value as files spell it; case and spacing are ignored.")
    value = forms.CharField(max_length=128, help_text="The value Tierline stores.")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        cleaned["synonym"] = matching_form(cleaned["synonym"])
        if not cleaned["synonym"]:
            self.add_error("synonym", "The synonym is required.")
        try:
            cleaned["value"] = validate_synonym_value(cleaned["kind"], cleaned["value"])
        except ValueError as error:
            self.add_error("value", str(error))
        return cleaned
