"""The kept cells (``statistics_cell``, issue 21, P-4): every figure added up from the cells
its filters cover whole and computed over the rest equals the figure computed from the raw
tables, for any filter, after writes, before and after settling, on a new day, with
clients kept apart; and the cells are read where they hold. Both engines."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from practice.deadlines import DEFAULT_TREATMENT_START_RULE
from practice.episodes import Offer
from practice.platform.clock import today_in
from practice.tables import Client, Employer, Referral, Screening, TreatmentEpisode
from reporting.statistics import cells
from reporting.statistics import sql as statistics
from reporting.statistics.absences import absence_outcomes
from reporting.statistics.definitions import ABSENCE_BENCHMARKS
from reporting.statistics.fact_table import pending_count, rebuild, settle_pending
from reporting.statistics.facts import (
    VARIANTS,
    Filters,
    Source,
    dialect,
    facts_from,
    one_view,
    q,
    run,
)
from reporting.statistics.trends import trends
from reporting.tables import StatisticsCell, StatisticsCellEpisode, StatisticsMonth
from scheduling.appointments import Attendance
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.integration.reporting.test_statistics_facts import (
    AMSTERDAM,
    DAYS,
    DIAGNOSES,
    build_random_practice,
)

BENCHMARK = ABSENCE_BENCHMARKS["hsk_business_case"]
OTHER_VARIANT = VARIANTS[-1]  # at referral, with the therapeutic hours
OTHER_START_RULE = replace(DEFAULT_TREATMENT_START_RULE, anchor_name="aanmelding")


def _filters(employer_id: int) -> list[Filters]:
    return [
        Filters(),
        Filters(referred_from=date(2025, 2, 1), referred_to=date(2025, 3, 31)),
        Filters(referred_from=date(2025, 2, 1)),
        Filters(referred_to=date(2025, 2, 28)),
        Filters(referred_from=DAYS[2], referred_to=DAYS[8]),
        Filters(offer=Offer.BASIC),
        Filters(diagnosis=DIAGNOSES[0]),
        Filters(
            offer=Offer.COMPLEET,
            diagnosis=DIAGNOSES[1],
            referred_from=date(2025, 1, 1),
            referred_to=date(2025, 3, 31),
        ),
        Filters(employer_id=employer_id),
    ]


async def _figures(filters: Filters, today: date, *, variants: bool) -> tuple[Any, ...]:
    found = (
        await statistics.volumes(filters, tz=AMSTERDAM, today=today),
        await statistics.after_treatment(filters, today, tz=AMSTERDAM),
        await statistics.sessions(filters, tz=AMSTERDAM, today=today),
        await statistics.wait_times(filters, tz=AMSTERDAM, today=today),
        await statistics.durations(filters, today, BENCHMARK, tz=AMSTERDAM),
        await absence_outcomes(filters, today, tz=AMSTERDAM),
        await trends(filters, today, tz=AMSTERDAM),
    )
    if not variants:
        return found
    return (
        *found,
        await statistics.volumes(filters, tz=AMSTERDAM, today=today, variant=OTHER_VARIANT),
        await absence_outcomes(filters, today, tz=AMSTERDAM, variant=OTHER_VARIANT),
        # A figure asked in another way than the dashboard's has no cells: all from the facts.
        await statistics.after_treatment(
            filters, today, opens_after_months=3, closes_after_months=9, tz=AMSTERDAM
        ),
        await statistics.wait_times(
            filters, start_rule=OTHER_START_RULE, tz=AMSTERDAM, today=today
        ),
    )


async def assert_the_cells_add_up_to_the_raw_figures(today: date, *, every: bool = True) -> None:
    """Every figure of the kept cells equals its computation from the raw tables, for the
    filters of `_filters` (not `every`: no filter and two whole months, the default
    variant; the property test asks after each of its many sequences)."""
    employer_id = int((await Employer.select(Employer.id).first() or {"id": 0})["id"])
    chosen = _filters(employer_id) if every else _filters(employer_id)[:2]
    for filters in chosen:
        kept = await _figures(filters, today, variants=every)
        with facts_from(Source.RAW):
            raw = await _figures(filters, today, variants=every)
        assert kept == raw, filters


async def _runs(filters: Filters, today: date) -> tuple[tuple[date, date], ...]:
    plan = await cells._plan(dialect(AMSTERDAM), filters, today)
    return () if plan is None else plan.runs


async def test_the_figures_added_up_from_the_cells_equal_those_from_the_raw_tables(
    cast: Cast,
) -> None:
    await build_random_practice(11, cast, clients=40)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM)
    assert await StatisticsCell.count() > 0
    assert await StatisticsMonth.count() == 5  # January to May 2025
    # The cells are read: every month for no filter, February and March for those two.
    assert await _runs(Filters(), today) == ((date(2025, 1, 1), date(2025, 5, 31)),)
    assert await _runs(Filters(referred_from=DAYS[2], referred_to=date(2025, 3, 31)), today) == (
        (date(2025, 2, 1), date(2025, 3, 31)),
    )
    assert await _runs(Filters(referred_from=DAYS[2], referred_to=DAYS[4]), today) == ()
    await assert_the_cells_add_up_to_the_raw_figures(today)


async def test_a_write_shows_at_once_and_its_months_are_read_again_once_settled(
    cast: Cast,
) -> None:
    await build_random_practice(12, cast, clients=40)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM)
    episodes = [int(row["id"]) for row in await TreatmentEpisode.select(TreatmentEpisode.id)]
    # A session held, a referral moved to another month, a diagnosis changed, an employer's
    # cost changed, a screening deleted.
    appointment = await Appointment.select(Appointment.id).first()
    assert appointment is not None
    await Appointment.update({Appointment.attendance: Attendance.HELD.value}).where(
        Appointment.id == appointment["id"]
    )
    referral = await TreatmentEpisode.select(TreatmentEpisode.referral).where(
        TreatmentEpisode.id == episodes[1]
    )
    await Referral.update({Referral.received_at: Referral.received_at + timedelta(days=40)}).where(
        Referral.id == referral[0]["referral"]
    )
    await Screening.update({Screening.diagnosis_category: DIAGNOSES[2]}).where(
        Screening.episode == episodes[2]
    )
    await Employer.update({Employer.cost_per_absence_day_cents: 12345}).where(
        Employer.id == (await Employer.select(Employer.id).first() or {"id": 0})["id"]
    )
    await Screening.delete().where(Screening.episode == episodes[3])
    assert await pending_count() > 0
    assert await _runs(Filters(), today) != ((date(2025, 1, 1), date(2025, 5, 31)),)
    await assert_the_cells_add_up_to_the_raw_figures(today)
    await settle_pending(AMSTERDAM)
    assert await pending_count() == 0
    assert await _runs(Filters(), today)
    await assert_the_cells_add_up_to_the_raw_figures(today)


async def test_the_cells_of_another_day_are_not_read_until_the_sweep_computes_them(
    cast: Cast,
) -> None:
    await build_random_practice(13, cast, clients=40)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM, day=today - timedelta(days=1))
    assert await _runs(Filters(), today) == ()
    await assert_the_cells_add_up_to_the_raw_figures(today)
    await settle_pending(AMSTERDAM)  # the sweep: every month again, for today
    assert await _runs(Filters(), today) == ((date(2025, 1, 1), date(2025, 5, 31)),)
    await assert_the_cells_add_up_to_the_raw_figures(today)


async def test_a_client_with_episodes_in_two_cells_is_kept_apart(cast: Cast) -> None:
    await build_random_practice(14, cast, clients=40)
    await rebuild(AMSTERDAM)
    rows = await TreatmentEpisode.select(TreatmentEpisode.id, TreatmentEpisode.client)
    by_client: dict[int, list[int]] = {}
    for row in rows:
        by_client.setdefault(int(row["client"]), []).append(int(row["id"]))
    members = await cell_members()
    for client, episodes in by_client.items():
        cells_of = {(members[e]["month"], members[e]["cell"]) for e in episodes}
        apart = {members[e]["apart"] for e in episodes}
        if len(cells_of) > 1:
            assert apart == {1}, client
    assert any(member["apart"] == 0 for member in members.values())
    assert any(member["apart"] == 1 for member in members.values())


async def cell_members() -> dict[int, dict[str, Any]]:
    from reporting.tables import StatisticsFact

    facts = {
        int(row["episode"]): (row["offer"], row["diagnosis"])
        for row in await StatisticsFact.select(
            StatisticsFact.episode, StatisticsFact.offer, StatisticsFact.diagnosis
        )
    }
    return {
        int(row["episode"]): {
            "month": row["month"],
            "apart": int(row["apart"]),
            "cell": facts[int(row["episode"])],
        }
        for row in await StatisticsCellEpisode.select()
    }


async def test_a_write_between_a_figures_plan_and_its_statement_has_it_computed_again(
    cast: Cast,
) -> None:
    await build_random_practice(15, cast, clients=40)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM)
    sql = dialect(AMSTERDAM)
    plan = await cells._plan(sql, Filters(), today)
    assert plan is not None
    from reporting.statistics.volumes import SESSIONS

    def guarded() -> Any:
        return cells._added_sql(
            sql,
            SESSIONS,
            q("SELECT NULL AS diagnosis, NULL AS offer, 0 AS still_open, 0 AS held, 0 AS n"),
            Filters(),
            plan,
            today,
            VARIANTS[0],
        )

    flag = [row for row in await run(guarded()) if row["key"] is None]
    assert [int(row["m0"]) for row in flag] == [0]
    episode = await TreatmentEpisode.select(TreatmentEpisode.id).first()
    assert episode is not None
    await TreatmentEpisode.update({TreatmentEpisode.closed_on: DAYS[-1]}).where(
        TreatmentEpisode.id == episode["id"]
    )
    flag = [row for row in await run(guarded()) if row["key"] is None]
    assert [int(row["m0"]) for row in flag] == [1]
    await assert_the_cells_add_up_to_the_raw_figures(today)


async def test_a_deleted_episode_takes_the_cells_of_its_month_with_it(cast: Cast) -> None:
    await build_random_practice(16, cast, clients=40)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM)
    row = await Referral.select().first()
    assert row is not None
    client = await Client.insert(Client(name="Cliënt apart")).returning(Client.id)
    referral = await Referral.insert(
        Referral(**{**{k: v for k, v in row.items() if k != "id"}, "client": client[0]["id"]})
    ).returning(Referral.id)
    episode = await TreatmentEpisode.insert(
        TreatmentEpisode(referral=referral[0]["id"], client=client[0]["id"], status="referred")
    ).returning(TreatmentEpisode.id)
    await settle_pending(AMSTERDAM)
    counted = await StatisticsCellEpisode.select().where(
        StatisticsCellEpisode.episode == episode[0]["id"]
    )
    assert [member["apart"] for member in counted] == [0]  # a client of one episode
    month = counted[0]["month"]
    assert await StatisticsCell.exists().where(StatisticsCell.month == month)
    await TreatmentEpisode.delete().where(TreatmentEpisode.id == episode[0]["id"])
    assert not await StatisticsCell.exists().where(StatisticsCell.month == month)
    assert not await StatisticsMonth.exists().where(StatisticsMonth.month == month)
    await assert_the_cells_add_up_to_the_raw_figures(today)
    await settle_pending(AMSTERDAM)
    assert not await StatisticsCellEpisode.exists().where(
        StatisticsCellEpisode.episode == episode[0]["id"]
    )
    assert await _runs(Filters(), today) == ((date(2025, 1, 1), date(2025, 5, 31)),)
    await assert_the_cells_add_up_to_the_raw_figures(today)


async def test_the_figures_of_one_view_share_one_plan(cast: Cast) -> None:
    await build_random_practice(16, cast, clients=10)
    today = today_in(AMSTERDAM)
    await rebuild(AMSTERDAM)
    sql = dialect(AMSTERDAM)
    with one_view():
        first = await cells._plan(sql, Filters(), today)
        assert first is not None
        assert await cells._plan(sql, Filters(), today) is first
        assert await cells._plan(sql, Filters(offer=Offer.BASIC), today) is not first
    assert await cells._plan(sql, Filters(), today) is not first
