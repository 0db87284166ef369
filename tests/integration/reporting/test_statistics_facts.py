"""The ``facts`` CTE of the statistics against the per-episode subqueries it replaced.

`reporting.statistics.facts` once computed every fact from another table as a correlated
subquery per episode (correct, but seconds per figure group on 100k episodes); it now joins
derived tables grouped per episode. `reference_facts_cte` below is that earlier SQL, kept
as the oracle: on seeded random data sets full of the awkward cases (several measurements
on one day, contracts that change or are zero, absences of the same employment that start
on the same day, follow-ups without an assessment, episodes without employment or
screening, measurements booked on another employment), both must give the same row for
every episode, for every filter and every set of columns a figure group asks for. Every
statistic is an aggregate over these rows, so equal rows mean equal figures.
"""

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from piccolo.querystring import QueryString

from practice.accounts import Role
from practice.episodes import Offer
from practice.tables import (
    AbsenceEpisode,
    CaseAssignment,
    Client,
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
from reporting.statistics.definitions import (
    DEFAULT_VOLUME_VARIANT,
    ContractBasis,
    CountedHours,
    Moment,
    VolumeVariant,
)
from reporting.statistics.facts import (
    Dialect,
    Filters,
    _counted_kinds,
    _where,
    dialect,
    facts_cte,
    join_sql,
    q,
    run,
)
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.tables import Appointment
from tests.cast import Cast, make_user

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# ---------------------------------------------------------------- the earlier SQL (oracle)


def _reference_volume(sql: Dialect, moment: Moment, variant: VolumeVariant) -> QueryString:
    at = " + wp.therapeutic_minutes" if variant.hours.count_therapeutic else ""
    # The contract at referral: valid on the local date the episode's referral came in.
    day = (
        sql.local_date("r.received_at")
        if variant.basis is ContractBasis.REFERRAL
        else q("wp.measured_on")
    )
    return q(
        "(SELECT CASE WHEN ch.minutes_per_week > 0 THEN "  # noqa: S608 - fixed fragments
        "(2000 * (wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes"
        f"{at}) + ch.minutes_per_week) / (2 * ch.minutes_per_week) END "
        "FROM work_participation wp "
        "LEFT JOIN contract_hours ch ON ch.employment = wp.employment AND ch.valid_from = "
        "(SELECT MAX(c2.valid_from) FROM contract_hours c2 "
        "WHERE c2.employment = wp.employment AND c2.valid_from <= {}) "
        "WHERE wp.episode = e.id AND wp.moment = {} "
        "ORDER BY wp.measured_on DESC, wp.id DESC LIMIT 1)",
        day,
        moment.value,
    )


def _reference_columns(
    sql: Dialect, variant: VolumeVariant = DEFAULT_VOLUME_VARIANT
) -> dict[str, QueryString]:
    return {
        "episode_id": q("e.id"),
        "client_id": q("e.client"),
        "status": q("e.status"),
        "offer": q("e.offer"),
        "employer_id": q("r.employer"),
        "diagnosis": q("s.diagnosis_category"),
        "absent": q("CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END", "not_absent"),
        "referred_on": sql.local_date("r.received_at"),
        "screened_on": q("e.screening_held_on"),
        "started_on": q("e.started_on"),
        "closed_on": q("e.closed_on"),
        "employment_id": q("e.employment"),
        "absence_id": q("e.absence"),
        "first_sick_day": q("r.first_sick_day"),
        "vb": _reference_volume(sql, Moment.BEGIN, variant),
        "ve": _reference_volume(sql, Moment.END, variant),
        "vf": _reference_volume(sql, Moment.FOLLOW_UP, variant),
        "partial_on": q(
            "(SELECT MIN(wp.measured_on) FROM work_participation wp WHERE wp.episode = e.id "
            "AND wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes > 0)"
        ),
        "any_on": q(
            "(SELECT MIN(wp.measured_on) FROM work_participation wp WHERE wp.episode = e.id "
            "AND wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes "
            "+ wp.therapeutic_minutes > 0)"
        ),
        "full_on": q(
            "(SELECT a.full_recovery_on FROM absence_episode a "
            "WHERE a.employment = e.employment AND a.first_sick_day = r.first_sick_day "
            "ORDER BY a.id LIMIT 1)"
        ),
        "held": q(
            "(SELECT COUNT(*) FROM appointment ap WHERE ap.episode = e.id "
            "AND ap.attendance = {} AND ap.kind IN {})",
            Attendance.HELD.value,
            _counted_kinds(),
        ),
        "relapse_flag": q(
            "CASE WHEN EXISTS (SELECT 1 FROM follow_up fu WHERE fu.episode = e.id "
            "AND fu.relapse = {}) "
            "OR EXISTS (SELECT 1 FROM absence_episode a2 WHERE a2.employment = e.employment "
            "AND a2.absence_type = {} AND a2.first_sick_day > e.closed_on) THEN 1 "
            "WHEN EXISTS (SELECT 1 FROM follow_up fu WHERE fu.episode = e.id "
            "AND fu.relapse = {}) THEN 0 END",
            True,
            "sickness",
            False,
        ),
        "fu_response": q(
            "(SELECT fu.response FROM follow_up fu WHERE fu.episode = e.id AND fu.kind = {} "
            "ORDER BY fu.held_on DESC, fu.id DESC LIMIT 1)",
            "measurement",
        ),
        "agreement": q(
            "CASE WHEN EXISTS (SELECT 1 FROM work_resumption_agreement wa "
            "WHERE wa.episode = e.id) THEN 1 ELSE 0 END"
        ),
        "cost_cents": q(
            "(SELECT em.cost_per_absence_day_cents FROM employer em WHERE em.id = r.employer)"
        ),
        "employer_name": q("(SELECT em.name FROM employer em WHERE em.id = r.employer)"),
    }


def reference_facts_cte(
    sql: Dialect,
    filters: Filters,
    names: Sequence[str],
    *,
    screened_only: bool = True,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> QueryString:
    available = _reference_columns(sql, variant)
    selected = [q(f"{{}} AS {name}", available[name]) for name in names]
    return q(
        "facts AS MATERIALIZED (SELECT {} FROM treatment_episode e "
        "JOIN referral r ON r.id = e.referral "
        "LEFT JOIN screening s ON s.episode = e.id{})",
        join_sql(selected, ", "),
        _where(sql, filters, screened_only=screened_only),
    )


ALL_FACTS = tuple(_reference_columns(dialect(AMSTERDAM)))

# The column sets the figure groups ask for (statistics_*.py), and everything at once.
COLUMN_SETS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("diagnosis", "absent", "vb", "ve", "vf"), True),
    (("closed_on", "ve", "vf", "relapse_flag", "fu_response"), True),
    (("diagnosis", "offer", "closed_on", "held"), True),
    (("absent", "referred_on", "screened_on", "started_on", "first_sick_day"), False),
    (
        (
            "absent",
            "started_on",
            "closed_on",
            "first_sick_day",
            "vb",
            "partial_on",
            "full_on",
            "cost_cents",
        ),
        True,
    ),
    (("status",), False),
    (("referred_on", "employer_name", "status", "offer", "diagnosis", "held"), False),
    (("client_id", "absent", "held", "agreement", "vb", "ve", "vf"), False),
    # The per-absence figures (reporting.statistics.absences), over every referral.
    (
        (
            "episode_id",
            "client_id",
            "employment_id",
            "absence_id",
            "absent",
            "first_sick_day",
            "referred_on",
            "screened_on",
            "started_on",
            "partial_on",
            "any_on",
            "vb",
            "ve",
            "vf",
            "cost_cents",
        ),
        False,
    ),
    (ALL_FACTS, True),
    (ALL_FACTS, False),
)

