"""Server-rendered SVG charts (pygal): a client's questionnaire totals and work participation
over time, in the reports and on the client's pages. The dashboard's own charts are drawn as
plain SVG (`reporting.statistics.dashboard_charts`), which is faster.

What holds for every chart:

* no JavaScript and no external resource: pygal's ``js`` list is empty and the inline
  config ``<script>`` it always writes is removed from the tree before serialising, so the
  SVG can be shown as an ``<img>`` (CSP ``img-src data:``) and embedded by WeasyPrint, whose
  URL fetcher accepts ``data:`` URLs only;
* a chart draws only what the table beside it may show: it takes `Shown` cells, and a
  suppressed cell (n below the minimum) or an empty one is not drawn at all;
* every series names its n in the legend, so the figure carries its n even as an image.

Labels arrive translated: this module knows nothing about locales.
"""

import base64
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pygal  # type: ignore[import-untyped]
from pygal.etree import etree as pygal_etree  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

from practice.platform.i18n import format_day, format_number

# pygal appends a legacy finder for its map plugins to sys.meta_path (it has no find_spec),
# so every later failed import warns "ImportWarning: PluginImportFixer.find_spec() not
# found". No map plugin is used here: take the finder out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]
# pygal builds with lxml whenever it is installed (factur-x brings it); the charts are
# finished with the standard library's ElementTree below, so pygal must build with that too.
pygal_etree.to_etree()

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#5b6475",
    font_family='"DejaVu Sans", Arial, sans-serif',
    colors=("#0b5cad", "#9db9d9", "#a4161a", "#e3a3a5", "#2b7a3d", "#a8d5b1", "#6b4fa0"),
    value_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)


def _config(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "js": [],
        "style": _STYLE,
        "width": 800,
        "height": 400,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": True,
        "disable_xml_declaration": True,
        "explicit_size": True,
    }
    settings.update(overrides)
    return settings


def _serialise(chart: Any) -> str:
    """The chart as SVG text, without pygal's config script."""
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    svg: str = ET.tostring(root, encoding="unicode")
    return svg


def data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...``: the form used in ``<img src>`` on page and PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def client_chart(
    *,
    title: str,
    scores: Mapping[str, Sequence[tuple[date, int]]],
    participation: Sequence[tuple[date, Decimal | None]],
    participation_label: str,
    score_label: str,
) -> str:
    """One client over time: questionnaire totals (left axis) and volume % (right axis).

    Without any questionnaire total the volume takes the left axis: pygal counts only the
    left axis's series as data and would print "No data" over the hours worked."""
    has_scores = any(points for points in scores.values())
    chart = pygal.DateLine(
        **_config(
            title=title,
            x_label_rotation=30,
            print_values=False,
            show_dots=True,
            y_title=score_label if has_scores else participation_label,
            range=(0, 30) if has_scores else (0, 100),
            secondary_range=(0, 100),
        )
    )
    # The days measured, each once, in the reader's format (pygal's own ticks fall between
    # them and repeat a day); whole numbers on both axes (not "93.33333333").
    days = sorted(
        {day for points in scores.values() for day, _ in points}
        | {day for day, volume in participation if volume is not None}
    )
    chart.x_labels = days
    chart.x_value_formatter = format_day
    chart.value_formatter = lambda value: format_number(value, 0)
    # Ten steps on each axis, so the right axis reads 0, 10, … 100 beside the left one.
    chart.y_labels = list(range(0, 31, 3)) if has_scores else list(range(0, 101, 10))
    for instrument, points in scores.items():
        if points:
            chart.add(instrument, [(day, total) for day, total in points])
    chart.add(
        participation_label,
        [(day, float(volume)) for day, volume in participation if volume is not None],
        secondary=has_scores,
    )
    return _serialise(chart)
