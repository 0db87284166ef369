"""The treatment track of an episode: status moves, screening, offer, team, plan and closing.

Deadlines are never enforced here: a late screening is recorded like a timely one, and the
task list (``practice.tasks``) shows it as late with its reason.
"""

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from practice import audit, outbox
from practice.audit import Action, Actor
from practice.case_team import Assignment, HandoverError, TeamRole, plan_handover
from practice.db import write_tx
from practice.episodes import EpisodeStatus, InvalidTransition, Offer, check_transition
from practice.errors import Conflict, InvalidInput, NotFound
from practice.screening import Proposal, screening_problems
from practice.tables import (
    Advice,
    CaseAssignment,
    Client,
    FollowUp,
    ManagerConsultation,
    OfferChange,
    RelapsePreventionPlan,
    Screening,
    StatusChange,
    TaskOverride,
    TreatmentEpisode,
    User,
    WorkGoal,
)
from practice.templating import make_environment

PURPOSE = "treatment"
ADVICE_AUTHORS = ("company_doctor", "therapist", "gp", "other")
FOLLOW_UP_KINDS = ("conversation", "measurement")
FOLLOW_UP_RESPONSES = ("done", "unreachable", "declined")


async def _episode(episode_id: int) -> dict[str, object]:
    row = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    if row is None:
        raise NotFound("No such episode.")
    return row


def _client(row: dict[str, object]) -> int:
    return int(str(row["client"]))


async def apply_transition(
    actor: Actor,
    episode_id: int,
    current: EpisodeStatus,
    target: EpisodeStatus,
    *,
    reason: str | None,
    on: date | None = None,
) -> None:
    """Move along the state machine, or refuse with 409 naming the allowed moves."""
    try:
        check_transition(current, target)
    except InvalidTransition as exc:
        raise Conflict(
            f"An episode that is {current.value} cannot become {target.value}.",
            allowed=sorted(status.value for status in exc.allowed),
        ) from exc
    changes: dict[object, object] = {TreatmentEpisode.status: target.value}
    if target is EpisodeStatus.CLOSED:
        changes[TreatmentEpisode.closed_on] = on
    if current is EpisodeStatus.CLOSED:  # reopened after relapse
        changes[TreatmentEpisode.closed_on] = None
    if target is EpisodeStatus.IN_TREATMENT and on is not None:
        row = await _episode(episode_id)
        if row["started_on"] is None:
            changes[TreatmentEpisode.started_on] = on
    await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
    await StatusChange.insert(
        StatusChange(
            episode=episode_id,
            from_status=current.value,
            to_status=target.value,
            changed_by=actor.user_id,
            reason=reason,
        )
    )


async def transition(
    actor: Actor,
    *,
    episode_id: int,
    to_status: str,
    reason: str | None = None,
    on: date | None = None,
) -> None:
    if to_status not in {s.value for s in EpisodeStatus}:
        raise InvalidInput({"to_status": f"one of {', '.join(s.value for s in EpisodeStatus)}"})
    target = EpisodeStatus(to_status)
    if target is EpisodeStatus.CLOSED and on is None:
        raise InvalidInput({"on": "the date of the last held treatment session"})
    async with write_tx():
        row = await _episode(episode_id)
        await apply_transition(
            actor, episode_id, EpisodeStatus(str(row["status"])), target, reason=reason, on=on
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=_client(row)
        )


async def plan_screening(actor: Actor, *, episode_id: int, planned_on: date) -> None:
    async with write_tx():
        row = await _episode(episode_id)
        current = EpisodeStatus(str(row["status"]))
        if current is not EpisodeStatus.SCREENING_PLANNED:
            await apply_transition(
                actor,
                episode_id,
                current,
                EpisodeStatus.SCREENING_PLANNED,
                reason="screening planned",
            )
        await TreatmentEpisode.update({TreatmentEpisode.screening_planned_on: planned_on}).where(
            TreatmentEpisode.id == episode_id
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=_client(row)
        )


