"""The outcome statistics in SQL against the reference implementations, and the dashboard.

The data set is built so that work resumption by diagnosis comes out exactly as HSK's
table (anxiety 49/91/97, somatic symptom disorder 29/77/89, depression 36/77/88), with a
different n per diagnosis and per column, a client capped at 100%, a contract cut, AT hours
that must not count, a client who was not absent (left out), and referrals of another
employer that an employer contact must never see.
"""

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from practice.accounts import Role
from practice.audit.trail import Action
from practice.episodes import Offer
from practice.platform.spreadsheet import MEDIA_TYPE as SPREADSHEET_MEDIA_TYPE
from practice.tables import (
    AbsenceEpisode,
    CaseAssignment,
    Client,
    Consent,
    ContractHours,
    Employer,
    EmployerContact,
    Employment,
    FollowUp,
    Referral,
    Screening,
    Therapist,
    TreatmentEpisode,
    WorkParticipation,
    WorkResumptionAgreement,
)
from reporting import jobs as reporting_jobs
from reporting.services.employer_statistics import publish_month
from reporting.statistics import fact_table
from reporting.statistics import sql as statistics
from reporting.statistics.definitions import ABSENCE_BENCHMARKS, Moment
from reporting.statistics.facts import Source, facts_from
from reporting.statistics.figures import Observation, censored_median, mean, percentile
from reporting.statistics.reference import (
    EpisodeOutcome,
    follow_up_response_rate,
    relapse_rate,
    sessions_per_episode,
    share_resumed,
    volume_by_diagnosis,
)
from reporting.statistics.reference_times import absence_duration, cost_avoided, time_to_resumption
from reporting.statistics.reference_times import wait_times as reference_wait_times
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import Cell
from scheduling.tables import Appointment
from tests.cast import Cast, make_user
from tests.story import ok
from tests.web import api, assert_audited, login

TZ = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 6, 1)
CONTRACT_MINUTES = 2400  # 40 hours
BENCHMARK = ABSENCE_BENCHMARKS["hsk_business_case"]

HSK = {
    "angststoornis": ((49, 91, 97), (8, 8, 6)),
    "somatische_symptoomstoornis": ((29, 77, 89), (6, 6, 5)),
    "depressie": ((36, 77, 88), (10, 10, 7)),
}
# Per client: volume % at begin, end and follow-up (None: not measured). Means as HSK's.
VOLUMES: dict[str, list[tuple[int, int, int | None]]] = {
    "angststoornis": [
        (30, 100, 100),
        (40, 100, 100),
        (50, 80, 95),
        (60, 90, 110),  # capped at 100 for the statistic
        (70, 85, 92),  # end measured against a contract cut to 32 h
        (44, 95, 95),
        (48, 88, None),
        (50, 90, None),
    ],
    "somatische_symptoomstoornis": [
        (29, 77, 89),
        (20, 70, 90),
        (38, 84, 88),
        (29, 80, 100),
        (25, 74, 78),
        (33, 77, None),
    ],
    "depressie": [
        (20, 77, 80),
        (30, 77, 96),
        (40, 77, 88),
        (50, 77, 88),
        (36, 77, 90),
        (36, 70, 86),
        (36, 84, 88),
        (30, 80, None),
        (42, 74, None),
        (40, 77, None),
    ],
}
CUT_CLIENT = ("angststoornis", 4)


