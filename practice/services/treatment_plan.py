"""What is agreed and recorded around the treatment: work goals, advice, relapse plan, follow-ups.

Also the silenced deadline warnings (task overrides). None of these moves the episode along
its track (``practice.services.episodes`` does that); they are the content of the treatment
plan and its aftercare, which the task list and the reports read.
"""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice import timeline, work_goals
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.episodes import EpisodeStatus
from practice.errors import Conflict, InvalidInput, NotFound, one_of
from practice.platform.db import write_tx
from practice.screening import follow_up_score_problems
from practice.services import capacity
from practice.services.employer_text import refuse_medical
from practice.services.episodes import (
    PURPOSE,
    client_of,
    clock,
    episode_dates,
    episode_row,
    refuse,
)
from practice.tables import (
    Advice,
    FollowUp,
    RelapsePreventionPlan,
    Screening,
    TaskOverride,
    WorkGoal,
)

ADVICE_AUTHORS = ("company_doctor", "therapist", "gp", "other")
FOLLOW_UP_KINDS = ("conversation", "measurement")
FOLLOW_UP_RESPONSES = ("done", "unreachable", "declined")


async def add_work_goal(
    actor: Actor,
    *,
    episode_id: int,
    description: str,
    set_on: date,
    easy_first_goal: bool = False,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A goal from the @Work gesprek (treatment plan)."""
    if not description.strip():
        raise InvalidInput({"description": "required"})
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.after_referral("goal", "set_on", set_on, referred_on, day))
        rows = await WorkGoal.insert(
            WorkGoal(
                episode=episode_id,
                description=description.strip(),
                set_on=set_on,
                easy_first_goal=easy_first_goal,
            )
        ).returning(WorkGoal.id)
        await audit.record(
            actor,
            Action.CREATE,
            "work_goal",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])


async def mark_goal_achieved(
    actor: Actor,
    *,
    episode_id: int,
    goal_id: int,
    achieved_on: date,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """A work goal reached: on a day not before it was set and not ahead of today. Marking
    it again corrects the date (the audit trail keeps that it changed)."""
    day, _zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        goal = (
            await WorkGoal.select(WorkGoal.set_on)
            .where((WorkGoal.id == goal_id) & (WorkGoal.episode == episode_id))
            .first()
        )
        if goal is None:
            raise NotFound("No such work goal for this episode.")
        refuse(work_goals.achievement_problems("achieved_on", achieved_on, goal["set_on"], day))
        await WorkGoal.update({WorkGoal.achieved_on: achieved_on}).where(WorkGoal.id == goal_id)
        await audit.record(
            actor, Action.UPDATE, "work_goal", goal_id, purpose=PURPOSE, client_id=client_of(row)
        )


async def record_advice(
    actor: Actor,
    *,
    episode_id: int,
    author_role: str,
    given_on: date,
    content: str,
    conflicts_with_other_advice: bool = False,
    conflict_note: str | None = None,
    hours_per_day: Decimal | None = None,
    hours_per_week: Decimal | None = None,
    task_limits: str | None = None,
    valid_until: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """Advice of one party; a conflict flag makes contradicting advice visible (TNO C4).
    Advised hours are checked against the company doctor's capacity advice
    (``practice.capacity``); the company doctor's own, with hours, is that advice."""
    problems, day_minutes, week_minutes = capacity.advice_hours(hours_per_day, hours_per_week)
    problems |= capacity.period_problems(given_on, valid_until)
    if author_role not in ADVICE_AUTHORS:
        problems["author_role"] = one_of(ADVICE_AUTHORS)
    if not content.strip():
        problems["content"] = "required"
    if conflicts_with_other_advice and not (conflict_note or "").strip():
        problems["conflict_note"] = "say what the advice conflicts with"
    if problems:
        raise InvalidInput(problems)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        # Advice that was given: after the referral, not after today (1900 and 2099 were
        # taken, and a capacity advice of 2099 would rule every agreement until then).
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.held("advice", "given_on", given_on, referred_on, day))
        rows = await Advice.insert(
            Advice(
                episode=episode_id,
                author_role=author_role,
                given_on=given_on,
                content=content,
                conflicts_with_other_advice=conflicts_with_other_advice,
                conflict_note=conflict_note,
                valid_until=valid_until,
                hours_per_day_minutes=day_minutes,
                hours_per_week_minutes=week_minutes,
                task_limits=(task_limits or "").strip() or None,
            )
        ).returning(Advice.id)
        await audit.record(
            actor, Action.CREATE, "advice", rows[0]["id"], purpose=PURPOSE, client_id=client_of(row)
        )
        # Advised hours that differ from the capacity advice: the company doctor hears of it.
        await capacity.tell_company_doctors(episode_id, *clock(today, tz))
    return int(rows[0]["id"])


