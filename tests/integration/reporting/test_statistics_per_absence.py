"""The per-absence figures from the database: two episodes on one absence, a relapse after
more than four weeks and a chain within four weeks, each absence counted once; and the
dashboard showing them (page in Dutch and English, JSON, CSV, the curve as an SVG).

The same cases as `tests/unit/reporting/test_per_absence.py`, written into the tables.
"""

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from practice.tables import (
    AbsenceEpisode,
    Client,
    ContractHours,
    Employer,
    Employment,
    Referral,
    TreatmentEpisode,
    WorkParticipation,
)
from reporting.statistics.absence_tables import TABLE_KEYS
from reporting.statistics.absences import absence_outcomes
from reporting.statistics.definitions import (
    ABSENCE_BENCHMARKS,
    DEFAULT_VOLUME_VARIANT,
    ContractBasis,
    CountedHours,
    Moment,
    VolumeVariant,
)
from reporting.statistics.fact_table import rebuild
from reporting.statistics.facts import MOMENTS, VOLUME_COLUMN, as_date, dialect, facts_cte, q, run
from reporting.statistics.per_absence import (
    AbsenceFacts,
    AbsenceOutcomes,
    EpisodeFacts,
    per_absence,
)
from reporting.statistics.presentation import compute, dashboard_tables
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import Cell
from reporting.tables import StatisticsAbsence
from tests.cast import Cast
from tests.integration.reporting.test_statistics_facts import DAYS, build_random_practice
from tests.story import ok
from tests.web import login

TZ = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 7, 1)


async def _insert(table: Any, row: Any) -> int:
    rows = await table.insert(row).returning(table.id)
    return int(rows[0]["id"])


async def _episode(
    client: int,
    employer: int,
    employment: int,
    absence: int | None,
    referred_on: date,
    screened_on: date,
    *,
    absence_status: str = "sickness",
    first_sick_day: date | None = None,
) -> int:
    referral = await _insert(
        Referral,
        Referral(
            client=client,
            employer=employer,
            received_at=datetime.combine(referred_on, datetime.min.time(), TZ).replace(hour=10),
            referrer_type="company_doctor",
            requested_offer="basic",
            absence_status=absence_status,
            first_sick_day=first_sick_day,
        ),
    )
    return await _insert(
        TreatmentEpisode,
        TreatmentEpisode(
            referral=referral,
            client=client,
            employment=employment,
            status="in_treatment",
            offer="basic",
            screening_held_on=screened_on,
            started_on=screened_on,
            absence=absence,
        ),
    )


async def _measure(
    employment: int, episode: int, day: date, moment: str, own: int, therapeutic: int = 0
) -> None:
    await WorkParticipation.insert(
        WorkParticipation(
            employment=employment,
            episode=episode,
            measured_on=day,
            own_work_minutes=own,
            therapeutic_minutes=therapeutic,
            moment=moment,
        )
    )


async def _the_cases() -> int:
    """The unit test's cases; returns the employer's id."""
    employer = await _insert(Employer, Employer(name="Werkgever per verzuim"))
    one = await _insert(Client, Client(name="Cliënt een"))
    two = await _insert(Client, Client(name="Cliënt twee"))
    three = await _insert(Client, Client(name="Cliënt drie"))
    job_one = await _insert(Employment, Employment(client=one, employer=employer))
    job_two = await _insert(Employment, Employment(client=two, employer=employer))
    job_three = await _insert(Employment, Employment(client=three, employer=employer))
    await ContractHours.insert(
        ContractHours(employment=job_one, valid_from=date(2025, 1, 1), minutes_per_week=2400)
    )

    async def absence(employment: int, first: date, recovered: date | None, **more: Any) -> int:
        return await _insert(
            AbsenceEpisode,
            AbsenceEpisode(
                employment=employment,
                absence_type="sickness",
                first_sick_day=first,
                full_recovery_on=recovered,
                **more,
            ),
        )

    a = await absence(job_one, date(2026, 1, 5), date(2026, 4, 6))
    b = await absence(job_one, date(2026, 6, 1), None, previous=a, link_kind="relapse")
    c = await absence(job_two, date(2026, 1, 10), date(2026, 2, 1))
    d = await absence(job_two, date(2026, 2, 15), date(2026, 3, 1), previous=c, link_kind="chain")
    first = await _episode(one, employer, job_one, a, date(2026, 1, 20), date(2026, 2, 5))
    await _measure(job_one, first, date(2026, 2, 10), "interim", 0, therapeutic=120)
    await _measure(job_one, first, date(2026, 2, 20), "begin", 480)  # 20 %
    await _measure(job_one, first, date(2026, 3, 10), "end", 1440)  # 60 %
    second = await _episode(one, employer, job_one, a, date(2026, 3, 20), date(2026, 3, 25))
    await _measure(job_one, second, date(2026, 3, 25), "begin", 1200)  # 50 %
    await _measure(job_one, second, date(2026, 4, 20), "end", 2640)  # 110 %
    third = await _episode(one, employer, job_one, b, date(2026, 6, 10), date(2026, 6, 15))
    await _measure(job_one, third, date(2026, 6, 15), "begin", 0)
    await _measure(job_one, third, date(2026, 6, 22), "interim", 0, therapeutic=120)
    await _episode(two, employer, job_two, d, date(2026, 2, 16), date(2026, 2, 20))
    await _episode(
        three,
        employer,
        job_three,
        None,
        date(2026, 3, 1),
        date(2026, 3, 5),
        absence_status="not_absent",
    )
    return employer


