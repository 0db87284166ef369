"""Use cases of time: booking (single and series) and rebooking a cancelled appointment.

No double booking: every booking checks and inserts inside one ``write_tx``. On SQLite that
transaction is IMMEDIATE, so bookings are serialised and the check cannot race; on
PostgreSQL an exclusion constraint refuses an overlap even if two checks pass at once.

The other use cases of time live beside it: `scheduling.services.attendance` (attendance,
participants, proposals), `scheduling.services.availability` (working hours, absences,
closing days, locations) and `scheduling.services.notices` (confirmations and reminders).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from practice import deadlines, timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.episodes import ENDED_STATUSES, TERMINAL_STATUSES, EpisodeStatus
from practice.errors import Conflict, InvalidInput, Message, NotFound, between, one_of
from practice.platform.clock import today_in
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.queue import JobQueue
from practice.queries.access import seat_active_on
from practice.queries.episodes import load_facts
from practice.services.episodes import episode_dates, refuse
from practice.tables import CaseAssignment, TreatmentEpisode
from scheduling.appointments import (
    LIVE,
    AppointmentKind,
    Attendance,
    ParticipantRole,
    rebooking_refusal,
)
from scheduling.calendars import Slot, occupied, plan_series, weekly_series
from scheduling.queries.availability import therapist_absences, working_days
from scheduling.services.attendance import PURPOSE, record_attendance
from scheduling.services.invitations import invite_participants
from scheduling.services.notices import confirm_booking
from scheduling.tables import Appointment, MeetingProposal, Participant

MAX_SERIES = 52


@dataclass(frozen=True)
class Booking:
    """What to book: the same for a single appointment and each occurrence of a series."""

    episode_id: int
    therapist_user_id: int
    kind: str
    duration_minutes: int
    room_id: int | None = None
    online: bool = False
    video_link: str | None = None


def _check(booking: Booking, starts_at: datetime) -> dict[str, str]:
    problems: dict[str, str] = {}
    if booking.kind not in {k.value for k in AppointmentKind}:
        problems["kind"] = one_of(k.value for k in AppointmentKind)
    problems |= timeline.session_length_problems(booking.duration_minutes)
    if starts_at.tzinfo is None:
        problems["starts_at"] = "give a time zone (e.g. 2026-05-04T10:00:00+02:00)"
    if booking.video_link and not booking.video_link.startswith("https://"):
        problems["video_link"] = "an https:// link"
    return problems


async def _busy(
    therapist_user_id: int, room_id: int | None, start: datetime, end: datetime
) -> list[dict[str, object]]:
    """Live appointments of this therapist (or in this room) overlapping [start, end)."""
    who: Any = Appointment.therapist == therapist_user_id
    if room_id is not None:
        who = who | (Appointment.room == room_id)
    return await Appointment.select(
        Appointment.id, Appointment.starts_at, Appointment.ends_at
    ).where(
        who
        & Appointment.attendance.is_in(list(LIVE))
        & (Appointment.starts_at < end)
        & (Appointment.ends_at > start)
    )


async def _busy_slots(booking: Booking, start: datetime, end: datetime) -> list[Slot]:
    rows = await _busy(booking.therapist_user_id, booking.room_id, start, end)
    return occupied((r["starts_at"], r["ends_at"]) for r in rows)  # type: ignore[misc]


async def _live_episode(episode_id: int) -> dict[str, object]:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.status, TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        raise NotFound("No such episode.")
    if EpisodeStatus(str(row["status"])) in TERMINAL_STATUSES:
        # A closed episode may still be reopened, so it still takes appointments.
        raise Conflict(N_("This episode has ended; no new appointments."))
    return row


async def _check_timeline(booking: Booking, starts_at: datetime, tz: ZoneInfo) -> None:
    """No session before the referral, at 03:00 or in 2090 (``practice.timeline``)."""
    referred_on = (await episode_dates(booking.episode_id, tz)).referred_on
    refuse(
        timeline.session_problems(
            "starts_at",
            starts_at,
            booking.duration_minutes,
            referred_on=referred_on,
            tz=tz,
            today=today_in(tz),
        )
    )


async def _insert(booking: Booking, slot: Slot, series: str | None) -> int:
    try:
        rows = await Appointment.insert(
            Appointment(
                episode=booking.episode_id,
                therapist=booking.therapist_user_id,
                room=booking.room_id,
                kind=booking.kind,
                starts_at=slot.start,
                ends_at=slot.end,
                online=booking.online,
                video_link=booking.video_link,
                series=series,
            )
        ).returning(Appointment.id)
    except (
        asyncpg.exceptions.ExclusionViolationError,
        asyncpg.exceptions.DeadlockDetectedError,
    ) as exc:
        # Two bookings passed the check at the same moment; the database kept one. Two
        # inserts that check each other's rows against the no-overlap constraint at once can
        # also deadlock there (PostgreSQL then cancels one): the same answer for that one.
        raise Conflict(N_("That time is already booked.")) from exc
    appointment_id = int(rows[0]["id"])
    if booking.kind == AppointmentKind.ALIGNMENT_MEETING:
        await add_team_participants(appointment_id, booking.episode_id, slot.start.date())
        # The proposal is booked: it names its meeting (the latest, after a rebooking).
        await MeetingProposal.update({MeetingProposal.appointment: appointment_id}).where(
            MeetingProposal.episode == booking.episode_id
        )
    return appointment_id


async def add_team_participants(appointment_id: int, episode_id: int, on: date) -> None:
    """The afstemmingsoverleg: the manager required; company doctor and HR optional."""
    team = await CaseAssignment.select(
        CaseAssignment.user,
        CaseAssignment.team_role,
        CaseAssignment.user._.display_name.as_alias("name"),
        CaseAssignment.user._.email.as_alias("email"),
    ).where((CaseAssignment.episode == episode_id) & seat_active_on(on))
    for member in team:
        role = member["team_role"]
        if role in {
            ParticipantRole.MANAGER,
            ParticipantRole.COMPANY_DOCTOR,
            ParticipantRole.HR_ADVISER,
        }:
            await Participant.insert(
                Participant(
                    appointment=appointment_id,
                    role=role,
                    user=member["user"],
                    name=member["name"],
                    email=member["email"],
                    required=role == ParticipantRole.MANAGER,
                )
            )


async def book(
    actor: Actor, booking: Booking, starts_at: datetime, tz: ZoneInfo, queue: JobQueue | None = None
) -> int:
    """Book one appointment, or refuse with 409 naming the clash (or the holiday)."""
    problems = _check(booking, starts_at)
    if problems:
        raise InvalidInput(problems)
    slot = Slot(starts_at, starts_at + timedelta(minutes=booking.duration_minutes))
    days = await working_days()
    async with write_tx():
        episode = await _live_episode(booking.episode_id)
        await _check_timeline(booking, slot.start, tz)
        busy = await _busy_slots(booking, slot.start, slot.end)
        absences = await therapist_absences(booking.therapist_user_id, slot.start, slot.end)
        occurrence = plan_series([slot], busy, days, tz, absences=absences).occurrences[0]
        if not occurrence.bookable:
            raise Conflict(_refusal_text(occurrence.refusal, occurrence.holiday_name))
        appointment_id = await _insert(booking, slot, None)
        await confirm_booking(
            appointment_id, int(str(episode["client"])), slot, booking.online, tz, queue
        )
        await invite_participants(appointment_id, tz, queue)
        await audit.record(
            actor,
            Action.CREATE,
            "appointment",
            appointment_id,
            purpose=PURPOSE,
            client_id=int(str(episode["client"])),
        )
    return appointment_id


async def late_screenings(
    episode_id: int, appointments: Sequence[tuple[int, str, datetime]], tz: ZoneInfo
) -> dict[int, deadlines.Lateness]:
    """The screening appointments among ``(id, kind, starts_at)`` that fall after the
    episode's screening deadline, by id: a warning with its reason, never a refusal (the
    deadline rule and its unit are the employer contract's, as on the task list)."""
    screenings = [(i, at) for i, kind, at in appointments if kind == AppointmentKind.SCREENING]
    if not screenings:
        return {}
    loaded = await load_facts([episode_id], tz)
    if episode_id not in loaded:
        return {}
    facts, rules = loaded[episode_id]
    days = await working_days()
    found = {
        i: deadlines.screening_booked_late(
            facts.referred_on,
            at.astimezone(tz).date(),
            screened_on=facts.screening_held_on,
            rule=rules.screening_rule,
            days=days,
        )
        for i, at in screenings
    }
    return {i: late for i, late in found.items() if late is not None}