@dataclass
class Spec:
    """One episode of the data set, from which both the rows and the reference come."""

    index: int
    diagnosis: str
    begin: int | None
    end: int | None
    follow_up: int | None
    employer: str = "main"
    offer: Offer = Offer.BASIC
    absent: bool = True
    referred_at: datetime = field(default_factory=lambda: datetime(2025, 1, 6, 9, tzinfo=TZ))
    screened_on: date | None = None
    started_on: date | None = None
    closed_on: date | None = None
    first_sick_day: date | None = None
    full_recovery_on: date | None = None
    held: int = 0
    relapse: bool | None = None
    response: str | None = None
    therapist: str = "main"
    contract_cut_on: date | None = None

    @property
    def referred_on(self) -> date:
        return self.referred_at.astimezone(TZ).date()

    def measured_on(self, moment: Moment) -> date:
        assert self.started_on is not None and self.closed_on is not None
        return {
            Moment.BEGIN: self.started_on,
            Moment.END: self.closed_on,
            Moment.FOLLOW_UP: self.closed_on + timedelta(days=200),
        }[moment]

    def volume(self, moment: Moment) -> int | None:
        return {Moment.BEGIN: self.begin, Moment.END: self.end, Moment.FOLLOW_UP: self.follow_up}[
            moment
        ]

    def outcome(self) -> EpisodeOutcome:
        measured = [
            self.measured_on(m) for m in Moment if (self.volume(m) or 0) > 0 and self.started_on
        ]
        return EpisodeOutcome(
            diagnosis_category=self.diagnosis,
            offer=self.offer,
            absent_at_referral=self.absent,
            referred_on=self.referred_on,
            screened_on=self.screened_on,
            started_on=self.started_on,
            first_sick_day=self.first_sick_day,
            first_intervention_on=self.screened_on,
            volume_begin=None if self.begin is None else Decimal(self.begin),
            volume_end=None if self.end is None else Decimal(self.end),
            volume_follow_up=None if self.follow_up is None else Decimal(self.follow_up),
            full_recovery_on=self.full_recovery_on,
            partial_resumption_on=min(measured) if measured else None,
            relapse=self.relapse,
            follow_up_response=self.response,
            held_sessions=self.held,
            closed_on=self.closed_on,
        )


def hsk_specs() -> list[Spec]:
    specs: list[Spec] = []
    index = 0
    for diagnosis, clients in VOLUMES.items():
        for number, (begin, end, follow_up) in enumerate(clients):
            referred = datetime(2025, 1, 6, 9, tzinfo=TZ) + timedelta(days=7 * index)
            if index == 0:  # 00:30 local in winter: the UTC date is the day before
                referred = datetime(2025, 1, 6, 0, 30, tzinfo=TZ)
            if index == 20:  # 01:30 local in summer
                referred = referred.replace(hour=1, minute=30)
            referred_on = referred.astimezone(TZ).date()
            screened = referred_on + timedelta(days=3 + index % 9)
            started = screened + timedelta(days=7 + index % 8)
            closed = started + timedelta(days=56 + index)
            first_sick = referred_on - timedelta(days=20 + 3 * index)
            recovered = started + timedelta(days=25 + index) if index % 4 != 3 else None
            specs.append(
                Spec(
                    index=index,
                    diagnosis=diagnosis,
                    begin=begin,
                    end=end,
                    follow_up=follow_up,
                    offer=Offer.COMPLEET if diagnosis == "depressie" else Offer.BASIC,
                    referred_at=referred,
                    screened_on=screened,
                    started_on=started,
                    closed_on=closed,
                    first_sick_day=first_sick,
                    full_recovery_on=recovered,
                    held=4 + index % 5,
                    relapse=(index % 6 == 0) if follow_up is not None else None,
                    response="done"
                    if follow_up is not None
                    else ("unreachable", "declined")[index % 2],
                    therapist="second" if diagnosis == "somatische_symptoomstoornis" else "main",
                    contract_cut_on=closed - timedelta(days=7)
                    if (diagnosis, number) == CUT_CLIENT
                    else None,
                )
            )
            index += 1
    # Not absent (preventive): 100% everywhere, which must not lift the depression figures.
    specs.append(
        Spec(
            index=index,
            diagnosis="depressie",
            begin=100,
            end=100,
            follow_up=100,
            offer=Offer.PREVENTIVE,
            absent=False,
            referred_at=datetime(2025, 3, 3, 10, tzinfo=TZ),
            screened_on=date(2025, 3, 6),
            started_on=date(2025, 3, 17),
            closed_on=date(2025, 5, 12),
            held=5,
            response="done",
            relapse=False,
        )
    )
    # Still in treatment: no end, no follow-up (open in every after-treatment figure).
    specs.append(
        Spec(
            index=index + 1,
            diagnosis="angststoornis",
            begin=None,
            end=None,
            follow_up=None,
            referred_at=datetime(2026, 4, 1, 11, tzinfo=TZ),
            screened_on=date(2026, 4, 8),
            started_on=date(2026, 4, 20),
            first_sick_day=date(2026, 3, 2),
            held=3,
        )
    )
    return specs


