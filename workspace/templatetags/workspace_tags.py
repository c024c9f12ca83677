"""Template filters for labels of stored choice values and lookups in dicts."""

from django import template

from accounts.models import BuyingRole, LifecycleStage, Motion

register = template.Library()

LABELS = {
    "stage": dict(LifecycleStage.choices),
    "motion": dict(Motion.choices),
    "buying_role": dict(BuyingRole.choices),
}


@register.filter
def get_item(mapping, key):
    """Return mapping[key], or an empty list when the key is absent."""
    return mapping.get(key, [])


@register.filter
def label(value, kind):
    """Return the display label of a stored choice value, such as at_risk -> At risk."""
    if value in (None, ""):
        return ""
    return LABELS[kind].get(value, str(value).replace("_", " ").capitalize())
