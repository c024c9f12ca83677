"""Charts drawn on the server as inline SVG, so pages need no script or CDN.

Each function returns safe markup. Labels are escaped; every bar or point can
carry a link to the accounts behind it.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH = 640
ROW_HEIGHT = 26
LABEL_WIDTH = 190
VALUE_WIDTH = 90
PALETTE = ["#2f6f9f", "#c8553d", "#4a8f5a", "#8a5fb0", "#b08a2e", "#3d8f94", "#a4476f", "#5c6b7a"]


def _link(url, inner):
    if not url:
        return inner
    return f'<a href="{escape(url)}">{inner}</a>'


def bar_chart(bars, *, title, formatter=str, maximum=None):
    """Horizontal bars: `bars` is a list of (label, value or None, url or None)."""
    values = [value for _, value, _ in bars if value is not None]
    top = maximum if maximum is not None else max(values, default=0)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW_HEIGHT * len(bars) + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, value, url) in enumerate(bars):
        y = 5 + index * ROW_HEIGHT
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" class="chart-label">{escape(label)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{LABEL_WIDTH}" y="{y + 17}" class="chart-empty">no data</text>')
            continue
        width = 0 if top <= 0 else max(plot_width * value / top, 1)
        bar = f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="{ROW_HEIGHT - 8}" fill="{PALETTE[0]}"/>'
        text = f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 17}" class="chart-value">{escape(formatter(value))}</text>'
        parts.append(_link(url, bar + text))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def interval_chart(rows, *, title, formatter=str, maximum=1.0):
    """Point estimates with error bars: `rows` is a list of (label, value, low, high, url)."""
    # The value and its interval are written right of the plot, so they get the widest margin.
    plot_width = WIDTH - LABEL_WIDTH - 230
    height = ROW_HEIGHT * len(rows) + 30
    scale = plot_width / maximum if maximum else 0
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{LABEL_WIDTH}" y1="{height - 22}" x2="{LABEL_WIDTH + plot_width}" y2="{height - 22}" class="axis"/>',
    ]
    for tick in range(0, 5):
        x = LABEL_WIDTH + plot_width * tick / 4
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="chart-tick">'
            f"{escape(formatter(maximum * tick / 4))}</text>"
        )
    for index, (label, value, low, high, url) in enumerate(rows):
        y = 5 + index * ROW_HEIGHT + ROW_HEIGHT / 2
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 5}" text-anchor="end" class="chart-label">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL_WIDTH}" y="{y + 5}" class="chart-empty">no closed deals</text>')
            continue
        marks = []
        if low is not None and high is not None:
            marks.append(
                f'<line x1="{LABEL_WIDTH + low * scale:.1f}" y1="{y}" x2="{LABEL_WIDTH + high * scale:.1f}" y2="{y}" '
                f'stroke="{PALETTE[0]}" stroke-width="2"/>'
            )
        marks.append(f'<circle cx="{LABEL_WIDTH + value * scale:.1f}" cy="{y}" r="5" fill="{PALETTE[1]}"/>')
        interval = "" if low is None else f" ({formatter(low)} to {formatter(high)})"
        marks.append(
            f'<text x="{LABEL_WIDTH + plot_width + 8}" y="{y + 5}" class="chart-value">'
            f"{escape(formatter(value) + interval)}</text>"
        )
        parts.append(_link(url, "".join(marks)))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(series, *, title, formatter=str):
    """Lines over dates: `series` is a list of (label, [(date, value or None), ...])."""
    points = [(day, value) for _, values in series for day, value in values if value is not None]
    height = 260
    left, right, top, bottom = 70, WIDTH - 10, 10, height - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not points:
        parts.append(f'<text x="{left}" y="{top + 20}" class="chart-empty">No snapshots yet.</text></svg>')
        return mark_safe("".join(parts))
    days = sorted({day for day, _ in points})
    low = min(0.0, min(value for _, value in points))
    high = max(value for _, value in points) or 1.0
    span_days = max((days[-1] - days[0]).days, 1)

    def x_of(day):
        return left + (right - left) * (day - days[0]).days / span_days

    def y_of(value):
        return bottom - (bottom - top) * (value - low) / ((high - low) or 1.0)

    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>')
    for value in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{left - 6}" y="{y_of(value) + 4:.1f}" text-anchor="end" class="chart-tick">'
            f"{escape(formatter(value))}</text>"
        )
    for day in (days[0], days[-1]):
        parts.append(
            f'<text x="{x_of(day):.1f}" y="{bottom + 16}" text-anchor="middle" class="chart-tick">{day.isoformat()}</text>'
        )
    for index, (label, values) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        coordinates = [f"{x_of(day):.1f},{y_of(value):.1f}" for day, value in values if value is not None]
        if coordinates:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(coordinates)}"/>')
        legend_x = left + (index % 4) * 140
        legend_y = bottom + 34 + (index // 4) * 14
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{legend_x + 14}" y="{legend_y}" class="chart-tick">{escape(label[:20])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
