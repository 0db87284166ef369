"""PRIV-3: no rendered cell ever shows a figure counted over fewer clients than the minimum.

Random tables of exact cells go through the same path as the routes (`figure_tables`, then
the dashboard template, the PDF's HTML, the CSV and the JSON); no database is needed. Every
hidden figure is a distinctive number (1000.1-9999.9), so finding its text anywhere in an
output, in either locale's notation or inside the chart, is a leak.
"""

import base64
import csv
import html as markup
import io
import json
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from practice.platform.templating import make_environment
from reporting.statistics.dashboard import Dashboard, Query
from reporting.statistics.definitions import Unit
from reporting.statistics.export import render_report_html, table_csv, table_json
from reporting.statistics.model import RawRow, RawTable, display, figure_tables
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import Cell

KEYS = ("volume", "waits", "sessions", "trends")  # trends: the headline's two charts too


@st.composite
def tables(draw: Any) -> tuple[list[RawTable], int]:
    min_n = draw(st.integers(min_value=5, max_value=10))  # the floor is 5
    columns = draw(st.integers(min_value=1, max_value=3))
    row_count = draw(st.integers(min_value=1, max_value=3))
    size = len(KEYS) * row_count * columns
    values = draw(st.lists(st.integers(10_001, 99_999), min_size=size, max_size=size, unique=True))
    found = []
    position = 0
    for key in KEYS:
        rows = []
        for r in range(row_count):
            cells = []
            for _ in range(columns):
                n = draw(st.integers(min_value=0, max_value=12))
                value = Decimal(values[position]) / 10
                position += 1
                cells.append(Cell(value if n else None, n))
            rows.append(RawRow(f"r{r}", f"Rij {r}", tuple(cells)))
        notes = tuple(
            (f"Notitie {i}", Cell(n, n))
            for i, n in enumerate(draw(st.lists(st.integers(0, 12), max_size=3)))
        )
        found.append(
            RawTable(
                key=key,
                codes=("S2",) if key == "volume" else ("S9",),
                title=f"Tabel {key}",
                unit=Unit.PERCENT,
                columns=tuple(f"Kolom {c}" for c in range(columns)),
                rows=tuple(rows),
                notes=notes,
            )
        )
    return found, min_n


def _dashboard_html(board: Dashboard) -> str:
    template = make_environment(ZoneInfo("Europe/Amsterdam")).get_template(
        "reporting/statistics/dashboard.html"
    )
    return template.render(
        request=SimpleNamespace(url=SimpleNamespace(path="/statistics/outcomes")),
        csrf_input="",
        user=None,
        board=board,
        problems={},
        form=Query(),
        choices={
            "offers": [],
            "employers": [],
            "therapists": [],
            "diagnoses": [],
            "benchmarks": [],
            "bases": [],
            "hours": [],
        },
        summary=[("Periode", "…")],
        query_string="",
        display=display,
    )


def _cell_text(page: str, key: str) -> str:
    match = re.search(rf'<td data-cell="{re.escape(key)}">(.*?)</td>', page, re.S)
    assert match, f"no cell {key}"
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip())


def _charts(page: str) -> str:
    found = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    return "".join(base64.b64decode(data).decode() for data in found)


def _spellings(value: Decimal) -> set[str]:
    plain = f"{value:.1f}"
    whole, fraction = plain.split(".")
    return {plain, f"{whole},{fraction}", f"{whole[:-3]}.{whole[-3:]},{fraction}"}


@settings(max_examples=25, deadline=None)
@given(tables())
def test_no_output_shows_a_figure_counted_over_fewer_than_the_minimum(drawn) -> None:
    raw, min_n = drawn
    board = Dashboard(Query(), Filters(), figure_tables(raw, min_n), min_n, date(2026, 6, 1))
    html = _dashboard_html(board)
    report = render_report_html(
        board, [("Periode", "…")], "Uitkomsten", tz=ZoneInfo("Europe/Amsterdam"), locale="nl"
    )
    csv_text = {table.key: table_csv(table) for table in board.tables}
    json_text = json.dumps([table_json(table) for table in board.tables])
    everything = html + _charts(html) + report + _charts(report) + "".join(csv_text.values())
    everything += json_text
    marker = f"< {min_n}"

    for table, figure in zip(raw, board.tables, strict=True):
        rows = {row[0]: row for row in csv.reader(io.StringIO(csv_text[table.key]))}
        data = table_json(figure)
        for row_index, row in enumerate(table.rows):
            for column, cell in enumerate(row.cells):
                html_text = _cell_text(html, f"{table.key}:{row.key}:{column}")
                csv_value, csv_n = rows[row.label][1 + 2 * column : 3 + 2 * column]
                json_cell = data["rows"][row_index]["cells"][column]
                if 0 < cell.n < min_n:
                    assert html_text == marker
                    assert (csv_value, csv_n) == (marker, "")
                    assert (json_cell["text"], json_cell["value"], json_cell["n"]) == (
                        marker,
                        None,
                        None,
                    )
                    assert cell.value is not None
                    for spelling in _spellings(Decimal(cell.value)):
                        assert spelling not in everything, (spelling, table.key)
                elif cell.n == 0:
                    assert html_text == "– n = 0" and csv_value == "–"
                else:  # shown, with its n: the test would pass vacuously otherwise
                    assert html_text.endswith(f"n = {cell.n}")
                    assert csv_n == str(cell.n) and json_cell["n"] == cell.n
        for index, (label, note) in enumerate(table.notes):
            li = re.search(rf'<li data-note="{table.key}:{index}">(.*?)</li>', html, re.S)
            assert li
            if 0 < note.n < min_n:
                assert markup.unescape(li.group(1)).strip().endswith(f": {marker}")
                assert rows[label][1] == marker
