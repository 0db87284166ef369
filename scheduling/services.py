"""Use cases of time: booking (single and series), attendance, proposals, availability.

No double booking: every booking checks and inserts inside one ``write_tx``. On SQLite that
transaction is IMMEDIATE, so bookings are serialised and the check cannot race; on
PostgreSQL an exclusion constraint refuses an overlap even if two checks pass at once.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from practice import audit, outbox
from practice.audit import Action, Actor
from practice.db import write_tx
from practice.episodes import EpisodeStatus, Offer
from practice.errors import Conflict, InvalidInput, NotFound
from practice.queue import JobQueue, enqueue_after_commit
from practice.tables import CaseAssignment, Client, TreatmentEpisode, User
from practice.templating import make_environment
from practice.working_days import WorkingDays
from scheduling.appointments import (
    AppointmentKind,
    Attendance,
    InvalidAttendanceChange,
    ParticipantRole,
    check_attendance_change,
    counts_toward_reporting,
    needs_client_notification,
)
from scheduling.calendars import Absence, AbsenceReason, Slot, plan_series, weekly_series
from scheduling.ics import CalendarEntry, calendar
from scheduling.tables import (
    Appointment,
    ClosingDay,
    Location,
    MeetingProposal,
    Participant,
    Room,
    TherapistAbsence,
    WorkingHours,
)

PURPOSE = "treatment"
LIVE = ("planned", "held", "no_show")
ENDED = {EpisodeStatus.DECLINED, EpisodeStatus.DROPPED_OUT, EpisodeStatus.REFERRED_ELSEWHERE}
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
        problems["kind"] = f"one of {', '.join(k.value for k in AppointmentKind)}"
    if not 10 <= booking.duration_minutes <= 480:
        problems["duration_minutes"] = "between 10 and 480"
    if starts_at.tzinfo is None:
        problems["starts_at"] = "give a time zone (e.g. 2026-05-04T10:00:00+02:00)"
    if booking.video_link and not booking.video_link.startswith("https://"):
        problems["video_link"] = "an https:// link"
    return problems


async def working_days() -> WorkingDays:
    closing = frozenset(r["day"] for r in await ClosingDay.select(ClosingDay.day))
    return WorkingDays(extra_closing_days=closing)


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
    return [Slot(r["starts_at"], r["ends_at"]) for r in rows]  # type: ignore[arg-type]


async def _absences(therapist_user_id: int, start: datetime, end: datetime) -> list[Absence]:
    rows = await TherapistAbsence.select().where(
        (TherapistAbsence.therapist == therapist_user_id)
        & (TherapistAbsence.starts_at < end)
        & (TherapistAbsence.ends_at > start)
    )
    return [Absence(r["starts_at"], r["ends_at"], AbsenceReason(r["reason"])) for r in rows]


async def _live_episode(episode_id: int) -> dict[str, object]:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.status, TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        raise NotFound("No such episode.")
    if EpisodeStatus(str(row["status"])) in ENDED:
        raise Conflict("This episode has ended; no new appointments.")
    return row


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
    except asyncpg.exceptions.ExclusionViolationError as exc:
        # Two bookings passed the check at the same moment; the database kept one.
        raise Conflict("That time is already booked.") from exc
    appointment_id = int(rows[0]["id"])
    if booking.kind == AppointmentKind.ALIGNMENT_MEETING:
        await _add_team_participants(appointment_id, booking.episode_id, slot.start.date())
    return appointment_id


async def _add_team_participants(appointment_id: int, episode_id: int, on: date) -> None:
    """The afstemmingsoverleg: the manager required; company doctor and HR optional."""
    team = await CaseAssignment.select(
        CaseAssignment.user,
        CaseAssignment.team_role,
        CaseAssignment.user._.display_name.as_alias("name"),
        CaseAssignment.user._.email.as_alias("email"),
        CaseAssignment.valid_to,
    ).where((CaseAssignment.episode == episode_id) & (CaseAssignment.valid_from <= on))
    for member in team:
        if member["valid_to"] is not None and member["valid_to"] < on:
            continue
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
        busy = await _busy_slots(booking, slot.start, slot.end)
        absences = await _absences(booking.therapist_user_id, slot.start, slot.end)
        occurrence = plan_series([slot], busy, days, tz, absences=absences).occurrences[0]
        if not occurrence.bookable:
            raise Conflict(_refusal_text(occurrence.refusal, occurrence.holiday_name))
        appointment_id = await _insert(booking, slot, None)
        await _confirm(appointment_id, int(str(episode["client"])), slot, booking.online, queue)
        await audit.record(
            actor,
            Action.CREATE,
            "appointment",
            appointment_id,
            purpose=PURPOSE,
            client_id=int(str(episode["client"])),
        )
    return appointment_id


def _refusal_text(refusal: object, holiday: str | None) -> str:
    texts = {
        "holiday": f"The practice is closed on {holiday or 'that public holiday'}.",
        "closed": "The practice is closed that day.",
        "absence": "The therapist is absent then.",
        "conflict": "That time is already booked.",
    }
    return texts.get(str(refusal), "That time cannot be booked.")


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
        problems["count"] = f"between 1 and {MAX_SERIES}"
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
        start, end = slots[0].start, slots[-1].end
        busy = await _busy_slots(booking, start, end)
        plan = plan_series(
            slots, busy, days, tz, absences=await _absences(booking.therapist_user_id, start, end)
        )
        booked = []
        for occurrence in plan.occurrences:
            if occurrence.bookable:
                booked.append(
                    (await _insert(booking, occurrence.slot, series), occurrence.slot.start)
                )
        if booked:
            first_id, first_start = booked[0]
            await _confirm(
                first_id,
                int(str(episode["client"])),
                Slot(first_start, first_start + slots[0].duration),
                booking.online,
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


def _render(folder: str, **context: object) -> tuple[str, str]:
    env = make_environment(ZoneInfo("Europe/Amsterdam"))
    subject = env.get_template(f"scheduling/{folder}/subject.txt").render(**context).strip()
    body = env.get_template(f"scheduling/{folder}/body.txt").render(**context)
    return subject, body


async def _client_contact(client_id: int) -> tuple[str, str | None]:
    row = await Client.select(Client.name, Client.email).where(Client.id == client_id).first()
    return ("", None) if row is None else (str(row["name"]), row["email"])


async def _confirm(
    appointment_id: int, client_id: int, slot: Slot, online: bool, queue: JobQueue | None
) -> None:
    """A confirmation with an .ics invitation to the client (no kind of care named)."""
    name, email = await _client_contact(client_id)
    if not email:
        return
    subject, body = _render("confirmation", name=name, starts_at=slot.start, online=online)
    ics = calendar(
        [CalendarEntry(f"appointment-{appointment_id}@atwork", slot.start, slot.end, "Afspraak")],
        method="REQUEST",
    )
    message_id = await outbox.queue_message(
        key=f"confirmation:{appointment_id}",
        to_address=email,
        subject=subject,
        body_text=body,
        ics=ics,
    )
    if message_id is not None and queue is not None:
        enqueue_after_commit(queue, outbox.send_job(message_id))


async def record_attendance(
    actor: Actor,
    *,
    appointment_id: int,
    attendance: str,
    reason: str | None = None,
    queue: JobQueue | None = None,
) -> None:
    """Held / cancelled / no-show; a practice cancellation notifies the client at once."""
    if attendance not in {a.value for a in Attendance}:
        raise InvalidInput({"attendance": f"one of {', '.join(a.value for a in Attendance)}"})
    target = Attendance(attendance)
    async with write_tx():
        row = await Appointment.select().where(Appointment.id == appointment_id).first()
        if row is None:
            raise NotFound("No such appointment.")
        try:
            check_attendance_change(Attendance(row["attendance"]), target)
        except InvalidAttendanceChange as exc:
            raise Conflict(str(exc), allowed=sorted(a.value for a in exc.allowed)) from exc
        if target is Attendance.HELD and row["starts_at"] > datetime.now(row["starts_at"].tzinfo):
            raise Conflict("An appointment in the future cannot have been held yet.")
        await Appointment.update(
            {Appointment.attendance: target.value, Appointment.attendance_reason: reason}
        ).where(Appointment.id == appointment_id)
        episode = (
            await TreatmentEpisode.select(TreatmentEpisode.client)
            .where(TreatmentEpisode.id == row["episode"])
            .first()
        )
        client_id = int(episode["client"]) if episode else None
        if needs_client_notification(target) and client_id is not None:
            name, email = await _client_contact(client_id)
            if email:
                subject, body = _render("cancellation", name=name, starts_at=row["starts_at"])
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
                    key=f"cancellation:{appointment_id}",
                    to_address=email,
                    subject=subject,
                    body_text=body,
                    ics=ics,
                )
                if message_id is not None and queue is not None:
                    enqueue_after_commit(queue, outbox.send_job(message_id))
        if target is Attendance.HELD:
            await propose_alignment_meetings([int(row["episode"])])
        await audit.record(
            actor,
            Action.UPDATE,
            "appointment",
            appointment_id,
            purpose=PURPOSE,
            client_id=client_id,
        )


async def held_counting_dates(episode_ids: Sequence[int]) -> dict[int, tuple[date, ...]]:
    """Dates of held sessions that count toward reports and the alignment meeting."""
    if not episode_ids:
        return {}
    rows = (
        await Appointment.select(Appointment.episode, Appointment.starts_at, Appointment.kind)
        .where(
            Appointment.episode.is_in(list(episode_ids))
            & (Appointment.attendance == Attendance.HELD.value)
        )
        .order_by(Appointment.starts_at)
    )
    tz = ZoneInfo("Europe/Amsterdam")
    found: dict[int, list[date]] = {}
    for r in rows:
        if counts_toward_reporting(AppointmentKind(r["kind"])):
            found.setdefault(int(r["episode"]), []).append(r["starts_at"].astimezone(tz).date())
    return {k: tuple(v) for k, v in found.items()}


async def propose_alignment_meetings(episode_ids: Sequence[int] | None = None) -> list[int]:
    """Propose the afstemmingsoverleg for Compleet episodes with ≥ 4 held sessions.

    Idempotent (one proposal per episode). Called after each held session and by the sweep,
    which also catches an upgrade to Compleet after the 4th session.
    """
    query = TreatmentEpisode.select(TreatmentEpisode.id).where(
        (TreatmentEpisode.offer == Offer.COMPLEET.value)
        & TreatmentEpisode.status.is_in(
            [EpisodeStatus.IN_TREATMENT.value, EpisodeStatus.PAUSED.value]
        )
    )
    if episode_ids is not None:
        query = query.where(TreatmentEpisode.id.is_in(list(episode_ids) or [-1]))
    candidates = [int(r["id"]) for r in await query]
    held = await held_counting_dates(candidates)
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


async def set_working_hours(
    actor: Actor, *, therapist_user_id: int, ranges: Sequence[tuple[int, time, time]]
) -> None:
    """Replace the therapist's weekly hours (weekday 0 = Monday, local times)."""
    problems: dict[str, str] = {}
    for weekday, starts, ends in ranges:
        if not 0 <= weekday <= 6:
            problems["weekday"] = "0 (Monday) to 6 (Sunday)"
        if ends <= starts:
            problems["ends"] = "after the start"
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        if not await User.exists().where(
            (User.id == therapist_user_id) & (User.role == "therapist")
        ):
            raise InvalidInput({"therapist_user_id": "not a therapist"})
        await WorkingHours.delete().where(WorkingHours.therapist == therapist_user_id)
        for weekday, starts, ends in ranges:
            await WorkingHours.insert(
                WorkingHours(therapist=therapist_user_id, weekday=weekday, starts=starts, ends=ends)
            )
        await audit.record(
            actor, Action.UPDATE, "working_hours", therapist_user_id, purpose="scheduling"
        )


