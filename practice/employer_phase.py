"""Where the treatment stands, as the employer may know it, and since when.

The employer plans around the treatment (``EmployerView.phase``), so they learn its phase
of the process, never why it ended: every end reads alike. A treatment that began and was
closed, dropped out or referred elsewhere "ended"; one that never began (declined, referred
elsewhere or dropped out before the start) is "no treatment at the practice". A drop-out and
a referral elsewhere may say something medical; "completed" beside "ended" would tell them
apart.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from practice.episodes import ENDED_STATUSES, EpisodeStatus

EmployerPhase = Literal["referred", "screening", "treatment", "paused", "ended", "not_started"]
# A status is a str (StrEnum): the table is read with the stored text.
PHASE_OF_STATUS: dict[str, EmployerPhase] = {
    EpisodeStatus.REFERRED: "referred",
    EpisodeStatus.SCREENING_PLANNED: "screening",
    EpisodeStatus.SCREENED: "screening",
    EpisodeStatus.IN_TREATMENT: "treatment",
    EpisodeStatus.PAUSED: "paused",
}


def employer_phase(status: str, treatment_began: bool) -> EmployerPhase | None:
    """The phase of ``status``; an end (``ENDED_STATUSES``) by whether the treatment had
    begun. None for a status this table does not know (a new one shows nothing rather than
    something wrong)."""
    if status in ENDED_STATUSES:
        return "ended" if treatment_began else "not_started"
    return PHASE_OF_STATUS.get(status)


def phase_and_since(
    statuses: Sequence[tuple[datetime, str]],
    tz: ZoneInfo,
    *,
    started_on: date | None,
    closed_on: date | None,
) -> tuple[EmployerPhase | None, date | None]:
    """The phase after the last status change (``statuses``: when, the status it moved to,
    oldest first) and the day it began. ``started_on`` and ``closed_on`` are the days the
    treatment started and closed as the therapist recorded them, None when unknown on the
    view's day.

    Two statuses of one phase (screening planned, screened) are one phase to the employer,
    so it counts from the first change into it. A change entered later than it took effect
    counts from its day: the first start from the day the treatment started, a closing from
    the day it closed. A resumption after a pause counts from its change."""
    if not statuses:
        return None, None
    began = started_on is not None
    phase = employer_phase(statuses[-1][1], began)
    since = statuses[-1][0]
    for when, status in reversed(statuses):
        if employer_phase(status, began) != phase:
            break
        since = when
    first_start = [status for _, status in statuses].count(EpisodeStatus.IN_TREATMENT) == 1
    if phase == "treatment" and started_on is not None and first_start:
        return phase, started_on
    if phase == "ended" and statuses[-1][1] == EpisodeStatus.CLOSED and closed_on is not None:
        return phase, closed_on
    return phase, since.astimezone(tz).date()