def _refusal_text(refusal: object, holiday: str | None) -> str:
    texts = {
        "holiday": Message(N_("The practice is closed on %(holiday)s."), holiday=holiday)
        if holiday
        else N_("The practice is closed on that public holiday."),
        "closed": N_("The practice is closed that day."),
        "absence": N_("The therapist is absent then."),
        "conflict": N_("That time is already booked."),
    }
    return texts.get(str(refusal), N_("That time cannot be booked."))


@dataclass(frozen=True)
class SeriesResult:
    booked: list[tuple[int, datetime]]
    refused: list[tuple[datetime, str, str | None]]  # start, reason, holiday name


async def book_series(
    actor: Actor,
    booking: Booking,
    first_starts_at: datetime,
    count: int,
    every_weeks: int,
    tz: ZoneInfo,
    queue: JobQueue | None = None,
) -> SeriesResult:
    """A weekly series: every occurrence checked; refused ones reported, never skipped."""
    problems = _check(booking, first_starts_at)
    if not 1 <= count <= MAX_SERIES:
        problems["count"] = between(1, MAX_SERIES)
    if not 1 <= every_weeks <= 8:
        problems["every_weeks"] = "between 1 and 8"
    if problems:
        raise InvalidInput(problems)
    slots = weekly_series(
        first_starts_at.astimezone(tz),
        timedelta(minutes=booking.duration_minutes),
        count,
        every_weeks,
    )
    days = await working_days()
    series = str(uuid.uuid4())
    async with write_tx():
        episode = await _live_episode(booking.episode_id)
        await _check_timeline(booking, first_starts_at, tz)
        start, end = slots[0].start, slots[-1].end
        busy = await _busy_slots(booking, start, end)
        plan = plan_series(
            slots,
            busy,
            days,
            tz,
            absences=await therapist_absences(booking.therapist_user_id, start, end),
        )
        booked = []
        for occurrence in plan.occurrences:
            if occurrence.bookable:
                booked.append(
                    (await _insert(booking, occurrence.slot, series), occurrence.slot.start)
                )
        # The first occurrence still to come is confirmed; sessions entered afterwards (a
        # series starting in the past) are history, and a client is not mailed about them.
        coming = [(i, start) for i, start in booked if start > datetime.now(start.tzinfo)]
        if coming:
            first_id, first_start = coming[0]
            await confirm_booking(
                first_id,
                int(str(episode["client"])),
                Slot(first_start, first_start + slots[0].duration),
                booking.online,
                tz,
                queue,
            )
        await audit.record(
            actor,
            Action.CREATE,
            "appointment_series",
            series,
            purpose=PURPOSE,
            client_id=int(str(episode["client"])),
        )
    refused = [
        (o.slot.start, str(o.refusal), o.holiday_name) for o in plan.occurrences if not o.bookable
    ]
    return SeriesResult(booked=booked, refused=refused)