async def add_absence(
    actor: Actor, *, therapist_user_id: int, starts_at: datetime, ends_at: datetime, reason: str
) -> int:
    if reason not in {r.value for r in AbsenceReason}:
        raise InvalidInput({"reason": f"one of {', '.join(r.value for r in AbsenceReason)}"})
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise InvalidInput({"ends_at": "aware times, the end after the start"})
    async with write_tx():
        rows = await TherapistAbsence.insert(
            TherapistAbsence(
                therapist=therapist_user_id,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
            )
        ).returning(TherapistAbsence.id)
        await audit.record(actor, Action.CREATE, "absence", rows[0]["id"], purpose="scheduling")
    return int(rows[0]["id"])


async def create_location(
    actor: Actor, *, name: str, address: str = "", rooms: Sequence[str] = ()
) -> int:
    if not name.strip():
        raise InvalidInput({"name": "required"})
    async with write_tx():
        if await Location.exists().where(Location.name == name.strip()):
            raise Conflict("A location with this name already exists.")
        rows = await Location.insert(Location(name=name.strip(), address=address)).returning(
            Location.id
        )
        location_id = int(rows[0]["id"])
        for room in rooms:
            await Room.insert(Room(location=location_id, name=room))
        await audit.record(actor, Action.CREATE, "location", location_id, purpose="scheduling")
    return location_id


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
    if not str(row["attendance"]).startswith("cancelled"):
        raise Conflict("Only a cancelled appointment is rebooked.")
    if row["rebooked_as"] is not None:
        raise Conflict("This appointment was already rebooked.")
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
    return new_id