def other_employer_specs(start: int) -> list[Spec]:
    """Three clients of another employer (minimum cell size 10): never in the contact's view."""
    return [
        Spec(
            index=start + k,
            diagnosis="depressie",
            begin=10,
            end=60,
            follow_up=None,
            employer="other",
            referred_at=datetime(2025, 6, 2 + k, 9, tzinfo=TZ),
            screened_on=date(2025, 6, 9 + k),
            started_on=date(2025, 6, 23 + k),
            closed_on=date(2025, 9, 1 + k),
            first_sick_day=date(2025, 5, 1),
            held=6,
        )
        for k in range(3)
    ]


@dataclass
class World:
    specs: list[Spec]
    episode_ids: dict[int, int]  # spec index -> episode id
    employers: dict[str, int]
    therapists: dict[str, int]


async def build(cast: Cast, specs: list[Spec]) -> World:
    """Rows for every spec, written straight to the tables (fast; the services are tested
    elsewhere)."""
    employers = {}
    for key, name, minimum in (("main", "Zorg & Co", 5), ("other", "Bouw BV", 10)):
        rows = await Employer.insert(Employer(name=name, min_cell_size=minimum)).returning(
            Employer.id
        )
        employers[key] = int(rows[0]["id"])
    second = await make_user(Role.THERAPIST, "tweede-therapeut@cast.test")
    therapists = {"main": cast.therapist.id, "second": second.id}
    for user_id in therapists.values():
        await Therapist.insert(Therapist(user=user_id))
    await EmployerContact.insert(
        EmployerContact(
            employer=employers["main"],
            user=cast.employer_contact.id,
            name="L. Leiding",
            email="l@zorg.nl",
            contact_role="manager",
        )
    )
    episode_ids: dict[int, int] = {}
    appointment_start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for spec in specs:
        client = await Client.insert(Client(name=f"Cliënt {spec.index}")).returning(Client.id)
        client_id = int(client[0]["id"])
        employment = await Employment.insert(
            Employment(client=client_id, employer=employers[spec.employer])
        ).returning(Employment.id)
        employment_id = int(employment[0]["id"])
        await ContractHours.insert(
            ContractHours(
                employment=employment_id,
                valid_from=date(2020, 1, 1),
                minutes_per_week=CONTRACT_MINUTES,
            )
        )
        if spec.contract_cut_on is not None:
            await ContractHours.insert(
                ContractHours(
                    employment=employment_id, valid_from=spec.contract_cut_on, minutes_per_week=1920
                )
            )
        referral = await Referral.insert(
            Referral(
                client=client_id,
                employer=employers[spec.employer],
                received_at=spec.referred_at,
                referrer_type="company_doctor",
                requested_offer=spec.offer.value,
                absence_status="sickness" if spec.absent else "not_absent",
                first_sick_day=spec.first_sick_day,
            )
        ).returning(Referral.id)
        status = "closed" if spec.closed_on else ("in_treatment" if spec.started_on else "referred")
        episode = await TreatmentEpisode.insert(
            TreatmentEpisode(
                referral=int(referral[0]["id"]),
                client=client_id,
                employment=employment_id,
                status=status,
                offer=spec.offer.value,
                screening_held_on=spec.screened_on,
                started_on=spec.started_on,
                closed_on=spec.closed_on,
            )
        ).returning(TreatmentEpisode.id)
        episode_id = int(episode[0]["id"])
        episode_ids[spec.index] = episode_id
        await CaseAssignment.insert(
            CaseAssignment(
                episode=episode_id,
                user=therapists[spec.therapist],
                team_role="therapist",
                valid_from=spec.referred_on,
            )
        )
        if spec.screened_on is not None:
            await Screening.insert(
                Screening(
                    episode=episode_id,
                    held_on=spec.screened_on,
                    suitable=True,
                    diagnosis_category=spec.diagnosis,
                    proposal=spec.offer.value,
                )
            )
        if spec.absent:
            await AbsenceEpisode.insert(
                AbsenceEpisode(
                    employment=employment_id,
                    absence_type="sickness",
                    first_sick_day=spec.first_sick_day,
                    full_recovery_on=spec.full_recovery_on,
                )
            )
        for moment in Moment:
            volume = spec.volume(moment)
            if volume is None:
                continue
            measured = spec.measured_on(moment)
            contract = 1920 if spec.contract_cut_on and measured >= spec.contract_cut_on else 2400
            minutes = volume * contract // 100
            own = minutes // 2
            await WorkParticipation.insert(
                WorkParticipation(
                    employment=employment_id,
                    episode=episode_id,
                    measured_on=measured,
                    own_work_minutes=own,
                    adapted_work_minutes=minutes - own,
                    therapeutic_minutes=120 if spec.index % 3 == 0 else 0,  # AT: never counted
                    moment=moment.value,
                )
            )
        if spec.closed_on is not None and (spec.response or spec.relapse is not None):
            await FollowUp.insert(
                FollowUp(
                    episode=episode_id,
                    kind="measurement",
                    held_on=spec.closed_on + timedelta(days=200),
                    response=spec.response or "done",
                    relapse=spec.relapse,
                )
            )
        if spec.index % 2 == 0:
            await WorkResumptionAgreement.insert(
                WorkResumptionAgreement(
                    episode=episode_id,
                    agreed_on=spec.started_on or date(2025, 1, 1),
                    description="x",
                )
            )
        appointments = []
        kinds = ["treatment_session"] * spec.held + ["screening"]
        for number, kind in enumerate(kinds):
            appointment_start += timedelta(hours=1)
            appointments.append(
                Appointment(
                    episode=episode_id,
                    therapist=therapists[spec.therapist],
                    kind=kind,
                    starts_at=appointment_start,
                    ends_at=appointment_start + timedelta(minutes=45),
                    attendance="held",
                )
            )
            if number == 0:  # a cancelled session never counts
                appointment_start += timedelta(hours=1)
                appointments.append(
                    Appointment(
                        episode=episode_id,
                        therapist=therapists[spec.therapist],
                        kind="treatment_session",
                        starts_at=appointment_start,
                        ends_at=appointment_start + timedelta(minutes=45),
                        attendance="cancelled_by_client",
                    )
                )
        await Appointment.insert(*appointments)
    return World(specs, episode_ids, employers, therapists)


