"""Charts drawn on the server as small SVG (no charting library in the browser): they
read on a phone and print on paper. Each comes with its numbers as a table for screen
readers (in the template)."""

from __future__ import annotations

from markupsafe import Markup, escape

from learnapp.dashboard.reports import Week

COLOURS = {"lessons_completed": "#0b5cad", "check_ins": "#e65100", "badges": "#2e7d32"}


def trend(weeks: list[Week], series: dict[str, str], label: str) -> Markup:
    """Lines, one per series (name → legend text), over the weeks."""
    width, height, left, bottom, top = 360, 220, 34, 36, 26
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max([1] + [getattr(w, s) for w in weeks for s in series])
    step = plot_w / max(1, len(weeks) - 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{left - 4}" y="{y + 4:.1f}" class="axis" '
            f'text-anchor="end">{round(peak * fraction)}</text>'
        )
    for index, week in enumerate(weeks):
        if index % 3 == 0 or index == len(weeks) - 1:
            x = left + index * step
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" class="axis" '
                f'text-anchor="middle">{week.start:%d/%m}</text>'
            )
    for position, (name, legend) in enumerate(series.items()):
        points = " ".join(
            f"{left + i * step:.1f},{top + plot_h * (1 - getattr(w, name) / peak):.1f}"
            for i, w in enumerate(weeks)
        )
        colour = COLOURS[name]
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="3" stroke-linejoin="round"/>'
        )
        x = left + position * 110
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="15" class="legend">{escape(legend)}</text>'
        )
    parts.append("</svg>")
    # Trusted: numbers we computed and labels escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def bars(items: list[tuple[str, int]], label: str, colour: str = "#2e7d32") -> Markup:
    """Horizontal bars, one per (label, value), labels above each bar."""
    width, row = 360, 44
    height = max(1, len(items)) * row + 8
    peak = max([1] + [v for _l, v in items])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (name, value) in enumerate(items):
        y = 4 + index * row
        length = (width - 60) * value / peak
        parts.append(
            f'<text x="0" y="{y + 14}" class="legend">{escape(name)}</text>'
            f'<rect x="0" y="{y + 20}" width="{max(length, 2):.1f}" height="16" '
            f'rx="3" fill="{colour}"/><text x="{max(length, 2) + 6:.1f}" y="{y + 33}" '
            f'class="axis">{value}</text>'
        )
    parts.append("</svg>")
    # Trusted: numbers we computed and labels escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
