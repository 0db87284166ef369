"""Reads of time: calendars, free slots, feeds, and the session facts the tasks need."""

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.custom_types import Combinable
from piccolo.query.functions.aggregate import Count

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.episodes import ENDED_STATUSES
from practice.platform.db import among, write_tx
from practice.tables import OutboundMessage
from practice.tasks import FactPatch
from scheduling.appointments import (
    AFTER_THE_END,
    KIND_LABELS,
    LIVE,
    AppointmentKind,
    Attendance,
    invitation_cancelled_key,
    invitation_key,
)
from scheduling.calendars import Slot, free_slots, occupied
from scheduling.ics import CalendarEntry, calendar, initials
from scheduling.queries.availability import therapist_absences, weekly_hours, working_days
from scheduling.queries.sessions import held_counting_dates
from scheduling.tables import (
    Appointment,
    AppointmentRequest,
    CalendarFeed,
    MeetingProposal,
    Participant,
)


async def episode_facts(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, FactPatch]:
    """Held counting sessions, the held alignment meeting and practice cancellations still to
    rebook, per episode (a fact source for practice.tasks)."""
    held = await held_counting_dates(episode_ids, tz)
    facts: dict[int, FactPatch] = {k: {"held_session_dates": v} for k, v in held.items()}
    if episode_ids:
        meetings = (
            await Appointment.select(Appointment.episode, Appointment.starts_at)
            .where(
                among(Appointment.episode, episode_ids)
                & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
                & (Appointment.attendance == Attendance.HELD.value)
            )
            .order_by(Appointment.starts_at)
        )
        for m in meetings:
            facts.setdefault(int(m["episode"]), {}).setdefault(
                "alignment_meeting_held_on", m["starts_at"].astimezone(tz).date()
            )
        cancelled = (
            await Appointment.select(Appointment.episode, Appointment.starts_at)
            .where(among(Appointment.episode, episode_ids) & _unrebooked())
            .order_by(Appointment.starts_at)
        )
        for c in cancelled:
            entry = facts.setdefault(int(c["episode"]), {})
            entry["unrebooked_practice_cancellations"] = (
                *entry.get("unrebooked_practice_cancellations", ()),
                c["starts_at"].astimezone(tz).date(),
            )
    return facts


def _unrebooked() -> Combinable:
    """Cancelled by the practice and not yet rebooked: the client is owed a new date (the
    rebooking task)."""
    return (Appointment.attendance == Attendance.CANCELLED_BY_PRACTICE.value) & (
        Appointment.rebooked_as.is_null()
    )


async def to_rebook(episode_id: int) -> list[dict[str, Any]]:
    """The episode's appointments the practice cancelled and has not rebooked, soonest first
    (the sessions section lists them where the rebooking task points)."""
    return list(
        await Appointment.select(Appointment.id, Appointment.starts_at)
        .where((Appointment.episode == episode_id) & _unrebooked())
        .order_by(Appointment.starts_at)
    )


async def next_appointments(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, datetime]:
    """The next planned appointment of each episode, local time in ``tz`` (a caseload column)."""
    if not episode_ids:
        return {}
    rows = await Appointment.select(Appointment.episode, Appointment.starts_at).where(
        among(Appointment.episode, episode_ids)
        & (Appointment.attendance == Attendance.PLANNED.value)
        & (Appointment.starts_at >= datetime.now(UTC))
    )
    first: dict[int, datetime] = {}
    for row in rows:
        episode_id = int(row["episode"])
        if episode_id not in first or row["starts_at"] < first[episode_id]:
            first[episode_id] = row["starts_at"]
    return {k: v.astimezone(tz) for k, v in first.items()}