async def record_screening(
    actor: Actor,
    *,
    episode_id: int,
    held_on: date,
    suitable: bool,
    diagnosis_category: str,
    proposal: str,
    work_factors: str | None = None,
    functioning_impact: str | None = None,
    complaint_instrument: str | None = None,
    complaint_score: int | None = None,
    intervention_need: str | None = None,
    discussed_with_client_on: date | None = None,
    late_reason: str | None = None,
) -> None:
    """The Screening's findings; the episode becomes screened (planned first if needed)."""
    problems = screening_problems(
        diagnosis_category=diagnosis_category,
        complaint_instrument=complaint_instrument,
        complaint_score=complaint_score,
        proposal=proposal,
    )
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        row = await _episode(episode_id)
        if await Screening.exists().where(Screening.episode == episode_id):
            raise Conflict("This episode already has a screening.")
        current = EpisodeStatus(str(row["status"]))
        if current is EpisodeStatus.REFERRED:
            await apply_transition(
                actor,
                episode_id,
                current,
                EpisodeStatus.SCREENING_PLANNED,
                reason="screening held without a planned date",
            )
            current = EpisodeStatus.SCREENING_PLANNED
        await apply_transition(
            actor, episode_id, current, EpisodeStatus.SCREENED, reason="screening held"
        )
        await Screening.insert(
            Screening(
                episode=episode_id,
                held_on=held_on,
                suitable=suitable,
                work_factors=work_factors,
                functioning_impact=functioning_impact,
                diagnosis_category=diagnosis_category,
                complaint_instrument=complaint_instrument,
                complaint_score=complaint_score,
                intervention_need=intervention_need,
                proposal=proposal,
                discussed_with_client_on=discussed_with_client_on,
                late_reason=late_reason,
            )
        )
        changes: dict[object, object] = {TreatmentEpisode.screening_held_on: held_on}
        if proposal in {Proposal.ATWORK_BASIC, Proposal.ATWORK_COMPLEET, Proposal.PREVENTIVE}:
            changes[TreatmentEpisode.offer] = proposal
        await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
        await audit.record(
            actor, Action.CREATE, "screening", episode_id, purpose=PURPOSE, client_id=_client(row)
        )


async def record_manager_consultation(
    actor: Actor,
    *,
    episode_id: int,
    held_on: date,
    contact_id: int | None = None,
    recovery_view: str | None = None,
    functioning_before: str | None = None,
    future_view: str | None = None,
    existing_agreements: str | None = None,
    advice_to_manager: str | None = None,
) -> int:
    """HSK's four questions to the manager, and the advice the manager was given."""
    async with write_tx():
        row = await _episode(episode_id)
        rows = await ManagerConsultation.insert(
            ManagerConsultation(
                episode=episode_id,
                contact=contact_id,
                held_on=held_on,
                recovery_view=recovery_view,
                functioning_before=functioning_before,
                future_view=future_view,
                existing_agreements=existing_agreements,
                advice_to_manager=advice_to_manager,
            )
        ).returning(ManagerConsultation.id)
        await audit.record(
            actor,
            Action.CREATE,
            "manager_consultation",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=_client(row),
        )
    return int(rows[0]["id"])


async def change_offer(actor: Actor, *, episode_id: int, offer: str, reason: str) -> None:
    """Up- or downgrade; offer-dependent tasks follow because tasks are derived, not stored."""
    if offer not in {o.value for o in Offer}:
        raise InvalidInput({"offer": f"one of {', '.join(o.value for o in Offer)}"})
    if not reason.strip():
        raise InvalidInput({"reason": "say why the offer changes"})
    async with write_tx():
        row = await _episode(episode_id)
        if row["offer"] == offer:
            raise Conflict(f"The offer already is {offer}.")
        await TreatmentEpisode.update({TreatmentEpisode.offer: offer}).where(
            TreatmentEpisode.id == episode_id
        )
        await OfferChange.insert(
            OfferChange(
                episode=episode_id,
                from_offer=row["offer"],
                to_offer=offer,
                changed_by=actor.user_id,
                reason=reason,
            )
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=_client(row)
        )


