"""Handing a case-team role to a named successor, and telling the rest of the team (TNO C2).

Its own module because it is about who works on the case, not about where the treatment
stands: the rules of a handover are in ``practice.case_team``, this is the write that applies
them and queues the messages in the same transaction.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice import timeline
from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.case_team import Assignment, HandoverError, TeamRole, plan_handover, seat_refusal
from practice.disclosure import Addressee, Sender
from practice.errors import InvalidInput, one_of
from practice.platform import outbox
from practice.platform.clock import today_in
from practice.platform.db import write_tx
from practice.platform.templating import make_environment
from practice.privacy import initials
from practice.services import disclosure
from practice.services.episodes import PURPOSE, client_of, episode_row
from practice.tables import (
    CaseAssignment,
    Client,
    EmployerContact,
    Referral,
    TherapistAffiliation,
    User,
)


def handover_key(episode_id: int, successor_user_id: int, on: date, person: int) -> str:
    """The outbox key of one handover notice; the episode comes first, so
    ``handover_keys_of`` finds every notice of an episode."""
    return f"{handover_keys_of(episode_id)[:-1]}{successor_user_id}:{on}:{person}"


def handover_keys_of(episode_id: int) -> str:
    """The LIKE pattern of every handover notice of the episode (the client-data registry)."""
    return f"handover:{episode_id}:%"


async def hand_over(
    actor: Actor,
    *,
    episode_id: int,
    role: str,
    leaving_user_id: int,
    successor_user_id: int,
    on: date,
    tz: ZoneInfo,
    note: str | None = None,
) -> list[str]:
    """Hand a case-team role to a named successor; returns the roles to notify (TNO C2)."""
    if role not in {r.value for r in TeamRole}:
        raise InvalidInput({"role": one_of(r.value for r in TeamRole)})
    if too_far := timeline.not_too_far_ahead("on", on, today_in(tz)):
        raise InvalidInput(too_far)
    async with write_tx():
        row = await episode_row(episode_id)
        referral = await Referral.select(Referral.employer).where(Referral.id == row["referral"])
        await require_seat_holder(
            successor_user_id,
            TeamRole(role),
            episode_employer_id=int(referral[0]["employer"]),
            field="successor_user_id",
        )
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
            raise InvalidInput({exc.field: exc.message}) from exc
        leavers_row = (
            (CaseAssignment.episode == episode_id)
            & (CaseAssignment.user == leaving_user_id)
            & (CaseAssignment.team_role == role)
        )
        if plan.replaced is not None:
            # The leaver's seat starts on the handover day: it passes to the successor whole.
            await CaseAssignment.update(
                {CaseAssignment.user: successor_user_id, CaseAssignment.handover_note: note}
            ).where(leavers_row & (CaseAssignment.valid_from == plan.replaced.valid_from))
        else:
            assert plan.ended is not None
            await CaseAssignment.update(
                {CaseAssignment.valid_to: plan.ended.valid_to, CaseAssignment.handover_note: note}
            ).where(leavers_row & (CaseAssignment.valid_from == plan.ended.valid_from))
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
            client_of(row),
            plan.notify_person_ids,
            leaving_user_id,
            successor_user_id,
            on,
            tz,
        )
        await audit.record(
            actor, Action.UPDATE, "case_team", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )
    return sorted(r.value for r in plan.notify_roles)


async def require_seat_holder(
    user_id: int, seat: TeamRole, *, episode_employer_id: int, field: str
) -> None:
    """400 naming `field` unless the account may hold `seat` on an episode of that employer.

    Every path that puts someone on a case team asks this (handover, referral), so a seat
    never becomes a way into another company's employees (issue 14).
    """
    user = await User.select(User.role, User.active).where(User.id == user_id).first()
    if user is None:
        raise InvalidInput({field: "no such account"})
    reason = seat_refusal(
        seat,
        account_role=str(user["role"]),
        active=bool(user["active"]),
        employer_ids=await _employer_ids(user_id, str(user["role"])),
        episode_employer_id=episode_employer_id,
    )
    if reason is not None:
        raise InvalidInput({field: reason})


async def _employer_ids(user_id: int, account_role: str) -> set[int]:
    """The employers the seat rule weighs: a contact's own, a therapist's affiliations (C6)."""
    if account_role == Role.EMPLOYER_CONTACT.value:
        contacts = await EmployerContact.select(EmployerContact.employer).where(
            EmployerContact.user == user_id
        )
        return {int(c["employer"]) for c in contacts}
    if account_role == Role.THERAPIST.value:
        ties = await TherapistAffiliation.select(TherapistAffiliation.employer).where(
            TherapistAffiliation.therapist._.user == user_id
        )
        return {int(t["employer"]) for t in ties}
    return set()


async def _tell_the_team(
    episode_id: int,
    client_id: int,
    people: Sequence[int],
    leaving_user_id: int,
    successor_user_id: int,
    on: date,
    tz: ZoneInfo,
) -> None:
    """Every other member of the case team hears who their new contact is (TNO C2).

    Sent as outbox messages, so they leave with the handover's commit or not at all. The
    text names the client by initials only: it may reach the employer side, and the company
    doctor and the employer contacts on the team hear it only with the client's consent
    (``Sender.HANDOVER_NOTICE``); the therapists always do.
    """
    names = {
        int(u["id"]): u
        for u in await User.select(User.id, User.display_name, User.email, User.active).where(
            User.id.is_in([*people, leaving_user_id, successor_user_id])
        )
    }
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    client_initials = initials(str(client["name"] if client else ""))
    env = make_environment(tz)
    for person in people:
        member = names.get(person)
        if member is None or not member["active"]:  # a deactivated account gets no mail (C1)
            continue
        context = {
            "name": member["display_name"],
            "on": on,
            "client": client_initials,
            "successor": names[successor_user_id]["display_name"],
            "leaver": names[leaving_user_id]["display_name"],
        }
        clearance = await disclosure.clear(
            Sender.HANDOVER_NOTICE, client_id, Addressee.account(person), datetime.now(UTC)
        )
        if isinstance(clearance, disclosure.Refusal):
            continue
        await outbox.queue_message(
            clearance,
            key=handover_key(episode_id, successor_user_id, on, person),
            to_address=member["email"],
            subject=env.get_template("practice/handover/subject.txt").render(context).strip(),
            body_text=env.get_template("practice/handover/body.txt").render(context),
        )
