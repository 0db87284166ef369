"""Doors of the outcome statistics: the practice manager's dashboard (HTML, JSON, CSV, PDF),
the drill-down to episodes, the employer's summary, and recording questionnaires.

One path from numbers to every output: `reporting.statistics` returns exact cells;
`dashboard_tables` turns them into `RawTable`s; `suppress` applies small-cell suppression
(`reporting.suppression.shown`) and is the only way to a `FigureTable`; the page, the JSON,
the CSV and the PDF are all rendered from `FigureTable`s. A suppressed cell keeps nothing of
its value or n, so no output can show it.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from babel.numbers import format_decimal
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template

from practice import audit
from practice.accounts import Role
from practice.audit import Action
from practice.auth import roles
from practice.clock import today_in
from practice.db import write_tx
from practice.episodes import Offer
from practice.errors import InvalidInput, NotFound
from practice.i18n import N_, current_locale
from practice.i18n import gettext as _
from practice.labels import OFFER_LABELS, STATUS_LABELS
from practice.queries.episodes import access_episode
from practice.screening import DIAGNOSIS_CATEGORIES
from practice.settings import Settings
from practice.tables import Employer, EmployerContact, Therapist
from practice.web import actor_of, page
from reporting import charts, statistics
from reporting.documents import render_html, render_pdf_async
from reporting.outcome_definitions import (
    ABSENCE_BENCHMARKS,
    DEFINITIONS,
    HSK_REFERENCE,
    MOMENT_LABELS,
    UNIT_LABELS,
    Benchmark,
    Moment,
    Unit,
)
from reporting.outcome_times import WaitTimes
from reporting.outcomes import SessionsTable
from reporting.questionnaire_services import record_questionnaire
from reporting.statistics import Filters
from reporting.suppression import MIN_CELL_DEFAULT, Cell, Shown, shown

MANAGER = roles(Role.PRACTICE_MANAGER)
THERAPIST = roles(Role.THERAPIST)
EMPLOYER = roles(Role.EMPLOYER_CONTACT)
READERS = roles(Role.THERAPIST, Role.PRACTICE_MANAGER)
PURPOSE = "statistics"
PAGE_SIZE = 100
MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)
DEFAULT_BENCHMARK = "hsk_business_case"
REFERENCES: Mapping[str, Mapping[str, Mapping[Moment, Benchmark]]] = {"hsk": HSK_REFERENCE}

# Definitions of the two figures that have no S-code in the domain brief.
EXTRA_DEFINITIONS: Mapping[str, tuple[str, str]] = {
    "caseload": (
        N_("Caseload per therapist"),
        N_(
            "Episodes that are referred, screened, in treatment or paused, per therapist "
            "currently assigned to them, among the referrals matching the filters."
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

QUESTIONNAIRE_MOMENT_LABELS: Mapping[str, str] = {
    "screening": N_("screening"),
    "interim": N_("interim"),
    "end": N_("end of treatment"),
    "follow_up": N_("follow-up"),
}


# ---------------------------------------------------------------- the render model


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

    @property
    def n_text(self) -> str:
        """The largest n shown in the table, for the figure's caption ("n ≤ ...")."""
        counts = [cell.n for row in self.rows for cell in row.cells if cell.n is not None]
        return str(max(counts)) if counts else "–"


