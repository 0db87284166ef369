import pytest

from practice.episodes import (
    EpisodeStatus,
    InvalidTransition,
    Offer,
    ReferralOutcome,
    allowed_transitions,
    can_transition,
    check_transition,
    is_terminal,
    offer_includes_alignment_meeting,
    offer_includes_follow_up_conversation,
)

S = EpisodeStatus

# The agreed table, written out again on purpose: a change to the machine must change a test.
ALLOWED: dict[EpisodeStatus, set[EpisodeStatus]] = {
    S.REFERRED: {S.SCREENING_PLANNED, S.DECLINED, S.REFERRED_ELSEWHERE},
    S.SCREENING_PLANNED: {S.SCREENED, S.DECLINED, S.REFERRED_ELSEWHERE, S.DROPPED_OUT},
    S.SCREENED: {S.IN_TREATMENT, S.DECLINED, S.REFERRED_ELSEWHERE},
    S.IN_TREATMENT: {S.PAUSED, S.CLOSED, S.DROPPED_OUT, S.REFERRED_ELSEWHERE},
    S.PAUSED: {S.IN_TREATMENT, S.CLOSED, S.DROPPED_OUT},
    S.CLOSED: {S.IN_TREATMENT},
    S.DECLINED: set(),
    S.DROPPED_OUT: set(),
    S.REFERRED_ELSEWHERE: set(),
}
# Sorted: the targets are sets, and pytest-xdist needs every worker to collect the same order.
ALLOWED_PAIRS = sorted(
    (current, target) for current, targets in ALLOWED.items() for target in targets
)


def test_offer_values_are_the_stored_codes() -> None:
    assert [offer.value for offer in Offer] == [
        "atwork_basic",
        "atwork_compleet",
        "preventive",
        "other",
    ]


def test_only_compleet_includes_the_alignment_meeting_and_the_follow_up_conversation() -> None:
    for offer in Offer:
        assert offer_includes_alignment_meeting(offer) is (offer is Offer.COMPLEET)
        assert offer_includes_follow_up_conversation(offer) is (offer is Offer.COMPLEET)


def test_status_values_are_lowercase_snake_case() -> None:
    assert [status.value for status in EpisodeStatus] == [
        "referred",
        "screening_planned",
        "screened",
        "in_treatment",
        "paused",
        "closed",
        "declined",
        "dropped_out",
        "referred_elsewhere",
    ]


def test_the_machine_allows_exactly_the_agreed_table() -> None:
    assert {status: set(allowed_transitions(status)) for status in EpisodeStatus} == ALLOWED


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_every_allowed_transition_passes_the_check(
    current: EpisodeStatus, target: EpisodeStatus
) -> None:
    check_transition(current, target)
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.REFERRED, S.IN_TREATMENT),  # no treatment without a screening
        (S.REFERRED, S.SCREENED),
        (S.SCREENING_PLANNED, S.IN_TREATMENT),
        (S.SCREENED, S.CLOSED),
        (S.SCREENED, S.DROPPED_OUT),
        (S.PAUSED, S.REFERRED_ELSEWHERE),
        (S.CLOSED, S.PAUSED),
        (S.CLOSED, S.REFERRED),
        (S.DECLINED, S.SCREENING_PLANNED),
        (S.DROPPED_OUT, S.IN_TREATMENT),
        (S.REFERRED_ELSEWHERE, S.REFERRED),
        (S.IN_TREATMENT, S.IN_TREATMENT),  # staying put is not a transition
    ],
)
def test_a_forbidden_transition_raises_with_the_allowed_set(
    current: EpisodeStatus, target: EpisodeStatus
) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as raised:
        check_transition(current, target)
    assert raised.value.current is current
    assert raised.value.target is target
    assert raised.value.allowed == allowed_transitions(current)


def test_the_invalid_transition_message_lists_the_allowed_moves() -> None:
    with pytest.raises(InvalidTransition, match=r"allowed: in_treatment$"):
        check_transition(S.CLOSED, S.PAUSED)


def test_a_terminal_status_reports_that_nothing_may_follow() -> None:
    with pytest.raises(InvalidTransition, match=r"none \(terminal status\)") as raised:
        check_transition(S.DROPPED_OUT, S.IN_TREATMENT)
    assert raised.value.allowed == frozenset()


def test_declined_dropped_out_and_referred_elsewhere_are_the_terminal_statuses() -> None:
    terminal = {status for status in EpisodeStatus if is_terminal(status)}
    assert terminal == {S.DECLINED, S.DROPPED_OUT, S.REFERRED_ELSEWHERE}


def test_a_closed_episode_can_be_reopened_after_relapse() -> None:
    check_transition(S.CLOSED, S.IN_TREATMENT)


def test_pausing_and_resuming_treatment_can_repeat() -> None:
    status = S.IN_TREATMENT
    for target in (S.PAUSED, S.IN_TREATMENT, S.PAUSED, S.IN_TREATMENT, S.CLOSED):
        check_transition(status, target)
        status = target
    assert status is S.CLOSED


def test_the_allowed_set_cannot_be_changed_by_a_caller() -> None:
    allowed = allowed_transitions(S.REFERRED)
    assert isinstance(allowed, frozenset)


def test_referral_outcomes_are_the_agreed_codes() -> None:
    assert {outcome.value for outcome in ReferralOutcome} == {
        "declined",
        "not_suitable",
        "referred_elsewhere",
        "wrongly_referred",
        "recovered_before_start",
        "duplicate",
    }


def test_terminal_statuses_are_those_nothing_may_follow_and_ended_adds_closed() -> None:
    from practice.episodes import ENDED_STATUSES, TERMINAL_STATUSES

    s = EpisodeStatus
    assert {s.DECLINED, s.DROPPED_OUT, s.REFERRED_ELSEWHERE} == TERMINAL_STATUSES
    assert TERMINAL_STATUSES | {s.CLOSED} == ENDED_STATUSES


def test_reports_are_owed_from_the_screening_until_after_the_end_but_not_once_terminal() -> None:
    from practice.episodes import REPORTING_STATUSES, TERMINAL_STATUSES

    s = EpisodeStatus
    before_screening = {s.REFERRED, s.SCREENING_PLANNED}
    assert set(EpisodeStatus) - before_screening - TERMINAL_STATUSES == REPORTING_STATUSES


def test_open_episodes_are_those_from_the_referral_on_that_have_not_ended() -> None:
    from practice.episodes import ENDED_STATUSES, OPEN_STATUSES

    s = EpisodeStatus
    assert {s.REFERRED, s.SCREENING_PLANNED, s.SCREENED, s.IN_TREATMENT, s.PAUSED} == OPEN_STATUSES
    assert OPEN_STATUSES.isdisjoint(ENDED_STATUSES)


def test_a_client_is_being_treated_in_treatment_and_while_paused_only() -> None:
    from practice.episodes import TREATING_STATUSES

    assert {EpisodeStatus.IN_TREATMENT, EpisodeStatus.PAUSED} == TREATING_STATUSES
