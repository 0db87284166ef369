"""The therapist's day: what today asks of them, across their caseload.

Practice lists what it holds itself: overdue work (open tasks past their due date) and the
new referrals whose 10-day screening clock runs. Downstream packages add panels of their own
data (today's appointments from ``scheduling``, drafts to approve from ``reporting``) through
``register_today_panel`` at start-up (``practice.composition.wiring``), so this package never
imports them. Every panel is given the episodes on the therapist's caseload today and no
other: another therapist's clients cannot reach the page.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.deadlines import DEFAULT_WORKING_DAYS
from practice.episodes import EpisodeStatus
from practice.escalation import Stage, stage_of
from practice.platform.db import read_only, write_tx
from practice.queries.caseload import current_episodes
from practice.queries.episodes import PURPOSE, load_facts, waits_for_json
from practice.tasks import TaskKind, derive_tasks

# The statuses of a referral that waits for its screening (the 10-day clock runs).
AWAITING_SCREENING = frozenset(
    {EpisodeStatus.REFERRED.value, EpisodeStatus.SCREENING_PLANNED.value}
)

# (actor, the episode ids on the actor's caseload today, today, time zone) -> rows. Every row
# names its ``episode_id`` and ``client_id``: the page's audit rows are written from them.
PanelLoad = Callable[[Actor, Sequence[int], date, ZoneInfo], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class TodayPanel:
    """A part of the start view that a downstream package fills from its own data."""

    template: str
    load: PanelLoad


_panels: dict[str, TodayPanel] = {}


def register_today_panel(name: str, panel: TodayPanel) -> None:
    """Called at start-up; the page shows the panels in the order they were registered, before
    practice's own lists. Registering a name again replaces its panel."""
    _panels[name] = panel


@dataclass(frozen=True, slots=True)
class ShownPanel:
    name: str
    template: str
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class TodayView:
    panels: list[ShownPanel]
    overdue: list[dict[str, Any]]  # open tasks past due, the longest overdue first
    # Open tasks due today, not overridden: a report the client withheld or a safety item
    # answered today is due the same day, and would otherwise show only from tomorrow.
    due_today: list[dict[str, Any]]
    new_referrals: list[dict[str, Any]]  # awaiting the screening, the nearest deadline first
    # Screenings and treatment starts in today's escalation digest (practice.escalation):
    # due on the next working day or lapsed since the previous one, lapsed first.
    escalated: list[dict[str, Any]]


async def today_view(actor: Actor, today: date, tz: ZoneInfo) -> TodayView:
    """Everything the start view shows; one audit row per client it names, in one statement."""
    async with read_only():
        episodes = await current_episodes(actor, today)
        ids = [int(e["id"]) for e in episodes]
        facts = await load_facts(ids, tz)
        panels = [
            ShownPanel(name, panel.template, await panel.load(actor, ids, today, tz))
            for name, panel in _panels.items()
        ]
    overdue: list[dict[str, Any]] = []
    due_today: list[dict[str, Any]] = []
    referrals: list[dict[str, Any]] = []
    escalated: list[dict[str, Any]] = []
    for episode in episodes:
        fact, rules = facts[int(episode["id"])]
        who = {
            "episode_id": int(episode["id"]),
            "client_id": int(episode["client_id"]),
            "client_name": episode["client_name"],
        }
        for task in derive_tasks(fact, today, rules):
            status = task.status
            if task.done_on is not None or status is None or task.due_on is None:
                continue
            row = {
                **who,
                "kind": task.kind.value,
                "due_on": task.due_on,
                "after_session": task.after_session,
                "waits_for": waits_for_json(task),
            }
            if (stage := stage_of(task, today, DEFAULT_WORKING_DAYS)) is not None:
                escalated.append({**row, "stage": stage.value})
            if status.is_overdue:
                overdue.append({**row, "days_overdue": -status.days_left})
            # A new referral's screening clock has its own list; not again under "due today".
            awaiting = task.kind is TaskKind.SCREENING and episode["status"] in AWAITING_SCREENING
            due_now = task.due_on == today and task.override_reason is None
            if due_now and not status.is_overdue and not awaiting:
                due_today.append(row)
            if awaiting:
                referrals.append(
                    {
                        **row,
                        "status": episode["status"],
                        "days_left": status.days_left,
                        "overdue": status.is_overdue,
                        "referred_on": episode["received_at"].astimezone(tz).date(),
                    }
                )
    overdue.sort(key=lambda r: (-r["days_overdue"], str(r["client_name"]), r["kind"]))
    due_today.sort(key=lambda r: (str(r["client_name"]), r["kind"]))
    referrals.sort(key=lambda r: (r["due_on"], str(r["client_name"])))
    escalated.sort(key=lambda r: (r["stage"] != Stage.LAPSED, r["due_on"], str(r["client_name"])))
    named = {
        (int(r["episode_id"]), int(r["client_id"]))
        for rows in (*(p.rows for p in panels), overdue, due_today, referrals, escalated)
        for r in rows
    }
    shown: list[tuple[int | str | None, int | None]] = [*sorted(named)] or [(actor.user_id, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "today", shown, purpose=PURPOSE)
    return TodayView(
        panels=panels,
        overdue=overdue,
        due_today=due_today,
        new_referrals=referrals,
        escalated=escalated,
    )
