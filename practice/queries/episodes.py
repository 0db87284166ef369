"""Reads of episodes: who may see which, the episode as a whole, the caseload, the tasks.

Every read of client data leaves an audit row; a refused read does too, and answers 404 so
that the refusal does not reveal whether the episode exists.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice import audit
from practice.accounts import Role
from practice.audit import Action, Actor, Outcome
from practice.db import write_tx
from practice.deadlines import DayUnit, DeadlineRule
from practice.episodes import EpisodeStatus, Offer, allowed_transitions
from practice.errors import NotFound
from practice.tables import (
    Advice,
    CaseAssignment,
    Consent,
    ContractHours,
    Employer,
    FollowUp,
    ManagerConsultation,
    OfferChange,
    RelapsePreventionPlan,
    Screening,
    StatusChange,
    TaskOverride,
    TreatmentEpisode,
    WorkGoal,
    WorkParticipation,
    WorkResumptionAgreement,
)
from practice.tasks import EpisodeFacts, Task, TaskRules, derive_tasks
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    volume_percent_series,
)

PURPOSE = "treatment"
MINUTES = 60

# Facts about an episode that downstream packages hold (held sessions in ``scheduling``,
# reports sent in ``reporting``). They register a source at start-up (practice.composition)
# instead of this package importing them: the dependency keeps pointing downstream.
FactSource = Callable[[Sequence[int]], Awaitable[dict[int, dict[str, Any]]]]
_fact_sources: dict[str, FactSource] = {}


def register_fact_source(name: str, source: FactSource) -> None:
    """Idempotent: registering the same name again replaces the source."""
    _fact_sources[name] = source


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / MINUTES


async def _is_current_therapist(user_id: int, episode_id: int, today: date) -> bool:
    rows = await CaseAssignment.select(CaseAssignment.valid_from, CaseAssignment.valid_to).where(
        (CaseAssignment.episode == episode_id)
        & (CaseAssignment.user == user_id)
        & (CaseAssignment.team_role == "therapist")
    )
    return any(
        r["valid_from"] <= today and (r["valid_to"] is None or r["valid_to"] >= today) for r in rows
    )


async def access_episode(actor: Actor, episode_id: int, today: date, *, write: bool) -> int:
    """The episode's client id if ``actor`` may read (or write) it; else 404, audited."""
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    allowed = False
    if row is not None and actor.user_id is not None:
        if actor.role == Role.THERAPIST.value:
            allowed = await _is_current_therapist(actor.user_id, episode_id, today)
        elif actor.role == Role.PRACTICE_MANAGER.value:
            allowed = not write
    if not allowed:
        async with write_tx():
            await audit.record(
                actor,
                Action.UPDATE if write else Action.READ,
                "episode",
                episode_id,
                purpose=PURPOSE,
                outcome=Outcome.DENIED,
                client_id=None if row is None else int(row["client"]),
            )
        raise NotFound("No such episode.")
    return int(row["client"]) if row is not None else 0


def rules_for(employer: dict[str, Any]) -> TaskRules:
    """The employer's contract settings as deadline rules."""
    unit = DayUnit(employer["screening_day_unit"])
    return TaskRules(
        screening_rule=DeadlineRule(10, unit, "aanmelding"),
        report_every=int(employer["report_every"]),
        employer_update_every_days=employer["employer_update_every_days"],
    )


