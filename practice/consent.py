"""The client's consent to share, per recipient and purpose (domain brief §2.2, pitfall 14).

The brochure never mentions consent; TNO does, and mixes "met toestemming" (permission)
with "met medeweten" (knowledge). Here only explicit permission counts, recorded per
recipient and purpose so that a yes to interim reports for the company doctor is never read
as a yes to anything for the employer. A withdrawal stops every later send.

Times are aware datetimes: a withdrawal at 09:00 Amsterdam time must beat a send at 09:30,
and a naive timestamp could be read in either zone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from practice.platform.i18n import N_


class Recipient(StrEnum):
    """Who receives information about the client."""

    COMPANY_DOCTOR = "company_doctor"
    EMPLOYER = "employer"
    GENERAL_PRACTITIONER = "general_practitioner"


class Purpose(StrEnum):
    """What the information is for; consent for one purpose never covers another."""

    INTERIM_REPORTS = "interim_reports"  # medical reports (tussenevaluaties) to the company doctor
    BRIEFING = "briefing"  # the briefing "spoedig na de Screening", incl. the treatment advice
    PROCESS_UPDATES = "process_updates"  # non-medical updates to the employer
    RELAPSE_PLAN_WORK_SECTION = "relapse_plan_work_section"  # only if the client chooses
    FOLLOW_UP_RESULTS = "follow_up_results"


# What each recipient may be sent, so what a consent may be given for. Nothing medical ever
# goes to the employer (domain brief §2.2): a consent to send it interim reports would read
# as a promise the practice does not keep, and a send on it would be refused anyway.
PURPOSES_OF: dict[Recipient, tuple[Purpose, ...]] = {
    Recipient.COMPANY_DOCTOR: (
        Purpose.BRIEFING,
        Purpose.INTERIM_REPORTS,
        Purpose.FOLLOW_UP_RESULTS,
    ),
    Recipient.EMPLOYER: (Purpose.PROCESS_UPDATES, Purpose.RELAPSE_PLAN_WORK_SECTION),
    Recipient.GENERAL_PRACTITIONER: (
        Purpose.BRIEFING,
        Purpose.INTERIM_REPORTS,
        Purpose.FOLLOW_UP_RESULTS,
    ),
}


# Why a purpose is refused for a recipient, naming what it may be sent instead.
WRONG_PURPOSE: dict[Recipient, str] = {
    Recipient.COMPANY_DOCTOR: N_(
        "The company doctor is sent the briefing, interim reports and follow-up results: "
        "choose one of those."
    ),
    Recipient.EMPLOYER: N_(
        "Nothing medical goes to the employer: choose the non-medical process updates or the "
        "work section of the relapse-prevention plan."
    ),
    Recipient.GENERAL_PRACTITIONER: N_(
        "The general practitioner is sent the briefing, interim reports and follow-up "
        "results: choose one of those."
    ),
}


def fits(recipient: Recipient, purpose: Purpose) -> bool:
    """Whether ``purpose`` is something ``recipient`` may be sent (``PURPOSES_OF``)."""
    return purpose in PURPOSES_OF[recipient]


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment.isoformat()}")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Consent given at `given_at` and, if so, withdrawn at `withdrawn_at`.

    `recipient_person_id` narrows the consent to one person (this bedrijfsarts, this
    manager); None means whoever holds the recipient role on the case.
    """

    recipient: Recipient
    purpose: Purpose
    given_at: datetime
    withdrawn_at: datetime | None
    recipient_person_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware("given_at", self.given_at)
        if self.withdrawn_at is not None:
            _require_aware("withdrawn_at", self.withdrawn_at)
            if self.withdrawn_at < self.given_at:
                raise ValueError("consent cannot be withdrawn before it was given")

    @classmethod
    def as_stored(
        cls,
        recipient: Recipient,
        purpose: Purpose,
        given_at: datetime,
        withdrawn_at: datetime | None,
        recipient_person_id: int | None = None,
    ) -> "ConsentRecord":
        """A consent as the table holds it. The table does not refuse a withdrawal stamped
        before the giving (a clock or an import can write one); it is read as withdrawn the
        moment it was given: never in force, so nothing is sent on it, the safe side."""
        if withdrawn_at is not None and withdrawn_at < given_at:
            withdrawn_at = given_at
        return cls(recipient, purpose, given_at, withdrawn_at, recipient_person_id)


