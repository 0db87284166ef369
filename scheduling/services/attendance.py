"""What happens to a booked appointment: attendance (held, cancelled, no-show, with the
client notified of a practice cancellation), the other participants, and the
alignment-meeting proposal that held sessions trigger (read in ``scheduling.queries.sessions``).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.disclosure import Addressee, Sender
from practice.episodes import ENDED_STATUSES, TREATING_STATUSES, Offer
from practice.errors import Conflict, InvalidInput, Message, NotFound, one_of
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.i18n import N_, Count
from practice.platform.i18n import gettext as _
from practice.platform.queue import JobQueue, enqueue_after_commit, sweep_episode_job
from practice.services import disclosure
from practice.tables import TreatmentEpisode
from scheduling.appointments import (
    LIVE,
    Attendance,
    InvalidAttendanceChange,
    ParticipantRole,
    attendance_choices,
    check_attendance_change,
    needs_client_notification,
    too_early,
)
from scheduling.ics import CalendarEntry, calendar
from scheduling.queries.appointments import left_over
from scheduling.queries.sessions import held_counting_dates
from scheduling.services.invitations import cancel_invitations, invite_participants
from scheduling.services.notices import client_contact, render_notice
from scheduling.tables import Appointment, MeetingProposal, Participant

PURPOSE = "treatment"

# Refusals of an attendance change: message ids, translated on the page (the JSON keeps them).
NOT_HELD_YET = N_("An appointment in the future cannot have been held yet.")
NO_SHOW_NOT_YET = N_("An appointment that has not begun cannot be a no-show; cancel it instead.")
STAYS_CANCELLED = N_("A cancelled appointment stays cancelled; book a new one instead.")
CHANGE_REFUSED = N_("This attendance cannot replace the one recorded.")
TOLD_ONLY_OF_A_PRACTICE_CANCELLATION = N_(
    "Only a cancellation by the practice is told to the client; leave this unticked."
)


NOTES_MAX_LENGTH = 20_000


def cancellation_key(appointment_id: int) -> str:
    """The outbox key of an appointment's cancellation notice (one per appointment)."""
    return f"cancellation:{appointment_id}"


def held_sweep_job_id(appointment_id: int) -> str:
    """The queue job id of the sweep of its episode a held appointment starts."""
    return f"sweep:held:{appointment_id}"


async def record_notes(actor: Actor, *, appointment_id: int, notes: str) -> None:
    """The therapist's session notes (medical: shown to the therapist of record only)."""
    if len(notes) > NOTES_MAX_LENGTH:
        raise InvalidInput(
            {"notes": Message("at most %(count)s characters", count=Count(NOTES_MAX_LENGTH))}
        )
    async with write_tx():
        row = (
            await Appointment.select(Appointment.episode._.client.as_alias("client_id"))
            .where(Appointment.id == appointment_id)
            .first()
        )
        if row is None:
            raise NotFound("No such appointment.")
        await Appointment.update({Appointment.notes: notes.strip() or None}).where(
            Appointment.id == appointment_id
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "appointment",
            appointment_id,
            purpose=PURPOSE,
            client_id=int(row["client_id"]),
        )


async def session_notes(episode_id: int, appointment_ids: Sequence[int]) -> dict[int, str]:
    """The notes of those appointments of the episode that have them (for its therapist).

    Only the appointments the page shows: a long treatment has a note per session."""
    if not appointment_ids:
        return {}
    rows = await Appointment.select(Appointment.id, Appointment.notes).where(
        (Appointment.episode == episode_id)
        & among(Appointment.id, appointment_ids)
        & Appointment.notes.is_not_null()
    )
    return {int(r["id"]): str(r["notes"]) for r in rows}