def outcomes(world: World, **where: Any) -> list[EpisodeOutcome]:
    chosen = [
        s for s in world.specs if all(getattr(s, name) == value for name, value in where.items())
    ]
    return [s.outcome() for s in chosen]


@pytest.fixture
async def world(cast: Cast) -> World:
    return await build(cast, hsk_specs() + other_employer_specs(100))


# ---------------------------------------------------------------- SQL vs reference


async def test_volume_by_diagnosis_in_sql_is_hsks_table_and_matches_the_reference(world) -> None:
    main = Filters(employer_id=world.employers["main"])
    result = await statistics.volumes(main, tz=TZ)
    for diagnosis, (values, counts) in HSK.items():
        cells = result.by_diagnosis.cells[diagnosis]
        assert [cells[m] for m in Moment] == [
            Cell(Decimal(v), n) for v, n in zip(values, counts, strict=True)
        ]
    reference = volume_by_diagnosis(outcomes(world, employer="main"))
    assert result.by_diagnosis.cells == reference.cells
    assert result.by_diagnosis.missing == reference.missing
    assert result.by_diagnosis.excluded_not_absent == reference.excluded_not_absent == 1
    assert result.shares == share_resumed(outcomes(world, employer="main"))


async def test_every_other_statistic_in_sql_equals_its_reference_implementation(world) -> None:
    everything = Filters()
    records = outcomes(world)
    screened = [r for r in records if r.screened_on is not None]
    after = await statistics.after_treatment(everything, TODAY, tz=TZ)
    assert after.relapse == relapse_rate(screened)
    assert after.follow_up == follow_up_response_rate(screened, TODAY)
    assert await statistics.sessions(everything, tz=TZ) == sessions_per_episode(screened)
    assert await statistics.wait_times(everything, tz=TZ) == reference_wait_times(records)
    found = await statistics.durations(everything, TODAY, BENCHMARK, tz=TZ)
    assert found.resumption == time_to_resumption(screened, TODAY)
    assert found.absence == absence_duration(screened)
    expected_cost = cost_avoided(screened, 25000, BENCHMARK)
    assert (found.cost.total_cents, found.cost.n, found.cost.open) == (
        expected_cost.total_cents,
        expected_cost.n,
        expected_cost.open,
    )
    assert found.cost.excluded == expected_cost.excluded
    assert found.cost.cost_per_day_cents == 25000


