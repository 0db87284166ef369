"""The expected return-to-work curves and each client's place against them: a fact source
for the task list ("work not on track", issue 19; the rule is `practice.work_track`).

Here and not in practice because the fallback, the HSK reference, is a statistics benchmark
(`reporting.statistics.definitions.HSK_REFERENCE`, imported, never retyped), and the
practice's own curve is the S2 figure of its completed episodes, read with the statistics'
own `facts` CTE so that "volume at the start and the end of treatment" means one thing.

Kept cheap: nothing is read unless the batch holds an episode in treatment with a
measurement after its starting one, and the practice's curve reads only the episodes
referred in the last year (the statistics' selective window, read by index), in one query.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.episodes import EpisodeStatus
from practice.platform.clock import today_in
from practice.platform.db import among
from practice.tables import ContractHours, Screening, TreatmentEpisode, WorkParticipation
from practice.tasks import FactPatch
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    contract_hours_on,
    volume_percent,
)
from practice.work_track import (
    DEFAULT_TREATMENT_WEEKS,
    MIN_OWN_EPISODES,
    CurveSource,
    ResumptionCurve,
    SymptomScore,
    WorkTrack,
)
from reporting.statistics.definitions import HSK_REFERENCE, Moment
from reporting.statistics.facts import (
    FULL_TENTHS,
    SELECTIVE_PERIOD,
    Filters,
    dialect,
    facts_cte,
    q,
    run,
)
from reporting.statistics.figures import round_one
from reporting.tables import QuestionnaireResponse

_MINUTES = 60
_DAYS_A_WEEK = 7


@dataclass(frozen=True, slots=True)
class _OwnFigures:
    """Per diagnosis: completed episodes with a start and an end measurement."""

    n: int
    begin_tenths: int  # summed, each capped at 100 %
    end_tenths: int
    days: int  # summed days from the first treatment session to the closing date


def _hsk_curve(diagnosis: str, weeks: Decimal) -> ResumptionCurve | None:
    reference = HSK_REFERENCE.get(diagnosis)
    if reference is None:
        return None
    return ResumptionCurve(
        diagnosis=diagnosis,
        begin=reference[Moment.BEGIN].value,
        end=reference[Moment.END].value,
        weeks=weeks,
        source=CurveSource.HSK,
        follow_up=reference[Moment.FOLLOW_UP].value,
    )


def _weeks(days: int, n: int) -> Decimal | None:
    weeks = round_one(Decimal(days) / n / _DAYS_A_WEEK) if n else Decimal(0)
    return weeks if weeks > 0 else None


def curves_from(
    own: Mapping[str, _OwnFigures], diagnoses: Iterable[str], min_n: int = MIN_OWN_EPISODES
) -> dict[str, ResumptionCurve]:
    """The practice's own curve where it has `min_n` episodes of the diagnosis, else HSK's
    (with the practice's own treatment length over all diagnoses when that has `min_n`)."""
    total_n = sum(f.n for f in own.values())
    pooled = _weeks(sum(f.days for f in own.values()), total_n) if total_n >= min_n else None
    curves: dict[str, ResumptionCurve] = {}
    for diagnosis in diagnoses:
        figures = own.get(diagnosis)
        weeks = None if figures is None else _weeks(figures.days, figures.n)
        if figures is not None and figures.n >= min_n and weeks is not None:
            curves[diagnosis] = ResumptionCurve(
                diagnosis=diagnosis,
                begin=round_one(Decimal(figures.begin_tenths) / 10 / figures.n),
                end=round_one(Decimal(figures.end_tenths) / 10 / figures.n),
                weeks=weeks,
                source=CurveSource.PRACTICE,
                n=figures.n,
            )
        elif (curve := _hsk_curve(diagnosis, pooled or DEFAULT_TREATMENT_WEEKS)) is not None:
            curves[diagnosis] = curve
    return curves


async def own_figures(today: date, tz: ZoneInfo) -> dict[str, _OwnFigures]:
    """The completed episodes referred in the year up to `today`, by diagnosis (one query).

    As S2 counts them: clients absent at referral only (a preventive client at 100 % would
    lift the curve without any resumption), each volume capped at 100 %.
    """
    sql = dialect(tz)
    filters = Filters(referred_from=today - SELECTIVE_PERIOD + timedelta(days=1), referred_to=today)
    capped = {
        v: f"CASE WHEN {v} > {FULL_TENTHS} THEN {FULL_TENTHS} ELSE {v} END" for v in ("vb", "ve")
    }
    rows = await run(
        q(
            "WITH {} SELECT diagnosis, COUNT(*) AS n, "  # noqa: S608 - fixed fragments; values are bound
            f"SUM({capped['vb']}) AS begin_tenths, SUM({capped['ve']}) AS end_tenths, "
            f"SUM({sql.days_between('started_on', 'closed_on')}) AS days "
            "FROM facts WHERE status = {} AND absent = 1 AND vb IS NOT NULL AND ve IS NOT NULL "
            "AND started_on IS NOT NULL AND closed_on >= started_on GROUP BY diagnosis",
            await facts_cte(
                sql,
                filters,
                ["diagnosis", "status", "absent", "started_on", "closed_on", "vb", "ve"],
            ),
            EpisodeStatus.CLOSED.value,
        )
    )
    return {
        str(r["diagnosis"]): _OwnFigures(
            int(r["n"]), int(r["begin_tenths"]), int(r["end_tenths"]), int(r["days"])
        )
        for r in rows
        if r["diagnosis"] is not None
    }


async def expected_curves(
    diagnoses: Iterable[str], today: date, tz: ZoneInfo, min_n: int = MIN_OWN_EPISODES
) -> dict[str, ResumptionCurve]:
    wanted = sorted(set(diagnoses))
    if not wanted:
        return {}
    return curves_from(await own_figures(today, tz), wanted, min_n)


@dataclass(frozen=True, slots=True)
class _Point:
    measured_on: date
    moment: str
    volume: Decimal | None


def _points(
    rows: Sequence[dict[str, Any]], contracts: Mapping[int, list[ContractPeriod]]
) -> dict[int, list[_Point]]:
    """Volume % per measurement (contract on the measurement date, wage-value hours, the
    default variant), per episode in date order."""
    points: dict[int, list[_Point]] = defaultdict(list)
    for m in rows:
        measurement = ParticipationMeasurement(
            measured_on=m["measured_on"],
            own_work_hours=Decimal(m["own_work_minutes"]) / _MINUTES,
            adapted_work_hours=Decimal(m["adapted_work_minutes"]) / _MINUTES,
            therapeutic_hours=Decimal(m["therapeutic_minutes"]) / _MINUTES,
            productive_hours=Decimal(m["productive_minutes"]) / _MINUTES,
        )
        hours = contract_hours_on(contracts.get(int(m["employment"]), []), m["measured_on"])
        volume = volume_percent(measurement, hours)
        points[int(m["episode"])].append(_Point(m["measured_on"], m["moment"], volume))
    return points


def _start_and_latest(points: list[_Point]) -> tuple[_Point, _Point] | None:
    """The starting measurement (the latest one marked as the start of treatment, else the
    first) and the latest one after it, both with a volume %."""
    begins = [p for p in points if p.moment == Moment.BEGIN.value]
    start = begins[-1] if begins else points[0]
    later = [p for p in points if p.measured_on > start.measured_on and p.volume is not None]
    if start.volume is None or not later:
        return None
    return start, later[-1]


async def _contracts(employment_ids: Sequence[int]) -> dict[int, list[ContractPeriod]]:
    # Of two periods from one day the later recorded counts, as the participation series does.
    latest: dict[int, dict[date, int]] = defaultdict(dict)
    for c in (
        await ContractHours.select(
            ContractHours.employment, ContractHours.valid_from, ContractHours.minutes_per_week
        )
        .where(among(ContractHours.employment, list(employment_ids)))
        .order_by(ContractHours.id)
    ):
        latest[int(c["employment"])][c["valid_from"]] = int(c["minutes_per_week"])
    return {
        employment: [
            ContractPeriod(valid_from=day, hours_per_week=Decimal(minutes) / _MINUTES)
            for day, minutes in periods.items()
        ]
        for employment, periods in latest.items()
    }


async def _symptom_scores(episode_ids: Sequence[int]) -> dict[int, tuple[SymptomScore, ...]]:
    """Each episode's latest complete score per questionnaire, by instrument name."""
    latest: dict[int, dict[str, SymptomScore]] = defaultdict(dict)
    for r in (
        await QuestionnaireResponse.select(
            QuestionnaireResponse.episode,
            QuestionnaireResponse.instrument,
            QuestionnaireResponse.administered_on,
            QuestionnaireResponse.total,
        )
        .where(
            among(QuestionnaireResponse.episode, list(episode_ids))
            & (QuestionnaireResponse.complete == True)  # noqa: E712 - a SQL comparison
        )
        .order_by(QuestionnaireResponse.administered_on)
        .order_by(QuestionnaireResponse.id)
    ):
        if r["total"] is not None:
            score = SymptomScore(r["instrument"], int(r["total"]), r["administered_on"])
            latest[int(r["episode"])][r["instrument"]] = score
    return {
        episode: tuple(scores[name] for name in sorted(scores))
        for episode, scores in latest.items()
    }


async def episode_facts(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, FactPatch]:
    """Each episode in treatment against its expected curve (a fact source for the tasks)."""
    if not episode_ids:
        return {}
    episodes = {
        int(e["id"]): e
        for e in await TreatmentEpisode.select(
            TreatmentEpisode.id, TreatmentEpisode.started_on, TreatmentEpisode.employment
        ).where(
            among(TreatmentEpisode.id, list(episode_ids))
            & (TreatmentEpisode.status == EpisodeStatus.IN_TREATMENT.value)
            & TreatmentEpisode.started_on.is_not_null()
            & TreatmentEpisode.employment.is_not_null()
        )
    }
    if not episodes:
        return {}
    ids = list(episodes)
    rows = (
        await WorkParticipation.select(
            WorkParticipation.episode,
            WorkParticipation.employment,
            WorkParticipation.measured_on,
            WorkParticipation.moment,
            WorkParticipation.own_work_minutes,
            WorkParticipation.adapted_work_minutes,
            WorkParticipation.therapeutic_minutes,
            WorkParticipation.productive_minutes,
        )
        .where(among(WorkParticipation.episode, ids))
        .order_by(WorkParticipation.measured_on)
        .order_by(WorkParticipation.id)
    )
    if not rows:
        return {}
    contracts = await _contracts(sorted({int(r["employment"]) for r in rows}))
    pairs = {
        episode_id: pair
        for episode_id, points in _points(rows, contracts).items()
        if (pair := _start_and_latest(points)) is not None
    }
    if not pairs:
        return {}
    diagnoses = {
        int(s["episode"]): s["diagnosis_category"]
        for s in await Screening.select(Screening.episode, Screening.diagnosis_category).where(
            among(Screening.episode, list(pairs))
        )
    }
    curves = await expected_curves(diagnoses.values(), today_in(tz), tz)
    tracked = [episode_id for episode_id in pairs if diagnoses.get(episode_id) in curves]
    scores = await _symptom_scores(tracked) if tracked else {}
    facts: dict[int, FactPatch] = {}
    for episode_id in tracked:
        start, latest = pairs[episode_id]
        assert start.volume is not None and latest.volume is not None  # _start_and_latest
        facts[episode_id] = {
            "work_track": WorkTrack(
                curve=curves[diagnoses[episode_id]],
                started_on=episodes[episode_id]["started_on"],
                starting_volume=start.volume,
                starting_measured_on=start.measured_on,
                volume=latest.volume,
                measured_on=latest.measured_on,
                symptom_scores=scores.get(episode_id, ()),
            )
        }
    return facts
