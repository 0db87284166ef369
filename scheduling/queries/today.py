"""Scheduling's panel of the therapist's start view: today's appointments (a today panel,
registered in ``practice.composition.wiring``). The caller audits the clients it names."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.platform.db import among
from scheduling.appointments import LIVE
from scheduling.tables import Appointment


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
