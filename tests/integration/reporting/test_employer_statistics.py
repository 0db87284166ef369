"""The employer's statistics as monthly snapshots (issue 18): consenting employees only,
published once by the sweep, dated, guarded against differencing, and the same on the
employer's page and in the JSON.

The differencing test simulates 150 days of one employer's practice (referrals, sessions,
agreements, volume measurements, episodes ending, consent given and withdrawn), runs the
sweep's finder and the job every day as the worker would, and reads the statistics over
HTTP every day as the employer's contact: no two consecutive reads may differ in a cell
unless the cell's population moved by at least the minimum, and no figure shown or
derivable rests on fewer than the minimum.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from practice.platform.settings import Settings
from practice.tables import (
    Client,
    Consent,
    ContractHours,
    Employer,
    EmployerContact,
    Employment,
    Referral,
    TreatmentEpisode,
    WorkParticipation,
    WorkResumptionAgreement,
)
from reporting import jobs as reporting_jobs
from reporting.services.employer_statistics import publish_month
from reporting.statistics.definitions import Moment
from reporting.statistics.employer import employer_summary
from reporting.statistics.snapshots import EMPLOYEES, EPISODES, cells_from_json
from reporting.statistics.suppression import Cell
from reporting.tables import EmployerStatistics
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.web import login

TZ = ZoneInfo("Europe/Amsterdam")
JSON = {"accept": "application/json"}
CELLS = {
    "employees_referred": "employees_referred",
    "episodes": "episodes",
    "sessions_held": "sessions_held",
    "with_agreements": "with_resumption_agreements_percent",
}
VOLUMES = {"volume_begin": "begin", "volume_end": "end", "volume_follow_up": "follow_up"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


@dataclass
class Practice:
    """One employer's practice as the simulation builds it, straight into the tables."""

    employer_id: int
    therapist_id: int
    episodes: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> client, job
    open: set[int] = field(default_factory=set)
    consents: dict[int, int] = field(default_factory=dict)  # client -> consent in force
    measured: set[tuple[int, str]] = field(default_factory=set)
    slots: dict[date, int] = field(default_factory=dict)

    async def refer(self, day: date, *, absent: bool = True, consent: bool = True) -> int:
        client = (await Client.insert(Client(name=f"Medewerker {day}")).returning(Client.id))[0]
        client_id = int(client["id"])
        job = await Employment.insert(
            Employment(client=client_id, employer=self.employer_id)
        ).returning(Employment.id)
        employment = int(job[0]["id"])
        await ContractHours.insert(
            ContractHours(employment=employment, valid_from=date(2020, 1, 1), minutes_per_week=2160)
        )
        referral = await Referral.insert(
            Referral(
                client=client_id,
                employer=self.employer_id,
                received_at=at(day, 9),
                referrer_type="employer",
                requested_offer="atwork_basic",
                absence_status="sickness" if absent else "not_absent",
                first_sick_day=day - timedelta(days=30) if absent else None,
            )
        ).returning(Referral.id)
        episode = await TreatmentEpisode.insert(
            TreatmentEpisode(
                referral=int(referral[0]["id"]),
                client=client_id,
                employment=employment,
                status="in_treatment",
                offer="atwork_basic",
            )
        ).returning(TreatmentEpisode.id)
        episode_id = int(episode[0]["id"])
        self.episodes[episode_id] = (client_id, employment)
        self.open.add(episode_id)
        if consent:
            await self.consent(client_id, day)
        return episode_id

    async def consent(self, client_id: int, day: date) -> None:
        row = await Consent.insert(
            Consent(
                client=client_id,
                recipient="employer",
                purpose="process_updates",
                given_at=at(day, 11),
            )
        ).returning(Consent.id)
        self.consents[client_id] = int(row[0]["id"])

    async def withdraw(self, client_id: int, day: date) -> None:
        consent_id = self.consents.pop(client_id)
        await Consent.update({Consent.withdrawn_at: at(day, 12)}).where(Consent.id == consent_id)

    async def session(self, episode_id: int, day: date) -> None:
        # One therapist: each session of the day in its own slot (PostgreSQL refuses overlaps).
        slot = self.slots[day] = self.slots.get(day, 0) + 1
        starts = at(day, 7) + timedelta(minutes=15 * slot)
        await Appointment.insert(
            Appointment(
                episode=episode_id,
                therapist=self.therapist_id,
                kind="treatment_session",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=10),
                attendance="held",
            )
        )

    async def measure(self, episode_id: int, day: date, moment: str, hours: int) -> None:
        await WorkParticipation.insert(
            WorkParticipation(
                employment=self.episodes[episode_id][1],
                episode=episode_id,
                measured_on=day,
                own_work_minutes=hours * 60,
                moment=moment,
            )
        )
        self.measured.add((episode_id, moment))

    async def agree(self, episode_id: int, day: date) -> None:
        await WorkResumptionAgreement.insert(
            WorkResumptionAgreement(
                episode=episode_id, agreed_on=day, description="Start met 2 x 4 uur"
            )
        )

    async def close(self, episode_id: int, day: date) -> None:
        await TreatmentEpisode.update(
            {TreatmentEpisode.status: "closed", TreatmentEpisode.closed_on: day}
        ).where(TreatmentEpisode.id == episode_id)
        self.open.discard(episode_id)


