"""The kept statistics facts (``statistics_fact``) against a recomputation from the raw
tables, after any sequence of writes and partial settlings (issue 21).

Hypothesis draws sequences of writes to every table a fact comes from (a held or cancelled
session, a measurement, a contract change on an employment another episode measured on, an
absence, a follow-up, a screening, a referral's date, an episode's status, an agreement, a
deletion) interleaved with settling some, all or none of what is pending, or a rebuild.
After each sequence the figures' facts read from the kept table (with the pending episodes
computed) equal the raw ones, for every column and filter, and so does every figure added
up from the kept cells (`test_statistics_cells`); settled, nothing is pending and every
kept row equals its recomputation. The suite runs on SQLite and on PostgreSQL.
"""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practice.episodes import Offer
from practice.platform.clock import today_in
from practice.tables import (
    AbsenceEpisode,
    ContractHours,
    Employer,
    Employment,
    FollowUp,
    Referral,
    Screening,
    TreatmentEpisode,
    WorkParticipation,
    WorkResumptionAgreement,
)
from reporting.jobs import SETTLE_STATISTICS, due_statistics_facts
from reporting.statistics import facts
from reporting.statistics.absences import absence_outcomes
from reporting.statistics.definitions import DEFAULT_VOLUME_VARIANT
from reporting.statistics.fact_table import (
    any_overtaken,
    mark_overtaken,
    pending_count,
    rebuild,
    settle_batch,
    settle_pending,
)
from reporting.statistics.facts import (
    VARIANTS,
    Filters,
    Source,
    dialect,
    facts_cte,
    facts_from,
    kept_columns,
    q,
    run,
)
from reporting.tables import StatisticsFact
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.integration.reporting.test_statistics_cells import (
    assert_the_cells_add_up_to_the_raw_figures,
)
from tests.integration.reporting.test_statistics_facts import (
    ALL_FACTS,
    AMSTERDAM,
    DAYS,
    DIAGNOSES,
    build_random_practice,
)

OPERATIONS = (
    "settle_some",
    "settle_all",
    "rebuild",
    "hold_session",
    "cancel_session",
    "add_session",
    "delete_session",
    "add_measurement",
    "change_measurement",
    "delete_measurement",
    "change_contract",
    "add_absence",
    "recover",
    "assess_follow_up",
    "change_diagnosis",
    "move_referral",
    "close_episode",
    "add_agreement",
    "delete_agreement",
    "change_employer_cost",
)

_steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(min_value=0, max_value=10**6)),
    min_size=1,
    max_size=10,
)


async def _ids(table: Any) -> list[int]:
    return [int(row["id"]) for row in await table.select(table.id).order_by(table.id)]


async def _pick(table: Any, n: int) -> int | None:
    ids = await _ids(table)
    return ids[n % len(ids)] if ids else None


async def _settle_some(n: int, operation: str) -> None:
    await settle_batch(AMSTERDAM, limit=1 + n % 4)


async def _settle_all(n: int, operation: str) -> None:
    await settle_pending(AMSTERDAM)


async def _rebuild(n: int, operation: str) -> None:
    await rebuild(AMSTERDAM)


async def _hold_session(n: int, operation: str) -> None:
    if (appointment := await _pick(Appointment, n)) is not None:
        held = Attendance.HELD if operation == "hold_session" else Attendance.NO_SHOW
        await Appointment.update({Appointment.attendance: held.value}).where(
            Appointment.id == appointment
        )


async def _add_session(n: int, operation: str) -> None:
    episode = await _pick(TreatmentEpisode, n)
    therapist = (await Appointment.select(Appointment.therapist).first() or {}).get("therapist")
    if episode is not None and therapist is not None:
        latest = (
            await Appointment.select(Appointment.ends_at)
            .order_by(Appointment.ends_at, ascending=False)
            .first()
        )
        start = (latest or {}).get("ends_at") or datetime(2030, 1, 1, tzinfo=UTC)  # no overlap
        await Appointment.insert(
            Appointment(
                episode=episode,
                therapist=therapist,
                kind=AppointmentKind.TREATMENT_SESSION.value,
                starts_at=start,
                ends_at=start + timedelta(minutes=45),
                attendance=Attendance.HELD.value,
            )
        )