async def record_attendance(
    actor: Actor,
    *,
    appointment_id: int,
    attendance: str,
    tz: ZoneInfo,
    reason: str | None = None,
    queue: JobQueue | None = None,
    client_told_by_phone: bool = False,
) -> None:
    """Held / cancelled / no-show; a practice cancellation notifies the client at once
    (its time shown in ``tz``), unless the therapist already told them by phone: then no
    e-mail, and the appointment keeps who told them and when. The rebooking task stays."""
    if attendance not in {a.value for a in Attendance}:
        raise InvalidInput({"attendance": one_of(a.value for a in Attendance)})
    target = Attendance(attendance)
    if client_told_by_phone and not needs_client_notification(target):
        raise InvalidInput({"client_told_by_phone": TOLD_ONLY_OF_A_PRACTICE_CANCELLATION})
    async with write_tx():
        row = await Appointment.select().where(Appointment.id == appointment_id).first()
        if row is None:
            raise NotFound("No such appointment.")
        current = Attendance(row["attendance"])
        started = row["starts_at"] <= datetime.now(row["starts_at"].tzinfo)
        try:
            check_attendance_change(current, target)
        except InvalidAttendanceChange as exc:
            message = CHANGE_REFUSED if exc.allowed else STAYS_CANCELLED
            raise Conflict(message, allowed=sorted(a.value for a in exc.allowed)) from exc
        if too_early(target, started=started):
            message = NOT_HELD_YET if target is Attendance.HELD else NO_SHOW_NOT_YET
            allowed = attendance_choices(current, started=started)
            raise Conflict(message, allowed=[a.value for a in allowed])
        values: dict[Column | str, Any] = {
            Appointment.attendance: target.value,
            Appointment.attendance_reason: reason,
            Appointment.attendance_at: datetime.now(UTC),
        }
        if client_told_by_phone:
            values[Appointment.client_told_by] = actor.user_id
            values[Appointment.client_told_at] = datetime.now(UTC)
        await Appointment.update(values).where(Appointment.id == appointment_id)
        episode = (
            await TreatmentEpisode.select(TreatmentEpisode.client)
            .where(TreatmentEpisode.id == row["episode"])
            .first()
        )
        client_id = int(episode["client"]) if episode else None
        if needs_client_notification(target) and client_id is not None and not client_told_by_phone:
            name, email = await client_contact(client_id)
            clearance = await disclosure.clear(
                Sender.APPOINTMENT_CANCELLATION,
                client_id,
                Addressee.client(),
                datetime.now(UTC),
            )
            if email and isinstance(clearance, disclosure.Clearance):
                subject, body = render_notice(
                    "cancellation", tz, name=name, starts_at=row["starts_at"]
                )
                ics = calendar(
                    [
                        CalendarEntry(
                            f"appointment-{appointment_id}@atwork",
                            row["starts_at"],
                            row["ends_at"],
                            "Afspraak",
                            cancelled=True,
                        )
                    ],
                    method="CANCEL",
                )
                message_id = await outbox.queue_message(
                    clearance,
                    key=cancellation_key(appointment_id),
                    to_address=email,
                    subject=subject,
                    body_text=body,
                    ics=ics,
                )
                if message_id is not None and queue is not None:
                    enqueue_after_commit(queue, outbox.send_job(message_id))
        if target.value not in LIVE:
            # Whoever was invited to the meeting hears it is off (a move books it anew,
            # with new invitations).
            await cancel_invitations(appointment_id, tz, queue)
        if target is Attendance.HELD:
            await propose_alignment_meetings([int(row["episode"])])
            if queue is not None:
                # A held session may make an interim report due: sweep its episode now
                # rather than wait for the next five-minute sweep of every episode, so the
                # draft waits on the client page already.
                enqueue_after_commit(
                    queue,
                    sweep_episode_job(int(row["episode"]), held_sweep_job_id(appointment_id)),
                )
        await audit.record(
            actor,
            Action.UPDATE,
            "appointment",
            appointment_id,
            purpose=PURPOSE,
            client_id=client_id,
        )


