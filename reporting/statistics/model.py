"""The render model of the outcome statistics: a figure before suppression (`RawTable`)
and after it (`FigureTable`), and the one door between them (`suppress`).

Kept apart from the routes and from the table builders so that every output (page, JSON,
CSV, PDF) depends on the same small model, and so the suppression rule can be read, and
tested, in one place: a `FigureTable` holds only `Shown` cells, never a raw value.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from practice.platform.i18n import N_, format_number
from practice.platform.i18n import gettext as _
from reporting.statistics import charts, dashboard_charts
from reporting.statistics.definitions import DEFINITIONS, UNIT_LABELS, Unit
from reporting.statistics.suppression import Cell, Shown, shown, suppress_with_total

# Definitions of the two figures that have no S-code in the domain brief.
EXTRA_DEFINITIONS: Mapping[str, tuple[str, str]] = {
    "caseload": (
        N_("Caseload per therapist"),
        N_(
            "Episodes that are referred, screened, in treatment or paused, per therapist "
            "currently assigned to them, among the referrals matching the filters."
        ),
    ),
    "trends": (
        N_("Month by month"),
        N_(
            "Referrals received per month (by the date the referral was received); the share "
            "of screenings held within 10 calendar days of the referral, counted in the month "
            "of the referral; and the share of treatments started within 10 working days of "
            "the screening, counted in the month of the screening. Each share is of the waits "
            "that have ended (a referral not yet screened is not counted yet), as in the wait "
            "times table. The last 12 months up to the reporting date, or up to the end of "
            "the period filtered on."
        ),
    ),
    "questionnaires": (
        N_("Questionnaire scores"),
        N_(
            "Mean total score of complete questionnaires per instrument and moment "
            "(screening, interim, end of treatment, follow-up). Lower is better."
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class RawRow:
    key: str
    label: str
    cells: tuple[Cell, ...]
    reference: tuple[Decimal, ...] | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class RawTable:
    """One figure before suppression: exact cells, labels already translated."""

    key: str
    codes: tuple[str, ...]
    title: str
    unit: Unit
    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]
    notes: tuple[tuple[str, Cell], ...] = ()
    reference_columns: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    digits: int = 1  # decimals shown for the figures (0 for counts)
    # For a volume figure: the contract hours and the hours it is computed with, in words.
    basis: str | None = None
    # For a Kaplan-Meier figure: its steps (day, % surviving, n at risk), drawn as a chart
    # only where the n at risk reaches the minimum cell size.
    curve: tuple[tuple[int, Decimal, int], ...] = ()


@dataclass(frozen=True, slots=True)
class FigureRow:
    key: str
    label: str
    cells: tuple[Shown, ...]
    reference: tuple[Decimal, ...] | None
    link: str | None


@dataclass(frozen=True, slots=True)
class FigureTable:
    """One figure as every output shows it: only `Shown` cells, never a raw value."""

    key: str
    codes: tuple[str, ...]
    title: str
    definitions: tuple[tuple[str, str], ...]
    unit: str
    columns: tuple[str, ...]
    rows: tuple[FigureRow, ...]
    notes: tuple[tuple[str, Shown], ...]
    reference_columns: tuple[str, ...]
    sources: tuple[str, ...]
    digits: int
    min_n: int
    chart: str | None = None  # a data: URI of an SVG
    charts: tuple[tuple[str, str], ...] = ()  # more charts: (title, data: URI of an SVG)
    basis: str | None = None  # a volume figure's contract basis and hours, in words

    @property
    def n_text(self) -> str:
        """The largest n shown in the table, for the figure's caption ("n ≤ ...")."""
        counts = [cell.n for row in self.rows for cell in row.cells if cell.n is not None]
        return str(max(counts)) if counts else "–"


