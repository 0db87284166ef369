"""Charts are self-contained SVG: no script, no external resource, nothing suppressed drawn."""

import base64
import re
import sys
from datetime import date
from decimal import Decimal

from reporting.statistics import charts
from reporting.statistics.suppression import Cell, shown

BAR = 'class="rect reactive tooltip-trigger"'


def _bars(svg: str) -> int:
    return svg.count(BAR)


def _volume(cells: list[Cell], reference: dict[str, list[Decimal]] | None = None) -> str:
    return charts.volume_chart(
        title="Werkhervatting",
        moment_labels=["begin", "eind", "follow-up"],
        ours={"Angststoornis": [shown(cell) for cell in cells]},
        reference=reference or {},
        ours_label="wij",
        reference_label="HSK",
    )


def test_a_volume_chart_is_svg_without_script_or_external_resources() -> None:
    svg = _volume([Cell(Decimal("49.0"), 12), Cell(Decimal("91.0"), 12), Cell(Decimal(97), 10)])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg
    assert not re.search(r'(?:href|src)\s*=\s*"(?!#)', svg)
    assert "url(http" not in svg and "@import" not in svg
    assert _bars(svg) == 3


def test_suppressed_and_empty_cells_are_not_drawn_and_the_legend_names_n() -> None:
    svg = _volume([Cell(Decimal("49.0"), 12), Cell(Decimal("91.4"), 3), Cell(None, 0)])
    assert _bars(svg) == 1
    assert ">91" not in svg  # the hidden figure is not printed as a bar value
    assert "Angststoornis (wij; n = 12/&lt; 5/0)" in svg


def test_the_reference_series_is_drawn_beside_ours() -> None:
    svg = _volume(
        [Cell(Decimal("49.0"), 12), Cell(Decimal("91.0"), 12), Cell(Decimal(97), 10)],
        {"Angststoornis": [Decimal(49), Decimal(91), Decimal(97)]},
    )
    assert _bars(svg) == 6
    assert "Angststoornis (HSK)" in svg


def test_labels_are_escaped_not_interpreted() -> None:
    svg = charts.volume_chart(
        title="<script>alert(1)</script>",
        moment_labels=["a"],
        ours={"<b>x</b>": [shown(Cell(Decimal(50), 9))]},
        reference={},
        ours_label="wij",
        reference_label="HSK",
    )
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg


def test_a_client_chart_shows_scores_and_participation_over_time() -> None:
    svg = charts.client_chart(
        title="Verloop",
        scores={"PHQ-9": [(date(2026, 1, 5), 18), (date(2026, 3, 2), 7)]},
        participation=[(date(2026, 1, 5), Decimal(25)), (date(2026, 3, 2), None)],
        participation_label="volume %",
        score_label="score",
    )
    assert "<script" not in svg
    assert "PHQ-9" in svg and "volume %" in svg


def test_a_data_uri_carries_the_svg_unchanged() -> None:
    svg = _volume([Cell(Decimal(50), 9), Cell(Decimal(60), 9), Cell(Decimal(70), 9)])
    uri = charts.data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


def test_importing_pygal_leaves_no_legacy_import_finder_behind() -> None:
    assert not any(type(f).__name__ == "PluginImportFixer" for f in sys.meta_path)


def test_a_client_with_hours_worked_but_no_questionnaire_gets_the_hours_drawn_not_no_data() -> None:
    svg = charts.client_chart(
        title="Werkhervatting",
        scores={"4DKL": []},
        participation=[(date(2026, 10, 9), Decimal("37.5"))],
        participation_label="werkhervatting (volumeprocenten)",
        score_label="totaalscore",
    )
    assert "No data" not in svg
    assert "werkhervatting (volumeprocenten)" in svg
