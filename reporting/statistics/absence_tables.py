"""The per-absence figures (`reporting.statistics.per_absence`) as dashboard tables.

Five tables, each absence counted once: the counts behind them, the absence duration with
its Kaplan-Meier median, the curve itself at fixed weeks (and as a small SVG, drawn where
enough absences are still at risk), the time from the first sick day to resumption, the
volume % per absence, and the screening lateness in calendar and working days. Exact cells
here; suppression is `reporting.statistics.model.suppress`, as for every table.
"""

from decimal import Decimal

from practice.platform.i18n import gettext as _
from reporting.statistics.definitions import MOMENT_LABELS, Moment, Unit
from reporting.statistics.figures import round_one
from reporting.statistics.kaplan_meier import Curve
from reporting.statistics.model import RawRow, RawTable
from reporting.statistics.per_absence import AbsenceOutcomes, Lateness
from reporting.statistics.suppression import Cell

# The days at which the curve's table reads the share still absent: 4 weeks up to the
# 104 weeks of wages during sickness (art. 7:629 BW), with the Poortwachter moments between.
CURVE_WEEKS = (4, 8, 13, 26, 42, 52, 78, 104)
MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)

TABLE_KEYS = (
    "per_absence",
    "absence_duration",
    "absence_curve",
    "resumption_from_sick",
    "volume_per_absence",
    "screening_lateness",
)


def _count(n: int) -> Cell:
    return Cell(n, n)


def _median(curve: Curve) -> tuple[Cell, Cell]:
    """The Kaplan-Meier median (n = the absences) and the n at risk on its day."""
    at_risk = curve.at_risk_at_median
    return (
        Cell(curve.median_days, curve.n),
        Cell(None, 0) if at_risk is None else _count(at_risk),
    )


def absence_tables(found: AbsenceOutcomes, *, basis: str) -> list[RawTable]:
    """Every per-absence table, in the order the dashboard shows them."""
    return [
        _counts_table(found),
        _duration_table(found),
        _curve_table(found.duration),
        _resumption_table(found),
        _volume_table(found, basis),
        _lateness_table(found),
    ]


def _left_out(found: AbsenceOutcomes) -> tuple[tuple[str, Cell], ...]:
    return (
        (_("Not absent at referral, no absence linked (left out)"), _count(found.not_absent)),
        (_("Absent without a first sick day (left out)"), _count(found.no_first_sick_day)),
    )


def _counts_table(found: AbsenceOutcomes) -> RawTable:
    rows = (
        ("absences", _("Absences (periods of sickness)"), found.absences),
        ("clients", _("Clients"), found.clients),
        ("episodes", _("Treatment episodes for these absences"), found.episodes),
        (
            "several",
            _("Absences treated in more than one episode"),
            found.absences_with_several_episodes,
        ),
        ("begun", _("Absences whose treatment began"), found.treatment_begun),
    )
    return RawTable(
        key="per_absence",
        codes=("A1",),
        title=_("Absences, each counted once"),
        unit=Unit.CLIENTS,
        columns=(_("number"),),
        rows=tuple(RawRow(key, label, (_count(n),)) for key, label, n in rows),
        notes=_left_out(found),
        digits=0,
    )


def _duration_table(found: AbsenceOutcomes) -> RawTable:
    curve = found.duration
    median, at_risk = _median(curve)
    return RawTable(
        key="absence_duration",
        codes=("A2",),
        title=_("Absence duration per absence"),
        unit=Unit.CALENDAR_DAYS,
        columns=(_("median (Kaplan-Meier)"), _("at risk at the median")),
        rows=(RawRow("absences", _("Absences (running ones censored)"), (median, at_risk)),),
        notes=(
            (_("Ended"), _count(curve.n_events)),
            (_("Still running (censored today)"), _count(curve.n_censored)),
            *_left_out(found),
        ),
    )


def _curve_table(curve: Curve) -> RawTable:
    rows = []
    for weeks in CURVE_WEEKS:
        day = weeks * 7
        at_risk = curve.at_risk_on(day)
        survival = curve.survival_on(day)
        percent = (
            round_one(Decimal(survival.numerator) * 100 / survival.denominator) if curve.n else None
        )
        rows.append(
            RawRow(
                f"week_{weeks}",
                _("after %(weeks)s weeks") % {"weeks": weeks},
                (
                    Cell(percent, at_risk),
                    _count(at_risk),
                ),
            )
        )
    return RawTable(
        key="absence_curve",
        codes=("A2",),
        title=_("Still absent, by weeks since the first sick day (Kaplan-Meier)"),
        unit=Unit.PERCENT,
        columns=(_("% still absent"), _("at risk")),
        rows=tuple(rows),
        curve=tuple((step.day, step.percent, step.at_risk) for step in curve.steps),
    )


def _resumption_table(found: AbsenceOutcomes) -> RawTable:
    rows = []
    for key, label, curve in (
        ("any", _("First hours at work, therapeutic (AT) hours included"), found.first_any),
        ("paid", _("First paid hours (wage value)"), found.first_paid),
        ("full", _("Full recovery"), found.duration),
    ):
        median, at_risk = _median(curve)
        rows.append(
            RawRow(key, label, (median, at_risk, _count(curve.n_events), _count(curve.n_censored)))
        )
    return RawTable(
        key="resumption_from_sick",
        codes=("A3",),
        title=_("Time from the first sick day to work resumption, per absence"),
        unit=Unit.CALENDAR_DAYS,
        columns=(
            _("median (Kaplan-Meier)"),
            _("at risk at the median"),
            _("resumed"),
            _("not yet (censored)"),
        ),
        rows=tuple(rows),
        notes=_left_out(found),
    )


def _volume_table(found: AbsenceOutcomes, basis: str) -> RawTable:
    return RawTable(
        key="volume_per_absence",
        codes=("A4",),
        title=_("Work resumption per absence (volume %)"),
        unit=Unit.PERCENT,
        columns=tuple(_(MOMENT_LABELS[m]) for m in MOMENTS),
        rows=(
            RawRow(
                "absences",
                _("All absences (periods of sickness)"),
                tuple(Cell(found.volume_mean[m], found.volume_n[m]) for m in MOMENTS),
            ),
        ),
        notes=_left_out(found),
        basis=basis,
    )


def _lateness_row(key: str, label: str, lateness: Lateness) -> RawRow:
    late = lateness.late.count
    return RawRow(
        key,
        label,
        (lateness.late.cell, Cell(lateness.median, late), Cell(lateness.mean, late)),
    )


def _lateness_table(found: AbsenceOutcomes) -> RawTable:
    return RawTable(
        key="screening_lateness",
        codes=("A5",),
        title=_("Screening lateness per absence"),
        unit=Unit.PERCENT,
        columns=(_("% screened late"), _("median days late"), _("mean days late")),
        rows=(
            _lateness_row("calendar", _("In calendar days"), found.lateness_calendar),
            _lateness_row("working", _("In working days"), found.lateness_working),
        ),
        notes=(
            (_("Not screened, deadline passed"), _count(found.not_screened_overdue)),
            (_("Not screened, deadline still ahead"), _count(found.not_screened_in_time)),
        ),
    )
