"""Escalation of the two deadlines a referral is promised on: who is told what, on `today`.

The brochure promises a Screening within 10 days and a treatment start within 10 working
days; the task list shows both to whoever opens the right page, which is not enough (issue
19). So one working day before such a deadline the therapist is told, and when it lapses
the therapist and every practice manager are told: as one digest per person per day, never
a message per item (``practice.services.escalation`` loads, asks this module, stores the
digests in the outbox under a key per person and day, and sends them).

Pure: the tasks come from ``practice.tasks.derive_tasks``, so the due dates, the
completions and the therapist's overrides are that module's; this one only decides which
of them escalate on `today`, and to whom. The monitor and the therapist's start page ask
the same ``stage_of``, so they show what the digests say.

Windows, counted in working days so every due date is escalated exactly once in each stage
whatever weekday or holiday it falls on (a calendar-day deadline may end on a Sunday):

- *due on the next working day*: ``today < due_on <= the next working day``; on a Friday
  that takes in Saturday, Sunday and Monday;
- *lapsed*: ``the previous working day <= due_on < today``, the first working day on which
  the deadline has passed; a deadline of Friday or Saturday lapses in Monday's digest.

Digests go out on working days only (the practice reads them at work); a task the therapist
overrode with a reason is silenced here as it is on the task list (pitfall 19).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from practice.tasks import Task, TaskKind
from practice.working_days import WorkingDays

# The two promises the practice makes at referral (brochure: "binnen 10 dagen", "binnen
# tien werkdagen"); the other tasks stay on the task list without a digest.
ESCALATED_KINDS = frozenset({TaskKind.SCREENING, TaskKind.TREATMENT_START})


class Stage(StrEnum):
    """Where an escalated deadline stands on the digest's day."""

    DUE_NEXT_WORKING_DAY = "due_next_working_day"
    LAPSED = "lapsed"


# Who hears of which stage: the therapist of both, the practice manager once it lapsed.
THERAPIST_STAGES = frozenset(Stage)
MANAGER_STAGES = frozenset({Stage.LAPSED})


@dataclass(frozen=True, slots=True)
class EpisodeDeadlines:
    """One episode as the rule needs it: whose it is today and its derived tasks."""

    episode_id: int
    client_id: int
    client_reference: str  # initials: the most a digest names of the client
    therapist_id: int | None  # the therapist holding the seat today, if any
    tasks: Sequence[Task]


@dataclass(frozen=True, slots=True)
class Escalation:
    """One escalated deadline: no diagnosis, no reason text, only what and when."""

    episode_id: int
    client_id: int
    client_reference: str
    therapist_id: int | None
    kind: TaskKind
    due_on: date
    stage: Stage


def previous_working_day(day: date, days: WorkingDays) -> date:
    """The last working day strictly before ``day``."""
    before = day - timedelta(days=1)
    while not days.is_working_day(before):
        before -= timedelta(days=1)
    return before


def stage_of(task: Task, today: date, days: WorkingDays) -> Stage | None:
    """The stage in which ``task`` escalates on ``today``, or None.

    None for other kinds, done or overridden tasks, tasks without a due date, and on a day
    that is not a working day (no digest goes out then, and the monitor says the same).
    """
    due = task.due_on
    if (
        task.kind not in ESCALATED_KINDS
        or task.done_on is not None
        or task.override_reason is not None
        or due is None
        or not days.is_working_day(today)
    ):
        return None
    if today < due <= days.add_working_days(today, 1):
        return Stage.DUE_NEXT_WORKING_DAY
    if previous_working_day(today, days) <= due < today:
        return Stage.LAPSED
    return None


def escalations(
    episodes: Iterable[EpisodeDeadlines], today: date, days: WorkingDays
) -> list[Escalation]:
    """Every deadline that escalates on ``today``: lapsed first, then by due date."""
    found = [
        Escalation(
            episode.episode_id,
            episode.client_id,
            episode.client_reference,
            episode.therapist_id,
            task.kind,
            task.due_on,
            stage,
        )
        for episode in episodes
        for task in episode.tasks
        if task.due_on is not None and (stage := stage_of(task, today, days)) is not None
    ]
    return sorted(found, key=_order)


def digests(
    found: Iterable[Escalation], manager_ids: Iterable[int]
) -> Mapping[int, tuple[Escalation, ...]]:
    """Per person (account id), the items of their digest; a person without items gets none.

    A therapist gets both stages of the episodes whose seat they hold today (their own
    clients, by care relation); every practice manager gets every lapsed deadline.
    """
    items = sorted(found, key=_order)
    per_person: dict[int, tuple[Escalation, ...]] = {}
    for therapist_id in sorted({e.therapist_id for e in items if e.therapist_id is not None}):
        own = tuple(e for e in items if e.therapist_id == therapist_id)
        per_person[therapist_id] = tuple(e for e in own if e.stage in THERAPIST_STAGES)
    lapsed = tuple(e for e in items if e.stage in MANAGER_STAGES)
    for manager_id in sorted(set(manager_ids)):
        if lapsed:
            per_person[manager_id] = lapsed
    return {person: its for person, its in per_person.items() if its}


def _order(e: Escalation) -> tuple[bool, date, str, int]:
    return (e.stage is not Stage.LAPSED, e.due_on, e.kind.value, e.episode_id)


# ---------------------------------------------------------------- erasure

# A digest's item as ``templates/practice/escalation/body.txt`` writes it: its line, "- A.J.
# (episode 12): …" ("traject" in Dutch; initials hold no parenthesis), and for a therapist
# the link to the episode on a line of its own.
_ITEM_LINE = re.compile(r"- [^(\n]*\(\w+ (\d+)\):")
_LINK_LINE = re.compile(r"\s+\S*/episodes/(\d+)\s*")


def without_episodes(body: str, episode_ids: Iterable[int]) -> str:
    """A digest's text without the items of these episodes: their client's record was
    erased, and the stored copy of a digest must not keep the client's initials and
    episode number (``practice.services.escalation.erase_from_digests``). Every other line
    stays as it was written."""
    erased = {str(episode_id) for episode_id in episode_ids}

    def names_erased(line: str) -> bool:
        found = _ITEM_LINE.match(line) or _LINK_LINE.fullmatch(line)
        return found is not None and found.group(1) in erased

    return "\n".join(line for line in body.split("\n") if not names_erased(line))
