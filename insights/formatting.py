"""Display formats of KPI values on pages and in charts."""


def format_value(value, unit, currency=""):
    """Format a KPI value for display; an empty value reads as an em dash."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value * 100:.1f} %"
    if unit == "money":
        return f"{value:,.0f} {currency}".strip()
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("days", "hours"):
        return f"{value:,.1f} {unit}"
    return f"{value:,.2f}"


def formatter_for(unit, currency=""):
    return lambda value: format_value(value, unit, currency)
