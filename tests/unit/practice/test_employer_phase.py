"""Where the treatment stands, as the employer may know it (practice.employer_phase)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice.employer_phase import employer_phase, phase_and_since
from practice.episodes import EpisodeStatus
from practice.labels import EMPLOYER_PHASE_LABELS


def test_every_status_has_a_phase_the_employer_may_read_and_every_end_reads_alike() -> None:
    for began in (False, True):
        phases = {employer_phase(s.value, began) for s in EpisodeStatus}
        assert None not in phases and phases <= set(EMPLOYER_PHASE_LABELS)
    # After the start, a closing, a drop-out and a referral elsewhere read the same: which
    # it was may be medical. Before it, the same for a decline.
    ends = ("closed", "dropped_out", "referred_elsewhere", "declined")
    assert {employer_phase(s, True) for s in ends} == {"ended"}
    assert {employer_phase(s, False) for s in ends} == {"not_started"}
    assert "drop" not in " ".join(EMPLOYER_PHASE_LABELS.values())


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_screening_planned_and_screened_are_one_phase_counted_from_the_first() -> None:
    statuses = [(_at(2), "referred"), (_at(3), "screening_planned"), (_at(9), "screened")]
    assert phase_and_since(statuses, AMSTERDAM, started_on=None, closed_on=None) == (
        "screening",
        date(2026, 11, 3),
    )


def test_a_first_start_entered_late_counts_from_the_day_the_treatment_started() -> None:
    statuses = [(_at(3), "screened"), (_at(20), "in_treatment")]
    phase = phase_and_since(statuses, AMSTERDAM, started_on=date(2026, 11, 12), closed_on=None)
    assert phase == ("treatment", date(2026, 11, 12))


def test_a_resumption_after_a_pause_counts_from_its_change_not_the_first_start() -> None:
    statuses = [(_at(3), "in_treatment"), (_at(10), "paused"), (_at(17), "in_treatment")]
    phase = phase_and_since(statuses, AMSTERDAM, started_on=date(2026, 11, 3), closed_on=None)
    assert phase == ("treatment", date(2026, 11, 17))


def test_a_closing_counts_from_its_day_and_other_ends_from_their_change() -> None:
    began = date(2026, 11, 3)
    closed = [(_at(3), "in_treatment"), (_at(25), "closed")]
    dropped = [(_at(3), "in_treatment"), (_at(25, 23), "dropped_out")]
    assert phase_and_since(closed, AMSTERDAM, started_on=began, closed_on=date(2026, 11, 20)) == (
        "ended",
        date(2026, 11, 20),
    )
    # 23:00 UTC is the next day in Amsterdam: the day is the practice's.
    assert phase_and_since(dropped, AMSTERDAM, started_on=began, closed_on=None) == (
        "ended",
        date(2026, 11, 26),
    )


def test_no_status_change_yet_gives_no_phase() -> None:
    assert phase_and_since([], AMSTERDAM, started_on=None, closed_on=None) == (None, None)