async def test_a_session_held_after_the_facts_were_settled_counts_at_once_and_once_settled(
    world, settings
) -> None:
    # Freshness (issue 21): the figures read the kept facts, and an episode written since
    # they were settled is computed from the records; the sweep then settles it.
    await fact_table.rebuild(TZ)
    everything = Filters()
    before = await statistics.sessions(everything, tz=TZ)
    cancelled = (
        await Appointment.select(Appointment.id)
        .where(Appointment.attendance == "cancelled_by_client")
        .first()
    )
    assert cancelled is not None
    await Appointment.update({Appointment.attendance: "held"}).where(
        Appointment.id == cancelled["id"]
    )
    at_once = await statistics.sessions(everything, tz=TZ)
    with facts_from(Source.RAW):
        assert at_once == await statistics.sessions(everything, tz=TZ)
    assert at_once != before
    assert await reporting_jobs.due_statistics_facts(TODAY, settings) == [
        reporting_jobs.SETTLE_STATISTICS
    ]
    assert await reporting_jobs.settle_statistics({"settings": settings}) == 1
    assert await reporting_jobs.due_statistics_facts(TODAY, settings) == []
    assert await statistics.sessions(everything, tz=TZ) == at_once


async def test_filters_narrow_the_sql_figures_to_the_matching_episodes(world) -> None:
    second = Filters(therapist_user_id=world.therapists["second"])
    assert set((await statistics.volumes(second, tz=TZ)).by_diagnosis.cells) == {
        "somatische_symptoomstoornis"
    }
    compleet = await statistics.sessions(Filters(offer=Offer.COMPLEET), tz=TZ)
    assert set(compleet.mean) == {"depressie"}
    assert compleet.mean == sessions_per_episode(outcomes(world, offer=Offer.COMPLEET)).mean
    january = Filters(referred_from=date(2025, 1, 6), referred_to=date(2025, 1, 31))
    # The 00:30 referral of 6 January counts on 6 January (local date), not on the 5th.
    assert (await statistics.wait_times(january, tz=TZ)).referral_to_screening.n == 4
    anxious = await statistics.volumes(Filters(diagnosis="angststoornis"), tz=TZ)
    assert set(anxious.by_diagnosis.cells) == {"angststoornis"}
    total, lines = await statistics.episode_list(
        Filters(diagnosis="somatische_symptoomstoornis"), tz=TZ
    )
    assert total == 6 and len(lines) == 6


async def consent_to_the_employer(after: datetime = datetime(2024, 1, 1, tzinfo=UTC)) -> None:
    """Every client consents to process updates for the employer (S15 counts only them)."""
    clients = await Client.select(Client.id)
    await Consent.insert(
        *[
            Consent(
                client=row["id"], recipient="employer", purpose="process_updates", given_at=after
            )
            for row in clients
        ]
    )


async def test_the_employer_summary_counts_only_that_employers_episodes(world) -> None:
    later = date(2030, 1, 1)  # as of a day after everything the world holds
    nobody = await statistics.employer_summary(world.employers["other"], later, tz=TZ)
    assert nobody.episodes == Cell(0, 0)  # no consent, not counted
    await consent_to_the_employer()
    summary = await statistics.employer_summary(world.employers["other"], later, tz=TZ)
    assert summary.episodes == Cell(3, 3)
    assert summary.sessions_held == Cell(18, 3)
    assert summary.volume[Moment.BEGIN] == Cell(Decimal("10.0"), 3)


# ---------------------------------------------------------------- histogram arithmetic


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-5, max_value=60), min_size=0, max_size=40))
def test_histogram_percentiles_and_means_equal_the_reference_arithmetic(values) -> None:
    histogram = [(v, values.count(v)) for v in sorted(set(values))]
    for fraction in (Decimal("0.5"), Decimal("0.9"), Decimal(0), Decimal(1)):
        assert statistics.histogram_percentile(histogram, fraction) == percentile(values, fraction)
    assert statistics.histogram_mean(histogram) == mean(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), max_size=30))
