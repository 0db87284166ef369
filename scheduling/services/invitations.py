"""The other participants' invitations: the manager, HR adviser or company doctor at the
table of a meeting (the afstemmingsoverleg) get an e-mail with its .ics when they are added,
and its cancellation when the meeting is cancelled or moved.

Before, they heard of a meeting only from the reminder the day before. Each message goes
through the consent gate as the reminder does (the employer's contacts and the company
doctor only with the client's consent to share with them) and the outbox, keyed per
appointment and participant, so a second call makes nothing new. A cancellation goes only
to whom an invitation was queued. The message names the client by initials and the meeting
by its kind, never the location (it can reveal the kind of care) or anything medical.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from practice.disclosure import Addressee, Sender
from practice.platform import i18n, outbox
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.services import disclosure
from scheduling.appointments import (
    AppointmentKind,
    Attendance,
    employer_label,
    invitation_cancelled_key,
    invitation_key,
)
from scheduling.ics import CalendarEntry, calendar, initials
from scheduling.queries.appointments import still_belongs
from scheduling.services.notices import render_notice
from scheduling.tables import Appointment, Participant


async def _meeting(appointment_id: int, participant_id: int | None) -> tuple[Any, list[Any]]:
    row = (
        await Appointment.select(
            Appointment.id,
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.online,
            Appointment.attendance,
            Appointment.episode._.client.as_alias("client_id"),
            Appointment.episode._.client._.name.as_alias("client_name"),
        )
        .where(Appointment.id == appointment_id)
        .first()
    )
    query = Participant.select(
        Participant.id,
        Participant.role,
        Participant.user,
        Participant.name,
        Participant.email,
        Participant.required,
        Participant.user._.locale.as_alias("locale"),
    ).where(Participant.appointment == appointment_id)
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    return row, [] if row is None else await query.order_by(Participant.id)


def _entry(meeting: Any, locale: str | None, *, cancelled: bool = False) -> CalendarEntry:
    # The same event as the client's (one uid), titled in the reader's language by what an
    # invited participant may know of it (``employer_label``: the afstemmingsoverleg by
    # name, any other kind by a neutral word) and the client's initials: a calendar is
    # easily seen over someone's shoulder.
    language = i18n.translations(locale if locale in i18n.LOCALES else i18n.DEFAULT_LOCALE)
    word = language.gettext(employer_label(AppointmentKind(meeting["kind"]), viewer_attends=True))
    return CalendarEntry(
        f"appointment-{meeting['id']}@atwork",
        meeting["starts_at"],
        meeting["ends_at"],
        f"{word[:1].upper()}{word[1:]} {initials(str(meeting['client_name']))}",
        cancelled=cancelled,
    )


async def _queue(
    sender: Sender,
    meeting: Any,
    participant: Any,
    key: str,
    folder: str,
    tz: ZoneInfo,
    queue: JobQueue | None,
    quiet: bool = False,
) -> int | None:
    clearance = await disclosure.clear(
        sender,
        int(meeting["client_id"]),
        Addressee.seat(str(participant["role"]), participant["user"]),
        datetime.now(UTC),
        quiet=quiet,
    )
    if isinstance(clearance, disclosure.Refusal):
        return None
    cancelled = sender is Sender.PARTICIPANT_CANCELLATION
    subject, body = render_notice(
        folder,
        tz,
        participant["locale"],
        name=participant["name"],
        starts_at=meeting["starts_at"],
        online=bool(meeting["online"]),
        alignment=meeting["kind"] == AppointmentKind.ALIGNMENT_MEETING,
        client=initials(str(meeting["client_name"])),
        required=bool(participant["required"]),
    )
    message_id = await outbox.queue_message(
        clearance,
        key=key,
        to_address=str(participant["email"]),
        subject=subject,
        body_text=body,
        ics=calendar(
            [_entry(meeting, participant["locale"], cancelled=cancelled)],
            method="CANCEL" if cancelled else "REQUEST",
        ),
    )
    if message_id is not None and queue is not None:
        enqueue_after_commit(queue, outbox.send_job(message_id))
    return message_id


async def invite_participants(
    appointment_id: int,
    tz: ZoneInfo,
    queue: JobQueue | None,
    *,
    participant_id: int | None = None,
    quiet: bool = False,
) -> list[int]:
    """An invitation to each participant with an address (or to ``participant_id`` only),
    as far as the client's consent lets the gate clear them; once each. None for a meeting
    that has begun or is no longer planned: a meeting entered afterwards is not news."""
    meeting, participants = await _meeting(appointment_id, participant_id)
    if (
        meeting is None
        or meeting["starts_at"] <= datetime.now(UTC)
        or meeting["attendance"] != Attendance.PLANNED
        # A meeting of a treatment that ended would tell an employer it still runs.
        or not await Appointment.exists().where(
            (Appointment.id == appointment_id) & still_belongs()
        )
    ):
        return []
    made = await outbox.existing_keys(invitation_key(appointment_id, p["id"]) for p in participants)
    created: list[int] = []
    for participant in participants:
        key = invitation_key(appointment_id, participant["id"])
        if not participant["email"] or key in made:
            continue
        message_id = await _queue(
            Sender.PARTICIPANT_INVITATION,
            meeting,
            participant,
            key,
            "participant-invitation",
            tz,
            queue,
            quiet,
        )
        if message_id is not None:
            created.append(message_id)
    return created


async def cancel_invitations(
    appointment_id: int, tz: ZoneInfo, queue: JobQueue | None
) -> list[int]:
    """The meeting's cancellation to each participant who was invited to it, once each (a
    participant never invited hears nothing); none for a meeting that has begun."""
    meeting, participants = await _meeting(appointment_id, None)
    if meeting is None or meeting["starts_at"] <= datetime.now(UTC):
        return []
    invited = await outbox.existing_keys(
        invitation_key(appointment_id, p["id"]) for p in participants
    )
    created: list[int] = []
    for participant in participants:
        if invitation_key(appointment_id, participant["id"]) not in invited:
            continue
        message_id = await _queue(
            Sender.PARTICIPANT_CANCELLATION,
            meeting,
            participant,
            invitation_cancelled_key(appointment_id, participant["id"]),
            "participant-cancellation",
            tz,
            queue,
        )
        if message_id is not None:
            created.append(message_id)
    return created


async def queue_due_invitations(now: datetime, tz: ZoneInfo) -> list[int]:
    """The invitations still owed: to participants of a planned meeting ahead who have an
    address and no invitation yet, because the client's consent came after they were added.
    Run by the sweep, so an invitation follows the consent within minutes; keyed, so once
    each however often it runs."""
    rows = await Participant.select(Participant.id, Participant.appointment).where(
        (Participant.appointment._.attendance == Attendance.PLANNED.value)
        & (Participant.appointment._.starts_at > now)
        & Participant.email.is_not_null()
        & Participant.appointment.is_in(Appointment.select(Appointment.id).where(still_belongs()))
    )
    if not rows:
        return []
    made = await outbox.existing_keys(
        invitation_key(int(r["appointment"]), int(r["id"])) for r in rows
    )
    owed = sorted(
        {
            int(r["appointment"])
            for r in rows
            if invitation_key(int(r["appointment"]), int(r["id"])) not in made
        }
    )
    created: list[int] = []
    for appointment_id in owed:
        # Asked again every five minutes until a consent comes: a refusal is not logged.
        created += await invite_participants(appointment_id, tz, None, quiet=True)
    return created