def definitions_of(codes: Sequence[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for code in codes:
        if code in DEFINITIONS:
            definition = DEFINITIONS[code]
            found.append((f"{code} {_(definition.title)}", _(definition.text)))
        elif code in EXTRA_DEFINITIONS:
            title, text = EXTRA_DEFINITIONS[code]
            found.append((_(title), _(text)))
    return tuple(found)


TOTAL_ROW = "all"  # the row that sums up the others (S1 over S2's diagnoses)


def suppress(table: RawTable, min_n: int) -> FigureTable:
    """Small-cell suppression of every figure and every count in the table. A table with a
    total row is suppressed column by column against it (complementary suppression), so a
    hidden cell cannot be recomputed as the total minus the cells shown beside it."""
    keys = [row.key for row in table.rows]
    if TOTAL_ROW in keys and len(set(keys)) == len(keys):
        by_key = suppress_with_total({row.key: row.cells for row in table.rows}, TOTAL_ROW, min_n)
        cells = [by_key[key] for key in keys]
    else:
        cells = [tuple(shown(cell, min_n) for cell in row.cells) for row in table.rows]
    return FigureTable(
        key=table.key,
        codes=table.codes,
        title=table.title,
        definitions=definitions_of(table.codes),
        unit=_(UNIT_LABELS[table.unit]),
        columns=table.columns,
        rows=tuple(
            FigureRow(
                row.key,
                row.label,
                row_cells,
                row.reference,
                row.link,
            )
            for row, row_cells in zip(table.rows, cells, strict=True)
        ),
        notes=tuple((label, shown(cell, min_n)) for label, cell in table.notes),
        reference_columns=table.reference_columns,
        sources=table.sources,
        digits=table.digits,
        min_n=min_n,
        basis=table.basis,
    )


def display(cell: Shown, digits: int = 1) -> str:
    """A cell as the page and the PDF show it: the figure by locale, or its marker."""
    if cell.value is None:
        return cell.text
    if isinstance(cell.value, int):
        return format_number(cell.value, 0)
    return format_number(cell.value, digits)


def volume_chart(table: FigureTable) -> str:
    """The S2 bar chart from the suppressed table (the "all" row is not drawn)."""
    ours = {row.label: row.cells for row in table.rows if row.key != TOTAL_ROW}
    reference = {row.label: row.reference for row in table.rows if row.reference is not None}
    return charts.data_uri(
        dashboard_charts.volume_chart(
            title=table.title,
            moment_labels=table.columns,
            ours=ours,
            reference=reference,
            ours_label=_("ours"),
            reference_label=_("HSK reference"),
        )
    )


def figure_tables(
    raw: Sequence[RawTable], min_n: int, *, with_charts: bool = True
) -> list[FigureTable]:
    """Suppress every table; attach the chart to the S2 table."""
    tables = []
    for table in raw:
        figure = suppress(table, min_n)
        if with_charts and figure.key == "volume":
            figure = _with_chart(figure)
        if with_charts and figure.key == "trends" and len(figure.columns) == 3:
            figure = replace(figure, charts=trend_charts(figure))
        if with_charts and table.curve:
            figure = replace(figure, chart=survival_chart(figure.title, table.curve, min_n))
        tables.append(figure)
    return tables


def _with_chart(figure: FigureTable) -> FigureTable:
    return replace(figure, chart=volume_chart(figure))


def survival_chart(title: str, steps: Sequence[tuple[int, Decimal, int]], min_n: int) -> str:
    """A Kaplan-Meier curve as a step chart, cut off where fewer than `min_n` are at risk:
    beyond that point a step would show what happened to fewer clients than the minimum."""
    shown_steps = [(day, percent) for day, percent, at_risk in steps if at_risk >= min_n]
    return charts.data_uri(
        dashboard_charts.survival_chart(
            title=title,
            steps=shown_steps,
            x_title=_("weeks since the first sick day"),
            y_title=_("% still absent"),
            no_data=_("Too few clients to draw"),
        )
    )


def trend_charts(table: FigureTable) -> tuple[tuple[str, str], ...]:
    """The trend table as two charts: referrals per month, and the waits on time."""
    months = [row.label for row in table.rows]
    referrals_title = _("Referrals per month")
    on_time_title = _("Screening and treatment start on time, per month (%)")
    no_data = _("Too few clients to draw")
    return (
        (
            referrals_title,
            charts.data_uri(
                dashboard_charts.referrals_chart(
                    title=referrals_title,
                    month_labels=months,
                    counts=[row.cells[0] for row in table.rows],
                    series_label=table.columns[0],
                    no_data=no_data,
                )
            ),
        ),
        (
            on_time_title,
            charts.data_uri(
                dashboard_charts.shares_chart(
                    title=on_time_title,
                    month_labels=months,
                    series={
                        table.columns[1]: [row.cells[1] for row in table.rows],
                        table.columns[2]: [row.cells[2] for row in table.rows],
                    },
                    no_data=no_data,
                )
            ),
        ),
    )