async def update_plan(
    actor: Actor,
    *,
    episode_id: int,
    planned_start_on: date | None = None,
    sessions_authorised: int | None = None,
    briefing_sent_on: date | None = None,
) -> None:
    """Planned start, session budget and a briefing given outside the service (e.g. by phone)."""
    if sessions_authorised is not None and sessions_authorised < 0:
        raise InvalidInput({"sessions_authorised": "not negative"})
    changes: dict[object, object] = {}
    if planned_start_on is not None:
        changes[TreatmentEpisode.planned_start_on] = planned_start_on
    if sessions_authorised is not None:
        changes[TreatmentEpisode.sessions_authorised] = sessions_authorised
    if briefing_sent_on is not None:
        changes[TreatmentEpisode.briefing_sent_on] = briefing_sent_on
    if not changes:
        raise InvalidInput({"body": "nothing to change"})
    async with write_tx():
        row = await _episode(episode_id)
        await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=_client(row)
        )


async def hand_over(
    actor: Actor,
    *,
    episode_id: int,
    role: str,
    leaving_user_id: int,
    successor_user_id: int,
    on: date,
    note: str | None = None,
) -> list[str]:
    """Hand a case-team role to a named successor; returns the roles to notify (TNO C2)."""
    if role not in {r.value for r in TeamRole}:
        raise InvalidInput({"role": f"one of {', '.join(r.value for r in TeamRole)}"})
    async with write_tx():
        row = await _episode(episode_id)
        rows = await CaseAssignment.select().where(CaseAssignment.episode == episode_id)
        assignments = [
            Assignment(
                person_id=int(r["user"]),
                role=TeamRole(r["team_role"]),
                valid_from=r["valid_from"],
                valid_to=r["valid_to"],
            )
            for r in rows
        ]
        try:
            plan = plan_handover(
                assignments, leaving_user_id, successor_user_id, TeamRole(role), on
            )
        except HandoverError as exc:
            raise Conflict(str(exc)) from exc
        await CaseAssignment.update(
            {CaseAssignment.valid_to: plan.ended.valid_to, CaseAssignment.handover_note: note}
        ).where(
            (CaseAssignment.episode == episode_id)
            & (CaseAssignment.user == leaving_user_id)
            & (CaseAssignment.team_role == role)
            & CaseAssignment.valid_to.is_null()
        )
        await CaseAssignment.insert(
            CaseAssignment(
                episode=episode_id,
                user=successor_user_id,
                team_role=role,
                valid_from=plan.started.valid_from,
                handover_note=note,
            )
        )
        await _tell_the_team(
            episode_id,
            _client(row),
            plan.notify_person_ids,
            leaving_user_id,
            successor_user_id,
            on,
        )
        await audit.record(
            actor, Action.UPDATE, "case_team", episode_id, purpose=PURPOSE, client_id=_client(row)
        )
    return sorted(r.value for r in plan.notify_roles)


async def _tell_the_team(
    episode_id: int,
    client_id: int,
    people: Sequence[int],
    leaving_user_id: int,
    successor_user_id: int,
    on: date,
) -> None:
    """Every other member of the case team hears who their new contact is (TNO C2).

    Sent as outbox messages, so they leave with the handover's commit or not at all. The
    text names the client by initials only: it may reach the employer side.
    """
    names = {
        int(u["id"]): u
        for u in await User.select(User.id, User.display_name, User.email).where(
            User.id.is_in([*people, leaving_user_id, successor_user_id])
        )
    }
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    initials = "".join(f"{part[0]}." for part in str(client["name"] if client else "").split())
    env = make_environment(ZoneInfo("Europe/Amsterdam"))
    for person in people:
        member = names.get(person)
        if member is None:
            continue
        context = {
            "name": member["display_name"],
            "on": on,
            "client": initials,
            "successor": names[successor_user_id]["display_name"],
            "leaver": names[leaving_user_id]["display_name"],
        }
        await outbox.queue_message(
            key=f"handover:{episode_id}:{successor_user_id}:{on}:{person}",
            to_address=member["email"],
            subject=env.get_template("practice/handover/subject.txt").render(context).strip(),
            body_text=env.get_template("practice/handover/body.txt").render(context),
        )