async def practice_of(cast: Cast, name: str = "Simulatie BV", min_cell_size: int = 5) -> Practice:
    employer = await Employer.insert(Employer(name=name, min_cell_size=min_cell_size)).returning(
        Employer.id
    )
    employer_id = int(employer[0]["id"])
    await EmployerContact.insert(
        EmployerContact(
            employer=employer_id,
            user=cast.employer_contact.id,
            name="Contact",
            email="contact@example.org",
            contact_role="hr_adviser",
        )
    )
    return Practice(employer_id, cast.therapist.id)


async def sweep(today: date, settings: Settings) -> None:
    """What the worker does: the finder names the employers, the job publishes (twice here,
    as an at-least-once queue may run it)."""
    for job in await reporting_jobs.due_employer_statistics(today, settings):
        for _ in range(2):
            await reporting_jobs.publish_employer_statistics({"settings": settings}, *job.args)


async def read(client: httpx.AsyncClient, cast: Cast) -> dict[str, Any]:
    response = await client.get("/api/employer/statistics", headers=JSON)
    if response.status_code in (401, 303):
        await login(client, cast.employer_contact.email)
        response = await client.get("/api/employer/statistics", headers=JSON)
    assert response.status_code == 200, response.text
    employers: list[dict[str, Any]] = response.json()["employers"]
    return employers[0]