async def test_two_episodes_on_one_absence_and_a_relapse_count_each_absence_once(cast) -> None:
    employer = await _the_cases()
    found = await absence_outcomes(Filters(employer_id=employer), TODAY, tz=TZ)
    assert (found.absences, found.clients, found.episodes) == (3, 2, 4)
    assert (found.absences_with_several_episodes, found.treatment_begun) == (1, 3)
    assert found.not_absent == 1
    assert (found.ended_n, found.ended_mean) == (2, Decimal("63.5"))
    duration = found.duration
    assert [(s.day, s.at_risk, s.survival) for s in duration.steps] == [
        (36, 2, Fraction(1, 2)),
        (91, 1, Fraction(0)),
    ]
    assert (duration.median_days, duration.at_risk_at_median) == (Decimal("63.5"), 2)
    assert sorted((s.day, s.events) for s in found.first_paid.steps) == [(36, 1), (46, 1)]
    assert sorted((s.day, s.events) for s in found.first_any.steps) == [(21, 1), (36, 2)]
    assert (found.volume_mean[Moment.BEGIN], found.volume_n[Moment.BEGIN]) == (Decimal(10), 2)
    assert (found.volume_mean[Moment.END], found.volume_n[Moment.END]) == (Decimal(100), 1)
    assert found.lateness_calendar.late.count == 1
    assert (found.lateness_calendar.median, found.lateness_working.median) == (
        Decimal(6),
        Decimal(4),
    )


async def test_the_dashboards_absence_duration_and_cost_count_each_absence_once(cast) -> None:
    employer = await _the_cases()
    settings: Any = SimpleNamespace(time_zone=TZ)
    benchmark = ABSENCE_BENCHMARKS["hsk_business_case"]
    results = await compute(Filters(employer_id=employer), TODAY, benchmark, settings)
    tables = {t.key: t for t in dashboard_tables(results, reference=None)}
    # Per episode A would count twice: (91 + 91 + 36) / 3; per absence (91 + 36) / 2.
    assert tables["absence"].rows[0].cells == (Cell(Decimal("63.5"), 2), Cell(Decimal("63.5"), 2))
    # EUR 250 a day (the employer's default): (180 - 91) + (180 - 36) = 233 days.
    assert tables["cost"].rows[0].cells == (Cell(Decimal("58250"), 2),)
    assert tables["per_absence"].rows[0].cells == (Cell(3, 3),)


async def test_the_whole_practice_gives_the_same_figures_as_the_one_employer(cast) -> None:
    # Unfiltered, the derived tables are not narrowed to a scope: the same absences.
    employer = await _the_cases()
    narrowed = await absence_outcomes(Filters(employer_id=employer), TODAY, tz=TZ)
    everything = await absence_outcomes(Filters(), TODAY, tz=TZ)
    assert everything == narrowed


async def test_the_at_variant_counts_therapeutic_hours_in_the_volume(cast) -> None:
    employer = await _the_cases()
    found = await absence_outcomes(
        Filters(employer_id=employer),
        TODAY,
        tz=TZ,
        variant=VolumeVariant(hours=CountedHours.WITH_THERAPEUTIC),
    )
    assert found.volume_mean[Moment.BEGIN] == Decimal(10)  # no AT hours at the begin
    assert found.volume_n[Moment.BEGIN] == 2


