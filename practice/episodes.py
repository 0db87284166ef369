"""The treatment state machine of one @Work episode (domain brief §4.3).

The machine is deliberately small: it says which status may follow which, nothing else.
Deadlines are warnings elsewhere (`practice.deadlines`); here an illegal move is an error,
because a wrong status corrupts every statistic that filters on it (drop-out rate, S13).
"""

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType


class Offer(StrEnum):
    """The product on the episode; it can change mid-episode (upgrade or downgrade)."""

    BASIC = "atwork_basic"
    COMPLEET = "atwork_compleet"
    PREVENTIVE = "preventive"
    OTHER = "other"


def offer_includes_alignment_meeting(offer: Offer) -> bool:
    """The afstemmingsoverleg is "alleen in @Work Compleet-aanbod" (brochure step 7)."""
    return offer is Offer.COMPLEET


def offer_includes_follow_up_conversation(offer: Offer) -> bool:
    """The follow-up-gesprek is "alleen in @Work Compleet-aanbod" (brochure step 9).

    Relapse prevention is in every offer and is therefore not gated here (pitfall 5).
    """
    return offer is Offer.COMPLEET


class EpisodeStatus(StrEnum):
    """Where an episode stands on the treatment track (not the work track)."""

    REFERRED = "referred"
    SCREENING_PLANNED = "screening_planned"
    SCREENED = "screened"
    IN_TREATMENT = "in_treatment"
    PAUSED = "paused"
    CLOSED = "closed"
    DECLINED = "declined"
    DROPPED_OUT = "dropped_out"
    REFERRED_ELSEWHERE = "referred_elsewhere"


_S = EpisodeStatus

_TRANSITIONS: Mapping[EpisodeStatus, frozenset[EpisodeStatus]] = MappingProxyType(
    {
        _S.REFERRED: frozenset({_S.SCREENING_PLANNED, _S.DECLINED, _S.REFERRED_ELSEWHERE}),
        # A client can stop turning up before the screening is held, so drop-out is possible
        # here; after the screening, not starting is a "declined".
        _S.SCREENING_PLANNED: frozenset(
            {_S.SCREENED, _S.DECLINED, _S.REFERRED_ELSEWHERE, _S.DROPPED_OUT}
        ),
        _S.SCREENED: frozenset({_S.IN_TREATMENT, _S.DECLINED, _S.REFERRED_ELSEWHERE}),
        _S.IN_TREATMENT: frozenset({_S.PAUSED, _S.CLOSED, _S.DROPPED_OUT, _S.REFERRED_ELSEWHERE}),
        # A paused client is resumed, finished or lost. Referral elsewhere is not offered from
        # here (the agreed table): resume first, so the transfer is dated inside treatment.
        _S.PAUSED: frozenset({_S.IN_TREATMENT, _S.CLOSED, _S.DROPPED_OUT}),
        # Reopen after relapse (pitfall 9). A relapse detected long after closing may instead
        # become a new referral linked to this episode; that choice belongs to the service.
        _S.CLOSED: frozenset({_S.IN_TREATMENT}),
        _S.DECLINED: frozenset(),
        _S.DROPPED_OUT: frozenset(),
        _S.REFERRED_ELSEWHERE: frozenset(),
    }
)


def allowed_transitions(status: EpisodeStatus) -> frozenset[EpisodeStatus]:
    """The statuses that may directly follow `status`; empty for a terminal status."""
    return _TRANSITIONS[status]


def is_terminal(status: EpisodeStatus) -> bool:
    """True when nothing may follow (declined, dropped out, referred elsewhere)."""
    return not _TRANSITIONS[status]


