"""Scheduling's panels of the therapist's start view: today's appointments and the clients'
open requests to move or cancel one (today panels, registered in
``practice.composition.wiring``). The caller audits the clients it names."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.platform.db import among
from scheduling.appointments import LIVE
from scheduling.queries.appointments import open_request
from scheduling.tables import Appointment, AppointmentRequest


async def todays_appointments(
    actor: Actor, episode_ids: Sequence[int], today: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The actor's own appointments on ``today`` (local day in ``tz``) with the clients on
    their caseload (``episode_ids``), in time order; cancelled ones have freed their slot and
    are left out."""
    if not episode_ids or actor.user_id is None:
        return []
    start = datetime.combine(today, time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    rows = (
        await Appointment.select(
            Appointment.id,
            Appointment.episode.as_alias("episode_id"),
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.attendance,
            Appointment.online,
            Appointment.episode._.client.as_alias("client_id"),
            Appointment.episode._.client._.name.as_alias("client_name"),
        )
        .where(
            (Appointment.therapist == actor.user_id)
            & among(Appointment.episode, episode_ids)
            & Appointment.attendance.is_in(list(LIVE))
            & (Appointment.starts_at >= start)
            & (Appointment.starts_at < end)
        )
        .order_by(Appointment.starts_at)
    )
    return [
        {
            **row,
            "starts_at": row["starts_at"].astimezone(tz),
            "ends_at": row["ends_at"].astimezone(tz),
        }
        for row in rows
    ]


async def open_requests(
    actor: Actor, episode_ids: Sequence[int], today: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The clients' requests from the portal to move or cancel one of the actor's own
    appointments (the therapist the request was mailed to) that are still open: the
    appointment is still planned and has not begun. Moving it (cancel and rebook),
    cancelling it or keeping it as it is answers the request, and it leaves the list. The
    oldest request first."""
    if not episode_ids or actor.user_id is None:
        return []
    rows = (
        await AppointmentRequest.select(
            AppointmentRequest.id,
            AppointmentRequest.kind,
            AppointmentRequest.message,
            AppointmentRequest.created_at,
            AppointmentRequest.appointment.as_alias("appointment_id"),
            AppointmentRequest.appointment._.starts_at.as_alias("starts_at"),
            AppointmentRequest.appointment._.episode.as_alias("episode_id"),
            AppointmentRequest.appointment._.episode._.client.as_alias("client_id"),
            AppointmentRequest.appointment._.episode._.client._.name.as_alias("client_name"),
        )
        .where(
            (AppointmentRequest.appointment._.therapist == actor.user_id)
            & among(AppointmentRequest.appointment._.episode, episode_ids)
            & open_request(datetime.now(UTC))
        )
        .order_by(AppointmentRequest.created_at)
    )
    return [
        {
            **row,
            "starts_at": row["starts_at"].astimezone(tz),
            "created_at": row["created_at"].astimezone(tz),
        }
        for row in rows
    ]