# ---------------------------------------------------------------- a random practice

DAYS = [date(2025, 1, 6) + timedelta(days=9 * k) for k in range(14)]  # few: ties are common
DIAGNOSES = ("angststoornis", "depressie", "somatische_symptoomstoornis")
KINDS = [kind.value for kind in AppointmentKind]
ATTENDANCES = [attendance.value for attendance in Attendance]


def _maybe(rng: random.Random, value: Any, p_none: float = 0.25) -> Any:
    return None if rng.random() < p_none else value


async def _insert_one(table: Any, row: Any) -> int:
    rows = await table.insert(row).returning(table.id)
    return int(rows[0]["id"])


async def build_random_practice(
    seed: int, cast: Cast, *, clients: int = 10
) -> dict[str, list[int]]:
    rng = random.Random(seed)
    employers = [
        await _insert_one(
            Employer, Employer(name=f"Werkgever {seed}-{k}", cost_per_absence_day_cents=c)
        )
        for k, c in enumerate((25000, 31000))
    ]
    second = await make_user(Role.THERAPIST, f"therapeut-{seed}@cast.test")
    therapists = [cast.therapist.id, second.id]
    employments: list[tuple[int, int, int]] = []  # (employment, client, employer)
    for k in range(clients):
        client = await _insert_one(Client, Client(name=f"Cliënt {seed}-{k}"))
        employer = rng.choice(employers)
        employment = await _insert_one(Employment, Employment(client=client, employer=employer))
        employments.append((employment, client, employer))
        # Distinct dates per employment: two contracts from one day would make the old SQL
        # pick either one (its ORDER BY ... LIMIT 1 does not decide between them).
        for valid_from in sorted(rng.sample(DAYS[:10], rng.randint(0, 3))):
            minutes = rng.choice((0, 1000, 1920, 2400, 2400))
            await ContractHours.insert(
                ContractHours(
                    employment=employment, valid_from=valid_from, minutes_per_week=minutes
                )
            )
        for _ in range(rng.randint(0, 4)):
            await AbsenceEpisode.insert(
                AbsenceEpisode(
                    employment=employment,
                    absence_type=rng.choice(("sickness", "sickness", "leave", "not_absent")),
                    # Mostly the days referrals give: one employment's absences collide.
                    first_sick_day=_maybe(rng, rng.choice(DAYS[:3] * 3 + DAYS), 0.15),
                    full_recovery_on=_maybe(rng, rng.choice(DAYS), 0.4),
                )
            )
    appointment_start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for _ in range(36):
        employment, client, employer = rng.choice(employments)
        referred = datetime.combine(rng.choice(DAYS), datetime.min.time(), AMSTERDAM)
        referred += timedelta(minutes=rng.choice((30, 90, 600, 23 * 60 + 30)))
        referral = await _insert_one(
            Referral,
            Referral(
                client=client,
                employer=employer if rng.random() < 0.9 else rng.choice(employers),
                received_at=referred,
                referrer_type="company_doctor",
                requested_offer=Offer.BASIC.value,
                absence_status=rng.choice(("sickness", "sickness", "partial", "not_absent")),
                first_sick_day=_maybe(rng, rng.choice(DAYS[:3])),
            ),
        )
        started = _maybe(rng, rng.choice(DAYS))
        episode = await _insert_one(
            TreatmentEpisode,
            TreatmentEpisode(
                referral=referral,
                client=client,
                employment=_maybe(rng, employment, 0.1),
                status=rng.choice(("referred", "screened", "in_treatment", "paused", "closed")),
                offer=_maybe(rng, rng.choice([o.value for o in Offer]), 0.1),
                screening_held_on=_maybe(rng, rng.choice(DAYS)),
                started_on=started,
                closed_on=_maybe(rng, rng.choice(DAYS), 0.4),
            ),
        )
        await CaseAssignment.insert(
            CaseAssignment(
                episode=episode,
                user=rng.choice(therapists),
                team_role="therapist",
                valid_from=DAYS[0],
            )
        )
        if rng.random() < 0.8:
            await Screening.insert(
                Screening(
                    episode=episode,
                    held_on=DAYS[0],
                    suitable=True,
                    diagnosis_category=rng.choice(DIAGNOSES),
                    proposal=Offer.BASIC.value,
                )
            )
        for _ in range(rng.randint(0, 6)):
            own = rng.choice((0, 0, 300, 1200, 2400, 3000))
            await WorkParticipation.insert(
                WorkParticipation(
                    # Now and then booked on another employment of the client's, or on none.
                    employment=employment if rng.random() < 0.85 else rng.choice(employments)[0],
                    episode=episode if rng.random() < 0.95 else None,
                    measured_on=rng.choice(DAYS),
                    own_work_minutes=own,
                    adapted_work_minutes=rng.choice((0, 0, 240)),
                    therapeutic_minutes=rng.choice((0, 120)),
                    productive_minutes=rng.choice((0, 0, 60)),
                    moment=rng.choice(("begin", "end", "follow_up", "interim")),
                )
            )
        for _ in range(rng.randint(0, 3)):
            await FollowUp.insert(
                FollowUp(
                    episode=episode,
                    kind=rng.choice(("measurement", "measurement", "conversation")),
                    held_on=rng.choice(DAYS[-4:]),
                    response=rng.choice(("done", "unreachable", "declined")),
                    relapse=rng.choice((True, False, None)),
                )
            )
        for _ in range(rng.choice((0, 0, 1, 2))):
            await WorkResumptionAgreement.insert(
                WorkResumptionAgreement(episode=episode, agreed_on=DAYS[1], description="x")
            )
        appointments = []
        for _ in range(rng.randint(0, 6)):
            appointment_start += timedelta(hours=1)  # never overlapping: one therapist's diary
            appointments.append(
                Appointment(
                    episode=episode,
                    therapist=cast.therapist.id,
                    kind=rng.choice(KINDS),
                    starts_at=appointment_start,
                    ends_at=appointment_start + timedelta(minutes=45),
                    attendance=rng.choice(ATTENDANCES),
                )
            )
        if appointments:
            await Appointment.insert(*appointments)
    return {"employers": employers, "therapists": therapists}