# Nothing may follow these (declined, dropped out, referred elsewhere): the episode asks
# nothing more of anyone.
TERMINAL_STATUSES: frozenset[EpisodeStatus] = frozenset(s for s in EpisodeStatus if is_terminal(s))
# Ended episodes, closed ones included: they no longer take a therapist's treatment time.
ENDED_STATUSES: frozenset[EpisodeStatus] = TERMINAL_STATUSES | {EpisodeStatus.CLOSED}
# Not ended, from the referral on: the episode is on the practice's books (the caseload
# statistics count these; a referral import finds its case team among these).
OPEN_STATUSES: frozenset[EpisodeStatus] = frozenset(EpisodeStatus) - ENDED_STATUSES
# Treatment has begun and not ended: sessions are held, or resume after a pause.
TREATING_STATUSES: frozenset[EpisodeStatus] = frozenset(
    {EpisodeStatus.IN_TREATMENT, EpisodeStatus.PAUSED}
)
# Screened and not terminal: the company doctor is owed a briefing and interim reports, and
# the employer process updates, until after the end (closed included: the last report may
# still be due). The sweep drafts and sends only for these.
REPORTING_STATUSES: frozenset[EpisodeStatus] = frozenset(
    {EpisodeStatus.SCREENED, EpisodeStatus.IN_TREATMENT, EpisodeStatus.PAUSED, EpisodeStatus.CLOSED}
)
# A closed episode stays on the therapist's caseload while its follow-ups may be due (the
# follow-up measurement comes ½ to 1 year after the end, plus a month to catch up); a
# terminal one leaves at once. Without this a caseload grows with every client ever seen.
KEEP_CLOSED_ON_CASELOAD = timedelta(days=365 + 31)


def can_transition(current: EpisodeStatus, target: EpisodeStatus) -> bool:
    """True when `target` may directly follow `current`; staying put is not a transition."""
    return target in _TRANSITIONS[current]


class InvalidTransition(Exception):
    """Raised for a move the state machine forbids.

    Carries the allowed set so a web layer can answer 409 Conflict and offer the moves that
    are possible from here.
    """

    def __init__(
        self,
        current: EpisodeStatus,
        target: EpisodeStatus,
        allowed: frozenset[EpisodeStatus],
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        options = ", ".join(sorted(allowed)) or "none (terminal status)"
        super().__init__(f"cannot go from {current} to {target}; allowed: {options}")


def check_transition(current: EpisodeStatus, target: EpisodeStatus) -> None:
    """Raise `InvalidTransition` unless `target` may directly follow `current`."""
    allowed = allowed_transitions(current)
    if target not in allowed:
        raise InvalidTransition(current, target, allowed)


# What the therapist may record in each status: the episode page shows a form only when its
# gate is open, so a page never retypes the state machine's status lists.
_SCREENING_OPEN = frozenset({EpisodeStatus.REFERRED, EpisodeStatus.SCREENING_PLANNED})
# The consultation with the manager belongs to the screening phase and is due with the
# screening (``practice.task_rules``): open from the referral, so a task that is due can be
# done (it opened only after the screening, while the task was already overdue), and on
# into the treatment.
_CONSULTATION_OPEN = frozenset(
    {
        EpisodeStatus.REFERRED,
        EpisodeStatus.SCREENING_PLANNED,
        EpisodeStatus.SCREENED,
        EpisodeStatus.IN_TREATMENT,
    }
)


def can_plan_screening(status: EpisodeStatus) -> bool:
    """The screening is planned and recorded before it has been held."""
    return status in _SCREENING_OPEN


def can_record_manager_consultation(status: EpisodeStatus) -> bool:
    """The consultation with the manager: in the screening phase, and during treatment."""
    return status in _CONSULTATION_OPEN


def can_change_status(status: EpisodeStatus) -> bool:
    """A terminal episode has nowhere left to go."""
    return bool(allowed_transitions(status))


def can_draw_up_relapse_plan(status: EpisodeStatus) -> bool:
    """The relapse-prevention plan is drawn up once treatment has begun, up to after the end."""
    return status in TREATING_STATUSES or status is EpisodeStatus.CLOSED


def can_record_follow_up(status: EpisodeStatus) -> bool:
    """Follow-ups come after the end of treatment."""
    return status is EpisodeStatus.CLOSED


def gates(status: EpisodeStatus) -> dict[str, bool]:
    """Every gate of the episode page for one status, named as the template asks them."""
    return {
        "plan_screening": can_plan_screening(status),
        "record_manager_consultation": can_record_manager_consultation(status),
        "change_status": can_change_status(status),
        "draw_up_relapse_plan": can_draw_up_relapse_plan(status),
        "record_follow_up": can_record_follow_up(status),
    }


class ReferralOutcome(StrEnum):
    """Why a referral did not become treatment (statistic S13 reports by this code)."""

    DECLINED = "declined"
    NOT_SUITABLE = "not_suitable"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    WRONGLY_REFERRED = "wrongly_referred"
    RECOVERED_BEFORE_START = "recovered_before_start"
    DUPLICATE = "duplicate"