def consent_valid(
    records: Iterable[ConsentRecord],
    recipient: Recipient,
    purpose: Purpose,
    at: datetime,
    recipient_person_id: int | None = None,
) -> bool:
    """True when consent for `purpose` to `recipient` is in force at `at`."""
    return why_not_sendable(records, recipient, purpose, at, recipient_person_id) is None


def why_not_sendable(
    records: Iterable[ConsentRecord],
    recipient: Recipient,
    purpose: Purpose,
    at: datetime,
    recipient_person_id: int | None = None,
) -> str | None:
    """None when sending is allowed at `at`, otherwise the reason in plain words.

    The latest decision wins: the newest grant or withdrawal among the matching records, as
    known at `at`. Taking the newest *decision* rather than the newest *record* means that
    withdrawing an older, broader consent also stops sends under a narrower one given in
    between: the client said stop last, and a withdrawal must stop every later send. On a
    tie the withdrawal wins, the safe side for health data.

    A record naming a person matches only a question about that person; a record without
    one covers whoever holds the role.
    """
    _require_aware("at", at)
    matching = [
        record
        for record in records
        if record.recipient is recipient
        and record.purpose is purpose
        and record.given_at <= at
        and record.recipient_person_id in (None, recipient_person_id)
    ]
    what = f"{purpose} to {recipient}"
    if recipient_person_id is not None:
        what += f" (person {recipient_person_id})"
    if not matching:
        return f"no consent recorded for {what} as of {_show(at)}"
    granted = max(record.given_at for record in matching)
    withdrawals = [
        record.withdrawn_at
        for record in matching
        if record.withdrawn_at is not None and granted <= record.withdrawn_at <= at
    ]
    if withdrawals:
        return f"consent for {what} was withdrawn on {_show(max(withdrawals))}"
    return None


def _show(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


class ConsentState(StrEnum):
    """Where a consent for one recipient and purpose stands at a moment (the client page)."""

    IN_FORCE = "in_force"
    WITHDRAWN = "withdrawn"
    NOT_YET = "not_yet"  # given with a later date only: in force from then
    NEVER_GIVEN = "never_given"


@dataclass(frozen=True, slots=True)
class Standing:
    """The state and the moment it dates from: in force since, withdrawn on, in force from;
    None when never given."""

    state: ConsentState
    since: datetime | None


def standing(
    records: Iterable[ConsentRecord],
    recipient: Recipient,
    purpose: Purpose,
    at: datetime,
    recipient_person_id: int | None = None,
) -> Standing:
    """How the consent for `purpose` to `recipient` stands at `at`, by the rule that decides
    every send (``why_not_sendable``): in force since the newest grant, or withdrawn on the
    newest withdrawal after it. Records stamped after `at` count only as "not yet"."""
    records = list(records)
    _require_aware("at", at)
    concerned = [
        record
        for record in records
        if record.recipient is recipient
        and record.purpose is purpose
        and record.recipient_person_id in (None, recipient_person_id)
    ]
    known = [record for record in concerned if record.given_at <= at]
    if not known:
        later = [record.given_at for record in concerned]
        if later:
            return Standing(ConsentState.NOT_YET, min(later))
        return Standing(ConsentState.NEVER_GIVEN, None)
    granted = max(record.given_at for record in known)
    if why_not_sendable(records, recipient, purpose, at, recipient_person_id) is None:
        return Standing(ConsentState.IN_FORCE, granted)
    withdrawals = [
        record.withdrawn_at
        for record in known
        if record.withdrawn_at is not None and granted <= record.withdrawn_at <= at
    ]
    return Standing(ConsentState.WITHDRAWN, max(withdrawals, default=granted))
