from django import template

register = template.Library()


@register.filter
def p_value(value):
    """Format a p-value to four places, showing tiny ones as "< 0.0001" and missing ones as an em dash."""
    if value is None:
        return "—"
    if value < 0.0001:
        return "< 0.0001"
    return f"{value:.4f}"
