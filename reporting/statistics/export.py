"""Outputs of the suppressed figures other than the page: CSV, JSON and the PDF's HTML.

They take only `FigureTable`s (and the employer's summary through `shown`), so no export
can reach a raw value; spreadsheet formula injection is neutralised by
``practice.platform.csv_safe``, which writes every CSV of the service.
"""

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from practice.platform.csv_safe import csv_text
from practice.platform.i18n import gettext as _
from practice.platform.spreadsheet import Sheet, local, workbook
from reporting.documents import render_html
from reporting.statistics import sql as statistics
from reporting.statistics.dashboard import Dashboard
from reporting.statistics.headline import Headline
from reporting.statistics.model import FigureTable, display
from reporting.statistics.suppression import Shown, shown


def _figure(cell: Shown) -> object:
    """A shown figure as its number, so a negative one stays a number in the spreadsheet;
    a marker ("< 5", "x", "–") as its text. Either way it equals ``cell.text``."""
    return cell.text if cell.value is None else cell.value


def table_csv(table: FigureTable) -> str:
    """One table as CSV: per column the figure and its n; suppressed cells as "< 5"."""
    return csv_text(table_rows(table))


def table_rows(table: FigureTable) -> list[list[object]]:
    """One table's rows as its CSV and its workbook's sheet hold them: a header, per row the
    figure and its n of each column, then the notes, the sources and the basis."""
    header: list[object] = [table.title]
    for column in table.columns:
        header += [column, "n"]
    header += list(table.reference_columns)
    rows: list[list[object]] = [header]
    for row in table.rows:
        line: list[object] = [row.label]
        for cell in row.cells:
            line += [_figure(cell), cell.n]
        if table.reference_columns:
            line += list(row.reference or ())
        rows.append(line)
    rows += [[label, _figure(cell), ""] for label, cell in table.notes]
    rows += [[source] for source in table.sources]
    if table.basis:
        rows.append([table.basis])
    return rows


def dashboard_workbook(
    board: Dashboard, summary: Sequence[tuple[str, str]], title: str, *, tz: ZoneInfo
) -> bytes:
    """Every table of the dashboard as a sheet of one workbook, after a sheet that says what
    the figures are about: the filters in words, the moment, the smallest cell shown."""
    about: list[list[object]] = [[title, ""]]
    about += [[label, value] for label, value in summary]
    if board.as_of is not None:
        about.append([_("Figures as of"), local(board.as_of, tz)])
    about.append([board.volume_basis, ""])
    about.append(
        [
            _(
                "Figures over fewer than %(min_n)s clients are not shown; the cell reads "
                "< %(min_n)s."
            )
            % {"min_n": board.min_n},
            "",
        ]
    )
    sheets = [Sheet(_("Filters"), about)]
    sheets += [Sheet(table.title, table_rows(table)) for table in board.tables]
    return workbook(sheets)


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
        "basis": table.basis,
    }


def headline_json(headline: Headline) -> dict[str, Any]:
    """The headline for /api/statistics/outcomes: the same shown cells as the page."""
    return {
        "referrals": {
            "this_month": {
                "month": headline.this_month,
                **cell_json(headline.referrals_this_month),
            },
            "last_month": None
            if headline.referrals_last_month is None
            else {"month": headline.last_month, **cell_json(headline.referrals_last_month)},
        },
        "recent_months": headline.recent_months,
        "screened_within_10_days_percent": cell_json(headline.screened_on_time),
        "started_within_10_working_days_percent": cell_json(headline.started_on_time),
        "caseload": [
            {
                "therapist": load.therapist,
                "active": cell_json(load.active),
                "capacity": load.capacity,
                "over_capacity": load.over_capacity,
            }
            for load in headline.caseload
        ],
        "work_resumption_percent": {
            figure.moment.value: {
                **cell_json(figure.ours),
                "reference_low": None
                if figure.reference_low is None
                else str(figure.reference_low),
                "reference_high": None
                if figure.reference_high is None
                else str(figure.reference_high),
            }
            for figure in headline.resumption
        },
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
    board: Dashboard,
    summary: Sequence[tuple[str, str]],
    title: str,
    *,
    tz: ZoneInfo,
    locale: str,
) -> str:
    """The PDF's HTML (also what the suppression test renders)."""
    return render_html(
        "reporting/statistics/report.html",
        {
            "title": title,
            "tables": board.tables,
            "headline": board.headline,
            "volume_basis": board.volume_basis,
            "summary": list(summary),
            "today": board.today,
            "min_n": board.min_n,
            "display": display,
        },
        tz=tz,
        locale=locale,
    )
