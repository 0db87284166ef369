"""Reads across episodes: a therapist's caseload and the practice manager's deadline monitor.

Both derive the open tasks of many episodes at once from ``load_facts`` (a fixed number of
queries, not one per episode) and list the overdue ones first.
"""

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from practice.access_policy import overview_only
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.caseload_view import CaseloadView
from practice.deadlines import DEFAULT_WORKING_DAYS
from practice.episodes import (
    ENDED_STATUSES,
    KEEP_CLOSED_ON_CASELOAD,
    TERMINAL_STATUSES,
    EpisodeStatus,
)
from practice.escalation import stage_of
from practice.name_search import fold
from practice.platform.db import (
    alongside,
    among,
    can_write_beside,
    concurrently,
    read_only,
    write_tx,
)
from practice.queries.access import seat_active_on
from practice.queries.episodes import PURPOSE, load_facts, task_json
from practice.tables import CaseAssignment, Therapist, TreatmentEpisode
from practice.tasks import MEDICAL_KINDS, derive_tasks

# The status sets and the closed-episode rule live with the state machine (practice.episodes).
TERMINAL = [s.value for s in TERMINAL_STATUSES]
ENDED = [s.value for s in ENDED_STATUSES]

# Columns a downstream package adds to the caseload (e.g. the next appointment), per episode.
# They get the practice's zone (TIME_ZONE) for local times.
CaseloadColumn = Callable[[Sequence[int], ZoneInfo], Awaitable[dict[int, Any]]]
_columns: dict[str, CaseloadColumn] = {}


def register_caseload_column(name: str, source: CaseloadColumn) -> None:
    """Called at start-up (``practice.composition.wiring``); an episode without a value gets
    None."""
    _columns[name] = source


# Built once: a column reached through foreign keys (``._.``) copies every column of each
# table on the way, and the caseload asks for these on every view (P-1). Piccolo reads a
# query's columns and never changes them, so one set serves every query.
_CURRENT_COLUMNS = (
    TreatmentEpisode.id,
    TreatmentEpisode.status,
    TreatmentEpisode.offer,
    TreatmentEpisode.client._.id.as_alias("client_id"),
    TreatmentEpisode.client._.name.as_alias("client_name"),
    TreatmentEpisode.referral._.employer.as_alias("employer_id"),
    TreatmentEpisode.referral._.employer._.name.as_alias("employer_name"),
    TreatmentEpisode.referral._.received_at.as_alias("received_at"),
)


async def current_episodes(actor: Actor, today: date) -> list[dict[str, Any]]:
    """The episodes on the therapist's caseload today: their seat is active, the episode is
    not terminal, and a closed one stays while its follow-ups may be due. No audit row: the
    caller records what it shows."""
    assigned = await CaseAssignment.select(CaseAssignment.episode).where(
        (CaseAssignment.user == actor.user_id)
        & (CaseAssignment.team_role == "therapist")
        & seat_active_on(today)
    )
    ids = sorted({int(a["episode"]) for a in assigned})
    if not ids:
        return []
    rows: list[dict[str, Any]] = await TreatmentEpisode.select(*_CURRENT_COLUMNS).where(
        among(TreatmentEpisode.id, ids)
        & TreatmentEpisode.status.not_in(TERMINAL)
        & (
            (TreatmentEpisode.status != EpisodeStatus.CLOSED.value)
            | (TreatmentEpisode.closed_on >= today - KEEP_CLOSED_ON_CASELOAD)
        )
    )
    return rows


Shown = list[tuple[int, int]]  # (episode, client) of each client a page shows


async def _entries(
    actor: Actor,
    today: date,
    tz: ZoneInfo,
    shown_of: Callable[[list[dict[str, Any]]], Shown | None],
) -> tuple[list[dict[str, Any]], Shown | None]:
    """Every episode on the caseload with its open tasks and the registered columns; and
    the clients audited as shown, when `shown_of` could tell them from the episodes' rows:
    their audit row is then written beside the rest of the reads (`alongside`: the page's
    reads do not wait for its commit, P-1). None: the caller records what it shows."""
    async with read_only():
        rows = await current_episodes(actor, today)
        # Asked here as well as in `alongside` (no await between, so the same answer): a
        # row written after the reads must wait until `read_only` has ended.
        shown = shown_of(rows) if can_write_beside() else None
        if shown is None:
            facts, columns = await _facts_and_columns(rows, tz)
        else:
            async with alongside(functools.partial(_record_shown, actor, shown)):
                facts, columns = await _facts_and_columns(rows, tz)
    return _built(rows, facts, columns, today, tz), shown


