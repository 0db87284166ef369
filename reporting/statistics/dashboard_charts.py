"""The dashboard's charts, drawn as plain SVG: the referrals per month (bars), the share of
screenings and treatment starts on time per month (lines), work resumption by diagnosis
(S2, grouped bars beside the HSK reference) and the Kaplan-Meier curves (steps).

Drawn here rather than with pygal (`reporting.statistics.charts`, still used for a client's
chart in the reports) because the dashboard is a performance target (P-4, issue 21): pygal
spent 13-28 ms on each chart, this about 1 ms, and these charts need nothing pygal offers
beyond bars, lines, a grid and a legend. What holds for every chart of the statistics holds
here too: no script and no external resource (an ``<img>`` of a data: URL on the page and in
the PDF), and a suppressed or empty cell is not drawn at all; its place keeps its label, so
the gap shows; every series of S2 names its n in the legend.

Labels arrive translated; numbers are written with `practice.platform.i18n.format_number`.
"""

import textwrap
from collections.abc import Mapping, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from practice.platform.i18n import format_number
from reporting.statistics.suppression import Shown

WIDTH, HEIGHT = 560, 330
LEFT, RIGHT, TOP = 48, 548, 44  # the plot area's edges; its bottom depends on the legend
INK, MUTED, GRID = "#1d2433", "#5b6475", "#d7dce3"
COLOURS = ("#0b5cad", "#a4161a", "#2b7a3d", "#6b4fa0", "#b45f06", "#1b7f86", "#5b6475")
# S2's reference bars: the same hue as the diagnosis's own bars, lighter.
LIGHT = ("#9db9d9", "#e3a3a5", "#a8d5b1", "#c9bde0", "#f0c79b", "#a6d8dc", "#c3c8d1")
LEGEND_LINE = 18
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


def _frame(labels: Sequence[str], top_value: int, step: int, bottom: float) -> list[str]:
    """Horizontal grid lines with their values, and the month labels (rotated)."""
    parts = []
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


TITLE_CHARACTERS = 58  # a title line's length at 15 px bold in the chart's width


def _svg(title: str, parts: Sequence[str], height: int = HEIGHT) -> str:
    """The chart with its title over it. The parts are drawn for a one-line title; a longer
    title (in either language) takes more lines, and the chart moves down and grows by
    them instead of running off its edge."""
    lines = textwrap.wrap(title, TITLE_CHARACTERS, break_on_hyphens=False) or [""]
    extra = 18 * (len(lines) - 1)
    total = height + extra
    heading = "".join(
        _text(WIDTH / 2, 22 + 18 * n, line, 15, text_anchor="middle", font_weight="bold")
        for n, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total}" '
        f'viewBox="0 0 {WIDTH} {total}" font-family={quoteattr(FONT)} role="img">'
        f'<title>{escape(title)}</title><rect width="{WIDTH}" height="{total}" fill="white"/>'
        f'{heading}<g transform="translate(0 {extra})">{"".join(parts)}</g></svg>'
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
    """Referrals per month as bars, each with its count above it; a suppressed month has no
    bar but its marker ("< 5") on the axis, so it does not read as a month without any."""
    bottom = HEIGHT - 62
    values = [_value(cell) for cell in counts]
    drawn = [v for v in values if v is not None]
    top_value, step = _nice_top(max(drawn, default=0) or 1)
    parts = _frame(month_labels, top_value, step, bottom)
    slot = (RIGHT - LEFT) / max(1, len(month_labels))
    for index, value in enumerate(values):
        if value is None:
            if drawn and counts[index].suppressed:
                centre = LEFT + slot * (index + 0.5)
                marker = counts[index].text
                parts.append(_text(centre, bottom - 4, marker, 11, text_anchor="middle"))
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
    bottom = HEIGHT - 62 - LEGEND_LINE * len(series)
    parts = _frame(month_labels, 100, 20, bottom)
    slot = (RIGHT - LEFT) / max(1, len(month_labels))
    anything = False
    for number, cells in enumerate(series.values()):
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
    if not anything:
        _no_data(parts, bottom, no_data)
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}"/>')
    _legend(parts, [(COLOURS[n % len(COLOURS)], label) for n, label in enumerate(series)], HEIGHT)
    return _svg(title, parts)