async def add_work_goal(
    actor: Actor,
    *,
    episode_id: int,
    description: str,
    set_on: date,
    easy_first_goal: bool = False,
) -> int:
    """A goal from the @Work gesprek (treatment plan)."""
    if not description.strip():
        raise InvalidInput({"description": "required"})
    async with write_tx():
        row = await _episode(episode_id)
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
            client_id=_client(row),
        )
    return int(rows[0]["id"])


async def record_advice(
    actor: Actor,
    *,
    episode_id: int,
    author_role: str,
    given_on: date,
    content: str,
    conflicts_with_other_advice: bool = False,
    conflict_note: str | None = None,
) -> int:
    """Advice of one party; a conflict flag makes contradicting advice visible (TNO C4)."""
    problems: dict[str, str] = {}
    if author_role not in ADVICE_AUTHORS:
        problems["author_role"] = f"one of {', '.join(ADVICE_AUTHORS)}"
    if not content.strip():
        problems["content"] = "required"
    if conflicts_with_other_advice and not (conflict_note or "").strip():
        problems["conflict_note"] = "say what the advice conflicts with"
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        row = await _episode(episode_id)
        rows = await Advice.insert(
            Advice(
                episode=episode_id,
                author_role=author_role,
                given_on=given_on,
                content=content,
                conflicts_with_other_advice=conflicts_with_other_advice,
                conflict_note=conflict_note,
            )
        ).returning(Advice.id)
        await audit.record(
            actor, Action.CREATE, "advice", rows[0]["id"], purpose=PURPOSE, client_id=_client(row)
        )
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
    async with write_tx():
        row = await _episode(episode_id)
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
            client_id=_client(row),
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
) -> int:
    """A follow-up conversation or measurement, including unreachable and declined ones."""
    problems: dict[str, str] = {}
    if kind not in FOLLOW_UP_KINDS:
        problems["kind"] = f"one of {', '.join(FOLLOW_UP_KINDS)}"
    if response not in FOLLOW_UP_RESPONSES:
        problems["response"] = f"one of {', '.join(FOLLOW_UP_RESPONSES)}"
    if response != "done" and (relapse is not None or complaint_score is not None):
        problems["response"] = "only a follow-up that was done has results"
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        row = await _episode(episode_id)
        if row["status"] != EpisodeStatus.CLOSED.value:
            raise Conflict(
                "Follow-ups come after the episode is closed.", allowed=[EpisodeStatus.CLOSED.value]
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
            client_id=_client(row),
        )
    return int(rows[0]["id"])


async def override_task(actor: Actor, *, episode_id: int, task_key: str, reason: str) -> None:
    """Silence a deadline warning with a reason; the task and its history stay visible."""
    if not reason.strip():
        raise InvalidInput({"reason": "say why"})
    if not task_key.strip() or len(task_key) > 64:
        raise InvalidInput({"task_key": "a task key such as screening or interim_report:5"})
    async with write_tx():
        row = await _episode(episode_id)
        await TaskOverride.delete().where(
            (TaskOverride.episode == episode_id) & (TaskOverride.task_key == task_key)
        )
        await TaskOverride.insert(
            TaskOverride(
                episode=episode_id,
                task_key=task_key,
                reason=reason.strip(),
                created_by=actor.user_id,
            )
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "task",
            f"{episode_id}:{task_key}",
            purpose=PURPOSE,
            client_id=_client(row),
        )
