"""A client's chart (pygal) is self-contained SVG: no script, no external resource."""

import base64
import sys
from datetime import date
from decimal import Decimal

from reporting.statistics import charts


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
    svg = charts.client_chart(
        title="Verloop",
        scores={"PHQ-9": [(date(2026, 1, 5), 18)]},
        participation=[(date(2026, 1, 5), Decimal(25))],
        participation_label="volume %",
        score_label="score",
    )
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