def _definitions(codes: Sequence[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for code in codes:
        if code in DEFINITIONS:
            definition = DEFINITIONS[code]
            found.append((f"{code} {_(definition.title)}", _(definition.text)))
        elif code in EXTRA_DEFINITIONS:
            title, text = EXTRA_DEFINITIONS[code]
            found.append((_(title), _(text)))
    return tuple(found)


def suppress(table: RawTable, min_n: int) -> FigureTable:
    """Small-cell suppression of every figure and every count in the table."""
    return FigureTable(
        key=table.key,
        codes=table.codes,
        title=table.title,
        definitions=_definitions(table.codes),
        unit=_(UNIT_LABELS[table.unit]),
        columns=table.columns,
        rows=tuple(
            FigureRow(
                row.key,
                row.label,
                tuple(shown(cell, min_n) for cell in row.cells),
                row.reference,
                row.link,
            )
            for row in table.rows
        ),
        notes=tuple((label, shown(cell, min_n)) for label, cell in table.notes),
        reference_columns=table.reference_columns,
        sources=table.sources,
        digits=table.digits,
        min_n=min_n,
    )


def format_number(value: Decimal | int, digits: int = 1) -> str:
    """`practice.i18n.format_number` for exact Decimals: no detour through float."""
    pattern = f"#,##0.{'0' * digits}" if digits else "#,##0"
    return str(format_decimal(value, format=pattern, locale=current_locale.get()))


def display(cell: Shown, digits: int = 1) -> str:
    """A cell as the page and the PDF show it: the figure by locale, or its marker."""
    if cell.value is None:
        return cell.text
    if isinstance(cell.value, int):
        return format_number(cell.value, 0)
    return format_number(cell.value, digits)


def _count(n: int) -> Cell:
    return Cell(n, n)


# ---------------------------------------------------------------- from statistics to tables


@dataclass(frozen=True, slots=True)
class Results:
    volumes: statistics.VolumeResult
    after: statistics.AfterTreatment
    sessions: SessionsTable
    waits: WaitTimes
    durations: statistics.DurationResult
    caseload: list[statistics.CaseloadRow]
    scores: list[statistics.ScoreCell]


async def compute(
    filters: Filters, today: date, benchmark: Benchmark, settings: Settings
) -> Results:
    """Every figure group: one query each."""
    tz = settings.time_zone
    return Results(
        volumes=await statistics.volumes(filters, tz=tz),
        after=await statistics.after_treatment(filters, today, tz=tz),
        sessions=await statistics.sessions(filters, tz=tz),
        waits=await statistics.wait_times(filters, tz=tz),
        durations=await statistics.durations(filters, today, benchmark, tz=tz),
        caseload=await statistics.caseload(filters, today, tz=tz),
        scores=await statistics.questionnaire_scores(filters, tz=tz),
    )


def _diagnosis_label(code: str) -> str:
    return _(DIAGNOSIS_CATEGORIES.get(code, code))


def _source(benchmark: Benchmark) -> str:
    return f"{_(benchmark.name)}: {benchmark.source}, {benchmark.year}"


def dashboard_tables(
    results: Results,
    *,
    reference: Mapping[str, Mapping[Moment, Benchmark]] | None,
    drill_query: str = "",
) -> list[RawTable]:
    """The dashboard's figures, each with its exact cells (suppressed later)."""
    moments = tuple(_(MOMENT_LABELS[m]) for m in MOMENTS)
    tables = [
        _volume_table(results.volumes, moments, reference, drill_query),
        _shares_table(results.volumes),
        _relapse_table(results.after),
        _follow_up_table(results.after),
        _waits_table(results.waits),
        _resumption_table(results.durations),
        _absence_table(results.durations),
        _cost_table(results.durations),
        _sessions_table(results.sessions),
        _caseload_table(results.caseload),
        _scores_table(results.scores),
    ]
    return tables


def _volume_table(
    result: statistics.VolumeResult,
    moments: tuple[str, ...],
    reference: Mapping[str, Mapping[Moment, Benchmark]] | None,
    drill_query: str,
) -> RawTable:
    rows: list[RawRow] = []
    sources: set[str] = set()
    for code, cells in result.by_diagnosis.cells.items():
        benchmark = (reference or {}).get(code)
        if benchmark:
            sources.update(_source(b) for b in benchmark.values())
        rows.append(
            RawRow(
                key=code,
                label=_diagnosis_label(code),
                cells=tuple(cells[m] for m in MOMENTS),
                reference=tuple(benchmark[m].value for m in MOMENTS) if benchmark else None,
                link=f"/statistics/episodes?{drill_query}&diagnosis={code}".replace("?&", "?"),
            )
        )
    rows.append(RawRow("all", _("All diagnoses"), tuple(result.overall[m] for m in MOMENTS)))
    notes = [
        (_("Not absent at referral (left out)"), _count(result.by_diagnosis.excluded_not_absent))
    ]
    notes += [
        (
            _("Without a measurement: %(moment)s") % {"moment": label},
            _count(result.overall_missing[m]),
        )
        for m, label in zip(MOMENTS, moments, strict=True)
    ]
    return RawTable(
        key="volume",
        codes=("S1", "S2"),
        title=_("Work resumption by diagnosis (volume %)"),
        unit=Unit.PERCENT,
        columns=moments,
        rows=tuple(rows),
        notes=tuple(notes),
        reference_columns=tuple(_("HSK: %(moment)s") % {"moment": m} for m in moments)
        if reference
        else (),
        sources=tuple(sorted(sources)),
    )


def _shares_table(result: statistics.VolumeResult) -> RawTable:
    rows = []
    notes = []
    for moment in (Moment.END, Moment.FOLLOW_UP):
        shares = result.shares[moment]
        label = _(MOMENT_LABELS[moment])
        rows.append(RawRow(moment.value, label, (shares.full.cell, shares.partial.cell)))
        notes.append(
            (_("Without a measurement: %(moment)s") % {"moment": label}, _count(shares.missing))
        )
    excluded = result.shares[Moment.END].excluded_not_absent
    notes.append((_("Not absent at referral (left out)"), _count(excluded)))
    return RawTable(
        key="resumption",
        codes=("S1",),
        title=_("Share fully and partially back at work"),
        unit=Unit.PERCENT,
        columns=(_("fully resumed (100%)"), _("partially resumed (above 0%)")),
        rows=tuple(rows),
        notes=tuple(notes),
    )


def _relapse_table(after: statistics.AfterTreatment) -> RawTable:
    rate = after.relapse
    return RawTable(
        key="relapse",
        codes=("S10",),
        title=_("Relapse rate"),
        unit=Unit.PERCENT,
        columns=(_("relapse"),),
        rows=(RawRow("relapse", _("Closed episodes with an assessment"), (rate.share.cell,)),),
        notes=(
            (_("Closed, not assessed"), _count(rate.not_assessed)),
            (_("Still open"), _count(rate.open_episodes)),
        ),
    )


def _follow_up_table(after: statistics.AfterTreatment) -> RawTable:
    coverage = after.follow_up
    return RawTable(
        key="follow_up",
        codes=("S11",),
        title=_("Follow-up response rate"),
        unit=Unit.PERCENT,
        columns=(_("responded"),),
        rows=(RawRow("response", _("Eligible clients"), (coverage.responded.cell,)),),
        notes=(
            (_("Unreachable"), _count(coverage.unreachable)),
            (_("Declined"), _count(coverage.declined)),
            (_("Window open, nothing recorded yet"), _count(coverage.pending)),
            (_("Window closed, nothing recorded"), _count(coverage.missed)),
            (_("Not yet eligible"), _count(coverage.not_yet_eligible)),
        ),
    )


def _waits_table(waits: WaitTimes) -> RawTable:
    named = (
        (
            "referral_to_screening",
            _("Referral to screening (calendar days)"),
            waits.referral_to_screening,
        ),
        (
            "referral_to_screening_working",
            _("Referral to screening (working days)"),
            waits.referral_to_screening_working,
        ),
        (
            "to_treatment_start",
            _("Screening to treatment start (working days)"),
            waits.to_treatment_start,
        ),
        (
            "sick_to_intervention",
            _("First sick day to first intervention (calendar days)"),
            waits.sick_to_intervention,
        ),
    )
    rows = []
    notes = []
    for key, label, found in named:
        within = found.within_target.cell if found.within_target is not None else Cell(None, 0)
        rows.append(
            RawRow(key, label, (Cell(found.median, found.n), Cell(found.p90, found.n), within))
        )
        notes.append((_("Not yet measured: %(wait)s") % {"wait": label}, _count(found.missing)))
    notes.append(
        (
            _("Not absent at referral (left out of the sick-day wait)"),
            _count(waits.sick_to_intervention.excluded),
        )
    )
    return RawTable(
        key="waits",
        codes=("S3", "S4", "S5"),
        title=_("Wait times"),
        unit=Unit.CALENDAR_DAYS,
        columns=(_("median"), _("90th percentile"), _("% within 10 days")),
        rows=tuple(rows),
        notes=tuple(notes),
    )


def _resumption_table(result: statistics.DurationResult) -> RawTable:
    times = result.resumption
    rows = tuple(
        RawRow(
            key,
            label,
            (
                Cell(survival.median_days, survival.n),
                _count(survival.n_events),
                _count(survival.n_censored),
            ),
        )
        for key, label, survival in (
            ("partial", _("Partial resumption"), times.partial),
            ("full", _("Full recovery"), times.full),
        )
    )
    return RawTable(
        key="resumption_time",
        codes=("S6",),
        title=_("Time from treatment start to work resumption"),
        unit=Unit.CALENDAR_DAYS,
        columns=(_("median (Kaplan-Meier)"), _("resumed"), _("not yet (censored)")),
        rows=rows,
        notes=(
            (_("Already partly working at the start"), _count(times.already_partial_at_start)),
            (_("Already fully working at the start"), _count(times.already_full_at_start)),
            (_("Treatment not started"), _count(times.not_started)),
            (_("Not absent at referral (left out)"), _count(times.excluded_not_absent)),
        ),
    )


def _absence_table(result: statistics.DurationResult) -> RawTable:
    absence = result.absence
    return RawTable(
        key="absence",
        codes=("S7",),
        title=_("Absence duration"),
        unit=Unit.CALENDAR_DAYS,
        columns=(_("median"), _("mean")),
        rows=(
            RawRow(
                "ended",
                _("Ended absences"),
                (Cell(absence.median, absence.n), Cell(absence.mean, absence.n)),
            ),
        ),
        notes=(
            (_("Absence still running"), _count(absence.open)),
            (_("Without a first sick day"), _count(absence.no_first_sick_day)),
            (_("Not absent at referral (left out)"), _count(absence.excluded_not_absent)),
        ),
    )


def _cost_table(result: statistics.DurationResult) -> RawTable:
    cost = result.cost
    total = Decimal(cost.total_cents) / 100 if cost.n else None
    per_day = (
        format_number(Decimal(cost.cost_per_day_cents) / 100, 2)
        if cost.cost_per_day_cents is not None
        else _("each employer's own")
    )
    benchmark = cost.benchmark
    return RawTable(
        key="cost",
        codes=("S8",),
        title=_("Absence cost avoided"),
        unit=Unit.EURO,
        columns=(_("total (euro)"),),
        rows=(RawRow("total", _("Ended absences"), (Cell(total, cost.n),)),),
        notes=(
            (_("Absence still running"), _count(cost.open)),
            (_("Left out (not absent, or no first sick day)"), _count(cost.excluded)),
        ),
        sources=(
            _("Benchmark: %(name)s, %(days)s calendar days (%(source)s, %(year)s)")
            % {
                "name": _(benchmark.name),
                "days": format_number(benchmark.value, 0),
                "source": benchmark.source,
                "year": benchmark.year,
            },
            _("Cost per absence day: %(amount)s euro") % {"amount": per_day},
        ),
        digits=2,
    )


def _sessions_table(table: SessionsTable) -> RawTable:
    rows = tuple(
        RawRow(
            f"{diagnosis}:{offer.value}",
            f"{_diagnosis_label(diagnosis)} · {_(OFFER_LABELS[offer])}",
            (table.mean[diagnosis][offer], table.median[diagnosis][offer]),
        )
        for diagnosis, by_offer in table.mean.items()
        for offer in by_offer
    )
    return RawTable(
        key="sessions",
        codes=("S9",),
        title=_("Sessions per episode"),
        unit=Unit.SESSIONS,
        columns=(_("mean"), _("median")),
        rows=rows,
        notes=((_("Still open (left out)"), _count(table.open_episodes)),),
    )


def _caseload_table(rows: Sequence[statistics.CaseloadRow]) -> RawTable:
    return RawTable(
        key="caseload",
        codes=("caseload",),
        title=_("Caseload per therapist"),
        unit=Unit.CLIENTS,
        columns=(_("active episodes"),),
        rows=tuple(RawRow(str(r.therapist_user_id), r.therapist, (r.active,)) for r in rows),
        digits=0,
    )


def _scores_table(rows: Sequence[statistics.ScoreCell]) -> RawTable:
    return RawTable(
        key="questionnaires",
        codes=("questionnaires",),
        title=_("Questionnaire scores"),
        unit=Unit.CLIENTS,
        columns=(_("mean total score"),),
        rows=tuple(
            RawRow(
                f"{r.instrument}:{r.moment}",
                f"{r.instrument} · {_(QUESTIONNAIRE_MOMENT_LABELS.get(r.moment, r.moment))}",
                (r.mean,),
            )
            for r in rows
        ),
    )


def volume_chart(table: FigureTable) -> str:
    """The S2 bar chart from the suppressed table (the "all" row is not drawn)."""
    ours = {row.label: row.cells for row in table.rows if row.key != "all"}
    reference = {row.label: row.reference for row in table.rows if row.reference is not None}
    return charts.data_uri(
        charts.volume_chart(
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
        tables.append(figure)
    return tables


def _with_chart(figure: FigureTable) -> FigureTable:
    from dataclasses import replace

    return replace(figure, chart=volume_chart(figure))


# ---------------------------------------------------------------- CSV and JSON


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


# ---------------------------------------------------------------- filters


@dataclass(frozen=True, slots=True)
class Query:
    """The dashboard's query parameters as given (strings from a GET form)."""

    referred_from: str | None = None
    referred_to: str | None = None
    offer: str | None = None
    employer_id: str | None = None
    therapist_user_id: str | None = None
    diagnosis: str | None = None
    benchmark: str | None = None
    reference: str | None = None

    def filters(self) -> Filters:
        """Allow-listed filters; every bad value is named in one 400."""
        problems: dict[str, str] = {}

        def day(name: str, value: str | None) -> date | None:
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                problems[name] = "a date like 2026-01-31"
                return None

        def number(name: str, value: str | None) -> int | None:
            if not value:
                return None
            if not value.isdigit() or len(value) > 12:
                problems[name] = "a whole number"
                return None
            return int(value)

        referred_from = day("referred_from", self.referred_from)
        referred_to = day("referred_to", self.referred_to)
        offer = None
        if self.offer:
            if self.offer in {o.value for o in Offer}:
                offer = Offer(self.offer)
            else:
                problems["offer"] = f"one of {', '.join(o.value for o in Offer)}"
        diagnosis = None
        if self.diagnosis:
            if self.diagnosis in DIAGNOSIS_CATEGORIES:
                diagnosis = self.diagnosis
            else:
                problems["diagnosis"] = f"one of {', '.join(DIAGNOSIS_CATEGORIES)}"
        employer_id = number("employer_id", self.employer_id)
        therapist_user_id = number("therapist_user_id", self.therapist_user_id)
        if self.benchmark and self.benchmark not in ABSENCE_BENCHMARKS:
            problems["benchmark"] = f"one of {', '.join(ABSENCE_BENCHMARKS)}"
        if self.reference and self.reference not in (*REFERENCES, "none"):
            problems["reference"] = f"one of {', '.join((*REFERENCES, 'none'))}"
        if referred_from and referred_to and referred_to < referred_from:
            problems["referred_to"] = "lies before referred_from"
        if problems:
            raise InvalidInput(problems)
        return Filters(
            referred_from=referred_from,
            referred_to=referred_to,
            offer=offer,
            employer_id=employer_id,
            therapist_user_id=therapist_user_id,
            diagnosis=diagnosis,
        )

    @property
    def benchmark_key(self) -> str:
        return self.benchmark or DEFAULT_BENCHMARK

    @property
    def reference_table(self) -> Mapping[str, Mapping[Moment, Benchmark]] | None:
        return None if self.reference == "none" else REFERENCES[self.reference or "hsk"]

    def as_query_string(self) -> str:
        from urllib.parse import urlencode

        given = {
            name: value
            for name, value in (
                ("referred_from", self.referred_from),
                ("referred_to", self.referred_to),
                ("offer", self.offer),
                ("employer_id", self.employer_id),
                ("therapist_user_id", self.therapist_user_id),
                ("diagnosis", self.diagnosis),
            )
            if value
        }
        return urlencode(given)


def _query(
    referred_from: str | None,
    referred_to: str | None,
    offer: str | None,
    employer_id: str | None,
    therapist_user_id: str | None,
    diagnosis: str | None,
    benchmark: str | None = None,
    reference: str | None = None,
) -> Query:
    return Query(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
    )


async def _min_n(filters: Filters) -> int:
    """The default minimum, or the employer's own when the figures are about one employer."""
    if filters.employer_id is None:
        return MIN_CELL_DEFAULT
    row = (
        await Employer.select(Employer.min_cell_size)
        .where(Employer.id == filters.employer_id)
        .first()
    )
    if row is None:
        raise InvalidInput({"employer_id": "no such employer"})
    return max(1, int(row["min_cell_size"]))


@dataclass(frozen=True, slots=True)
class Dashboard:
    query: Query
    filters: Filters
    tables: list[FigureTable]
    min_n: int
    today: date


async def build_dashboard(
    request: Request[Any, Any, Any], query: Query, *, with_charts: bool = True
) -> Dashboard:
    settings: Settings = request.app.state.settings
    filters = query.filters()
    today = today_in(settings.time_zone)
    min_n = await _min_n(filters)
    results = await compute(filters, today, ABSENCE_BENCHMARKS[query.benchmark_key], settings)
    raw = dashboard_tables(
        results, reference=query.reference_table, drill_query=query.as_query_string()
    )
    return Dashboard(
        query, filters, figure_tables(raw, min_n, with_charts=with_charts), min_n, today
    )


async def _choices() -> dict[str, Any]:
    employers = await Employer.select(Employer.id, Employer.name).order_by(Employer.name)
    therapists = await Therapist.select(
        Therapist.user.as_alias("user_id"), Therapist.user._.display_name.as_alias("name")
    ).order_by(Therapist.user._.display_name)
    return {
        "employers": employers,
        "therapists": therapists,
        "offers": [(o.value, _(OFFER_LABELS[o])) for o in Offer],
        "diagnoses": [(code, _(label)) for code, label in DIAGNOSIS_CATEGORIES.items()],
        "benchmarks": [(key, _(b.name)) for key, b in ABSENCE_BENCHMARKS.items()],
    }


def _filter_summary(filters: Filters, choices: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The filters in words, shown above every figure (the period and offer included)."""
    employers = {int(e["id"]): e["name"] for e in choices["employers"]}
    therapists = {int(t["user_id"]): t["name"] for t in choices["therapists"]}
    every = _("all")
    period = _("%(start)s to %(end)s") % {
        "start": filters.referred_from.isoformat() if filters.referred_from else "…",
        "end": filters.referred_to.isoformat() if filters.referred_to else "…",
    }
    return [
        (_("Referred"), period),
        (_("Offer"), _(OFFER_LABELS[filters.offer]) if filters.offer else every),
        (
            _("Employer"),
            employers.get(filters.employer_id, "?") if filters.employer_id is not None else every,
        ),
        (
            _("Therapist"),
            therapists.get(filters.therapist_user_id, "?")
            if filters.therapist_user_id is not None
            else every,
        ),
        (_("Diagnosis"), _diagnosis_label(filters.diagnosis) if filters.diagnosis else every),
    ]


# ---------------------------------------------------------------- routes: practice manager


@get("/statistics/outcomes", opt=MANAGER, include_in_schema=False)
async def dashboard_page(
    request: Request[Any, Any, Any],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    benchmark: FromQuery[str | None] = None,
    reference: FromQuery[str | None] = None,
) -> Template:
    """The return-to-work dashboard: every figure with its definition and n."""
    query = _query(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
    )
    board = await build_dashboard(request, query)
    choices = await _choices()
    return page(
        request,
        "reporting/statistics/dashboard.html",
        board=board,
        form=query,
        choices=choices,
        summary=_filter_summary(board.filters, choices),
        query_string=query.as_query_string(),
        display=display,
    )


@get("/api/statistics/outcomes", opt=MANAGER)
async def dashboard_json(
    request: Request[Any, Any, Any],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    benchmark: FromQuery[str | None] = None,
    reference: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """The dashboard's figures as JSON: the same cells, suppressed cells as text only."""
    query = _query(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
    )
    board = await build_dashboard(request, query, with_charts=False)
    return {
        "today": board.today.isoformat(),
        "min_n": board.min_n,
        "filters": {
            "referred_from": _iso(board.filters.referred_from),
            "referred_to": _iso(board.filters.referred_to),
            "offer": board.filters.offer,
            "employer_id": board.filters.employer_id,
            "therapist_user_id": board.filters.therapist_user_id,
            "diagnosis": board.filters.diagnosis,
        },
        "tables": [table_json(table) for table in board.tables],
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


TABLE_NAMES = (
    "volume",
    "resumption",
    "relapse",
    "follow_up",
    "waits",
    "resumption_time",
    "absence",
    "cost",
    "sessions",
    "caseload",
    "questionnaires",
)


@get("/statistics/outcomes.csv", opt=MANAGER, include_in_schema=False)
async def dashboard_csv(
    request: Request[Any, Any, Any],
    table: FromQuery[str],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    benchmark: FromQuery[str | None] = None,
    reference: FromQuery[str | None] = None,
) -> Response[str]:
    """One table of the dashboard as CSV (suppressed cells as "< 5")."""
    if table not in TABLE_NAMES:
        raise InvalidInput({"table": f"one of {', '.join(TABLE_NAMES)}"})
    query = _query(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
    )
    board = await build_dashboard(request, query, with_charts=False)
    found = next(t for t in board.tables if t.key == table)
    return Response(
        content=table_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="outcomes-{table}.csv"'},
    )


@get("/statistics/outcomes.pdf", opt=MANAGER, include_in_schema=False)
async def dashboard_pdf(
    request: Request[Any, Any, Any],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    benchmark: FromQuery[str | None] = None,
    reference: FromQuery[str | None] = None,
) -> Response[bytes]:
    """The management report: every table and the chart, as PDF."""
    query = _query(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
    )
    board = await build_dashboard(request, query)
    choices = await _choices()
    title = _("Outcome statistics")
    html = render_report_html(
        board, _filter_summary(board.filters, choices), title, locale=current_locale.get()
    )
    pdf = await render_pdf_async(html, title=title)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="outcome-statistics.pdf"'},
    )


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


@get("/statistics/episodes", opt=MANAGER, include_in_schema=False)
async def episodes_page(
    request: Request[Any, Any, Any],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    page_number: FromQuery[int] = 1,
) -> Template:
    """The episodes behind the figures (drill-down); the search is audited."""
    settings: Settings = request.app.state.settings
    query = _query(referred_from, referred_to, offer, employer_id, therapist_user_id, diagnosis)
    filters = query.filters()
    if page_number < 1 or page_number > 100_000:
        raise InvalidInput({"page_number": "a page number from 1"})
    total, lines = await statistics.episode_list(
        filters,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
        tz=settings.time_zone,
    )
    async with write_tx():
        await audit.record(actor_of(request), Action.SEARCH, "episode", None, purpose=PURPOSE)
    choices = await _choices()
    return page(
        request,
        "reporting/statistics/episodes.html",
        lines=lines,
        total=total,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        summary=_filter_summary(filters, choices),
        query_string=query.as_query_string(),
        status_labels=STATUS_LABELS,
        offer_labels=OFFER_LABELS,
        diagnosis_labels=DIAGNOSIS_CATEGORIES,
    )


# ---------------------------------------------------------------- routes: employer (S15)


async def _employers_of(user_id: int) -> list[dict[str, Any]]:
    contacts = await EmployerContact.select(EmployerContact.employer).where(
        EmployerContact.user == user_id
    )
    ids = sorted({int(c["employer"]) for c in contacts})
    if not ids:
        return []
    rows: list[dict[str, Any]] = await Employer.select(
        Employer.id, Employer.name, Employer.min_cell_size
    ).where(Employer.id.is_in(ids))
    return rows


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


@get("/api/employer/statistics", opt=EMPLOYER)
async def employer_statistics(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """S15 for the employer(s) this contact belongs to: non-medical aggregates only."""
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    employers = [] if actor.user_id is None else await _employers_of(actor.user_id)
    if not employers:
        raise NotFound("No employer is linked to this account.")
    definition = DEFINITIONS["S15"]
    result = []
    for employer in employers:
        min_n = max(1, int(employer["min_cell_size"]))
        summary = await statistics.employer_summary(int(employer["id"]), tz=settings.time_zone)
        result.append(
            {
                "employer_id": int(employer["id"]),
                "employer": employer["name"],
                "min_n": min_n,
                **employer_json(summary, min_n),
            }
        )
    return {
        "definition": {"title": _(definition.title), "text": _(definition.text)},
        "employers": result,
    }


# ---------------------------------------------------------------- routes: questionnaires


Item = Annotated[str, msgspec.Meta(max_length=64)]


class QuestionnaireIn(msgspec.Struct, forbid_unknown_fields=True):
    instrument: Annotated[str, msgspec.Meta(max_length=32)]
    moment: Annotated[str, msgspec.Meta(max_length=16)]
    administered_on: date
    answers: Annotated[dict[Item, int], msgspec.Meta(max_length=200)]


class QuestionnaireOut(msgspec.Struct):
    id: int
    instrument: str
    total: int
    band: str
    band_label: str


@post("/api/episodes/{episode_id:int}/questionnaires", opt=THERAPIST)
async def post_questionnaire(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[QuestionnaireIn]
) -> QuestionnaireOut:
    """Record a completed PHQ-9, GAD-7, ...: scored automatically; incomplete → 400."""
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    today = today_in(settings.time_zone)
    await access_episode(actor, episode_id, today, write=True)
    recorded = await record_questionnaire(
        actor,
        episode_id=episode_id,
        instrument=data.instrument,
        moment=data.moment,
        administered_on=data.administered_on,
        answers=data.answers,
        today=today,
    )
    return QuestionnaireOut(
        id=recorded.id,
        instrument=data.instrument,
        total=recorded.total,
        band=recorded.band,
        band_label=_(recorded.band),
    )


@get("/api/episodes/{episode_id:int}/outcome-chart", opt=READERS, include_in_schema=False)
async def outcome_chart(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Response[str]:
    """One client's questionnaire totals and volume % over time, as SVG (read is audited)."""
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    client_id = await access_episode(actor, episode_id, today_in(settings.time_zone), write=False)
    series = await statistics.client_series(episode_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "episode", episode_id, purpose="treatment", client_id=client_id
        )
    svg = charts.client_chart(
        title=_("Scores and work resumption over time"),
        scores=series.scores,
        participation=series.participation,
        participation_label=_("work resumption (volume %)"),
        score_label=_("total score"),
    )
    return Response(content=svg, media_type="image/svg+xml")


router = Router(
    path="/",
    route_handlers=[
        dashboard_page,
        dashboard_json,
        dashboard_csv,
        dashboard_pdf,
        episodes_page,
        employer_statistics,
        post_questionnaire,
        outcome_chart,
    ],
)
