"""When the client is asked, by a secure link, to fill in the questionnaires (outcome
monitoring, issue 20): at the screening, after every 5th held session (with the interim
report, so its scores are in the report) and at the end of treatment.

A moment is due on its day and stays due for ``RECENT_DAYS``: a moment further back is
history (the practice switched monitoring on, or loaded its past) and is not mailed. A
moment whose questionnaire the therapist already recorded around that day is not asked
again. The follow-up measurement has its own invitation (``reporting.services.follow_ups``),
sent once its window opened (``follow_up_window_opened``).

Pure: the facts come from ``practice.queries.episodes.load_facts``.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from practice import deadlines
from practice.episodes import EpisodeStatus
from practice.tasks import EpisodeFacts, TaskKind, TaskRules, derive_tasks

RECENT_DAYS = 14
# A link is valid for two weeks: long enough for a client who reads mail once a week, short
# enough that a score still says something about that moment.
VALID_DAYS = 14
# A link not used after a week gets one reminder, with a new link valid for VALID_DAYS.
REMIND_AFTER_DAYS = 7
# A questionnaire the therapist recorded this many days before or after the moment counts.
ANSWERED_WITHIN_DAYS = 7
# Asked at each moment: the symptom instruments of the practice's standard set and the work
# instrument (work ability, the outcome @Work is for).
INSTRUMENTS = ("PHQ-9", "GAD-7", "WAS")

MONITORED_STATUSES = frozenset(
    {EpisodeStatus.SCREENED, EpisodeStatus.IN_TREATMENT, EpisodeStatus.PAUSED, EpisodeStatus.CLOSED}
)


@dataclass(frozen=True, slots=True)
class Moment:
    """One moment of monitoring: its kind (``reporting.services.questionnaires.MOMENTS``),
    the held session it follows (interim) or 0, and its day."""

    moment: str
    ordinal: int
    due_on: date


def due_moments(
    facts: EpisodeFacts,
    today: date,
    *,
    every: int,
    answered: Collection[tuple[str, date]] = (),
) -> list[Moment]:
    """The moments to ask the client about now: recent, not yet answered."""
    if facts.status not in MONITORED_STATUSES:
        return []
    moments: list[Moment] = []
    if facts.screening_held_on is not None:
        moments.append(Moment("screening", 0, facts.screening_held_on))
    held = facts.held_session_dates
    moments.extend(Moment("interim", n, held[n - 1]) for n in range(every, len(held) + 1, every))
    if facts.status is EpisodeStatus.CLOSED and facts.closed_on is not None:
        moments.append(Moment("end", 0, facts.closed_on))
    window = timedelta(days=ANSWERED_WITHIN_DAYS)
    return [
        m
        for m in moments
        if today - timedelta(days=RECENT_DAYS) <= m.due_on <= today
        and not any(kind == m.moment and abs(day - m.due_on) <= window for kind, day in answered)
    ]


def follow_up_window_opened(facts: EpisodeFacts, rules: TaskRules, today: date) -> bool:
    """Whether the client is asked for the follow-up measurement now: the task rules owe it
    and its window (months after the last held session, or the closing) has opened. The
    invitation goes once (``reporting.services.follow_ups``)."""
    task = next(
        (
            t
            for t in derive_tasks(facts, today, rules, kinds={TaskKind.FOLLOW_UP_MEASUREMENT})
            if t.done_on is None
        ),
        None,
    )
    if task is None or task.due_on is None:
        return False
    last = facts.held_session_dates[-1] if facts.held_session_dates else facts.closed_on
    if last is None:
        return False
    opens_on = deadlines.follow_up_measurement_window(
        last,
        rules.follow_up_measurement_opens_months,
        rules.follow_up_measurement_closes_months,
    ).opens_on
    return today >= opens_on
