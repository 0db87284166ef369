"""Outputs of the suppressed figures other than the page: CSV, JSON and the PDF's HTML.

They take only `FigureTable`s (and the employer's summary through `shown`), so no export
can reach a raw value; spreadsheet formula injection is neutralised here, once.
"""

import csv
import io
from collections.abc import Sequence
from typing import Any

from reporting import statistics
from reporting.documents import render_html
from reporting.statistics_dashboard import Dashboard
from reporting.statistics_model import FigureTable, display
from reporting.suppression import Shown, shown


def _csv_safe(text: str) -> str:
    """Labels that a spreadsheet would run as a formula get a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _plain(cell: Shown) -> str:
    return cell.text


def table_csv(table: FigureTable) -> str:
    """One table as CSV: per column the figure and its n; suppressed cells as "< 5"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = [_csv_safe(table.title)]
    for column in table.columns:
        header += [_csv_safe(column), "n"]
    header += [_csv_safe(column) for column in table.reference_columns]
    writer.writerow(header)
    for row in table.rows:
        line = [_csv_safe(row.label)]
        for cell in row.cells:
            line += [_plain(cell), "" if cell.n is None else str(cell.n)]
        if table.reference_columns:
            line += [str(value) for value in row.reference or ()]
        writer.writerow(line)
    for label, cell in table.notes:
        writer.writerow([_csv_safe(label), _plain(cell), ""])
    for source in table.sources:
        writer.writerow([_csv_safe(source)])
    return buffer.getvalue()


def cell_json(cell: Shown) -> dict[str, Any]:
    return {
        "text": cell.text,
        "value": None if cell.value is None else str(cell.value),
        "n": cell.n,
        "suppressed": cell.suppressed,
    }


def table_json(table: FigureTable) -> dict[str, Any]:
    return {
        "key": table.key,
        "codes": list(table.codes),
        "title": table.title,
        "definitions": [{"title": t, "text": x} for t, x in table.definitions],
        "unit": table.unit,
        "min_n": table.min_n,
        "columns": list(table.columns),
        "reference_columns": list(table.reference_columns),
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "cells": [cell_json(cell) for cell in row.cells],
                "reference": None if row.reference is None else [str(v) for v in row.reference],
            }
            for row in table.rows
        ],
        "notes": [{"label": label, **cell_json(cell)} for label, cell in table.notes],
        "sources": list(table.sources),
    }


def employer_json(summary: statistics.EmployerSummary, min_n: int) -> dict[str, Any]:
    """S15 with suppression at the employer's minimum; nothing medical, no diagnosis."""
    return {
        "employees_referred": cell_json(shown(summary.employees_referred, min_n)),
        "episodes": cell_json(shown(summary.episodes, min_n)),
        "sessions_held": cell_json(shown(summary.sessions_held, min_n)),
        "with_resumption_agreements_percent": cell_json(shown(summary.with_agreements.cell, min_n)),
        "volume_percent": {
            moment.value: cell_json(shown(cell, min_n)) for moment, cell in summary.volume.items()
        },
    }


def render_report_html(
    board: Dashboard, summary: Sequence[tuple[str, str]], title: str, *, locale: str
) -> str:
    """The PDF's HTML (also what the suppression test renders)."""
    return render_html(
        "reporting/statistics/report.html",
        {
            "title": title,
            "tables": board.tables,
            "summary": list(summary),
            "today": board.today,
            "min_n": board.min_n,
            "display": display,
        },
        locale=locale,
    )