def cells_of(read: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if not read["published"]:
        return {}
    return {
        **{code: read[key] for code, key in CELLS.items()},
        **{code: read["volume_percent"][key] for code, key in VOLUMES.items()},
    }


async def stored_n(employer_id: int) -> dict[str, dict[str, int]]:
    """The exact n behind every published cell, by month: the population it counts."""
    rows = await EmployerStatistics.select(
        EmployerStatistics.month, EmployerStatistics.cells
    ).where(EmployerStatistics.employer == employer_id)
    return {
        str(row["month"])[:7]: {code: c.n for code, c in cells_from_json(row["cells"]).items()}
        for row in rows
    }


def figure(cell: dict[str, Any]) -> tuple[Any, ...]:
    return (cell["text"], cell["value"], cell["n"], cell["suppressed"])


def floor_problems(read: dict[str, Any]) -> list[str]:
    """Figures of one read that rest on fewer than its minimum, shown or derived."""
    if not read["published"]:
        return []
    min_n = read["min_n"]
    cells = cells_of(read)
    problems = [
        f"{code}: {cell}"
        for code, cell in cells.items()
        if cell["value"] is not None and cell["n"] < min_n
    ]
    employees, episodes = cells[EMPLOYEES], cells[EPISODES]
    if (
        employees["n"] is not None
        and episodes["n"] is not None
        and 0 < episodes["n"] - employees["n"] < min_n
    ):
        problems.append(f"episodes - employees = {episodes['n'] - employees['n']}")
    return problems


@pytest.mark.parametrize("seed", [18])
async def test_no_two_daily_reads_over_150_days_differ_by_fewer_than_the_minimum(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, seed: int
) -> None:
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    with time_machine.travel(at(start, 8), tick=False) as traveller:
        world = await practice_of(cast)
        reads: list[dict[str, Any]] = []
        for offset in range(150):
            day = start + timedelta(days=offset)
            traveller.move_to(at(day, 8))
            if rng.random() < 0.45:
                await world.refer(day, absent=rng.random() < 0.85, consent=rng.random() < 0.7)
            for episode_id in sorted(world.open):
                client_id = world.episodes[episode_id][0]
                if rng.random() < 0.15:
                    await world.session(episode_id, day)
                    if (episode_id, "begin") not in world.measured:
                        await world.measure(episode_id, day, "begin", rng.randint(0, 20))
                if rng.random() < 0.04:
                    await world.agree(episode_id, day)
                if rng.random() < 0.02:
                    await world.measure(episode_id, day, "end", rng.randint(8, 36))
                    await world.close(episode_id, day)
                if client_id in world.consents and rng.random() < 0.01:
                    await world.withdraw(client_id, day)
                elif client_id not in world.consents and rng.random() < 0.01:
                    await world.consent(client_id, day)
            await sweep(day, settings)
            traveller.move_to(at(day, 9))
            reads.append(await read(client, cast))
        exact = await stored_n(world.employer_id)

    assert [r["month"] for r in reads[-3:]] == ["2026-05"] * 3  # 5 January + 149 days
    assert sorted(exact) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert [r["published"] for r in reads].count(False) == 27  # nothing before 1 February
    changed = carried = 0
    for before, after in itertools.pairwise(reads):
        assert floor_problems(after) == []
        old, new = cells_of(before), cells_of(after)
        for code, cell in new.items():
            # The figure itself; a figure that stayed the same is dated anew, rightly.
            if old and figure(cell) != figure(old[code]):
                moved = abs(exact[after["month"]][code] - exact[before["month"]][code])
                assert moved >= after["min_n"], (code, before["month"], after["month"])
                changed += 1
            carried += int(cell["carried_forward"])
        if before["month"] == after["month"]:
            assert before == after  # within a month, every read is the same
    assert changed > 0 and carried > 0, (changed, carried)  # both rules were exercised


@time_machine.travel("2026-12-04 10:00 +0100", tick=False)
async def test_one_more_consenting_employee_does_not_change_the_figures_until_five_more_do(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    world = await practice_of(cast)
    for index in range(5):
        episode_id = await world.refer(date(2026, 9, 1 + index))
        await world.session(episode_id, date(2026, 9, 10))
        await world.measure(episode_id, date(2026, 9, 10), "begin", 10)
    for index in range(2):  # never consented: not counted at all
        await world.refer(date(2026, 9, 3 + index), consent=False)
    await publish_month(world.employer_id, date(2026, 9, 1), TZ)
    sixth = await world.refer(date(2026, 10, 2))
    await world.measure(sixth, date(2026, 10, 3), "begin", 36)
    await publish_month(world.employer_id, date(2026, 10, 1), TZ)
    for index in range(4):
        await world.refer(date(2026, 11, 2 + index))
    await publish_month(world.employer_id, date(2026, 11, 1), TZ)

    await login(client, cast.employer_contact.email)
    months = {}
    for month in ("2026-09", "2026-10", "2026-11"):
        response = await client.get(f"/api/employer/statistics?month={month}", headers=JSON)
        assert response.status_code == 200, response.text
        months[month] = response.json()["employers"][0]
    september, october, november = months.values()
    assert september["employees_referred"]["value"] == "5"  # the two without consent left out
    assert september["volume_percent"]["begin"] == {
        "text": "27.8",
        "value": "27.8",
        "n": 5,
        "suppressed": False,
        "as_of": "2026-09-30",
        "carried_forward": False,
    }
    # The sixth person: n 5 -> 6 would give away their figure, so September's stands.
    assert october["as_of"] == "2026-10-31"
    assert october["employees_referred"] == september["employees_referred"] | {
        "carried_forward": True
    }
    assert october["volume_percent"]["begin"]["value"] == "27.8"
    assert october["volume_percent"]["begin"]["as_of"] == "2026-09-30"
    # Four more: ten since the five shown, so the count moves.
    assert november["employees_referred"]["value"] == "10"
    assert november["employees_referred"]["carried_forward"] is False
    assert november["volume_percent"]["begin"]["as_of"] == "2026-09-30"  # n 5 -> 6 only

    page = await client.get("/employer/statistics?month=2026-10")
    assert page.status_code == 200
    assert "Cijfers per 31 oktober 2026" in page.text
    assert "stand sep 2026" in page.text
    assert "27,8" in page.text
    assert "Percentage van de contracturen: contract op de meetdatum" in page.text
    assert 'href="/employer/statistics?month=2026-09"' in page.text
    assert 'href="/employer/statistics?month=2026-11"' in page.text
    latest = await client.get("/employer/statistics")
    assert "Cijfers per 30 november 2026" in latest.text
    # The whole organisation, where a manager's own list holds their cases only.
    assert "niet alleen de medewerkers op uw lijst" in latest.text


@time_machine.travel("2026-12-04 10:00 +0100", tick=False)
async def test_a_month_is_published_once_and_a_published_snapshot_cannot_be_changed(
    cast: Cast, settings: Settings, db: None
) -> None:
    world = await practice_of(cast)
    await world.refer(date(2026, 10, 5))
    assert await reporting_jobs.due_employer_statistics(date(2026, 12, 4), settings)
    await sweep(date(2026, 12, 4), settings)
    await sweep(date(2026, 12, 4), settings)
    rows = await EmployerStatistics.select(EmployerStatistics.month).where(
        EmployerStatistics.employer == world.employer_id
    )
    assert sorted(str(r["month"]) for r in rows) == ["2026-10-01", "2026-11-01"]
    assert not await reporting_jobs.due_employer_statistics(date(2026, 12, 31), settings)
    assert await publish_month(world.employer_id, date(2026, 10, 1), TZ) is False
    with pytest.raises(Exception, match="frozen"):
        await EmployerStatistics.update({EmployerStatistics.min_n: 99}).where(
            EmployerStatistics.employer == world.employer_id
        )


@time_machine.travel("2026-12-04 10:00 +0100", tick=False)
async def test_the_figures_of_a_month_are_counted_as_of_its_last_day_over_consenting_employees(
    cast: Cast, db: None
) -> None:
    world = await practice_of(cast)
    early = await world.refer(date(2026, 10, 5))
    await world.session(early, date(2026, 10, 20))
    await world.session(early, date(2026, 11, 2))  # after the day: not counted
    await world.agree(early, date(2026, 11, 3))
    await world.measure(early, date(2026, 10, 6), "begin", 9)
    await world.measure(early, date(2026, 11, 6), "begin", 36)  # later: not the one counted
    withdrawn = await world.refer(date(2026, 10, 6))
    await world.withdraw(world.episodes[withdrawn][0], date(2026, 10, 30))
    await world.refer(date(2026, 11, 1))  # referred after the day
    summary = await employer_summary(world.employer_id, date(2026, 10, 31), tz=TZ)
    assert summary.employees_referred == Cell(1, 1)
    assert summary.sessions_held == Cell(1, 1)
    assert summary.with_agreements.count == 0
    assert summary.volume[Moment.BEGIN] == Cell(Decimal("25.0"), 1)
    november = await employer_summary(world.employer_id, date(2026, 11, 30), tz=TZ)
    assert november.volume[Moment.BEGIN] == Cell(Decimal("100.0"), 1)


async def test_an_account_without_an_employer_is_told_so(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await login(client, cast.employer_contact.email)
    response = await client.get("/api/employer/statistics", headers=JSON)
    assert response.status_code == 404
    refused = await client.get("/api/employer/statistics?month=november", headers=JSON)
    assert refused.status_code in (400, 404)


@time_machine.travel("2026-12-04 10:00 +0100", tick=False)
async def test_a_bad_month_is_refused_with_400_naming_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await practice_of(cast)
    await login(client, cast.employer_contact.email)
    response = await client.get("/api/employer/statistics?month=november", headers=JSON)
    assert response.status_code == 400
    assert "month" in response.json()["fields"]
    empty = await client.get("/employer/statistics")
    assert empty.status_code == 200
    assert "Er zijn nog geen cijfers gepubliceerd" in empty.text


def test_an_end_of_day_instant_is_in_the_practices_zone() -> None:
    from reporting.statistics.employer import end_of

    assert end_of(date(2026, 10, 31), TZ) == datetime(2026, 10, 31, 22, 59, 59, 999999, UTC)
