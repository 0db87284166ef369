"""The episode page's gates: which forms the state machine allows in each status."""

from collections.abc import Callable

from practice.episodes import (
    EpisodeStatus,
    can_change_status,
    can_draw_up_relapse_plan,
    can_plan_screening,
    can_record_follow_up,
    can_record_manager_consultation,
    gates,
)

S = EpisodeStatus


def _open_in(gate: Callable[[EpisodeStatus], bool]) -> set[EpisodeStatus]:
    return {status for status in EpisodeStatus if gate(status)}


def test_the_screening_is_planned_and_recorded_only_before_it_is_held() -> None:
    assert _open_in(can_plan_screening) == {S.REFERRED, S.SCREENING_PLANNED}


def test_the_manager_consultation_is_recorded_from_the_referral_through_the_treatment() -> None:
    # From the referral: the task is due with the screening, so it can be done by then.
    assert _open_in(can_record_manager_consultation) == {
        S.REFERRED,
        S.SCREENING_PLANNED,
        S.SCREENED,
        S.IN_TREATMENT,
    }


def test_the_status_can_change_unless_the_episode_is_terminal() -> None:
    assert _open_in(can_change_status) == {
        S.REFERRED,
        S.SCREENING_PLANNED,
        S.SCREENED,
        S.IN_TREATMENT,
        S.PAUSED,
        S.CLOSED,
    }


def test_the_relapse_plan_is_drawn_up_from_treatment_to_after_the_end() -> None:
    assert _open_in(can_draw_up_relapse_plan) == {S.IN_TREATMENT, S.PAUSED, S.CLOSED}


def test_follow_ups_are_recorded_only_after_the_end() -> None:
    assert _open_in(can_record_follow_up) == {S.CLOSED}


def test_the_page_gets_every_gate_by_the_name_the_template_asks() -> None:
    assert gates(S.CLOSED) == {
        "plan_screening": False,
        "record_manager_consultation": False,
        "change_status": True,
        "draw_up_relapse_plan": True,
        "record_follow_up": True,
    }
