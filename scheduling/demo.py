"""The demo practice's appointments: two years of history in bulk, the coming two weeks
through the booking service.

The history is some 1,800 sessions. Booking and marking each one through the services would
take one transaction, one audit row and one alignment check per session, which is most of
the demo's time budget; so past appointments are inserted as they ended (held, no-show,
cancelled), audited with one ``record_many``, and the alignment proposals are made once for
all of them. Nothing is mailed for them: a confirmation is for an appointment still to come.
The coming appointments are booked one by one through ``booking.book``, with the same checks
(holidays, closing days, clashes) and a confirmation to the client as any booking.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.services import booking
from scheduling.services.attendance import PURPOSE, propose_alignment_meetings
from scheduling.tables import Appointment, MeetingProposal

INSERT_ROWS = 500  # rows per INSERT: far below either engine's bound-parameter limit


@dataclass(frozen=True)
class DemoAppointment:
    episode_id: int
    client_id: int
    therapist_user_id: int
    kind: str
    starts_at: datetime
    minutes: int
    attendance: str
    rebooked: bool = False  # a practice cancellation whose replacement is the next one


async def load_history(actor: Actor, appointments: Sequence[DemoAppointment]) -> int:
    """Past appointments as they ended; returns how many were written."""
    ordered = sorted(appointments, key=lambda a: (a.episode_id, a.starts_at))
    if not ordered:
        return 0
    async with write_tx():
        ids: list[int] = []
        for start in range(0, len(ordered), INSERT_ROWS):
            chunk = ordered[start : start + INSERT_ROWS]
            rows = await Appointment.insert(
                *[
                    Appointment(
                        episode=a.episode_id,
                        therapist=a.therapist_user_id,
                        kind=a.kind,
                        starts_at=a.starts_at,
                        ends_at=a.starts_at + timedelta(minutes=a.minutes),
                        attendance=a.attendance,
                        created_at=a.starts_at - timedelta(days=7),
                    )
                    for a in chunk
                ]
            ).returning(Appointment.id)
            ids.extend(int(r["id"]) for r in rows)
        for i, a in enumerate(ordered):
            # The practice cancelled and gave a new date: the next appointment of the episode.
            nxt = i + 1
            if a.rebooked and nxt < len(ordered) and ordered[nxt].episode_id == a.episode_id:
                await Appointment.update({Appointment.rebooked_as: ids[nxt]}).where(
                    Appointment.id == ids[i]
                )
        await audit.record_many(
            actor,
            Action.CREATE,
            "appointment",
            [(appointment_id, a.client_id) for appointment_id, a in zip(ids, ordered, strict=True)],
            purpose=PURPOSE,
        )
        meetings = [
            (appointment_id, a)
            for appointment_id, a in zip(ids, ordered, strict=True)
            if a.kind == AppointmentKind.ALIGNMENT_MEETING.value
            and a.attendance == Attendance.HELD.value
        ]
        for appointment_id, a in meetings:
            await booking.add_team_participants(appointment_id, a.episode_id, a.starts_at.date())
        await propose_alignment_meetings(sorted({a.episode_id for a in ordered}))
        for appointment_id, a in meetings:
            await MeetingProposal.update({MeetingProposal.appointment: appointment_id}).where(
                MeetingProposal.episode == a.episode_id
            )
    return len(ordered)


async def book_coming(actor: Actor, appointments: Sequence[DemoAppointment], tz: ZoneInfo) -> int:
    """The coming appointments, booked as a therapist would; returns how many."""
    for a in sorted(appointments, key=lambda a: a.starts_at):
        await booking.book(
            actor,
            booking.Booking(
                episode_id=a.episode_id,
                therapist_user_id=a.therapist_user_id,
                kind=a.kind,
                duration_minutes=a.minutes,
            ),
            a.starts_at,
            tz,
        )
    return len(appointments)
