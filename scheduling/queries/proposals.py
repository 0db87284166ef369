"""The alignment meeting where it is due: open proposals with their deadline and a time to
book them at (reads only; booking one is ``scheduling.services.booking.book``)."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.queries.access import seat_active_on
from practice.queries.episodes import load_facts
from practice.tables import CaseAssignment
from practice.tasks import TaskKind, derive_tasks
from scheduling.queries.appointments import open_proposals, therapist_free_slots

MEETING_MINUTES = 60
# How far past its due date a suggested time may lie (a full calendar still gets one).
SEARCH_DAYS = 21


async def due_proposals(
    episode_ids: Sequence[int], today: date, tz: ZoneInfo
) -> dict[int, dict[str, Any]]:
    """The episodes' open proposals that are still due by their offer (a downgrade from
    Compleet drops the meeting), with the deadline the task rules give it."""
    proposed = await open_proposals(episode_ids)
    if not proposed:
        return {}
    facts = await load_facts(list(proposed), tz)
    found: dict[int, dict[str, Any]] = {}
    for episode_id, proposed_at in proposed.items():
        fact, rules = facts[episode_id]
        task = next(
            (t for t in derive_tasks(fact, today, rules) if t.kind is TaskKind.ALIGNMENT_MEETING),
            None,
        )
        if task is None or task.done_on is not None:
            continue
        found[episode_id] = {
            "episode_id": episode_id,
            "proposed_at": proposed_at.astimezone(tz),
            "due_on": task.due_on,
            "overdue": bool(task.status and task.status.is_overdue),
            "held": len(fact.held_session_dates),
        }
    return found


async def suggested_time(
    therapist_user_id: int, due_on: date | None, today: date, now: datetime, tz: ZoneInfo
) -> datetime | None:
    """The first free hour in the therapist's working hours from today, for a one-click
    booking; None when the hours are not set or full."""
    last = max(due_on or today, today) + timedelta(days=SEARCH_DAYS)
    free = await therapist_free_slots(
        therapist_user_id, today, last, timedelta(minutes=MEETING_MINUTES), now, tz
    )
    return free[0].start.astimezone(tz) if free else None


async def calendar_proposals(actor: Actor, today: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The due alignment meetings of the episodes the therapist holds a seat on today, most
    urgent first, with the client's name; each client shown is audited (one statement)."""
    seats = await CaseAssignment.select(
        CaseAssignment.episode,
        CaseAssignment.episode._.client.as_alias("client_id"),
        CaseAssignment.episode._.client._.name.as_alias("client_name"),
    ).where(
        (CaseAssignment.user == actor.user_id)
        & (CaseAssignment.team_role == "therapist")
        & seat_active_on(today)
    )
    names = {int(s["episode"]): (int(s["client_id"]), str(s["client_name"])) for s in seats}
    due = await due_proposals(list(names), today, tz)
    found = [
        {**proposal, "client_id": names[e][0], "client_name": names[e][1]}
        for e, proposal in due.items()
    ]
    found.sort(key=lambda p: (p["due_on"] or date.max, p["client_name"]))
    if found:
        async with write_tx():
            await audit.record_many(
                actor,
                Action.SEARCH,
                "calendar",
                [(p["episode_id"], p["client_id"]) for p in found],
                purpose="scheduling",
            )
    return found