async def record_relapse_prevention_plan(
    actor: Actor,
    *,
    episode_id: int,
    drawn_up_on: date,
    warning_signs: str,
    actions: str,
    work_situation: str,
    share_work_section_with_employer: bool = False,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """The terugvalpreventieplan; drawing it up again replaces the earlier version."""
    problems = {
        name: "required"
        for name, value in (
            ("warning_signs", warning_signs),
            ("actions", actions),
            ("work_situation", work_situation),
        )
        if not value.strip()
    }
    if problems:
        raise InvalidInput(problems)
    if share_work_section_with_employer:
        # Shared, the work section reaches the employer as written (422 if medical);
        # kept with the client, it is part of the plan and may say anything.
        refuse_medical(work_situation=work_situation)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.after_referral("plan", "drawn_up_on", drawn_up_on, referred_on, day))
        await RelapsePreventionPlan.delete().where(RelapsePreventionPlan.episode == episode_id)
        await RelapsePreventionPlan.insert(
            RelapsePreventionPlan(
                episode=episode_id,
                drawn_up_on=drawn_up_on,
                warning_signs=warning_signs,
                actions=actions,
                work_situation=work_situation,
                share_work_section_with_employer=share_work_section_with_employer,
            )
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "relapse_prevention_plan",
            episode_id,
            purpose=PURPOSE,
            client_id=client_of(row),
        )


async def record_follow_up(
    actor: Actor,
    *,
    episode_id: int,
    kind: str,
    held_on: date,
    response: str,
    relapse: bool | None = None,
    complaint_score: int | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A follow-up conversation or measurement, including unreachable and declined ones."""
    problems: dict[str, str] = {}
    if kind not in FOLLOW_UP_KINDS:
        problems["kind"] = one_of(FOLLOW_UP_KINDS)
    if response not in FOLLOW_UP_RESPONSES:
        problems["response"] = one_of(FOLLOW_UP_RESPONSES)
    if response != "done" and (relapse is not None or complaint_score is not None):
        problems["response"] = "only a follow-up that was done has results"
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        row = await episode_row(episode_id)
        if row["status"] != EpisodeStatus.CLOSED.value:
            raise Conflict(
                "Follow-ups come after the episode is closed.", allowed=[EpisodeStatus.CLOSED.value]
            )
        day, zone = clock(today, tz)
        dates = await episode_dates(episode_id, zone)
        screening = (
            await Screening.select(Screening.complaint_instrument)
            .where(Screening.episode == episode_id)
            .first()
        )
        refuse(
            timeline.follow_up_problems("held_on", held_on, dates.referred_on, dates.closed_on, day)
            | follow_up_score_problems(
                complaint_score, screening["complaint_instrument"] if screening else None
            )
        )
        rows = await FollowUp.insert(
            FollowUp(
                episode=episode_id,
                kind=kind,
                held_on=held_on,
                response=response,
                relapse=relapse,
                complaint_score=complaint_score,
            )
        ).returning(FollowUp.id)
        await audit.record(
            actor,
            Action.CREATE,
            "follow_up",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])


async def override_task(actor: Actor, *, episode_id: int, task_key: str, reason: str) -> None:
    """Silence a deadline warning with a reason; the task and its history stay visible."""
    if not reason.strip():
        raise InvalidInput({"reason": "say why"})
    if not task_key.strip() or len(task_key) > 64:
        raise InvalidInput({"task_key": "a task key such as screening or interim_report:5"})
    async with write_tx():
        row = await episode_row(episode_id)
        # One override per task (a unique index): silencing it again replaces the reason,
        # and two requests at once leave one row, the later one's.
        await TaskOverride.insert(
            TaskOverride(
                episode=episode_id,
                task_key=task_key,
                reason=reason.strip(),
                created_by=actor.user_id,
            )
        ).on_conflict(
            target=(TaskOverride.episode, TaskOverride.task_key),
            action="DO UPDATE",
            values=[TaskOverride.reason, TaskOverride.created_at, TaskOverride.created_by],
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "task",
            f"{episode_id}:{task_key}",
            purpose=PURPOSE,
            client_id=client_of(row),
        )
