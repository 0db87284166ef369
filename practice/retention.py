"""How long a client's record is kept (WGBO 7:454): the deciding rule, pure (DATA-4).

The medical record is kept for 20 years after its *last change*, unless the client asks for
it to be destroyed earlier (7:455; ``practice.services.erasure``). The last change is the
latest of every date on the record that marks something being written, i.e. the columns
that the holdings in ``practice.client_data`` declare as ``changed`` (the client's creation,
the referral, screening, start and closing of each episode, each status change, session,
report, document, agreement, measurement, consent, ...) and the latest create, update or
delete of the record in the audit trail (edits that leave no date in the row itself).
Reads do not count: looking at a record does not change it.

Two more rules keep the purge on the safe side: a record with an episode that is still open
(not closed, declined, dropped out or referred elsewhere) is never expired, and the period
is at least 20 years (a shorter one raises).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

MINIMUM_YEARS = 20

OPEN = "open"
EXPIRED = "expired"
KEPT = "kept"


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 1 March, never earlier."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class RetentionDecision:
    expired: bool
    reason: str  # expired | kept | open
    last_change: date | None
    destroy_from: date | None  # the first day destruction is allowed


def destroy_from(last_change: date, years: int) -> date:
    """Kept for the whole of ``years`` after the last change; destroyed from the day after."""
    return add_years(last_change, years) + timedelta(days=1)


def decide(
    changes: Iterable[date], today: date, *, years: int, open_episode: bool = False
) -> RetentionDecision:
    """Whether the record whose changes fell on ``changes`` may be destroyed ``today``."""
    if years < MINIMUM_YEARS:
        raise ValueError(f"medical records are kept at least {MINIMUM_YEARS} years, not {years}")
    last = max(changes, default=None)
    if last is None:
        # No date at all: nothing says how old the record is, so nothing allows destroying it.
        return RetentionDecision(False, KEPT, None, None)
    first_day = destroy_from(last, years)
    if open_episode:
        return RetentionDecision(False, OPEN, last, first_day)
    if today >= first_day:
        return RetentionDecision(True, EXPIRED, last, first_day)
    return RetentionDecision(False, KEPT, last, first_day)