async def rebook(
    actor: Actor,
    *,
    appointment_id: int,
    starts_at: datetime,
    tz: ZoneInfo,
    queue: JobQueue | None = None,
) -> int:
    """A new date for a cancelled appointment; the old one points to its replacement."""
    row = await Appointment.select().where(Appointment.id == appointment_id).first()
    if row is None:
        raise NotFound("No such appointment.")
    status = (
        await TreatmentEpisode.select(TreatmentEpisode.status)
        .where(TreatmentEpisode.id == row["episode"])
        .first()
    )
    ended = status is not None and status["status"] in ENDED_STATUSES
    refusal = rebooking_refusal(
        str(row["kind"]), str(row["attendance"]), row["rebooked_as"], treatment_ended=ended
    )
    if refusal is not None:
        raise Conflict(refusal)
    minutes = int((row["ends_at"] - row["starts_at"]).total_seconds() // 60)
    booking = Booking(
        episode_id=int(row["episode"]),
        therapist_user_id=int(row["therapist"]),
        kind=str(row["kind"]),
        duration_minutes=minutes,
        room_id=row["room"],
        online=bool(row["online"]),
        video_link=row["video_link"],
    )
    async with write_tx():
        new_id = await book(actor, booking, starts_at, tz, queue)
        await Appointment.update({Appointment.rebooked_as: new_id}).where(
            Appointment.id == appointment_id
        )
        if await _carry_participants(appointment_id, new_id):
            await invite_participants(new_id, tz, queue)
    return new_id


async def _carry_participants(old_id: int, new_id: int) -> bool:
    """The participants the therapist added by hand to the old meeting (no account: the
    case team's come with theirs, and are read again for the new day, so someone who left
    the team is not carried along), at the new one too; True if any came."""
    present = {
        p["email"]
        for p in await Participant.select(Participant.email).where(
            Participant.appointment == new_id
        )
    }
    carried = [
        Participant(
            appointment=new_id,
            role=p["role"],
            name=p["name"],
            email=p["email"],
            required=p["required"],
        )
        for p in await Participant.select().where(
            (Participant.appointment == old_id) & Participant.user.is_null()
        )
        if p["email"] is None or p["email"] not in present
    ]
    if carried:
        await Participant.insert(*carried)
    return bool(carried)


CANCELLATIONS = (Attendance.CANCELLED_BY_CLIENT.value, Attendance.CANCELLED_BY_PRACTICE.value)


async def move(
    actor: Actor,
    *,
    appointment_id: int,
    starts_at: datetime,
    cancelled_by: str,
    tz: ZoneInfo,
    reason: str | None = None,
    queue: JobQueue | None = None,
    client_told_by_phone: bool = False,
) -> int:
    """Another time for a planned appointment, in one transaction: the old one cancelled
    (so the cancellation stays counted, and the client is told when the practice moved it,
    by e-mail unless the therapist told them by phone) and rebooked at ``starts_at``; if
    the new time cannot be booked, nothing changes."""
    if cancelled_by not in CANCELLATIONS:
        raise InvalidInput({"attendance": one_of(CANCELLATIONS)})
    async with write_tx():
        await record_attendance(
            actor,
            appointment_id=appointment_id,
            attendance=cancelled_by,
            tz=tz,
            reason=reason,
            queue=queue,
            client_told_by_phone=client_told_by_phone,
        )
        return await rebook(
            actor, appointment_id=appointment_id, starts_at=starts_at, tz=tz, queue=queue
        )
