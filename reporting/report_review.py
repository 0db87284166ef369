"""The client's review of a report before it leaves (issue 20; the NIP code gives the client
the right to see a report first and to stop it). Pure.

After the therapist approves a briefing or interim report, a client with an active account
has the contract's working days (``Employer.client_review_days``, else
``practice.client_accounts.DEFAULT_REVIEW_DAYS``; 0 turns it off, only where the client
agreed) to read it and agree or withhold it, with a comment for the therapist. Agreed, or
the time passed without a word: delivered (exactly once, as before). Withheld: not sent,
a task for the therapist, and the company doctor sees that a report was withheld, nothing
of its content. A client without an account is not asked: there is no way to reach them
safely yet (the report leaves as before), which the therapist sees on the report.
"""

import enum
from datetime import datetime, time
from zoneinfo import ZoneInfo

from practice.platform.i18n import N_
from practice.working_days import WorkingDays

COMMENT_MAX = 2000
# The blocked reason stored on a withheld report: fixed words, never the client's comment.
WITHHELD_REASON = "withheld by the client"


class Decision(enum.StrEnum):
    AGREED = "agreed"
    WITHHELD = "withheld"


DECISION_LABELS: dict[Decision, str] = {
    Decision.AGREED: N_("I agree: it may be sent"),
    Decision.WITHHELD: N_("I withhold it: it may not be sent"),
}


def review_until(
    approved_at: datetime, days: int, calendar: WorkingDays, tz: ZoneInfo
) -> datetime | None:
    """The end of the ``days``-th working day after the approval, in the practice's zone;
    None when there is no review (0 days)."""
    if days <= 0:
        return None
    last = calendar.add_working_days(approved_at.astimezone(tz).date(), days)
    return datetime.combine(last, time.max, tz)


def awaiting(until: datetime | None, decision: str | None, now: datetime) -> bool:
    """Whether the report still waits for the client: a review open, undecided, in time."""
    return until is not None and decision is None and now <= until