async def _facts_and_columns(
    rows: list[dict[str, Any]], tz: ZoneInfo
) -> tuple[Any, dict[str, dict[int, Any]]]:
    ids = [int(row["id"]) for row in rows]
    names = list(_columns)
    facts, *values = await concurrently(
        lambda: load_facts(ids, tz), *(functools.partial(_columns[n], ids, tz) for n in names)
    )
    return facts, dict(zip(names, values, strict=True))


def _built(
    rows: list[dict[str, Any]],
    facts: Any,
    columns: dict[str, dict[int, Any]],
    today: date,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    entries = []
    for row in rows:
        fact, rules = facts[int(row["id"])]
        open_tasks = [t for t in derive_tasks(fact, today, rules) if t.done_on is None]
        entries.append(
            {
                "episode_id": row["id"],
                "client_id": row["client_id"],
                "client_name": row["client_name"],
                "employer": row["employer_name"],
                "employer_id": int(row["employer_id"]),
                "referred_on": row["received_at"].astimezone(tz).date(),
                "status": row["status"],
                "offer": row["offer"],
                "overdue": sum(1 for t in open_tasks if t.status and t.status.is_overdue),
                "tasks": [task_json(t) for t in open_tasks],
                **{name: values.get(int(row["id"])) for name, values in columns.items()},
            }
        )
    return entries


def _shown(entries: Sequence[Mapping[str, Any]]) -> Shown:
    return [(int(e["episode_id"]), int(e["client_id"])) for e in entries]


async def _record_shown(actor: Actor, shown: Shown) -> None:
    # One row per client on the page (their access logs show it), in one statement (P-1);
    # an empty caseload still records the search.
    rows: Sequence[tuple[int | None, int | None]] = shown or [(actor.user_id, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "caseload", rows, purpose=PURPOSE)


async def _recorded(
    actor: Actor, recorded: Shown | None, entries: Sequence[Mapping[str, Any]]
) -> None:
    """The clients `entries` shows are audited: all of them when nothing was yet, else any
    the early record missed (none: it was told from the same rows; never fewer rows)."""
    shown = _shown(entries)
    if recorded is None:
        await _record_shown(actor, shown)
        return
    early = set(recorded)
    missed = [item for item in shown if item not in early]
    if missed:
        await _record_shown(actor, missed)


async def caseload(
    actor: Actor,
    today: date,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """The therapist's current episodes with open tasks, overdue first."""
    # The default view shows every episode: its clients are every row's.
    entries, recorded = await _entries(
        actor, today, tz, functools.partial(_shown_by, CaseloadView())
    )
    entries.sort(key=lambda e: (-e["overdue"], str(e["client_name"])))
    await _recorded(actor, recorded, entries)
    return entries


@dataclasses.dataclass(frozen=True, slots=True)
class CaseloadPage:
    """What the caseload page shows: the entries the view lets through, in its order, and
    what the form needs to offer (the employers on the caseload) and to count."""

    view: CaseloadView  # as applied: an employer not on the caseload is no filter
    entries: list[Mapping[str, Any]]
    shown_clients: int
    total_clients: int
    employers: list[tuple[int, str]]


async def caseload_page(
    actor: Actor, today: date, tz: ZoneInfo, view: CaseloadView
) -> CaseloadPage:
    """The caseload narrowed and ordered by ``view``; only the clients shown are audited."""
    entries, recorded = await _entries(actor, today, tz, functools.partial(_shown_by, view))
    employers = {int(e["employer_id"]): str(e["employer"]) for e in entries}
    view = _applicable(view, set(employers))
    shown = view.apply(entries)
    await _recorded(actor, recorded, shown)
    return CaseloadPage(
        view=view,
        entries=shown,
        shown_clients=len({e["client_id"] for e in shown}),
        total_clients=len({e["client_id"] for e in entries}),
        employers=sorted(employers.items(), key=lambda item: (fold(item[1]), item[0])),
    )


def _applicable(view: CaseloadView, employers: set[int]) -> CaseloadView:
    if view.employer_id not in employers:
        # Not an employer of this caseload (an old bookmark, a typed number): not a filter.
        return dataclasses.replace(view, employer_id=None)
    return view


def _shown_by(view: CaseloadView, rows: list[dict[str, Any]]) -> Shown | None:
    """The clients `view` shows, told from the episodes' rows; None when it needs their
    tasks (overdue only)."""
    if view.overdue_only:
        return None
    view = _applicable(view, {int(r["employer_id"]) for r in rows})
    return [(int(r["id"]), int(r["client_id"])) for r in rows if view.matches(r)]


async def deadline_monitor(
    actor: Actor,
    today: date,
    tz: ZoneInfo,
    *,
    therapist: str | None = None,
    overdue_only: bool = False,
) -> list[dict[str, Any]]:
    """For practice managers: every open deadline across therapists, overdue first; with
    ``therapist`` (a name as listed), only theirs; with ``overdue_only``, only the late.

    Each row says whether today's escalation digests carry it (``escalation``: due on the
    next working day, lapsed, or None), by the same rule (``practice.escalation``)."""
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.status,
        TreatmentEpisode.client,
        TreatmentEpisode.client._.name.as_alias("client_name"),
    ).where(TreatmentEpisode.status.not_in(TERMINAL))
    ids = [int(r["id"]) for r in rows]
    therapists: dict[int, str] = {}
    for a in (
        await CaseAssignment.select(
            CaseAssignment.episode,
            CaseAssignment.user._.display_name.as_alias("name"),
            CaseAssignment.valid_to,
        ).where(among(CaseAssignment.episode, ids) & (CaseAssignment.team_role == "therapist"))
        if ids
        else []
    ):
        if a["valid_to"] is None or a["valid_to"] >= today:
            therapists[int(a["episode"])] = a["name"]
    facts = await load_facts(ids, tz)
    items = []
    for row in rows:
        fact, rules = facts[int(row["id"])]
        for t in derive_tasks(fact, today, rules):
            if t.done_on is None and t.due_on is not None and t.kind not in MEDICAL_KINDS:
                items.append(
                    {
                        "episode_id": row["id"],
                        "client_name": row["client_name"],
                        "therapist": therapists.get(int(row["id"])),
                        # The overview's rule: no free-text reasons (they may name scores).
                        **overview_only(task_json(t)),
                        # Its warning silenced by the therapist: still open, no longer
                        # overdue; the reason is free text, so only that there is one.
                        "silenced": t.override_reason is not None,
                        "escalation": stage_of(t, today, DEFAULT_WORKING_DAYS),
                    }
                )
    items.sort(key=lambda i: (not i["overdue"], i["due_on"]))
    # The manager's filter, before the audit: only the clients listed are recorded as seen.
    if therapist is not None:
        items = [i for i in items if i["therapist"] == therapist]
    if overdue_only:
        items = [i for i in items if i["overdue"]]
    # One row per client the monitor names, in one statement.
    listed = {int(i["episode_id"]) for i in items}
    shown = [(r["id"], r["client"]) for r in rows if int(r["id"]) in listed] or [(None, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "deadline_monitor", shown, purpose=PURPOSE)
    return items


async def therapist_capacity(today: date) -> list[dict[str, Any]]:
    """Per therapist: episodes in progress against their capacity (the manager's planning)."""
    therapists = await Therapist.select(
        Therapist.user, Therapist.capacity, Therapist.user._.display_name.as_alias("name")
    ).where(Therapist.user._.active == True)  # noqa: E712 - a Piccolo expression
    assignments = await CaseAssignment.select(CaseAssignment.user, CaseAssignment.episode).where(
        (CaseAssignment.team_role == "therapist")
        & seat_active_on(today)
        & CaseAssignment.episode._.status.not_in(ENDED)
    )
    active: dict[int, int] = {}
    for a in assignments:
        active[int(a["user"])] = active.get(int(a["user"]), 0) + 1
    rows = [
        {
            "name": t["name"],
            "capacity": t["capacity"],
            "active": active.get(int(t["user"]), 0),
            "free": t["capacity"] - active.get(int(t["user"]), 0),
        }
        for t in therapists
    ]
    return sorted(rows, key=lambda r: (r["free"], str(r["name"])))