async def load_facts(
    episode_ids: Sequence[int], tz: ZoneInfo
) -> dict[int, tuple[EpisodeFacts, TaskRules]]:
    """Facts for many episodes in a fixed number of queries (one per table, not per episode),
    completed by the registered downstream sources (held sessions, reports sent)."""
    if not episode_ids:
        return {}
    ids = list(episode_ids)
    episodes = await TreatmentEpisode.select(
        *TreatmentEpisode.all_columns(),
        TreatmentEpisode.referral._.received_at.as_alias("received_at"),
        TreatmentEpisode.referral._.employer.as_alias("employer_id"),
    ).where(TreatmentEpisode.id.is_in(ids))
    employer_ids = list({int(e["employer_id"]) for e in episodes})
    employers = {
        int(e["id"]): e for e in await Employer.select().where(Employer.id.is_in(employer_ids))
    }
    consultations = _first_by_episode(
        await ManagerConsultation.select(
            ManagerConsultation.episode, ManagerConsultation.held_on
        ).where(ManagerConsultation.episode.is_in(ids)),
        "held_on",
    )
    plans = _first_by_episode(
        await RelapsePreventionPlan.select(
            RelapsePreventionPlan.episode, RelapsePreventionPlan.drawn_up_on
        ).where(RelapsePreventionPlan.episode.is_in(ids)),
        "drawn_up_on",
    )
    follow_ups = await FollowUp.select(FollowUp.episode, FollowUp.kind, FollowUp.held_on).where(
        FollowUp.episode.is_in(ids)
    )
    overrides: dict[int, dict[str, str]] = defaultdict(dict)
    for o in await TaskOverride.select(
        TaskOverride.episode, TaskOverride.task_key, TaskOverride.reason
    ).where(TaskOverride.episode.is_in(ids)):
        overrides[int(o["episode"])][o["task_key"]] = o["reason"]
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    for source in _fact_sources.values():
        for episode_id, fields in (await source(ids)).items():
            extra[episode_id].update(fields)
    result: dict[int, tuple[EpisodeFacts, TaskRules]] = {}
    for e in episodes:
        episode_id = int(e["id"])
        kinds = {f["kind"]: f["held_on"] for f in follow_ups if int(f["episode"]) == episode_id}
        facts = EpisodeFacts(
            referred_on=_local_date(e["received_at"], tz),
            status=EpisodeStatus(e["status"]),
            offer=Offer(e["offer"]) if e["offer"] else None,
            screening_held_on=e["screening_held_on"],
            manager_consultation_on=consultations.get(episode_id),
            briefing_sent_on=e["briefing_sent_on"],
            treatment_started_on=e["started_on"],
            held_session_dates=(),
            interim_reports_done={},
            alignment_meeting_held_on=None,
            employer_update_sent_on=(),
            relapse_plan_done_on=plans.get(episode_id),
            closed_on=e["closed_on"],
            follow_up_conversation_held_on=kinds.get("conversation"),
            follow_up_measurement_done_on=kinds.get("measurement"),
            sessions_authorised=e["sessions_authorised"],
            overrides=overrides.get(episode_id, {}),
        )
        if episode_id in extra:
            facts = dataclasses.replace(facts, **extra[episode_id])
        result[episode_id] = (facts, rules_for(employers[int(e["employer_id"])]))
    return result


def _first_by_episode(rows: Iterable[dict[str, Any]], column: str) -> dict[int, date]:
    found: dict[int, date] = {}
    for row in rows:
        episode_id = int(row["episode"])
        if row[column] is not None and (episode_id not in found or row[column] < found[episode_id]):
            found[episode_id] = row[column]
    return found


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    """Deadlines are Dutch calendar dates: a referral at 23:30 UTC in winter is tomorrow."""
    return moment.astimezone(tz).date()


def task_json(task: Task) -> dict[str, Any]:
    status = task.status
    return {
        "kind": task.kind.value,
        "key": task.key,
        "due_on": task.due_on,
        "done_on": task.done_on,
        "days_left": None if status is None else status.days_left,
        "overdue": False if status is None else status.is_overdue,
        "done_late": False if status is None else status.is_done_late,
        "reason": task.reason,
        "override_reason": task.override_reason,
    }


async def episode_tasks(episode_id: int, today: date, tz: ZoneInfo) -> list[Task]:
    loaded = await load_facts([episode_id], tz)
    facts, rules = loaded[episode_id]
    return derive_tasks(facts, today, rules)


