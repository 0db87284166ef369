"""The client's review of a report before it leaves (issue 20; the NIP code gives the client
the right to see a report first and to stop it). Pure.

After the therapist approves a briefing or interim report, the client has the contract's
working days (``Employer.client_review_days``, else
``practice.client_accounts.DEFAULT_REVIEW_DAYS``) to read it and agree or withhold it, with a
comment for the therapist. Agreed, or the time passed without a word: delivered (exactly
once, as before). Withheld: not sent, a task for the therapist, and the company doctor sees
that a report was withheld, nothing of its content.

Who is asked, and where (``review_channel``): a client with an active account, in the portal;
a client without one who told the therapist they want to read reports first
(``ReviewChoice.WANTED``), by a link mailed to them. A client who waived it is not asked. A
contract of 0 days turns the review off only where the client agreed (waived); for anyone
else it falls back to the default (``review_days``).
"""

import enum
from datetime import datetime, time
from zoneinfo import ZoneInfo

from practice.client_accounts import DEFAULT_REVIEW_DAYS, ReviewChoice
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


class Channel(enum.StrEnum):
    PORTAL = "portal"  # the client's account: the report waits on their home page
    LINK = "link"  # a single-use link by e-mail, for a client without an account


def review_days(contract_days: int | None, choice: str | None) -> int:
    """The working days of the review: none where the client waived it; the contract's,
    else the default; a contract's 0 without the client's agreement is the default."""
    if choice == ReviewChoice.WAIVED:
        return 0
    if contract_days is None or contract_days <= 0:
        return DEFAULT_REVIEW_DAYS
    return contract_days


def review_channel(choice: str | None, has_account: bool, has_email: bool) -> Channel | None:
    """Where the client reviews, or None when they are not asked (waived, or not reachable:
    no account, and no wish to review by e-mail recorded, or no address)."""
    if choice == ReviewChoice.WAIVED:
        return None
    if has_account:
        return Channel.PORTAL
    if choice == ReviewChoice.WANTED and has_email:
        return Channel.LINK
    return None


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