async def appointments_between(
    actor: Actor, therapist_user_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The therapist's week or day: every appointment in [start, end), local times."""
    rows = (
        await Appointment.select(
            Appointment.id,
            Appointment.episode,
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.attendance,
            Appointment.online,
            Appointment.room,
            Appointment.episode._.client.as_alias("client_id"),
            Appointment.episode._.client._.name.as_alias("client_name"),
        )
        .where(
            (Appointment.therapist == therapist_user_id)
            & (Appointment.starts_at < end)
            & (Appointment.ends_at > start)
        )
        .order_by(Appointment.starts_at)
    )
    # One row per client the week names (their access logs show it), in one statement.
    shown: list[tuple[int | str | None, int | None]] = [
        *sorted({(int(r["episode"]), int(r["client_id"])) for r in rows})
    ] or [(therapist_user_id, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "calendar", shown, purpose="scheduling")
    return [
        {
            **row,
            "starts_at": row["starts_at"].astimezone(tz),
            "ends_at": row["ends_at"].astimezone(tz),
            "label": KIND_LABELS[AppointmentKind(row["kind"])],
        }
        for row in rows
    ]


async def appointment_counts(episode_id: int) -> dict[str, int]:
    """How many appointments the episode has, and how many of them were held."""
    rows = (
        await Appointment.select(Appointment.attendance, Count(Appointment.id).as_alias("n"))
        .where(Appointment.episode == episode_id)
        .group_by(Appointment.attendance)
    )
    by_attendance = {str(r["attendance"]): int(r["n"]) for r in rows}
    return {
        "all": sum(by_attendance.values()),
        "held": by_attendance.get(Attendance.HELD.value, 0),
    }


async def episode_appointments(
    actor: Actor,
    episode_id: int,
    client_id: int,
    tz: ZoneInfo,
    *,
    latest: int | None = None,
) -> list[dict[str, Any]]:
    """The episode's appointments in time order; only the ``latest`` ones if given."""
    async with write_tx():
        await audit.record(
            actor,
            Action.READ,
            "appointments",
            episode_id,
            purpose="treatment",
            client_id=client_id,
        )
    query = Appointment.select(
        Appointment.id,
        Appointment.kind,
        Appointment.starts_at,
        Appointment.ends_at,
        Appointment.attendance,
        Appointment.attendance_reason,
        Appointment.online,
        Appointment.rebooked_as,
        Appointment.client_told_by._.display_name.as_alias("client_told_by"),
        Appointment.client_told_at,
    ).where(Appointment.episode == episode_id)
    if latest is None:
        rows = await query.order_by(Appointment.starts_at)
    else:
        rows = list(
            reversed(await query.order_by(Appointment.starts_at, ascending=False).limit(latest))
        )
    return [
        {
            **r,
            "starts_at": r["starts_at"].astimezone(tz),
            "ends_at": r["ends_at"].astimezone(tz),
            "client_told_at": r["client_told_at"] and r["client_told_at"].astimezone(tz),
        }
        for r in rows
    ]


def open_request(now: datetime) -> Any:
    """The clause of a client's request that is still open (``scheduling.requests.keep_refusal``
    as a query): not answered by keeping it, its appointment still planned (moving or
    cancelling it answers it) and not begun. Vandaag and the sessions table ask the same."""
    return (
        (AppointmentRequest.appointment._.attendance == Attendance.PLANNED.value)
        & AppointmentRequest.kept_at.is_null()
        & (AppointmentRequest.appointment._.starts_at > now)
    )


async def open_request_kinds(episode_id: int, now: datetime) -> dict[int, str]:
    """The clients' open requests on the episode's appointments (`open_request`):
    appointment id -> the request's kind (``scheduling.requests.RequestKind``); the words are
    on its page."""
    rows = await AppointmentRequest.select(
        AppointmentRequest.appointment, AppointmentRequest.kind
    ).where((AppointmentRequest.appointment._.episode == episode_id) & open_request(now))
    return {int(r["appointment"]): str(r["kind"]) for r in rows}


async def therapist_free_slots(
    therapist_user_id: int,
    day_from: date,
    day_to: date,
    duration: timedelta,
    now: datetime,
    tz: ZoneInfo,
) -> list[Slot]:
    """Free start times within working hours, minus holidays, absences and bookings."""
    hours = await weekly_hours(therapist_user_id)
    start = datetime.combine(day_from, datetime.min.time(), tz)
    end = datetime.combine(day_to + timedelta(days=1), datetime.min.time(), tz)
    busy = occupied(
        (r["starts_at"], r["ends_at"])
        for r in await Appointment.select(Appointment.starts_at, Appointment.ends_at).where(
            (Appointment.therapist == therapist_user_id)
            & Appointment.attendance.is_in(list(LIVE))
            & (Appointment.starts_at < end)
            & (Appointment.ends_at > start)
        )
    )
    return free_slots(
        day_from,
        day_to,
        hours,
        busy,
        await therapist_absences(therapist_user_id, start, end),
        await working_days(),
        duration,
        tz,
        not_before=now,
    )


async def episode_of_appointment(appointment_id: int) -> int | None:
    """The episode an appointment belongs to; None for an unknown appointment."""
    row = (
        await Appointment.select(Appointment.episode)
        .where(Appointment.id == appointment_id)
        .first()
    )
    return None if row is None else int(row["episode"])


async def kind_of_appointment(appointment_id: int) -> str | None:
    """What an appointment is for (its stored kind code); None for an unknown appointment."""
    row = await Appointment.select(Appointment.kind).where(Appointment.id == appointment_id).first()
    return None if row is None else str(row["kind"])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def feed_ics(token: str) -> str | None:
    """The therapist's calendar feed for a valid token; initials and a neutral title only."""
    feed = (
        await CalendarFeed.select(CalendarFeed.therapist)
        .where((CalendarFeed.token_hash == token_hash(token)) & CalendarFeed.revoked_at.is_null())
        .first()
    )
    if feed is None:
        return None
    since = datetime.now(UTC) - timedelta(days=30)
    rows = await Appointment.select(
        Appointment.id,
        Appointment.starts_at,
        Appointment.ends_at,
        Appointment.attendance,
        Appointment.episode._.client._.name.as_alias("client_name"),
    ).where((Appointment.therapist == feed["therapist"]) & (Appointment.ends_at > since))
    return calendar(
        CalendarEntry(
            uid=f"appointment-{r['id']}@atwork",
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            summary=f"{initials(str(r['client_name']))} – afspraak",
            cancelled=r["attendance"].startswith("cancelled"),
        )
        for r in rows
    )


async def open_proposals(episode_ids: Sequence[int]) -> dict[int, datetime]:
    """Alignment meetings proposed (after the 4th held session, Compleet) and not booked yet:
    the episodes whose proposal has no planned or held alignment meeting, with the moment
    it was proposed. A cancelled or missed meeting puts the proposal back."""
    if not episode_ids:
        return {}
    proposals = await MeetingProposal.select(
        MeetingProposal.episode, MeetingProposal.proposed_at
    ).where(among(MeetingProposal.episode, episode_ids))
    if not proposals:
        return {}
    booked = await Appointment.select(Appointment.episode).where(
        among(Appointment.episode, [int(p["episode"]) for p in proposals])
        & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
        & Appointment.attendance.is_in([Attendance.PLANNED.value, Attendance.HELD.value])
    )
    taken = {int(b["episode"]) for b in booked}
    return {
        int(p["episode"]): p["proposed_at"] for p in proposals if int(p["episode"]) not in taken
    }


async def _invitations(appointment_id: int) -> dict[int, dict[str, Any]]:
    """Per participant, their invitation's state: queued (``created_at``), ``sent_at``,
    ``blocked_at`` (a consent withdrawn before sending), and ``cancelled_at`` when the
    meeting's cancellation was queued for them."""
    patterns = (
        invitation_key(appointment_id, "%"),
        invitation_cancelled_key(appointment_id, "%"),
    )
    rows = await OutboundMessage.select(
        OutboundMessage.key,
        OutboundMessage.created_at,
        OutboundMessage.sent_at,
        OutboundMessage.blocked_at,
    ).where(OutboundMessage.key.like(patterns[0]) | OutboundMessage.key.like(patterns[1]))
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        participant = int(str(row["key"]).rsplit(":", 1)[1])
        if str(row["key"]).startswith(patterns[0][:-1]):
            found.setdefault(participant, {}).update(
                created_at=row["created_at"], sent_at=row["sent_at"], blocked_at=row["blocked_at"]
            )
        else:
            found.setdefault(participant, {})["cancelled_at"] = row["created_at"]
    return found


async def appointment_detail(
    actor: Actor, appointment_id: int, tz: ZoneInfo
) -> dict[str, Any] | None:
    """One appointment for its page: who, when, what, attendance, the rebooking chain and
    the other participants; the read is audited naming the client."""
    row = (
        await Appointment.select(
            Appointment.id,
            Appointment.episode,
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.attendance,
            Appointment.attendance_reason,
            Appointment.online,
            Appointment.rebooked_as,
            Appointment.rebooked_as._.starts_at.as_alias("rebooked_starts_at"),
            Appointment.client_told_by._.display_name.as_alias("client_told_by"),
            Appointment.client_told_at,
            Appointment.episode._.client.as_alias("client_id"),
            Appointment.episode._.client._.name.as_alias("client_name"),
            Appointment.episode._.status.as_alias("episode_status"),
        )
        .where(Appointment.id == appointment_id)
        .first()
    )
    if row is None:
        return None
    previous = (
        await Appointment.select(Appointment.id, Appointment.starts_at)
        .where(Appointment.rebooked_as == appointment_id)
        .first()
    )
    participants = (
        await Participant.select(
            Participant.id, Participant.role, Participant.name, Participant.email,
            Participant.required,
        )
        .where(Participant.appointment == appointment_id)
        .order_by(Participant.id)
    )  # fmt: skip
    # What each was sent (scheduling.services.invitations): shown back beside them.
    invitations = await _invitations(appointment_id)
    participants = [{**p, "invitation": invitations.get(int(p["id"]))} for p in participants]
    # The client's request from the portal to cancel or move it, with their words.
    request = (
        await AppointmentRequest.select(
            AppointmentRequest.kind,
            AppointmentRequest.message,
            AppointmentRequest.created_at,
            AppointmentRequest.kept_at,
            AppointmentRequest.kept_by._.display_name.as_alias("kept_by"),
            AppointmentRequest.reply,
        )
        .where(AppointmentRequest.appointment == appointment_id)
        .first()
    )
    async with write_tx():
        await audit.record(
            actor,
            Action.READ,
            "appointment",
            appointment_id,
            purpose="treatment",
            client_id=int(row["client_id"]),
        )
    rebooked = row.pop("rebooked_starts_at")
    return {
        **row,
        "starts_at": row["starts_at"].astimezone(tz),
        "ends_at": row["ends_at"].astimezone(tz),
        "rebooked_starts_at": rebooked.astimezone(tz) if rebooked else None,
        "previous": None
        if previous is None
        else {"id": previous["id"], "starts_at": previous["starts_at"].astimezone(tz)},
        "participants": participants,
        "request": request,
    }


def left_over(episode_id: int, now: datetime) -> Any:
    """The condition of the episode's appointments still planned after ``now`` that do not
    belong after the end of a treatment (``AFTER_THE_END``): once it ended, left over."""
    return (
        (Appointment.episode == episode_id)
        & (Appointment.attendance == Attendance.PLANNED.value)
        & (Appointment.starts_at > now)
        & Appointment.kind.not_in(list(AFTER_THE_END))
    )


def still_belongs() -> Any:
    """The condition of appointments that still belong to their treatment: it has not ended,
    or they are of a kind that belongs after the end. Only those are reminded of, and their
    participants invited."""
    return Appointment.episode._.status.not_in([s.value for s in ENDED_STATUSES]) | (
        Appointment.kind.is_in(list(AFTER_THE_END))
    )


async def left_after_end(episode_id: int, now: datetime) -> list[datetime]:
    """When each appointment ``left_over`` begins, soonest first."""
    rows = (
        await Appointment.select(Appointment.starts_at)
        .where(left_over(episode_id, now))
        .order_by(Appointment.starts_at)
    )
    return [row["starts_at"] for row in rows]
