"""Setbacks (*terugval*) as records: the therapist records one from the client page (load →
decide with ``practice.setbacks`` → store with its audit row); the episode detail lists them
back (``practice.queries.setbacks``) and the timeline shows them. The note is medical: it is
never sent anywhere, and no employer view holds it.
"""

from datetime import date
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.services.episodes import PURPOSE, client_of, clock, episode_dates, episode_row, refuse
from practice.setbacks import setback_problems
from practice.tables import Setback


async def record_setback(
    actor: Actor,
    *,
    episode_id: int,
    occurred_on: date,
    kind: str,
    medical_note: str = "",
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A dated setback of one kind, with the therapist's medical note; refused with every
    problem at once (400, nothing written) for an unknown kind or a day before the referral
    or after today."""
    day, zone = clock(today, tz)
    note = medical_note.strip()
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(
            setback_problems(
                kind=kind, occurred_on=occurred_on, note=note, referred_on=referred_on, today=day
            )
        )
        rows = await Setback.insert(
            Setback(
                episode=episode_id,
                occurred_on=occurred_on,
                kind=kind,
                note=note,
                recorded_by=actor.user_id,
            )
        ).returning(Setback.id)
        await audit.record(
            actor,
            Action.CREATE,
            "setback",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])