def _legend(parts: list[str], entries: Sequence[tuple[str, str]], height: int) -> None:
    """One entry a line (a colour square and its label) along the chart's bottom edge."""
    for number, (colour, label) in enumerate(entries):
        y = height - LEGEND_LINE * (len(entries) - number) + 2
        parts.append(f'<rect x="{LEFT}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(LEFT + 18, y, label, 12))


def _n_text(cells: Sequence[Shown], n_label: str) -> str:
    """``n = 12/< 5/0``: each moment's n, or the marker of a suppressed cell."""
    return f"{n_label} = " + "/".join(
        cell.text if cell.suppressed else str(cell.n) for cell in cells
    )


def volume_chart(
    *,
    title: str,
    moment_labels: Sequence[str],
    ours: Mapping[str, Sequence[Shown]],
    reference: Mapping[str, Sequence[Decimal]],
    ours_label: str,
    reference_label: str,
    n_label: str = "n",
    no_data: str = "–",
) -> str:
    """S2 as grouped bars (0-100 %): per moment, each diagnosis of ours, each followed by its
    reference value where there is one. The legend carries each series' n per moment; a
    suppressed or empty cell has no bar, and no value is printed for it."""
    series: list[tuple[str, str, list[float | None]]] = []  # (colour, legend, values)
    for number, (label, cells) in enumerate(ours.items()):
        hue = number % len(COLOURS)
        series.append(
            (
                COLOURS[hue],
                f"{label} ({ours_label}; {_n_text(cells, n_label)})",
                [_value(cell) for cell in cells],
            )
        )
        if label in reference:
            series.append(
                (
                    LIGHT[hue],
                    f"{label} ({reference_label})",
                    [float(value) for value in reference[label]],
                )
            )
    height = HEIGHT + LEGEND_LINE * max(0, len(series) - 2)
    bottom = height - 40 - LEGEND_LINE * len(series)
    parts = _frame([], 100, 20, bottom)
    slot = (RIGHT - LEFT) / max(1, len(moment_labels))
    width = slot * 0.8 / max(1, len(series))
    anything = False
    for index, moment in enumerate(moment_labels):
        parts.append(
            _text(LEFT + slot * (index + 0.5), bottom + 16, moment, 12, text_anchor="middle")
        )
        for number, (colour, legend, values) in enumerate(series):
            value = values[index] if index < len(values) else None
            if value is None:
                continue
            anything = True
            bar = (bottom - TOP) * min(max(value, 0.0), 100.0) / 100
            x = LEFT + slot * (index + 0.1) + width * number
            text = format_number(value, 0)
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{bottom - bar:.1f}" width="{width:.1f}" '
                f'height="{bar:.1f}" fill="{colour}"><title>'
                f"{escape(f'{moment}: {text} % – {legend}')}</title></rect>"
            )
            if width >= 16:  # a value printed over a narrower bar would run into its neighbours
                parts.append(_text(x + width / 2, bottom - bar - 4, text, 10, text_anchor="middle"))
    if not anything:
        _no_data(parts, bottom, no_data)
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}"/>')
    _legend(parts, [(colour, legend) for colour, legend, _ in series], height)
    return _svg(title, parts, height)


WEEKS = 104  # the Kaplan-Meier charts' x axis: two years, the Wet verbetering poortwachter's span


def survival_chart(
    *,
    title: str,
    steps: Sequence[tuple[int, Decimal]],
    x_title: str,
    y_title: str,
    no_data: str,
) -> str:
    """A Kaplan-Meier curve as steps: 100 % at day 0, then down at each (day, % left).

    The caller passes only the steps it may show (enough at risk); the x axis is in weeks,
    and a step beyond its end is not drawn."""
    bottom = HEIGHT - 56
    left = LEFT + 14  # room for the y axis's title
    parts = [
        _text(
            14,
            (TOP + bottom) / 2,
            y_title,
            12,
            text_anchor="middle",
            transform=f"rotate(-90 14 {(TOP + bottom) / 2:.1f})",
        ),
        _text((left + RIGHT) / 2, HEIGHT - 12, x_title, 12, text_anchor="middle"),
    ]

    def x_of(weeks: float) -> float:
        return left + (RIGHT - left) * min(weeks, WEEKS) / WEEKS

    def y_of(percent: float) -> float:
        return bottom - (bottom - TOP) * percent / 100

    for value in range(0, 101, 20):
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, format_number(value, 0), 11, text_anchor="end"))
    for weeks in range(0, WEEKS + 1, 13):
        parts.append(
            _text(x_of(weeks), bottom + 16, format_number(weeks, 0), 11, text_anchor="middle")
        )
    if steps:
        level = 100.0
        points = [(x_of(0), y_of(level))]
        for day, percent in steps:
            if day / 7 > WEEKS:
                break
            x = x_of(day / 7)
            points += [(x, y_of(level)), (x, y_of(float(percent)))]
            level = float(percent)
        drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline class="curve" points="{drawn}" fill="none" stroke="{COLOURS[0]}" '
            'stroke-width="2.5"/>'
        )
    else:
        _no_data(parts, bottom, no_data)
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}"/>')
    return _svg(title, parts)
