"""The client's messages about appointments: the confirmation with its .ics invitation,
the reminder sweep, and the shared rendering of their templates.

Apart from booking and attendance so that what reaches a client's inbox (never the kind of
care) is written in one place; every message goes through the outbox, keyed, once.
"""

import functools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from practice.disclosure import Addressee, Sender
from practice.platform import outbox
from practice.platform.db import among
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.templating import make_environment, render_email
from practice.services import disclosure
from practice.tables import Client
from scheduling.appointments import Attendance
from scheduling.calendars import Slot
from scheduling.ics import CalendarEntry, calendar
from scheduling.queries.appointments import still_belongs
from scheduling.tables import Appointment, Participant


def render_notice(
    folder: str, tz: ZoneInfo, locale: str | None = None, **context: object
) -> tuple[str, str]:
    """Subject and body of a message about an appointment, in the recipient's language: a
    participant's account names one; a client has none, so the practice's default, never the
    language of the therapist's screen that booked it. Times are shown in ``tz`` (TIME_ZONE)."""
    return render_email(_environment(tz), f"scheduling/{folder}", dict(context), locale)


@functools.lru_cache(maxsize=4)
def _environment(tz: ZoneInfo) -> jinja2.Environment:
    """One template environment per zone, kept: a new one per message compiled the
    templates again for every booking (a tenth of a second each on a busy machine)."""
    return make_environment(tz)


def confirmation_key(appointment_id: int) -> str:
    """The outbox key of an appointment's confirmation (one per appointment)."""
    return f"confirmation:{appointment_id}"


def reminder_key(appointment_id: int, recipient: str) -> str:
    """The outbox key of one reminder of an appointment to one recipient (``client`` or
    ``participant:<id>``); ``recipient="%"`` gives the LIKE pattern of all its reminders."""
    return f"reminder:{appointment_id}:{recipient}"


async def client_contact(client_id: int) -> tuple[str, str | None]:
    row = await Client.select(Client.name, Client.email).where(Client.id == client_id).first()
    return ("", None) if row is None else (str(row["name"]), row["email"])


async def confirm_booking(
    appointment_id: int,
    client_id: int,
    slot: Slot,
    online: bool,
    tz: ZoneInfo,
    queue: JobQueue | None,
) -> None:
    """A confirmation with an .ics invitation to the client (no kind of care named).

    None for an appointment that has already begun: a session entered afterwards (the
    therapist catching up, an import, the demo's history) is not news to the client, and an
    invitation to a past moment only clutters their inbox."""
    if slot.start <= datetime.now(slot.start.tzinfo):
        return
    name, email = await client_contact(client_id)
    if not email:
        return
    clearance = await disclosure.clear(
        Sender.APPOINTMENT_CONFIRMATION, client_id, Addressee.client(), datetime.now(UTC)
    )
    if isinstance(clearance, disclosure.Refusal):
        return
    subject, body = render_notice(
        "confirmation", tz, name=name, starts_at=slot.start, online=online
    )
    ics = calendar(
        [CalendarEntry(f"appointment-{appointment_id}@atwork", slot.start, slot.end, "Afspraak")],
        method="REQUEST",
    )
    message_id = await outbox.queue_message(
        clearance,
        key=confirmation_key(appointment_id),
        to_address=email,
        subject=subject,
        body_text=body,
        ics=ics,
    )
    if message_id is not None and queue is not None:
        enqueue_after_commit(queue, outbox.send_job(message_id))


async def queue_due_reminders(now: datetime, lead: timedelta, tz: ZoneInfo) -> list[int]:
    """A reminder message for every live appointment starting within ``lead``: once each.

    Keyed per appointment and recipient, so running this twice (or in two workers) creates
    nothing new. Recipients: the client, and the participants of a meeting (the manager,
    HR adviser or company doctor of the alignment meeting) as far as the client's consent
    lets the gate clear them (``Sender.APPOINTMENT_REMINDER``).
    """
    rows = await Appointment.select(
        Appointment.id,
        Appointment.starts_at,
        Appointment.episode._.client.as_alias("client_id"),
        Appointment.episode._.client._.name.as_alias("client_name"),
        Appointment.episode._.client._.email.as_alias("client_email"),
    ).where(
        (Appointment.attendance == Attendance.PLANNED.value)
        & (Appointment.starts_at > now)
        & (Appointment.starts_at <= now + lead)
        # Not a session of a treatment that has ended (a follow-up belongs after the end):
        # a client was reminded of sessions weeks after the closing.
        & still_belongs()
    )
    participants: dict[int, list[dict[str, Any]]] = {}
    for p in (
        await Participant.select(
            Participant.id,
            Participant.appointment,
            Participant.role,
            Participant.user,
            Participant.name,
            Participant.email,
            Participant.user._.locale.as_alias("locale"),
        ).where(among(Participant.appointment, [int(row["id"]) for row in rows]))
        if rows
        else []
    ):
        participants.setdefault(int(p["appointment"]), []).append(p)
    recipients_of = {
        int(row["id"]): [
            ("client", row["client_name"], row["client_email"], None, Addressee.client()),
            *(
                (
                    f"participant:{p['id']}",
                    p["name"],
                    p["email"],
                    p["locale"],
                    Addressee.seat(str(p["role"]), p["user"]),
                )
                for p in participants.get(int(row["id"]), [])
            ),
        ]
        for row in rows
    }
    # The reminders made by an earlier sweep, read once: each appointment of the next day
    # is seen by every sweep of that day, and would be cleared and rendered again for nothing.
    made = await outbox.existing_keys(
        reminder_key(appointment_id, recipient[0])
        for appointment_id, recipients in recipients_of.items()
        for recipient in recipients
    )
    created: list[int] = []
    for row in rows:
        for who, name, email, locale, addressee in recipients_of[int(row["id"])]:
            if not email or reminder_key(int(row["id"]), who) in made:
                continue
            clearance = await disclosure.clear(
                Sender.APPOINTMENT_REMINDER, int(row["client_id"]), addressee, now
            )
            if isinstance(clearance, disclosure.Refusal):
                continue
            subject, body = render_notice(
                "reminder", tz, locale, name=name, starts_at=row["starts_at"]
            )
            message_id = await outbox.queue_message(
                clearance,
                key=reminder_key(int(row["id"]), who),
                to_address=str(email),
                subject=subject,
                body_text=body,
            )
            if message_id is not None:
                created.append(message_id)
    return created