async def _delete_session(n: int, operation: str) -> None:
    if (appointment := await _pick(Appointment, n)) is not None:
        await Appointment.delete().where(Appointment.id == appointment)


async def _add_measurement(n: int, operation: str) -> None:
    rng = random.Random(n)
    episode = await _pick(TreatmentEpisode, n)
    employment = await _pick(Employment, n // 7)  # often another employment than its own
    if episode is not None and employment is not None:
        await WorkParticipation.insert(
            WorkParticipation(
                employment=employment,
                episode=episode,
                measured_on=rng.choice(DAYS),
                own_work_minutes=rng.choice((0, 600, 2400)),
                therapeutic_minutes=rng.choice((0, 120)),
                moment=rng.choice(("begin", "end", "follow_up", "interim")),
            )
        )


async def _change_measurement(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (measurement := await _pick(WorkParticipation, n)) is not None:
        await WorkParticipation.update(
            {
                WorkParticipation.own_work_minutes: rng.choice((0, 900, 3000)),
                WorkParticipation.measured_on: rng.choice(DAYS),
                WorkParticipation.moment: rng.choice(("begin", "end", "follow_up")),
            }
        ).where(WorkParticipation.id == measurement)


async def _delete_measurement(n: int, operation: str) -> None:
    if (measurement := await _pick(WorkParticipation, n)) is not None:
        await WorkParticipation.delete().where(WorkParticipation.id == measurement)


async def _change_contract(n: int, operation: str) -> None:
    # On the employment a measurement was booked on, which is not always its episode's.
    rng = random.Random(n)
    measurement = await _pick(WorkParticipation, n)
    if measurement is None:
        return
    employment = (
        await WorkParticipation.select(WorkParticipation.employment)
        .where(WorkParticipation.id == measurement)
        .first()
    )
    assert employment is not None
    contracts = await ContractHours.select(ContractHours.id).where(
        ContractHours.employment == employment["employment"]
    )
    if contracts and rng.random() < 0.5:
        await ContractHours.update(
            {ContractHours.minutes_per_week: rng.choice((0, 1200, 2400))}
        ).where(ContractHours.id == contracts[n % len(contracts)]["id"])
    else:
        # One period per employment and day (contract_hours_once): a day taken is left be.
        await ContractHours.insert(
            ContractHours(
                employment=employment["employment"],
                valid_from=rng.choice(DAYS[:4]),
                minutes_per_week=rng.choice((0, 1500, 2400)),
            )
        ).on_conflict(action="DO NOTHING")


async def _add_absence(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (employment := await _pick(Employment, n)) is not None:
        await AbsenceEpisode.insert(
            AbsenceEpisode(
                employment=employment,
                absence_type="sickness",
                first_sick_day=rng.choice(DAYS),
            )
        )


async def _recover(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (absence := await _pick(AbsenceEpisode, n)) is not None:
        await AbsenceEpisode.update(
            {AbsenceEpisode.full_recovery_on: rng.choice((None, *DAYS))}
        ).where(AbsenceEpisode.id == absence)


async def _assess_follow_up(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (episode := await _pick(TreatmentEpisode, n)) is not None:
        await FollowUp.insert(
            FollowUp(
                episode=episode,
                kind="measurement",
                held_on=rng.choice(DAYS),
                response=rng.choice(("done", "unreachable")),
                relapse=rng.choice((True, False, None)),
            )
        )


async def _change_diagnosis(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (screening := await _pick(Screening, n)) is not None:
        await Screening.update({Screening.diagnosis_category: rng.choice(DIAGNOSES)}).where(
            Screening.id == screening
        )


async def _move_referral(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (referral := await _pick(Referral, n)) is not None:
        # 23:30 local: the referral's local date is the next UTC date's.
        moved = datetime.combine(rng.choice(DAYS), datetime.min.time(), AMSTERDAM)
        await Referral.update(
            {
                Referral.received_at: moved + timedelta(hours=23, minutes=30),
                Referral.absence_status: rng.choice(("sickness", "not_absent")),
                Referral.first_sick_day: rng.choice((None, *DAYS[:3])),
            }
        ).where(Referral.id == referral)


async def _close_episode(n: int, operation: str) -> None:
    rng = random.Random(n)
    if (episode := await _pick(TreatmentEpisode, n)) is not None:
        await TreatmentEpisode.update(
            {
                TreatmentEpisode.status: "closed",
                TreatmentEpisode.closed_on: rng.choice(DAYS),
                TreatmentEpisode.offer: rng.choice((Offer.BASIC.value, Offer.COMPLEET.value)),
            }
        ).where(TreatmentEpisode.id == episode)


async def _add_agreement(n: int, operation: str) -> None:
    if (episode := await _pick(TreatmentEpisode, n)) is not None:
        await WorkResumptionAgreement.insert(
            WorkResumptionAgreement(episode=episode, agreed_on=DAYS[1], description="x")
        )


async def _delete_agreement(n: int, operation: str) -> None:
    if (agreement := await _pick(WorkResumptionAgreement, n)) is not None:
        await WorkResumptionAgreement.delete().where(WorkResumptionAgreement.id == agreement)


async def _change_employer_cost(n: int, operation: str) -> None:
    if (employer := await _pick(Employer, n)) is not None:
        await Employer.update({Employer.cost_per_absence_day_cents: 1000 + n % 50000}).where(
            Employer.id == employer
        )


_OPERATIONS = {
    "settle_some": _settle_some,
    "settle_all": _settle_all,
    "rebuild": _rebuild,
    "hold_session": _hold_session,
    "cancel_session": _hold_session,
    "add_session": _add_session,
    "delete_session": _delete_session,
    "add_measurement": _add_measurement,
    "change_measurement": _change_measurement,
    "delete_measurement": _delete_measurement,
    "change_contract": _change_contract,
    "add_absence": _add_absence,
    "recover": _recover,
    "assess_follow_up": _assess_follow_up,
    "change_diagnosis": _change_diagnosis,
    "move_referral": _move_referral,
    "close_episode": _close_episode,
    "add_agreement": _add_agreement,
    "delete_agreement": _delete_agreement,
    "change_employer_cost": _change_employer_cost,
}


async def _facts(source: Source, filters: Filters, screened_only: bool, variant: Any) -> list[Any]:
    names = ["episode_id", *(name for name in ALL_FACTS if name != "episode_id")]
    cte = await facts_cte(
        dialect(AMSTERDAM),
        filters,
        names,
        screened_only=screened_only,
        variant=variant,
        source=source,
    )
    return _sorted(await run(q("WITH {} SELECT * FROM facts", cte)))


async def _assert_the_figures_see_the_raw_facts(employer_id: int) -> None:
    for variant in VARIANTS:
        for filters in (
            Filters(),
            Filters(employer_id=employer_id, diagnosis=DIAGNOSES[1]),
            Filters(referred_from=DAYS[2], referred_to=DAYS[8]),
        ):
            for screened_only in (True, False):
                raw = await _facts(Source.RAW, filters, screened_only, variant)
                kept = await _facts(Source.KEPT, filters, screened_only, variant)
                assert kept == raw, (variant, filters, screened_only)
            if variant == DEFAULT_VOLUME_VARIANT:
                # The per-absence figures, from the kept placements where they hold.
                for today in (today_in(AMSTERDAM), DAYS[6]):
                    kept_absences = await absence_outcomes(filters, today, tz=AMSTERDAM)
                    with facts_from(Source.RAW):
                        raw_absences = await absence_outcomes(filters, today, tz=AMSTERDAM)
                    assert kept_absences == raw_absences, (filters, today)
    # Every figure, added up from the kept cells where they hold (issue 21, P-4).
    await assert_the_cells_add_up_to_the_raw_figures(today_in(AMSTERDAM), every=False)


def _plain(value: Any) -> Any:
    """A date as a date: SQLite returns a computed one as text, a stored one as a date."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    return value


def _sorted(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(_plain(value) for value in row.values()) for row in rows)


async def _kept_rows() -> list[tuple[Any, ...]]:
    columns = ", ".join("episode" if name == "episode_id" else name for name in kept_columns())
    return _sorted(await run(q(f"SELECT {columns} FROM statistics_fact")))  # noqa: S608


async def _raw_rows() -> list[tuple[Any, ...]]:
    cte = await facts_cte(
        dialect(AMSTERDAM), Filters(), kept_columns(), screened_only=False, source=Source.RAW
    )
    return _sorted(await run(q("WITH {} SELECT * FROM facts", cte)))


@settings(
    max_examples=40,  # each settles its months in every variant: 60 took 4.5 min on SQLite
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=_steps)
async def test_the_kept_facts_equal_the_raw_ones_after_any_writes_and_settlings(
    steps: list[tuple[str, int]], cast: Cast
) -> None:
    # The examples share the test's transaction: each one writes on the practice the ones
    # before it left, which is what a practice does; the property holds in every state.
    if await TreatmentEpisode.count() == 0:
        await build_random_practice(7, cast, clients=40)
    for operation, n in steps:
        await _OPERATIONS[operation](n, operation)
    employer_id = await _pick(Employer, 0)
    assert employer_id is not None
    await _assert_the_figures_see_the_raw_facts(employer_id)
    await settle_pending(AMSTERDAM)
    assert await pending_count() == 0
    assert await _kept_rows() == await _raw_rows()
    await _assert_the_figures_see_the_raw_facts(employer_id)


async def test_a_rebuild_keeps_one_row_per_episode_and_leaves_nothing_pending(
    cast: Cast,
) -> None:
    await build_random_practice(3, cast)
    assert await pending_count() > 0  # the triggers marked every episode written
    settled = await rebuild(AMSTERDAM)
    assert settled.episodes == await TreatmentEpisode.count() == await StatisticsFact.count()
    assert settled.left == 0
    assert await _kept_rows() == await _raw_rows()


async def test_an_erased_episode_takes_its_kept_facts_with_it(cast: Cast) -> None:
    await build_random_practice(5, cast)
    await rebuild(AMSTERDAM)
    episode = await _pick(TreatmentEpisode, 0)
    assert await StatisticsFact.exists().where(StatisticsFact.episode == episode)
    for table in (Appointment, WorkParticipation, FollowUp, WorkResumptionAgreement, Screening):
        await table.delete().where(table.episode == episode)
    await run(q("DELETE FROM case_assignment WHERE episode = {}", episode))
    await TreatmentEpisode.delete().where(TreatmentEpisode.id == episode)
    assert not await StatisticsFact.exists().where(StatisticsFact.episode == episode)
    await settle_pending(AMSTERDAM)
    assert await _kept_rows() == await _raw_rows()


async def test_more_pending_episodes_than_a_query_names_are_computed_from_the_records_too(
    cast: Cast, monkeypatch: Any
) -> None:
    # Beyond PENDING_NAMED (after a bulk load) the figures read the pending table whole.
    await build_random_practice(9, cast)
    await settle_batch(AMSTERDAM, limit=10)  # some settled, more than 3 still pending
    monkeypatch.setattr(facts, "PENDING_NAMED", 3)
    employer_id = await _pick(Employer, 0)
    assert employer_id is not None
    await _assert_the_figures_see_the_raw_facts(employer_id)


async def test_a_kept_placement_is_settled_again_once_a_recorded_day_has_passed(
    cast: Cast, settings: Any
) -> None:
    await build_random_practice(5, cast)
    absence = await _pick(AbsenceEpisode, 0)
    recovered_on = DAYS[-1] + timedelta(days=40)
    await AbsenceEpisode.update({AbsenceEpisode.full_recovery_on: recovered_on}).where(
        AbsenceEpisode.id == absence
    )
    await rebuild(AMSTERDAM, day=DAYS[-1])
    # Until the recovery day the kept placement holds; from it, it is computed again and
    # the sweep settles it again.
    assert not await any_overtaken(recovered_on - timedelta(days=1))
    assert await any_overtaken(recovered_on)
    assert await due_statistics_facts(recovered_on, settings) == [SETTLE_STATISTICS]
    assert await mark_overtaken(recovered_on) > 0
    assert await pending_count() > 0
    for today in (DAYS[-1], recovered_on):
        kept = await absence_outcomes(Filters(), today, tz=AMSTERDAM)
        with facts_from(Source.RAW):
            assert kept == await absence_outcomes(Filters(), today, tz=AMSTERDAM)