async def propose_alignment_meetings(episode_ids: Sequence[int] | None = None) -> list[int]:
    """Propose the afstemmingsoverleg for Compleet episodes with ≥ 4 held sessions.

    Idempotent (one proposal per episode). Called after each held session and by the sweep,
    which also catches an upgrade to Compleet after the 4th session.
    """
    query = TreatmentEpisode.select(TreatmentEpisode.id).where(
        (TreatmentEpisode.offer == Offer.COMPLEET.value)
        & TreatmentEpisode.status.is_in([status.value for status in TREATING_STATUSES])
    )
    if episode_ids is not None:
        query = query.where(TreatmentEpisode.id.is_in(list(episode_ids) or [-1]))
    candidates = [int(r["id"]) for r in await query]
    # Only the number of held sessions matters here, not their local dates: any zone counts.
    held = await held_counting_dates(candidates, ZoneInfo("UTC"))
    proposed = []
    for episode_id in candidates:
        if len(held.get(episode_id, ())) >= 4:
            rows = (
                await MeetingProposal.insert(MeetingProposal(episode=episode_id))
                .on_conflict(target=MeetingProposal.episode, action="DO NOTHING")
                .returning(MeetingProposal.id)
            )
            if rows:
                proposed.append(episode_id)
    return proposed


async def add_participant(
    actor: Actor,
    *,
    appointment_id: int,
    role: str,
    name: str,
    email: str | None = None,
    required: bool = True,
    user_id: int | None = None,
    tz: ZoneInfo,
    queue: JobQueue | None = None,
) -> int:
    """Someone else at the table: manager, HR adviser or company doctor; invited by e-mail
    when the meeting is still ahead (``scheduling.services.invitations``)."""
    if role not in {r.value for r in ParticipantRole} or role in {"client", "therapist"}:
        raise InvalidInput({"role": "manager, hr_adviser or company_doctor"})
    if not name.strip():
        raise InvalidInput({"name": "required"})
    async with write_tx():
        row = (
            await Appointment.select(Appointment.episode)
            .where(Appointment.id == appointment_id)
            .first()
        )
        if row is None:
            raise NotFound("No such appointment.")
        rows = await Participant.insert(
            Participant(
                appointment=appointment_id,
                role=role,
                user=user_id,
                name=name.strip(),
                email=email,
                required=required,
            )
        ).returning(Participant.id)
        participant_id = int(rows[0]["id"])
        await invite_participants(appointment_id, tz, queue, participant_id=participant_id)
        await audit.record(actor, Action.UPDATE, "appointment", appointment_id, purpose=PURPOSE)
    return participant_id


# Why the appointments left after the end were cancelled, as their reason shows it.
TREATMENT_ENDED = N_("The treatment has ended.")
NOT_ENDED = N_("The treatment has not ended: cancel its appointments one by one.")


async def cancel_after_end(
    actor: Actor, *, episode_id: int, tz: ZoneInfo, queue: JobQueue | None = None
) -> int:
    """Every appointment still planned ahead of an ended treatment cancelled by the
    practice, the follow-ups excepted (``AFTER_THE_END``); how many. Closing left them in
    the calendar, and the client was reminded of sessions after the end. No e-mail to the
    client (the therapist tells them at the closing: the cancellation's message promises a
    new appointment); the invited participants of a meeting are told it is off."""
    async with write_tx():
        episode = (
            await TreatmentEpisode.select(TreatmentEpisode.client, TreatmentEpisode.status)
            .where(TreatmentEpisode.id == episode_id)
            .first()
        )
        if episode is None:
            raise NotFound("No such episode.")
        if episode["status"] not in ENDED_STATUSES:
            raise Conflict(NOT_ENDED)
        now = datetime.now(UTC)
        left = await Appointment.select(Appointment.id).where(left_over(episode_id, now))
        for row in left:
            await Appointment.update(
                {
                    Appointment.attendance: Attendance.CANCELLED_BY_PRACTICE.value,
                    Appointment.attendance_reason: _(TREATMENT_ENDED),
                    Appointment.attendance_at: now,
                }
            ).where(Appointment.id == row["id"])
            await cancel_invitations(int(row["id"]), tz, queue)
            await audit.record(
                actor,
                Action.UPDATE,
                "appointment",
                row["id"],
                purpose=PURPOSE,
                client_id=int(episode["client"]),
            )
    return len(left)