def test_the_histogram_kaplan_meier_median_equals_the_reference(observations) -> None:
    events = [(d, 1) for d, event in observations if event]
    censored = [(d, 1) for d, event in observations if not event]
    survival = statistics.histogram_survival(events, censored)
    reference = [Observation(d, event) for d, event in observations]
    assert survival.median_days == censored_median(reference)
    assert survival.n == len(observations)
    assert survival.n_events == len(events)


# ---------------------------------------------------------------- the dashboard over HTTP


def _cell_html(page: str, key: str) -> str:
    match = re.search(rf'<td data-cell="{re.escape(key)}">(.*?)</td>', page, re.S)
    assert match, f"no cell {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_dashboard_shows_hsks_table_with_n_in_html_json_and_csv(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    main = f"employer_id={world.employers['main']}"
    page = await client.get(f"/statistics/outcomes?{main}")
    assert page.status_code == 200, page.text
    for diagnosis, (values, counts) in HSK.items():
        for column, (value, n) in enumerate(zip(values, counts, strict=True)):
            assert _cell_html(page.text, f"volume:{diagnosis}:{column}") == f"{value},0 n = {n}"
    assert "Werkhervatting per diagnose" in page.text  # the S2 definition, in Dutch
    assert "Cijfers per 1 jun 2026, 10:00" in page.text  # the moment the figures hold
    assert 'src="data:image/svg+xml;base64,' in page.text

    data = await ok(
        await client.get(f"/api/statistics/outcomes?{main}", headers={"accept": "application/json"})
    )
    volume = next(t for t in data["tables"] if t["key"] == "volume")
    for diagnosis, (values, counts) in HSK.items():
        row = next(r for r in volume["rows"] if r["key"] == diagnosis)
        assert [(c["value"], c["n"]) for c in row["cells"]] == [
            (f"{v}.0", n) for v, n in zip(values, counts, strict=True)
        ]
        assert row["reference"] == [str(v) for v in values]
    assert data["min_n"] == 5

    response = await client.get(f"/statistics/outcomes.csv?table=volume&{main}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # said once
    rows = list(csv.reader(io.StringIO(response.text)))
    by_label = {row[0]: row for row in rows}
    assert by_label["Angststoornis"][1:] == [
        "49.0",
        "8",
        "91.0",
        "8",
        "97.0",
        "6",
        "49",
        "91",
        "97",
    ]
    assert by_label["Somatische symptoomstoornis"][1:7] == ["29.0", "6", "77.0", "6", "89.0", "5"]
    assert by_label["Depressie"][1:7] == ["36.0", "10", "77.0", "10", "88.0", "7"]


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_every_table_has_a_csv_and_an_unknown_table_is_a_400(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    for name in (
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
    ):
        response = await client.get(f"/statistics/outcomes.csv?table={name}")
        assert response.status_code == 200, (name, response.text)
    bad = await client.get("/statistics/outcomes.csv?table=secrets")
    assert bad.status_code == 400


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_whole_dashboard_downloads_as_one_workbook_that_holds_each_tables_csv(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    response = await client.get("/statistics/outcomes.xlsx?diagnosis=angststoornis")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SPREADSHEET_MEDIA_TYPE)
    book = load_workbook(io.BytesIO(response.content))
    first = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert first[0][0] == "Uitkomststatistieken"
    assert ["Diagnose", "angststoornis"] in first or any(
        row[0] == "Diagnose" and "angst" in str(row[1]).lower() for row in first
    )
    tables = (
        await ok(
            await client.get(
                "/api/statistics/outcomes?diagnosis=angststoornis",
                headers={"accept": "application/json"},
            )
        )
    )["tables"]
    assert len(book.worksheets) == 1 + len(tables)
    sheets = {sheet.cell(1, 1).value: sheet for sheet in book.worksheets[1:]}
    for table in tables:
        got_csv = await client.get(
            f"/statistics/outcomes.csv?table={table['key']}&diagnosis=angststoornis"
        )
        expected = list(csv.reader(io.StringIO(got_csv.text)))
        sheet = sheets[expected[0][0]]
        read = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        assert len(read) == len(expected), table["key"]
        for got, want in zip(read, expected, strict=True):
            assert all(v == "" for v in got[len(want) :])  # a sheet is as wide as its widest
            got = got[: len(want)] + [""] * (len(want) - len(got))
            for value, text in zip(got, want, strict=True):
                if isinstance(value, int | float):  # a number in the sheet, digits in the CSV
                    assert float(text) == value, (table["key"], got, want)
                else:
                    assert str(value) == text, (table["key"], got, want)
    assert any(
        isinstance(v, int | float)
        for sheet in book.worksheets[1:]
        for row in list(sheet.iter_rows(values_only=True))[1:]
        for v in row
    )


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_an_employer_filter_suppresses_below_that_employers_minimum(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    other = world.employers["other"]
    data = await ok(
        await client.get(
            f"/api/statistics/outcomes?employer_id={other}", headers={"accept": "application/json"}
        )
    )
    assert data["min_n"] == 10
    volume = next(t for t in data["tables"] if t["key"] == "volume")
    cells = [c for row in volume["rows"] for c in row["cells"]]
    assert cells and all(c["value"] is None for c in cells)
    assert {c["text"] for c in cells} <= {"< 10", "–"}
    page = await client.get(f"/statistics/outcomes?employer_id={other}")
    assert "&lt; 10" in page.text and "60,0" not in page.text


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_bad_filters_are_refused_with_400_naming_them(client, cast: Cast, world) -> None:
    await login(client, cast.practice_manager.email)
    response = await client.get(
        "/api/statistics/outcomes?offer=gold&diagnosis=flu&referred_from=yesterday",
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"offer", "diagnosis", "referred_from"}


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_range_that_ends_before_it_starts_comes_back_on_the_dashboard_next_to_its_field(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    path = "/statistics/outcomes?referred_from=2026-05-01&referred_to=2026-01-01&offer=compleet"

    dutch = await client.get(path)

    assert dutch.status_code == 400
    assert '<p class="field-problem" id="referred_to-problem">' in dutch.text
    assert "De einddatum ligt vóór de begindatum." in dutch.text
    assert 'value="2026-01-01" aria-invalid="true"' in dutch.text  # as typed
    assert 'id="headline-title"' in dutch.text  # the figures, without the bad filter
    # The exports and the episodes behind the figures go without it too, and they answer.
    links = re.findall(r'href="(/statistics/(?:outcomes\.(?:csv|pdf)|episodes)[^"]*)"', dutch.text)
    assert links and not any("2026-01-01" in link for link in links)
    for link in {html.unescape(link) for link in links if ".pdf" not in link}:
        assert (await client.get(link)).status_code == 200, link
    client.cookies.set("lang", "en")
    english = (await client.get(path)).text
    assert "The end date lies before the start date." in english
    assert "referred_from" not in english.split('id="referred_to-problem">')[1][:200]


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_dates_beyond_the_plausible_are_refused_not_an_error_of_the_figures(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    for query, named in (
        ("referred_to=9999-12-31", "referred_to"),
        ("referred_from=0001-01-01&referred_to=0001-12-31", "referred_from"),
    ):
        page = await client.get(f"/statistics/outcomes?{query}")
        assert page.status_code == 400, (query, page.text[-500:])
        assert f'id="{named}-problem"' in page.text
        for door in (
            "/statistics/outcomes.csv?table=volume&",
            "/statistics/outcomes.pdf?",
            "/statistics/outcomes.xlsx?",
        ):
            assert (await client.get(door + query)).status_code == 400, (door, query)
    # A bad date and an employer that is not there: both named, the figures without both.
    both = await client.get("/statistics/outcomes?referred_to=9999-12-31&employer_id=999999")
    assert both.status_code == 400
    assert 'id="referred_to-problem"' in both.text and 'id="employer_id-problem"' in both.text
    assert 'id="headline-title"' in both.text


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_drill_down_lists_the_episodes_of_a_diagnosis_and_is_audited(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    response = await client.get("/statistics/episodes?diagnosis=angststoornis")
    assert response.status_code == 200, response.text
    listed = {int(i) for i in re.findall(r'data-episode="(\d+)"', response.text)}
    expected = {world.episode_ids[s.index] for s in world.specs if s.diagnosis == "angststoornis"}
    assert listed == expected
    await assert_audited(actor_id=cast.practice_manager.id, action=Action.SEARCH.value)


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_page_past_the_end_of_the_drill_down_leads_to_its_last_page(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)

    past = await client.get("/statistics/episodes?diagnosis=angststoornis&page_number=999")

    assert past.status_code == 303
    assert past.headers["location"] == "/statistics/episodes?diagnosis=angststoornis&page_number=1"
    assert (await client.get(past.headers["location"])).status_code == 200


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.EMPLOYER_CONTACT, Role.COMPANY_DOCTOR])
async def test_only_the_practice_manager_reaches_the_statistics(client, cast: Cast, role) -> None:
    await login(client, cast.by_role(role).email)
    for path in (
        "/statistics/outcomes",
        "/api/statistics/outcomes",
        "/statistics/outcomes.csv?table=volume",
        "/statistics/outcomes.pdf",
        "/statistics/outcomes.xlsx",
        "/statistics/episodes",
    ):
        response = await client.get(path, headers={"accept": "application/json"})
        assert response.status_code == 403, (role, path)


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_an_employer_contact_sees_only_their_own_organisation_and_no_diagnosis(
    client, cast: Cast, world
) -> None:
    await consent_to_the_employer()
    await publish_month(world.employers["main"], date(2026, 5, 1), TZ)
    await login(client, cast.employer_contact.email)
    response = await client.get("/api/employer/statistics", headers={"accept": "application/json"})
    data = await ok(response)
    assert [e["employer_id"] for e in data["employers"]] == [world.employers["main"]]
    main = data["employers"][0]
    assert main["as_of"] == "2026-05-31"
    assert main["episodes"]["value"] == "26"  # 24 + the not-absent and the open one
    assert main["volume_percent"]["begin"]["n"] == 24
    text = json.dumps(data["employers"]).lower()  # the definition says "never by diagnosis"
    for word in ("diagnos", "angst", "depress", "somati", "bouw"):
        assert word not in text


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_management_report_pdf_carries_the_figures(client, cast: Cast, world) -> None:
    await login(client, cast.practice_manager.email)
    response = await client.get(f"/statistics/outcomes.pdf?employer_id={world.employers['main']}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", " ", text)
    for values, counts in HSK.values():
        for value, n in zip(values, counts, strict=True):
            assert f"{value},0 (n = {n})" in text


# ---------------------------------------------------------------- questionnaires over HTTP


PHQ9 = {f"phq9_{i}": 1 for i in range(1, 10)}


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_therapist_records_a_phq9_and_gets_total_and_band(
    client, cast: Cast, world
) -> None:
    await login(client, cast.therapist.email)
    open_episode = world.episode_ids[max(s.index for s in world.specs if s.closed_on is None)]
    path = f"/api/episodes/{open_episode}/questionnaires"
    body = {"instrument": "PHQ-9", "moment": "interim", "administered_on": "2026-05-28"}
    created = await ok(await api(client, "POST", path, {**body, "answers": PHQ9}), 201)
    assert (created["total"], created["band"], created["band_label"]) == (9, "mild", "licht")
    await assert_audited(object_type="questionnaire_response", object_id=str(created["id"]))

    missing = {k: v for k, v in PHQ9.items() if k not in ("phq9_3", "phq9_9")}
    refused = await api(client, "POST", path, {**body, "answers": missing})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"answers.phq9_3", "answers.phq9_9"}
    wrong = await api(client, "POST", path, {**body, "answers": {**PHQ9, "phq9_1": 7}})
    assert wrong.status_code == 400 and "answers.phq9_1" in wrong.json()["fields"]

    chart = await client.get(f"/api/episodes/{open_episode}/outcome-chart")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "PHQ-9" in chart.text and "<script" not in chart.text


async def test_a_therapist_not_on_the_case_cannot_record_a_questionnaire(
    client, cast: Cast, world
) -> None:
    somatic = next(s for s in world.specs if s.diagnosis == "somatische_symptoomstoornis")
    await login(client, cast.therapist.email)
    response = await api(
        client,
        "POST",
        f"/api/episodes/{world.episode_ids[somatic.index]}/questionnaires",
        {
            "instrument": "GAD-7",
            "moment": "end",
            "administered_on": "2025-05-01",
            "answers": {f"gad7_{i}": 0 for i in range(1, 8)},
        },
    )
    assert response.status_code == 404