async def add_participant(
    actor: Actor,
    *,
    appointment_id: int,
    role: str,
    name: str,
    email: str | None = None,
    required: bool = True,
    user_id: int | None = None,
) -> int:
    """Someone else at the table: manager, HR adviser or company doctor."""
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
        await audit.record(actor, Action.UPDATE, "appointment", appointment_id, purpose=PURPOSE)
    return int(rows[0]["id"])


async def add_closing_day(actor: Actor, *, day: date, reason: str = "") -> None:
    async with write_tx():
        await ClosingDay.insert(ClosingDay(day=day, reason=reason)).on_conflict(
            target=ClosingDay.day, action="DO NOTHING"
        )
        await audit.record(actor, Action.CREATE, "closing_day", str(day), purpose="scheduling")


async def queue_due_reminders(now: datetime, lead: timedelta) -> list[int]:
    """A reminder message for every live appointment starting within ``lead``: once each.

    Keyed per appointment and recipient, so running this twice (or in two workers) creates
    nothing new. Recipients: the client, and the participants of a meeting.
    """
    rows = await Appointment.select(
        Appointment.id,
        Appointment.starts_at,
        Appointment.episode._.client._.name.as_alias("client_name"),
        Appointment.episode._.client._.email.as_alias("client_email"),
    ).where(
        (Appointment.attendance == Attendance.PLANNED.value)
        & (Appointment.starts_at > now)
        & (Appointment.starts_at <= now + lead)
    )
    created: list[int] = []
    for row in rows:
        recipients = [("client", row["client_name"], row["client_email"])]
        for p in await Participant.select(
            Participant.id, Participant.name, Participant.email
        ).where(Participant.appointment == row["id"]):
            recipients.append((f"participant:{p['id']}", p["name"], p["email"]))
        for who, name, email in recipients:
            if not email:
                continue
            subject, body = _render("reminder", name=name, starts_at=row["starts_at"])
            message_id = await outbox.queue_message(
                key=f"reminder:{row['id']}:{who}",
                to_address=str(email),
                subject=subject,
                body_text=body,
            )
            if message_id is not None:
                created.append(message_id)
    return created