async def episode_detail(
    actor: Actor,
    episode_id: int,
    today: date,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """Everything about one episode for its therapist (medical parts included), audited."""
    client_id = await access_episode(actor, episode_id, today, write=False)
    medical = actor.role == Role.THERAPIST.value
    e = (
        await TreatmentEpisode.select(
            *TreatmentEpisode.all_columns(),
            *TreatmentEpisode.referral.all_columns(exclude=["id", "client", "employer"]),
            TreatmentEpisode.referral._.employer._.name.as_alias("employer_name"),
            TreatmentEpisode.client._.name.as_alias("client_name"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert e is not None  # access_episode found it
    tasks = await episode_tasks(episode_id, today, tz)
    detail: dict[str, Any] = {
        "id": episode_id,
        "client": {"id": client_id, "name": e["client_name"]},
        "employer": e["employer_name"],
        "status": e["status"],
        "allowed_transitions": sorted(
            s.value for s in allowed_transitions(EpisodeStatus(e["status"]))
        ),
        "offer": e["offer"],
        "referral": {
            "received_at": e["referral.received_at"],
            "referrer_type": e["referral.referrer_type"],
            "requested_offer": e["referral.requested_offer"],
            "absence_status": e["referral.absence_status"],
            "first_sick_day": e["referral.first_sick_day"],
            "outcome": e["referral.outcome"],
        },
        "dates": {
            name: e[name]
            for name in (
                "screening_planned_on",
                "screening_held_on",
                "briefing_sent_on",
                "planned_start_on",
                "started_on",
                "closed_on",
            )
        },
        "sessions_authorised": e["sessions_authorised"],
        "tasks": [task_json(t) for t in tasks],
        "team": await _team(episode_id),
        "status_history": await StatusChange.select(
            StatusChange.from_status,
            StatusChange.to_status,
            StatusChange.changed_at,
            StatusChange.reason,
        )
        .where(StatusChange.episode == episode_id)
        .order_by(StatusChange.id),
        "offer_history": await OfferChange.select(
            OfferChange.from_offer, OfferChange.to_offer, OfferChange.changed_at, OfferChange.reason
        )
        .where(OfferChange.episode == episode_id)
        .order_by(OfferChange.id),
        "agreements": await WorkResumptionAgreement.select(
            WorkResumptionAgreement.id,
            WorkResumptionAgreement.agreed_on,
            WorkResumptionAgreement.description,
            WorkResumptionAgreement.hours_per_week_minutes,
            WorkResumptionAgreement.starts_on,
            WorkResumptionAgreement.status,
        )
        .where(WorkResumptionAgreement.episode == episode_id)
        .order_by(WorkResumptionAgreement.agreed_on),
        "work_participation": await participation_series(e["employment"], episode_id),
        "consents": await Consent.select(
            Consent.id,
            Consent.recipient,
            Consent.purpose,
            Consent.recipient_user,
            Consent.given_at,
            Consent.withdrawn_at,
        ).where(Consent.client == client_id),
    }
    if medical:
        detail["screening"] = (
            await Screening.select(exclude_secrets=False)
            .where(Screening.episode == episode_id)
            .first()
        )
        detail["goals"] = await WorkGoal.select().where(WorkGoal.episode == episode_id)
        detail["advice"] = await Advice.select().where(Advice.episode == episode_id)
        detail["relapse_prevention_plan"] = (
            await RelapsePreventionPlan.select()
            .where(RelapsePreventionPlan.episode == episode_id)
            .first()
        )
        detail["follow_ups"] = await FollowUp.select().where(FollowUp.episode == episode_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "episode", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return detail


async def _team(episode_id: int) -> list[dict[str, Any]]:
    return (
        await CaseAssignment.select(
            CaseAssignment.user,
            CaseAssignment.user._.display_name.as_alias("name"),
            CaseAssignment.team_role,
            CaseAssignment.valid_from,
            CaseAssignment.valid_to,
        )
        .where(CaseAssignment.episode == episode_id)
        .order_by(CaseAssignment.id)
    )


async def participation_series(employment_id: int | None, episode_id: int) -> list[dict[str, Any]]:
    """Volume % per measurement, against the contract then and the original contract."""
    if employment_id is None:
        return []
    contracts = [
        ContractPeriod(valid_from=c["valid_from"], hours_per_week=_hours(c["minutes_per_week"]))
        for c in await ContractHours.select().where(ContractHours.employment == employment_id)
    ]
    measurements = [
        ParticipationMeasurement(
            measured_on=m["measured_on"],
            own_work_hours=_hours(m["own_work_minutes"]),
            adapted_work_hours=_hours(m["adapted_work_minutes"]),
            therapeutic_hours=_hours(m["therapeutic_minutes"]),
            productive_hours=_hours(m["productive_minutes"]),
        )
        for m in await WorkParticipation.select()
        .where(WorkParticipation.employment == employment_id)
        .order_by(WorkParticipation.measured_on)
    ]
    return [
        {
            "measured_on": p.measured_on,
            "hours_counted": p.hours_counted,
            "contract_hours": p.contract_hours,
            "volume_percent": p.volume_percent,
            "baseline_volume_percent": p.baseline_volume_percent,
        }
        for p in volume_percent_series(measurements, contracts)
    ]


async def caseload(
    actor: Actor,
    today: date,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """The therapist's current episodes with open tasks, overdue first."""
    assigned = await CaseAssignment.select(CaseAssignment.episode).where(
        (CaseAssignment.user == actor.user_id)
        & (CaseAssignment.team_role == "therapist")
        & (CaseAssignment.valid_from <= today)
        & (CaseAssignment.valid_to.is_null() | (CaseAssignment.valid_to >= today))
    )
    ids = sorted({int(a["episode"]) for a in assigned})
    rows = (
        await TreatmentEpisode.select(
            TreatmentEpisode.id,
            TreatmentEpisode.status,
            TreatmentEpisode.offer,
            TreatmentEpisode.client._.id.as_alias("client_id"),
            TreatmentEpisode.client._.name.as_alias("client_name"),
            TreatmentEpisode.referral._.employer._.name.as_alias("employer_name"),
        ).where(TreatmentEpisode.id.is_in(ids))
        if ids
        else []
    )
    facts = await load_facts(ids, tz)
    entries = []
    for row in rows:
        fact, rules = facts[int(row["id"])]
        open_tasks = [t for t in derive_tasks(fact, today, rules) if t.done_on is None]
        entries.append(
            {
                "episode_id": row["id"],
                "client_id": row["client_id"],
                "client_name": row["client_name"],
                "employer": row["employer_name"],
                "status": row["status"],
                "offer": row["offer"],
                "overdue": sum(1 for t in open_tasks if t.status and t.status.is_overdue),
                "tasks": [task_json(t) for t in open_tasks],
            }
        )
    entries.sort(key=lambda e: (-e["overdue"], str(e["client_name"])))
    async with write_tx():
        await audit.record(actor, Action.SEARCH, "caseload", actor.user_id, purpose=PURPOSE)
    return entries


async def deadline_monitor(
    actor: Actor,
    today: date,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """For practice managers: every open deadline across therapists, overdue first."""
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.status,
        TreatmentEpisode.client._.name.as_alias("client_name"),
    ).where(
        TreatmentEpisode.status.not_in(
            [
                EpisodeStatus.DECLINED.value,
                EpisodeStatus.DROPPED_OUT.value,
                EpisodeStatus.REFERRED_ELSEWHERE.value,
            ]
        )
    )
    ids = [int(r["id"]) for r in rows]
    therapists: dict[int, str] = {}
    for a in (
        await CaseAssignment.select(
            CaseAssignment.episode,
            CaseAssignment.user._.display_name.as_alias("name"),
            CaseAssignment.valid_to,
        ).where(CaseAssignment.episode.is_in(ids) & (CaseAssignment.team_role == "therapist"))
        if ids
        else []
    ):
        if a["valid_to"] is None or a["valid_to"] >= today:
            therapists[int(a["episode"])] = a["name"]
    facts = await load_facts(ids, tz)
    items = []
    for row in rows:
        fact, rules = facts[int(row["id"])]
        for t in derive_tasks(fact, today, rules):
            if t.done_on is None and t.due_on is not None:
                items.append(
                    {
                        "episode_id": row["id"],
                        "client_name": row["client_name"],
                        "therapist": therapists.get(int(row["id"])),
                        **task_json(t),
                    }
                )
    items.sort(key=lambda i: (not i["overdue"], i["due_on"]))
    async with write_tx():
        await audit.record(actor, Action.SEARCH, "deadline_monitor", None, purpose=PURPOSE)
    return items
