"""Forms of the segmentation pages. The rule itself comes from the rule builder, not from these forms."""

from django import forms
from django.utils.text import slugify

from .models import Lens, ObjectType, Segment, SegmentStatus


class SegmentForm(forms.Form):
    """A segment's name, slug, lens and description; the object type only when creating."""

    name = forms.CharField(label="Name", max_length=200)
    slug = forms.SlugField(
        label="Slug",
        max_length=64,
        required=False,
        help_text="Other rules reference the segment by it. Leave empty to derive it from the name. Cannot change later.",
    )
    lens = forms.ChoiceField(label="Lens", choices=Lens.choices)
    object_type = forms.ChoiceField(label="Members are", choices=ObjectType.choices, initial=ObjectType.ACCOUNTS)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, segment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.segment = segment
        if segment is not None:
            self.fields["slug"].disabled = True
            self.fields["object_type"].disabled = True
            self.fields["slug"].help_text = "Other rules reference the segment by it."

    def clean_slug(self):
        if self.segment is not None:
            return self.segment.slug
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name") or "")[:64]
        if not slug:
            raise forms.ValidationError("Give a slug of letters, digits, hyphens or underscores.")
        if Segment.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"The slug {slug!r} is taken by another segment; choose another.")
        return slug


class SegmentListFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200, help_text="Name, slug or description.")
    lens = forms.ChoiceField(label="Lens", required=False, choices=[("", "Any lens")] + list(Lens.choices))
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status")] + list(SegmentStatus.choices))
    owner = forms.ChoiceField(label="Owner", required=False, choices=[("", "Anyone"), ("me", "Me")])
    errors = forms.BooleanField(label="Only segments with errors", required=False)
