"""Reads of episodes that everything else builds on: who may see which, its facts, its tasks.

Every read of client data leaves an audit row; a refused read does too, and answers 404 so
that the refusal does not reveal whether the episode exists. The episode as a whole is read
in ``practice.queries.episode_detail``, the caseload and the monitor in
``practice.queries.caseload``.
"""

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.custom_types import Combinable

from practice.access_policy import Need
from practice.audit.trail import Actor
from practice.deadlines import DayUnit, DeadlineRule
from practice.episodes import EpisodeStatus, Offer
from practice.platform.db import among, concurrently
from practice.queries.access import authorize, authorize_read
from practice.queries.capacity import capacity_facts
from practice.queries.milestones import absences_of

# Re-exported: ``reporting`` reads the series through this module.
from practice.queries.participation import participation_series
from practice.tables import (
    AbsenceEpisode,
    Employer,
    FollowUp,
    ManagerConsultation,
    RelapsePreventionPlan,
    TaskOverride,
    TreatmentEpisode,
)
from practice.tasks import (
    DEFAULT_SYMPTOMS_CHECKED_AT_SESSION,
    EpisodeFacts,
    FactPatch,
    Task,
    TaskRules,
    derive_tasks,
)
from practice.work_track import DEFAULT_BEHIND_MARGIN

__all__ = [
    "PURPOSE",
    "FactSource",
    "access_episode",
    "employment_of",
    "episode_tasks",
    "load_facts",
    "participation_series",
    "register_fact_source",
    "rules_for",
    "task_json",
]

PURPOSE = "treatment"

# Facts about an episode that downstream packages hold (held sessions in ``scheduling``,
# reports sent in ``reporting``). They register a source at start-up (practice.composition.wiring)
# instead of this package importing them: the dependency keeps pointing downstream. Each gets
# the practice's zone (TIME_ZONE) to turn its instants into local dates.
FactSource = Callable[[Sequence[int], ZoneInfo], Awaitable[dict[int, FactPatch]]]
_fact_sources: dict[str, FactSource] = {}


def register_fact_source(name: str, source: FactSource) -> None:
    """Idempotent: registering the same name again replaces the source."""
    _fact_sources[name] = source


async def access_episode(actor: Actor, episode_id: int, today: date, *, write: bool) -> int:
    """The episode's client id if ``actor`` may read (or write) it on ``today``; else 404,
    audited. The decision is ``practice.access_policy``'s (``practice.queries.access``)."""
    if write:
        return await authorize(actor, episode_id, Need.RECORD_WRITE, today)
    client_id, _level = await authorize_read(actor, episode_id, today)
    return client_id


def client_has_address() -> Combinable:
    """Of episodes: those whose client has an e-mail address to write to (a sweep's finder
    loads only their facts; the others' are not written to)."""
    email = TreatmentEpisode.client._.email
    has: Combinable = email.is_not_null() & (email != "")
    return has


async def addressee_of(episode_id: int) -> dict[str, Any] | None:
    """The episode's client to write to: ``client_id``, ``name`` and ``email`` (or None)."""
    return (await addressees_of([episode_id])).get(episode_id)


