"""The dashboard's charts are self-contained SVG drawn by hand: no script, no external
resource, nothing suppressed drawn, every label escaped."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from reporting.statistics import dashboard_charts
from reporting.statistics.suppression import Cell, shown

BAR = 'class="bar"'


def _volume(cells: list[Cell], reference: dict[str, list[Decimal]] | None = None) -> str:
    return dashboard_charts.volume_chart(
        title="Werkhervatting",
        moment_labels=["begin", "eind", "follow-up"],
        ours={"Angststoornis": [shown(cell) for cell in cells]},
        reference=reference or {},
        ours_label="wij",
        reference_label="HSK",
    )


def _self_contained(svg: str) -> None:
    ET.fromstring(svg)  # noqa: S314 - our own SVG; well-formed, as WeasyPrint parses it
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg
    assert not re.search(r'(?:href|src)\s*=\s*"(?!#)', svg)
    assert "url(http" not in svg and "@import" not in svg


def test_a_volume_chart_is_svg_without_script_or_external_resources() -> None:
    svg = _volume([Cell(Decimal("49.0"), 12), Cell(Decimal("91.0"), 12), Cell(Decimal(97), 10)])
    _self_contained(svg)
    assert svg.count(BAR) == 3
    assert ">49<" in svg and ">91<" in svg and ">97<" in svg  # each bar's value over it


def test_suppressed_and_empty_cells_are_not_drawn_and_the_legend_names_n() -> None:
    svg = _volume([Cell(Decimal("49.0"), 12), Cell(Decimal("91.4"), 3), Cell(None, 0)])
    assert svg.count(BAR) == 1
    assert ">91" not in svg  # the hidden figure is not printed as a bar value
    assert "Angststoornis (wij; n = 12/&lt; 5/0)" in svg


def test_the_reference_series_is_drawn_beside_ours_in_a_lighter_shade() -> None:
    svg = _volume(
        [Cell(Decimal("49.0"), 12), Cell(Decimal("91.0"), 12), Cell(Decimal(97), 10)],
        {"Angststoornis": [Decimal(49), Decimal(91), Decimal(97)]},
    )
    assert svg.count(BAR) == 6
    assert "Angststoornis (HSK)" in svg
    assert dashboard_charts.COLOURS[0] in svg and dashboard_charts.LIGHT[0] in svg


def test_a_volume_chart_grows_a_legend_line_per_series() -> None:
    many = {f"diagnose {n}": [shown(Cell(Decimal(50), 9))] * 3 for n in range(7)}
    svg = dashboard_charts.volume_chart(
        title="Werkhervatting",
        moment_labels=["begin", "eind", "follow-up"],
        ours=many,
        reference={label: [Decimal(40)] * 3 for label in many},
        ours_label="wij",
        reference_label="HSK",
    )
    height = int(ET.fromstring(svg).attrib["height"])  # noqa: S314 - our own SVG
    assert height == dashboard_charts.HEIGHT + dashboard_charts.LEGEND_LINE * 12
    assert svg.count(BAR) == 42
    assert svg.count(">50<") == 0  # bars too narrow to carry their value; the table does


def test_a_volume_chart_without_any_drawable_cell_says_so() -> None:
    svg = dashboard_charts.volume_chart(
        title="Werkhervatting",
        moment_labels=["begin"],
        ours={"Angststoornis": [shown(Cell(Decimal(50), 2))]},
        reference={},
        ours_label="wij",
        reference_label="HSK",
        no_data="Te weinig cliënten",
    )
    assert BAR not in svg and "Te weinig cliënten" in svg


def test_labels_are_escaped_not_interpreted() -> None:
    svg = dashboard_charts.volume_chart(
        title="<script>alert(1)</script>",
        moment_labels=["a"],
        ours={"<b>x</b>": [shown(Cell(Decimal(50), 9))]},
        reference={},
        ours_label="wij",
        reference_label="HSK",
    )
    _self_contained(svg)
    assert "&lt;script&gt;" in svg and "<b>" not in svg


def test_a_survival_curve_steps_down_from_everyone_at_day_zero() -> None:
    svg = dashboard_charts.survival_chart(
        title="Nog verzuimd",
        steps=[(14, Decimal("80.0")), (70, Decimal("50.0"))],
        x_title="weken",
        y_title="% nog verzuimd",
        no_data="Te weinig",
    )
    _self_contained(svg)
    points = re.search(r'class="curve" points="([^"]+)"', svg)
    assert points is not None
    ys = [float(point.split(",")[1]) for point in points.group(1).split()]
    xs = [float(point.split(",")[0]) for point in points.group(1).split()]
    assert len(ys) == 5 and ys == sorted(ys)  # SVG's y grows downwards: the curve only falls
    assert xs[1] == xs[2] and xs[3] == xs[4]  # a vertical drop at each day
    assert "Te weinig" not in svg


def test_a_survival_chart_without_steps_says_there_is_too_little_to_draw() -> None:
    svg = dashboard_charts.survival_chart(
        title="Nog verzuimd", steps=[], x_title="weken", y_title="%", no_data="Te weinig"
    )
    assert 'class="curve"' not in svg and "Te weinig" in svg


def test_a_step_beyond_two_years_is_not_drawn_past_the_axis() -> None:
    svg = dashboard_charts.survival_chart(
        title="t",
        steps=[(7, Decimal(90)), (800, Decimal(10))],
        x_title="w",
        y_title="%",
        no_data="-",
    )
    points = re.search(r'class="curve" points="([^"]+)"', svg)
    assert points is not None and len(points.group(1).split()) == 3


def test_trend_charts_leave_a_suppressed_month_undrawn_and_the_bars_mark_it() -> None:
    months = ["jan", "feb", "mrt"]
    bars = dashboard_charts.referrals_chart(
        title="Aanmeldingen",
        month_labels=months,
        counts=[shown(Cell(12, 12)), shown(Cell(3, 3)), shown(Cell(20, 20))],
        series_label="aanmeldingen",
    )
    _self_contained(bars)
    assert bars.count("<rect x=") == 2 and "jan" in bars and "feb" in bars
    # Its marker stands on the axis, so the month does not read as one without referrals.
    assert bars.count(">&lt; 5</text>") == 1
    lines = dashboard_charts.shares_chart(
        title="Op tijd",
        month_labels=months,
        series={"screening": [shown(Cell(Decimal(80), 10))] * 3},
    )
    _self_contained(lines)
    assert lines.count("<circle") == 3 and "screening" in lines


def test_a_long_title_takes_two_lines_and_the_chart_grows_instead_of_running_off() -> None:
    long_title = "Still absent, by weeks since the first sick day (Kaplan-Meier)"
    svg = dashboard_charts.survival_chart(
        title=long_title, steps=[], x_title="weeks", y_title="%", no_data="-"
    )
    _self_contained(svg)
    lines = re.findall(r'font-weight="bold">([^<]*)</text>', svg)
    assert lines == ["Still absent, by weeks since the first sick day", "(Kaplan-Meier)"]
    height = int(ET.fromstring(svg).attrib["height"])  # noqa: S314 - our own SVG
    assert height == dashboard_charts.HEIGHT + 18
    assert 'transform="translate(0 18)"' in svg
    short = dashboard_charts.volume_chart(
        title="Werkhervatting",
        moment_labels=["begin"],
        ours={},
        reference={},
        ours_label="wij",
        reference_label="HSK",
    )
    assert 'transform="translate(0 0)"' in short
