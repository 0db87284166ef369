"""The dashboard's headline: the handful of figures a practice manager reads first.

Referrals this month and last month, the share of screenings and treatment starts on time
over the last three months, each therapist's active caseload against their capacity, and
work resumption at the end of treatment and at follow-up beside HSK's figures. Every figure
passes `reporting.statistics.suppression.shown` at the dashboard's minimum, as the tables do:
the headline shows nothing a table would withhold.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from practice.platform.i18n import gettext as _
from reporting.statistics.definitions import MOMENT_LABELS, Benchmark, Moment
from reporting.statistics.presentation import Results, month_label
from reporting.statistics.suppression import Cell, Shown, shown

# The caseloads the page shows at a glance: the fullest, so that a practice of hundreds of
# therapists reads its problems first (every therapist is in the table "Caseload per
# therapist", and in the JSON's headline).
AT_A_GLANCE = 8


@dataclass(frozen=True, slots=True)
class TherapistLoad:
    therapist: str
    active: Shown
    capacity: int | None

    @property
    def over_capacity(self) -> bool:
        return (
            self.capacity is not None
            and isinstance(self.active.value, int)
            and self.active.value > self.capacity
        )

    @property
    def percent_of_capacity(self) -> int | None:
        """How full, 0-100 (capped), for the bar beside the figure; None when not shown."""
        if not isinstance(self.active.value, int) or not self.capacity:
            return None
        return min(100, round(100 * self.active.value / self.capacity))


def _fullest_first(load: TherapistLoad) -> tuple[bool, bool, int, int, str]:
    """Over capacity first, then by the share of capacity in use, then by the count; a
    withheld count last, by name alone (ordering by it would tell what is withheld)."""
    active = load.active.value if isinstance(load.active.value, int) else -1
    percent = load.percent_of_capacity
    return (not load.over_capacity, percent is None, -(percent or 0), -active, load.therapist)


@dataclass(frozen=True, slots=True)
class ResumptionFigure:
    moment: Moment
    label: str
    ours: Shown
    # HSK's lowest and highest figure over its three diagnoses, or the chosen diagnosis's
    # (low = high); None without a reference.
    reference_low: Decimal | None
    reference_high: Decimal | None
    diagnosis: str | None = None  # the filter's: the figure and its reference are its own


@dataclass(frozen=True, slots=True)
class Headline:
    this_month: str
    last_month: str | None
    referrals_this_month: Shown
    referrals_last_month: Shown | None
    recent_months: str  # "apr 2026 – jun 2026"
    screened_on_time: Shown
    started_on_time: Shown
    caseload: tuple[TherapistLoad, ...]
    resumption: tuple[ResumptionFigure, ...]

    @property
    def fullest(self) -> tuple[TherapistLoad, ...]:
        """The caseloads shown at a glance (`AT_A_GLANCE`), the fullest first."""
        return tuple(sorted(self.caseload, key=_fullest_first)[:AT_A_GLANCE])

    @property
    def over_capacity_count(self) -> int:
        return sum(1 for load in self.caseload if load.over_capacity)


def headline_of(
    results: Results,
    min_n: int,
    reference: Mapping[str, Mapping[Moment, Benchmark]] | None,
    diagnosis: str | None = None,
) -> Headline:
    trends = results.trends
    recent = trends.recent_months
    last = trends.last_month
    # With a diagnosis chosen, the figures are its clients' and so is the reference beside
    # them (none where HSK gives none for it).
    compared = (
        (reference or {})
        if diagnosis is None
        else {name: by_moment for name, by_moment in (reference or {}).items() if name == diagnosis}
    )
    resumption = []
    for moment in (Moment.END, Moment.FOLLOW_UP):
        values = [by_moment[moment].value for by_moment in compared.values()]
        resumption.append(
            ResumptionFigure(
                moment,
                _(MOMENT_LABELS[moment]),
                shown(results.volumes.overall[moment], min_n),
                min(values) if values else None,
                max(values) if values else None,
                diagnosis,
            )
        )
    return Headline(
        this_month=month_label(trends.this_month.month),
        last_month=None if last is None else month_label(last.month),
        referrals_this_month=_count(trends.this_month.referrals, min_n),
        referrals_last_month=None if last is None else _count(last.referrals, min_n),
        recent_months=_span(recent[0].month, recent[-1].month),
        screened_on_time=shown(trends.recent_screened_on_time.cell, min_n),
        started_on_time=shown(trends.recent_started_on_time.cell, min_n),
        caseload=tuple(
            TherapistLoad(row.therapist, shown(row.active, min_n), row.capacity)
            for row in results.caseload
        ),
        resumption=tuple(resumption),
    )


def _count(n: int, min_n: int) -> Shown:
    return shown(Cell(n, n), min_n)


def _span(first: date, last: date) -> str:
    if first == last:
        return month_label(first)
    return f"{month_label(first)} – {month_label(last)}"