async def addressees_of(episode_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``addressee_of`` for several episodes in one read, by episode id (a sweep's finder
    asks for every episode it is about to write to)."""
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client.as_alias("client_id"),
        TreatmentEpisode.client._.name.as_alias("name"),
        TreatmentEpisode.client._.email.as_alias("email"),
    ).where(among(TreatmentEpisode.id, episode_ids))
    return {int(row.pop("id")): row for row in rows}


async def employment_of(episode_id: int) -> int | None:
    """The employment an episode is about; None when the episode or its employment is missing.

    The caller has already been authorised on the episode (``access_episode``)."""
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.employment)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    return None if row is None or row["employment"] is None else int(row["employment"])


def rules_for(employer: dict[str, Any]) -> TaskRules:
    """The employer's contract settings as deadline rules."""
    unit = DayUnit(employer["screening_day_unit"])
    margin = employer["work_behind_margin"]
    return TaskRules(
        screening_rule=DeadlineRule(10, unit, "aanmelding"),
        report_every=int(employer["report_every"]),
        employer_update_every_days=employer["employer_update_every_days"],
        milestone_report_days_before=employer["milestone_report_days_before"],
        # Empty in the contract (or a stored value the form would refuse, which must not
        # break every page of the employer's cases): the practice's default margin.
        work_behind_margin=Decimal(margin) if margin and margin > 0 else DEFAULT_BEHIND_MARGIN,
        # The same care for a stored value the form would refuse: the practice's default.
        symptoms_checked_at_session=(
            checked_at
            if (checked_at := employer["symptoms_checked_at_session"]) and checked_at > 0
            else DEFAULT_SYMPTOMS_CHECKED_AT_SESSION
        ),
    )


# Built once (as the caseload's columns, ``practice.queries.caseload``): the joined ones
# copy the referral's columns each time they are reached.
_FACT_COLUMNS = (
    *TreatmentEpisode.all_columns(),
    TreatmentEpisode.referral._.received_at.as_alias("received_at"),
    TreatmentEpisode.referral._.employer.as_alias("employer_id"),
)


async def load_facts(
    episode_ids: Sequence[int], tz: ZoneInfo
) -> dict[int, tuple[EpisodeFacts, TaskRules]]:
    """Facts for many episodes in a fixed number of queries (one per table, not per episode),
    completed by the registered downstream sources (held sessions, reports sent)."""
    if not episode_ids:
        return {}
    ids = list(episode_ids)
    episodes = await TreatmentEpisode.select(*_FACT_COLUMNS).where(among(TreatmentEpisode.id, ids))
    employer_ids = list({int(e["employer_id"]) for e in episodes})
    # The employments' absences: the period of sickness whose Poortwachter milestones the
    # contract may ask interim reports before (practice.milestone_reports).
    employments = sorted({int(e["employment"]) for e in episodes if e["employment"] is not None})

    async def absences() -> list[dict[str, Any]]:
        if not employments:
            return []
        return await AbsenceEpisode.select(
            AbsenceEpisode.employment,
            AbsenceEpisode.absence_type,
            AbsenceEpisode.first_sick_day,
            AbsenceEpisode.full_recovery_on,
        ).where(among(AbsenceEpisode.employment, employments))

    sources = list(_fact_sources.values())
    # The rest depends only on the episodes: side by side (practice.platform.db.concurrently).
    (
        employer_rows,
        consultation_rows,
        plan_rows,
        follow_ups,
        absence_list,
        override_rows,
        capacity,
        *patches,
    ) = await concurrently(
        lambda: Employer.select().where(among(Employer.id, employer_ids)).run(),
        lambda: (
            ManagerConsultation.select(ManagerConsultation.episode, ManagerConsultation.held_on)
            .where(among(ManagerConsultation.episode, ids))
            .run()
        ),
        lambda: (
            RelapsePreventionPlan.select(
                RelapsePreventionPlan.episode, RelapsePreventionPlan.drawn_up_on
            )
            .where(among(RelapsePreventionPlan.episode, ids))
            .run()
        ),
        lambda: (
            FollowUp.select(FollowUp.episode, FollowUp.kind, FollowUp.held_on)
            .where(among(FollowUp.episode, ids))
            .run()
        ),
        absences,
        lambda: (
            TaskOverride.select(TaskOverride.episode, TaskOverride.task_key, TaskOverride.reason)
            .where(among(TaskOverride.episode, ids))
            .run()
        ),
        lambda: capacity_facts(ids),
        *(functools.partial(source, ids, tz) for source in sources),
    )
    employers = {int(e["id"]): e for e in employer_rows}
    consultations = _first_by_episode(consultation_rows, "held_on")
    plans = _first_by_episode(plan_rows, "drawn_up_on")
    absence_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in absence_list:
        absence_rows[int(row["employment"])].append(row)
    overrides: dict[int, dict[str, str]] = defaultdict(dict)
    for o in override_rows:
        overrides[int(o["episode"])][o["task_key"]] = o["reason"]
    extra: dict[int, FactPatch] = defaultdict(FactPatch)
    for patch in patches:
        for episode_id, fields in patch.items():
            extra[episode_id].update(fields)
    # By episode first: a scan of every follow-up per episode was quadratic, and on 100,000
    # episodes (bench M) kept the sweep's report finder busy for three minutes.
    follow_up_kinds: dict[int, dict[str, Any]] = defaultdict(dict)
    for f in follow_ups:
        follow_up_kinds[int(f["episode"])][f["kind"]] = f["held_on"]  # the last row wins
    result: dict[int, tuple[EpisodeFacts, TaskRules]] = {}
    for e in episodes:
        episode_id = int(e["id"])
        kinds = follow_up_kinds.get(episode_id, {})
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
            capacity=capacity[episode_id],
            absences=tuple(
                absences_of(absence_rows.get(int(e["employment"]), []))
                if e["employment"] is not None
                else ()
            ),
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
        "after_session": task.after_session,
        "waits_for": waits_for_json(task),
        "not_before": task.not_before,
    }


def waits_for_json(task: Task) -> dict[str, Any] | None:
    """The task an open task waits for, as a task's name is shown (its kind and the held
    session it follows) and as its link is made."""
    if task.waits_for is None:
        return None
    kind, ordinal = task.waits_for
    return {"kind": kind.value, "after_session": ordinal}


async def episode_tasks(episode_id: int, today: date, tz: ZoneInfo) -> list[Task]:
    loaded = await load_facts([episode_id], tz)
    facts, rules = loaded[episode_id]
    return derive_tasks(facts, today, rules)
