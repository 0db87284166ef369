"""The dashboard's two trend charts, drawn as plain SVG: referrals per month (bars) and the
share of screenings and treatment starts on time per month (lines).

Drawn here rather than with pygal (`reporting.statistics.charts`) because the dashboard is a
performance target (P-4): pygal spends about 28 ms on each chart, this about 1 ms, and these
two charts need nothing pygal offers beyond bars, lines, a grid and a legend. What holds for
every chart of the statistics holds here too: no script and no external resource (an
``<img>`` of a data: URL on the page and in the PDF), and a suppressed or empty cell is not
drawn at all; its month keeps its label, so the gap shows.

Labels arrive translated; numbers are written with `practice.platform.i18n.format_number`.
"""

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from practice.platform.i18n import format_number
from reporting.statistics.suppression import Shown

WIDTH, HEIGHT = 560, 330
LEFT, RIGHT, TOP = 48, 548, 44  # the plot area's edges; its bottom depends on the legend
INK, MUTED, GRID = "#1d2433", "#5b6475", "#d7dce3"
COLOURS = ("#0b5cad", "#a4161a", "#2b7a3d")
FONT = '"DejaVu Sans", Arial, sans-serif'


def _value(cell: Shown) -> float | None:
    if cell.suppressed or cell.value is None:
        return None
    return float(cell.value)


def _text(x: float, y: float, text: str, size: int = 12, **attributes: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(v)}" for name, v in attributes.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{INK}"{extra}>'
        f"{escape(text)}</text>"
    )


def _frame(
    title: str, labels: Sequence[str], top_value: int, step: int, bottom: float
) -> list[str]:
    """Title, horizontal grid lines with their values, and the month labels (rotated)."""
    parts = [
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        _text(WIDTH / 2, 22, title, 15, text_anchor="middle", font_weight="bold"),
    ]
    for value in range(0, top_value + 1, step):
        y = bottom - (bottom - TOP) * value / top_value
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(LEFT - 6, y + 4, format_number(value, 0), 11, text_anchor="end"))
    slot = (RIGHT - LEFT) / max(1, len(labels))
    for index, label in enumerate(labels):
        x = LEFT + slot * (index + 0.5)
        parts.append(
            _text(
                x,
                bottom + 14,
                label,
                11,
                text_anchor="end",
                transform=f"rotate(-35 {x:.1f} {bottom + 14:.1f})",
            )
        )
    return parts


def _svg(title: str, parts: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family={quoteattr(FONT)} role="img">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _no_data(parts: list[str], bottom: float, text: str) -> None:
    parts.append(_text((LEFT + RIGHT) / 2, (TOP + bottom) / 2, text, 15, text_anchor="middle"))


def _nice_top(largest: float) -> tuple[int, int]:
    """An axis top at or above `largest` and a step that gives four to six grid lines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        top = step * max(1, -(-int(largest) // step))
        if top / step <= 6:
            return top, step
    return int(largest) + 1, max(1, int(largest) // 5)


def referrals_chart(
    *,
    title: str,
    month_labels: Sequence[str],
    counts: Sequence[Shown],
    series_label: str,
    no_data: str = "–",
) -> str:
    """Referrals per month as bars, each with its count above it; suppressed months empty."""
    bottom = HEIGHT - 62
    values = [_value(cell) for cell in counts]
    drawn = [v for v in values if v is not None]
    top_value, step = _nice_top(max(drawn, default=0) or 1)
    parts = _frame(title, month_labels, top_value, step, bottom)
    slot = (RIGHT - LEFT) / max(1, len(month_labels))
    for index, value in enumerate(values):
        if value is None:
            continue
        height = (bottom - TOP) * value / top_value
        x = LEFT + slot * index + slot * 0.2
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{height:.1f}" fill="{COLOURS[0]}"><title>'
            f"{escape(f'{month_labels[index]}: {format_number(value, 0)} {series_label}')}"
            "</title></rect>"
        )
        parts.append(
            _text(
                x + slot * 0.3,
                bottom - height - 4,
                format_number(value, 0),
                11,
                text_anchor="middle",
            )
        )
    if not drawn:
        _no_data(parts, bottom, no_data)
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}"/>')
    return _svg(title, parts)


def shares_chart(
    *,
    title: str,
    month_labels: Sequence[str],
    series: Mapping[str, Sequence[Shown]],
    no_data: str = "–",
) -> str:
    """Shares per month (0-100 %) as lines with a dot per month; a suppressed month breaks
    the line. The legend, one series a line, sits under the month labels."""
    bottom = HEIGHT - 62 - 18 * len(series)
    parts = _frame(title, month_labels, 100, 20, bottom)
    slot = (RIGHT - LEFT) / max(1, len(month_labels))
    anything = False
    for number, (label, cells) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, cell in enumerate(cells):
            value = _value(cell)
            if value is None:
                runs.append([])
                continue
            anything = True
            point = (LEFT + slot * (index + 0.5), bottom - (bottom - TOP) * value / 100)
            runs[-1].append(point)
            parts.append(
                f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(f'{month_labels[index]}: {format_number(value, 0)} %')}</title>"
                "</circle>"
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    'stroke-width="2.5"/>'
                )
        y = HEIGHT - 18 * (len(series) - number) + 2
        parts.append(f'<rect x="{LEFT}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(LEFT + 18, y, label, 12))
    if not anything:
        _no_data(parts, bottom, no_data)
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}"/>')
    return _svg(title, parts)