@time_machine.travel("2026-07-01 10:00 +0200", tick=False)
async def test_the_dashboard_shows_the_per_absence_figures_in_every_output(
    client, cast: Cast
) -> None:
    await _the_cases()
    await login(client, cast.practice_manager.email)
    data = await ok(
        await client.get("/api/statistics/outcomes", headers={"accept": "application/json"})
    )
    tables = {table["key"]: table for table in data["tables"]}
    assert set(TABLE_KEYS) <= set(tables)
    counts = {row["key"]: row["cells"][0] for row in tables["per_absence"]["rows"]}
    # Three absences: fewer than the minimum of 5, so shown as "< 5", never as a number.
    assert counts["absences"]["value"] is None and counts["absences"]["text"] == "< 5"
    assert tables["absence_duration"]["definitions"][0]["title"].startswith("A2")
    for key in TABLE_KEYS:
        response = await client.get(f"/statistics/outcomes.csv?table={key}")
        assert response.status_code == 200, (key, response.text)
    page = await client.get("/statistics/outcomes")
    assert page.status_code == 200
    assert "Verzuim, elk één keer geteld" in page.text
    assert 'id="figure-absence_curve"' in page.text
    assert "data:image/svg+xml;base64," in page.text.split('id="figure-absence_curve"')[1]
    client.cookies.set("lang", "en")
    english = await client.get("/statistics/outcomes")
    assert english.status_code == 200
    assert "Absences, each counted once" in english.text


# ---------------------------------------------------------------- the SQL against the reference
#
# The pure reference (`reporting.statistics.per_absence`) fed with the rows it reads: the
# matching episodes and the sickness records of their employments, one row each. The SQL of
# `absences.absence_outcomes` returns histograms instead; both must give the same figures.

_ROW_FACTS = (
    "episode_id",
    "client_id",
    "employment_id",
    "absence_id",
    "absent",
    "first_sick_day",
    "referred_on",
    "screened_on",
    "started_on",
    "closed_on",
    "partial_on",
    "any_on",
    "vb",
    "ve",
    "vf",
    "cost_cents",
)


async def reference_outcomes(
    filters: Filters, today: date, variant: VolumeVariant = DEFAULT_VOLUME_VARIANT
) -> AbsenceOutcomes:
    sql = dialect(TZ)
    episodes = await run(
        q(
            "WITH {} SELECT * FROM facts",
            await facts_cte(sql, filters, _ROW_FACTS, screened_only=False, variant=variant),
        )
    )
    employments = {int(e["employment_id"]) for e in episodes if e["employment_id"] is not None}
    records = await AbsenceEpisode.select().where(AbsenceEpisode.absence_type == "sickness")

    def tenths(value: Any) -> Decimal | None:
        return None if value is None else Decimal(int(value)) / 10

    return per_absence(
        [
            EpisodeFacts(
                episode_id=int(e["episode_id"]),
                client_id=int(e["client_id"]),
                employment_id=e["employment_id"],
                absence_id=e["absence_id"],
                absent=bool(e["absent"]),
                first_sick_day=as_date(e["first_sick_day"]),
                referred_on=as_date(e["referred_on"]),
                screened_on=as_date(e["screened_on"]),
                started_on=as_date(e["started_on"]),
                closed_on=as_date(e["closed_on"]),
                first_paid_on=as_date(e["partial_on"]),
                first_any_on=as_date(e["any_on"]),
                cost_per_day_cents=e["cost_cents"],
                volumes={m: tenths(e[VOLUME_COLUMN[m]]) for m in MOMENTS},
            )
            for e in episodes
        ],
        [
            AbsenceFacts(
                absence_id=r["id"],
                employment_id=r["employment"],
                absence_type=r["absence_type"],
                first_sick_day=as_date(r["first_sick_day"]),
                full_recovery_on=as_date(r["full_recovery_on"]),
                partial_recovery_on=as_date(r["partial_recovery_on"]),
            )
            for r in records
            if r["employment"] in employments
        ],
        today,
    )


