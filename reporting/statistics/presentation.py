"""From statistics to tables: the dashboard's figures as `RawTable`s with exact cells.

`reporting.statistics.sql` answers one query per figure group; this module runs them
(`compute`) and turns each result into the labelled rows and notes the dashboard shows
(`dashboard_tables`). Nothing here suppresses: that is `reporting.statistics.model.suppress`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from babel.dates import format_date

from practice.labels import CONTRACT_BASIS_LABELS, COUNTED_HOURS_LABELS, OFFER_LABELS
from practice.platform.db import concurrently, read_only
from practice.platform.i18n import N_, current_locale, format_number
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.screening import DIAGNOSIS_CATEGORIES
from reporting.statistics import sql as statistics
from reporting.statistics.absence_tables import absence_tables
from reporting.statistics.absences import absence_outcomes, cost_summary
from reporting.statistics.definitions import (
    DEFAULT_VOLUME_VARIANT,
    MOMENT_LABELS,
    Benchmark,
    Moment,
    Unit,
    VolumeVariant,
)
from reporting.statistics.facts import one_view
from reporting.statistics.model import RawRow, RawTable
from reporting.statistics.per_absence import AbsenceOutcomes
from reporting.statistics.reference import SessionsTable
from reporting.statistics.reference_times import WaitTimes
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import Cell
from reporting.statistics.trends import Trends, trends

MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)

QUESTIONNAIRE_MOMENT_LABELS: Mapping[str, str] = {
    "screening": N_("screening"),
    "interim": N_("interim"),
    "end": N_("end of treatment"),
    "follow_up": N_("follow-up"),
}


def _count(n: int) -> Cell:
    return Cell(n, n)


@dataclass(frozen=True, slots=True)
class Results:
    volumes: statistics.VolumeResult
    after: statistics.AfterTreatment
    sessions: SessionsTable
    waits: WaitTimes
    durations: statistics.DurationResult
    caseload: list[statistics.CaseloadRow]
    scores: list[statistics.ScoreCell]
    trends: Trends
    absences: AbsenceOutcomes  # the per-absence figures: each absence counted once


async def compute(
    filters: Filters,
    today: date,
    benchmark: Benchmark,
    settings: Settings,
    *,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> Results:
    """Every figure group: one query each (on SQLite all on one connection and snapshot; on
    PostgreSQL at once, each on a connection of its own).
    The volume figures (S1, S2, the resumption shares, S10) are computed in `variant`."""
    tz = settings.time_zone
    async with read_only():
        with one_view():
            return Results(
                *await concurrently(
                    lambda: statistics.volumes(filters, tz=tz, variant=variant, today=today),
                    lambda: statistics.after_treatment(filters, today, tz=tz, variant=variant),
                    lambda: statistics.sessions(filters, tz=tz, today=today),
                    lambda: statistics.wait_times(filters, tz=tz, today=today),
                    lambda: statistics.durations(filters, today, benchmark, tz=tz),
                    lambda: statistics.caseload(filters, today, tz=tz),
                    lambda: statistics.questionnaire_scores(filters, tz=tz),
                    lambda: trends(filters, today, tz=tz),
                    lambda: absence_outcomes(filters, today, tz=tz, variant=variant),
                )
            )


def diagnosis_label(code: str) -> str:
    return _(DIAGNOSIS_CATEGORIES.get(code, code))


def volume_basis(variant: VolumeVariant) -> str:
    """The variant in words, shown with every volume figure (domain brief S1)."""
    return _("Percentage of contract hours: %(basis)s, %(hours)s") % {
        "basis": _(CONTRACT_BASIS_LABELS[variant.basis]),
        "hours": _(COUNTED_HOURS_LABELS[variant.hours]),
    }


def _source(benchmark: Benchmark) -> str:
    return f"{_(benchmark.name)}: {benchmark.source}, {benchmark.year}"


def dashboard_tables(
    results: Results,
    *,
    reference: Mapping[str, Mapping[Moment, Benchmark]] | None,
    drill_query: str = "",
    diagnosis: str | None = None,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> list[RawTable]:
    """The dashboard's figures, each with its exact cells (suppressed later); the volume
    figures name the `variant` they were computed in."""
    moments = tuple(_(MOMENT_LABELS[m]) for m in MOMENTS)
    basis = volume_basis(variant)
    tables = [
        _trends_table(results.trends),
        replace(
            _volume_table(results.volumes, moments, reference, drill_query, diagnosis),
            basis=basis,
        ),
        replace(_shares_table(results.volumes), basis=basis),
        replace(_relapse_table(results.after), basis=basis),
        _follow_up_table(results.after),
        _waits_table(results.waits),
        _resumption_table(results.durations),
        # S7 and S8 per absence, each counted once (S6 stays from the treatment start).
        _absence_table(results.absences),
        _cost_table(cost_summary(results.absences, results.durations.cost.benchmark)),
        _sessions_table(results.sessions),
        _caseload_table(results.caseload),
        _scores_table(results.scores),
        *absence_tables(results.absences, basis=basis),
    ]
    return tables


def _volume_table(
    result: statistics.VolumeResult,
    moments: tuple[str, ...],
    reference: Mapping[str, Mapping[Moment, Benchmark]] | None,
    drill_query: str,
    diagnosis: str | None = None,
) -> RawTable:
    rows: list[RawRow] = []
    sources: set[str] = set()
    found = result.by_diagnosis.cells
    # HSK's rows in HSK's order (anxiety, somatic symptom disorder, depression), then the
    # others; a category without episodes keeps its row ("–"), so the table is always
    # recognisable. A stored category that is not a known one follows as it is.
    codes = [code for code in DIAGNOSIS_CATEGORIES if diagnosis in (None, code)]
    codes += [code for code in found if code not in DIAGNOSIS_CATEGORIES]
    empty = {moment: Cell(None, 0) for moment in MOMENTS}
    for code in codes:
        cells = found.get(code, empty)
        benchmark = (reference or {}).get(code)
        if benchmark:
            sources.update(_source(b) for b in benchmark.values())
        rows.append(
            RawRow(
                key=code,
                label=diagnosis_label(code),
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


def _absence_table(found: AbsenceOutcomes) -> RawTable:
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
                (Cell(found.ended_median, found.ended_n), Cell(found.ended_mean, found.ended_n)),
            ),
        ),
        notes=(
            (_("Absence still running"), _count(found.duration.n_censored)),
            (_("Without a first sick day"), _count(found.no_first_sick_day)),
            (_("Not absent at referral (left out)"), _count(found.not_absent)),
        ),
    )


def _cost_table(cost: statistics.CostSummary) -> RawTable:
    total = Decimal(cost.total_cents) / 100 if cost.n else None
    # One practice-wide amount, or each employer's own (it read "per werkgever het eigen
    # bedrag euro" with the amount's words around it).
    per_day = (
        _("Cost per absence day: %(amount)s euro")
        % {"amount": format_number(Decimal(cost.cost_per_day_cents) / 100, 2)}
        if cost.cost_per_day_cents is not None
        else _("Cost per absence day: each employer's own amount")
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
            per_day,
            # Below zero the absences lasted longer than the benchmark's: no cost was avoided.
            *(
                [_("Below zero: the absences lasted longer than the benchmark's days.")]
                if total is not None and total < 0
                else []
            ),
        ),
        digits=2,
    )


def _sessions_table(table: SessionsTable) -> RawTable:
    rows = tuple(
        RawRow(
            f"{diagnosis}:{offer.value}",
            f"{diagnosis_label(diagnosis)} · {_(OFFER_LABELS[offer])}",
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
        rows=tuple(
            RawRow(
                str(r.therapist_user_id),
                r.therapist,
                (r.active,),
                reference=None if r.capacity is None else (Decimal(r.capacity),),
            )
            for r in rows
        ),
        # The capacity is a setting of the therapist, not a figure about clients: it is
        # shown beside the count as a reference value, never suppressed.
        reference_columns=(_("capacity"),),
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


def month_label(month: date) -> str:
    """'jun 2026' / 'Jun 2026': a month as the charts and the trend table name it."""
    return str(format_date(month, "MMM yyyy", locale=current_locale.get()))


def _trends_table(found: Trends) -> RawTable:
    return RawTable(
        key="trends",
        codes=("trends",),
        title=_("Month by month"),
        unit=Unit.PERCENT,
        columns=(
            _("referrals"),
            _("% screened within 10 days"),
            _("% treatment started within 10 working days"),
        ),
        rows=tuple(
            RawRow(
                m.month.isoformat()[:7],
                month_label(m.month),
                (_count(m.referrals), m.screened_on_time.cell, m.started_on_time.cell),
            )
            for m in found.months
        ),
    )
