"""The dashboard's query: the filters as given, their validation, and the assembly of
every suppressed figure for one request (`build_dashboard`).

Shared by the HTML, JSON, CSV and PDF routes so that all four show the same figures for
the same query, at the same minimum cell size.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request

from practice.episodes import Offer
from practice.errors import InvalidInput, one_of
from practice.labels import CONTRACT_BASIS_LABELS, COUNTED_HOURS_LABELS, OFFER_LABELS
from practice.platform.clock import today_in
from practice.platform.db import concurrently
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.platform.templating import day
from practice.screening import DIAGNOSIS_CATEGORIES
from practice.tables import Employer, Therapist
from practice.timeline import plausible_day
from reporting.statistics.definitions import (
    ABSENCE_BENCHMARKS,
    DEFAULT_VOLUME_VARIANT,
    HSK_REFERENCE,
    Benchmark,
    ContractBasis,
    CountedHours,
    Moment,
    VolumeVariant,
)
from reporting.statistics.headline import Headline, headline_of
from reporting.statistics.model import FigureTable, figure_tables
from reporting.statistics.presentation import (
    compute,
    dashboard_tables,
    diagnosis_label,
    volume_basis,
)
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import MIN_CELL_DEFAULT

DEFAULT_BENCHMARK = "hsk_business_case"
# The definitions behind the headline figures, in the order the headline shows them.
HEADLINE_CODES = ("trends", "S3", "S4", "S1", "S2", "caseload")
ENDS_BEFORE_IT_STARTS = N_("The end date lies before the start date.")
REFERENCES: Mapping[str, Mapping[str, Mapping[Moment, Benchmark]]] = {"hsk": HSK_REFERENCE}


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
    basis: str | None = None  # a ContractBasis; none: the contract on the measurement date
    hours: str | None = None  # a CountedHours; none: hours on wage value

    def filters(self, today: date) -> Filters:
        """Allow-listed filters; every bad value is named in one 400."""
        problems: dict[str, str] = {}

        def day(name: str, value: str | None) -> date | None:
            if not value:
                return None
            try:
                found = date.fromisoformat(value)
            except ValueError:
                problems[name] = "a date like 2026-01-31"
                return None
            implausible = plausible_day(name, found, today)
            problems.update(implausible)
            return None if implausible else found

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
                problems["offer"] = one_of(o.value for o in Offer)
        diagnosis = None
        if self.diagnosis:
            if self.diagnosis in DIAGNOSIS_CATEGORIES:
                diagnosis = self.diagnosis
            else:
                problems["diagnosis"] = one_of(DIAGNOSIS_CATEGORIES)
        employer_id = number("employer_id", self.employer_id)
        therapist_user_id = number("therapist_user_id", self.therapist_user_id)
        if self.benchmark and self.benchmark not in ABSENCE_BENCHMARKS:
            problems["benchmark"] = one_of(ABSENCE_BENCHMARKS)
        if self.reference and self.reference not in (*REFERENCES, "none"):
            problems["reference"] = one_of((*REFERENCES, "none"))
        if referred_from and referred_to and referred_to < referred_from:
            problems["referred_to"] = ENDS_BEFORE_IT_STARTS
        if self.basis and self.basis not in {b.value for b in ContractBasis}:
            problems["basis"] = one_of(b.value for b in ContractBasis)
        if self.hours and self.hours not in {h.value for h in CountedHours}:
            problems["hours"] = one_of(h.value for h in CountedHours)
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
    def variant(self) -> VolumeVariant:
        """How the volume figures are computed; checked by `filters`."""
        return VolumeVariant(
            ContractBasis(self.basis or DEFAULT_VOLUME_VARIANT.basis),
            CountedHours(self.hours or DEFAULT_VOLUME_VARIANT.hours),
        )

    @property
    def benchmark_key(self) -> str:
        return self.benchmark or DEFAULT_BENCHMARK

    @property
    def reference_table(self) -> Mapping[str, Mapping[Moment, Benchmark]] | None:
        return None if self.reference == "none" else REFERENCES[self.reference or "hsk"]

    def without(self, names: Iterable[str]) -> "Query":
        """The query with these parameters left out (those a refusal named)."""
        kept = {f.name for f in fields(self)}
        return replace(self, **{name: None for name in names if name in kept})

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
                ("basis", self.basis),
                ("hours", self.hours),
            )
            if value
        }
        return urlencode(given)


def query_of(
    referred_from: str | None,
    referred_to: str | None,
    offer: str | None,
    employer_id: str | None,
    therapist_user_id: str | None,
    diagnosis: str | None,
    benchmark: str | None = None,
    reference: str | None = None,
    basis: str | None = None,
    hours: str | None = None,
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
        basis,
        hours,
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
    headline: Headline | None = None  # None: a board of tables only (tests of the tables)
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT
    # The moment the figures were computed: they hold everything recorded before it (the
    # kept facts of an episode written since the last settling are computed from the
    # records, reporting.statistics.fact_table).
    as_of: datetime | None = None

    @property
    def volume_basis(self) -> str:
        """What every volume figure on the board is computed against, in words."""
        return volume_basis(self.variant)

    def table(self, key: str) -> FigureTable | None:
        return next((table for table in self.tables if table.key == key), None)


async def build_dashboard(
    request: Request[Any, Any, Any], query: Query, *, with_charts: bool = True
) -> Dashboard:
    settings: Settings = request.app.state.settings
    today = today_in(settings.time_zone)
    filters = query.filters(today)
    as_of = datetime.now(UTC)
    min_n = await _min_n(filters)
    variant = query.variant
    results = await compute(
        filters, today, ABSENCE_BENCHMARKS[query.benchmark_key], settings, variant=variant
    )
    raw = dashboard_tables(
        results,
        reference=query.reference_table,
        drill_query=query.as_query_string(),
        diagnosis=filters.diagnosis,
        variant=variant,
    )
    return Dashboard(
        query,
        filters,
        figure_tables(raw, min_n, with_charts=with_charts),
        min_n,
        today,
        headline_of(results, min_n, query.reference_table, filters.diagnosis),
        variant,
        as_of,
    )


async def dashboard_and_choices(
    request: Request[Any, Any, Any], query: Query
) -> tuple[Dashboard, dict[str, Any]]:
    """The dashboard and its filter's options, the options read while the figures'
    statements run (on PostgreSQL side by side: 5 ms of a view on M)."""
    board, choices = await concurrently(lambda: build_dashboard(request, query), filter_choices)
    return board, choices


async def filter_choices() -> dict[str, Any]:
    """The filter form's options; an employer and a therapist as (id as text, name): a
    practice's thousands of employers are a select's options, rendered on every view."""
    employers = await Employer.select(Employer.id, Employer.name).order_by(Employer.name)
    therapists = await Therapist.select(
        Therapist.user.as_alias("user_id"), Therapist.user._.display_name.as_alias("name")
    ).order_by(Therapist.user._.display_name)
    return {
        "employers": [(str(row["id"]), row["name"]) for row in employers],
        "therapists": [(str(row["user_id"]), row["name"]) for row in therapists],
        "offers": [(o.value, _(OFFER_LABELS[o])) for o in Offer],
        "diagnoses": [(code, _(label)) for code, label in DIAGNOSIS_CATEGORIES.items()],
        "benchmarks": [(key, _(b.name)) for key, b in ABSENCE_BENCHMARKS.items()],
        "bases": [(b.value, _(CONTRACT_BASIS_LABELS[b])) for b in ContractBasis],
        "hours": [(h.value, _(COUNTED_HOURS_LABELS[h])) for h in CountedHours],
    }


def filter_summary(filters: Filters, choices: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The filters in words, shown above every figure (the period and offer included)."""
    employers = {int(key): name for key, name in choices["employers"]}
    therapists = {int(key): name for key, name in choices["therapists"]}
    every = _("all")
    # Days as the page writes them ("30 nov 2026"), not as the query string does.
    period = _("%(start)s to %(end)s") % {
        "start": day(filters.referred_from) if filters.referred_from else "…",
        "end": day(filters.referred_to) if filters.referred_to else "…",
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
        (_("Diagnosis"), diagnosis_label(filters.diagnosis) if filters.diagnosis else every),
    ]


def active_filters(filters: Filters, summary: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The filters in words that narrow the figures (the page's first line); none: []."""
    given = (
        filters.referred_from is not None or filters.referred_to is not None,
        filters.offer is not None,
        filters.employer_id is not None,
        filters.therapist_user_id is not None,
        filters.diagnosis is not None,
    )
    return [line for line, narrows in zip(summary, given, strict=True) if narrows]