async def _link_and_recover(seed: int) -> None:
    """Link some episodes to an absence (now and then one of another employment) and give
    some absences a partial recovery, any day."""
    rng = random.Random(seed)
    absence_ids = [int(r["id"]) for r in await AbsenceEpisode.select(AbsenceEpisode.id)]
    for row in await TreatmentEpisode.select(TreatmentEpisode.id):
        if absence_ids and rng.random() < 0.5:
            await TreatmentEpisode.update(
                {TreatmentEpisode.absence: rng.choice(absence_ids)}
            ).where(TreatmentEpisode.id == row["id"])
    for absence_id in absence_ids:
        if rng.random() < 0.3:
            await AbsenceEpisode.update(
                {AbsenceEpisode.partial_recovery_on: rng.choice(DAYS)}
            ).where(AbsenceEpisode.id == absence_id)


@pytest.mark.parametrize(
    ("seed", "settled_on"), [(3, None), (11, None), (31, 4), (37, 4), (11, 13)]
)
async def test_the_sql_gives_the_references_figures_on_a_random_practice(
    cast: Cast, seed: int, settled_on: int | None
) -> None:
    """Computed from the records (nothing settled), and from the kept placements settled on
    a day: on that day they all hold; on the later day those a record's day has overtaken
    are computed again."""
    built = await build_random_practice(seed, cast)
    await _link_and_recover(seed)
    if settled_on is not None:
        await rebuild(TZ, day=DAYS[settled_on])
        assert await StatisticsAbsence.exists().where(
            (StatisticsAbsence.unit_episodes == 1) & (StatisticsAbsence.period_gaps == 0)
        )
    seen: list[AbsenceOutcomes] = []
    for today in (DAYS[4], DAYS[-1] + timedelta(days=30)):
        for filters in (
            Filters(),
            Filters(employer_id=built["employers"][0]),
            Filters(referred_from=DAYS[2], referred_to=DAYS[9]),
        ):
            for variant in (
                DEFAULT_VOLUME_VARIANT,
                VolumeVariant(ContractBasis.REFERRAL, CountedHours.WITH_THERAPEUTIC),
            ):
                found = await absence_outcomes(filters, today, tz=TZ, variant=variant)
                seen.append(found)
                expected = await reference_outcomes(filters, today, variant)
                assert found == replace(
                    expected, ended_costs=tuple(sorted(expected.ended_costs))
                ), (today, filters, variant)
    # The random practice has what the rules are about: absences treated twice, chains
    # (interruptions), open and ended ones, resumption and late screenings.
    assert any(f.absences_with_several_episodes for f in seen)
    assert any(f.duration.n_events for f in seen) and any(f.duration.n_censored for f in seen)
    assert any(f.first_paid.n_events and f.lateness_calendar.late.count for f in seen)


async def test_a_kept_placement_holds_until_a_day_of_the_linked_records_employment(
    cast: Cast,
) -> None:
    """An episode linked to a record of another employment may be placed on that record's
    absence (when a figure's episodes include one of that employment), so that employment's
    record days bound how long the kept placement holds, as its own employment's do."""
    employer = await _insert(Employer, Employer(name="Werkgever gekoppeld verzuim"))
    client = await _insert(Client, Client(name="Cliënt met twee banen"))
    own_job = await _insert(Employment, Employment(client=client, employer=employer))
    other_job = await _insert(Employment, Employment(client=client, employer=employer))
    first_day = date(2026, 1, 5)
    await _insert(
        AbsenceEpisode,
        AbsenceEpisode(
            employment=own_job,
            absence_type="sickness",
            first_sick_day=first_day,
            full_recovery_on=date(2026, 3, 2),
        ),
    )
    linked = await _insert(
        AbsenceEpisode,
        AbsenceEpisode(
            employment=other_job,
            absence_type="sickness",
            first_sick_day=first_day,
            full_recovery_on=date(2026, 8, 3),  # after the day it is settled on
        ),
    )
    episode = await _episode(
        client,
        employer,
        own_job,
        linked,
        date(2026, 1, 20),
        date(2026, 2, 2),
        first_sick_day=first_day,
    )
    await rebuild(TZ, day=TODAY)
    kept = await StatisticsAbsence.select(
        StatisticsAbsence.unit_employment,
        StatisticsAbsence.known_from,
        StatisticsAbsence.known_until,
    ).where(StatisticsAbsence.episode == episode)
    assert kept == [
        {
            "unit_employment": own_job,  # no episode of the other employment: as if unlinked
            "known_from": date(2026, 3, 2),  # the own employment's recovery
            "known_until": date(2026, 8, 3),  # the linked record's recovery
        }
    ]