async def _rows(cte: QueryString) -> list[tuple[Any, ...]]:
    rows = await run(q("WITH {} SELECT * FROM facts", cte))
    return sorted(tuple(row.values()) for row in rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_facts_equal_those_of_the_per_episode_subqueries(seed: int, cast: Cast) -> None:
    ids = await build_random_practice(seed, cast)
    sql = dialect(AMSTERDAM)
    filter_sets = [
        Filters(),
        Filters(employer_id=ids["employers"][0]),
        Filters(therapist_user_id=ids["therapists"][1]),
        Filters(diagnosis="depressie"),
        Filters(offer=Offer.BASIC),
        Filters(referred_from=DAYS[3], referred_to=DAYS[9]),
    ]
    compared = 0
    for filters in filter_sets:
        for columns, screened_only in COLUMN_SETS:
            names = list(dict.fromkeys(("episode_id", *columns)))
            expected = await _rows(
                reference_facts_cte(sql, filters, names, screened_only=screened_only)
            )
            found = await _rows(await facts_cte(sql, filters, names, screened_only=screened_only))
            assert found == expected, (filters, columns, screened_only)
            compared += len(found)
    assert compared > 500  # the data set is not empty under the filters


VARIANTS = tuple(
    VolumeVariant(basis, hours)
    for basis in ContractBasis
    for hours in CountedHours
    if VolumeVariant(basis, hours) != DEFAULT_VOLUME_VARIANT
)
VOLUME_COLUMN_SETS = tuple(
    (columns, screened_only)
    for columns, screened_only in COLUMN_SETS
    if {"vb", "ve", "vf"} & set(columns)
)


@pytest.mark.parametrize("seed", [1, 4])
async def test_every_volume_variant_equals_the_per_episode_subqueries(
    seed: int, cast: Cast
) -> None:
    # Contracts change between the referral and the measurements, some start after the
    # referral, some are 0 hours, and referrals arrive at 00:30 and 23:30 local time: the
    # contract at referral is the one of the referral's local date, not its UTC date.
    ids = await build_random_practice(seed, cast)
    sql = dialect(AMSTERDAM)
    compared = differs = 0
    for variant in VARIANTS:
        for filters in (Filters(), Filters(employer_id=ids["employers"][0])):
            for columns, screened_only in VOLUME_COLUMN_SETS:
                names = list(dict.fromkeys(("episode_id", *columns)))
                expected = await _rows(
                    reference_facts_cte(
                        sql, filters, names, screened_only=screened_only, variant=variant
                    )
                )
                found = await _rows(
                    await facts_cte(
                        sql, filters, names, screened_only=screened_only, variant=variant
                    )
                )
                assert found == expected, (variant, filters, columns)
                default = await _rows(
                    await facts_cte(sql, filters, names, screened_only=screened_only)
                )
                compared += len(found)
                differs += found != default
    assert compared > 200
    assert differs > 0  # the variants are not the default under another name


async def test_an_unknown_fact_is_refused() -> None:
    with pytest.raises(ValueError, match="no episode facts"):
        await facts_cte(dialect(AMSTERDAM), Filters(), ["episode_id", "shoe_size"])
