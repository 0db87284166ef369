"""The client's own account (issue 20): its invitation, its state and its e-mail code (pure).

People in care log in a few times a year, so the account is made for that:
- the therapist invites the client by e-mail; the link works once and for
  ``INVITATION_HOURS`` (72 h); a new invitation replaces the old link;
- the client sets a password and chooses a second factor: an app (TOTP, as staff) or a code
  by e-mail, sent at each login, valid for ``EMAIL_CODE_MINUTES`` and usable once;
- the therapist sees the state, and can send the invitation again or revoke the account.

Only the SHA-256 of a link's token or an e-mail code is stored (``digest``); the token or
code itself lives in the message to the client only.
"""

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from practice.platform.i18n import N_

INVITATION_HOURS = 72
# The client's working days to read a briefing or interim report and agree or withhold it
# before it leaves (the NIP code's right to see a report first), unless the employer
# contract says otherwise (``Employer.client_review_days``).
DEFAULT_REVIEW_DAYS = 3
EMAIL_CODE_MINUTES = 10


class ReviewChoice(enum.StrEnum):
    """Whether the client wants to read reports before they leave, as the therapist asked and
    recorded it (``Client.report_review``; not asked: none). Wanted: a client without an
    account gets each report by a mailed link. Waived: no review, whatever the contract says:
    the only way a report leaves without the client's review where they could have had one."""

    WANTED = "wanted"
    WAIVED = "waived"


REVIEW_CHOICE_LABELS: dict[str, str] = {
    "": N_("Not asked yet"),
    ReviewChoice.WANTED: N_("Yes: the client reads each report first"),
    ReviewChoice.WAIVED: N_("No: the client agreed that reports leave without their review"),
}
# The same choice in the client's own words (the portal's consents page).
MY_REVIEW_CHOICE_LABELS: dict[str, str] = {
    ReviewChoice.WANTED: N_("Yes: I read each report before it is sent"),
    ReviewChoice.WAIVED: N_("No: reports may be sent without my reading them first"),
}
EMAIL_CODE_DIGITS = 6
# A new code by e-mail at most this often: "send a new code" cannot flood the mailbox of a
# client whose password someone else knows.
CODE_RESEND_SECONDS = 30


class AccountState(enum.StrEnum):
    NONE = "none"  # never invited
    INVITED = "invited"  # the link is out and still works
    EXPIRED = "expired"  # the link was not used in time: invite again
    ACTIVE = "active"  # set up: the client logs in
    REVOKED = "revoked"  # ended by the therapist: no login, no link


STATE_LABELS: dict[AccountState, str] = {
    AccountState.NONE: N_("not invited"),
    AccountState.INVITED: N_("invited"),
    AccountState.EXPIRED: N_("invitation expired"),
    AccountState.ACTIVE: N_("active"),
    AccountState.REVOKED: N_("revoked"),
}


class FactorChoice(enum.StrEnum):
    """The client's second factor."""

    APP = "totp"
    EMAIL = "email"


FACTOR_LABELS: dict[FactorChoice, str] = {
    FactorChoice.APP: N_("a code from an authenticator app"),
    FactorChoice.EMAIL: N_("a code by e-mail at each login"),
}


def state_of(
    *,
    invited_until: datetime | None,
    set_up_at: datetime | None,
    revoked_at: datetime | None,
    now: datetime,
) -> AccountState:
    """The state of an account row (None for every field: never invited)."""
    if revoked_at is not None:
        return AccountState.REVOKED
    if set_up_at is not None:
        return AccountState.ACTIVE
    if invited_until is None:
        return AccountState.NONE
    return AccountState.INVITED if now < invited_until else AccountState.EXPIRED


def may_invite(state: AccountState) -> bool:
    """An active account needs no invitation; every other state may get a (new) one."""
    return state is not AccountState.ACTIVE


def invitation_until(now: datetime) -> datetime:
    return now + timedelta(hours=INVITATION_HOURS)


def code_until(now: datetime) -> datetime:
    return now + timedelta(minutes=EMAIL_CODE_MINUTES)


def may_send_code(code_until: datetime | None, now: datetime) -> bool:
    """Whether a new code may go out now: none is out, or the last went out long enough ago."""
    if code_until is None:
        return True
    sent_at = code_until - timedelta(minutes=EMAIL_CODE_MINUTES)
    return now - sent_at >= timedelta(seconds=CODE_RESEND_SECONDS)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_email_code() -> str:
    return f"{secrets.randbelow(10**EMAIL_CODE_DIGITS):0{EMAIL_CODE_DIGITS}d}"


def digest(secret: str) -> str:
    """What is stored of a token or a code: its SHA-256 (both are random, so unsalted)."""
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()
