"""Work on track: the client's volume % against the expected return-to-work curve (issue 19).

A curve is three points of a diagnosis: the mean volume % at the start of treatment, at its
end and at follow-up, with the treatment's length in weeks. It is the practice's own, from
its completed episodes when it has enough of them (`MIN_OWN_EPISODES`), else the HSK
reference of the brochure (which lives in `reporting.statistics.definitions` and reaches the
task list through reporting's fact source: practice never imports it).

The curve is a population's mean; a client starts from their own volume. So what the curve
says is read as the share of the way to full work that treatment closes: from 36 % to 77 %
closes 41 of 64 points, 64 %. A client starting at 60 % is then expected at
60 + 64 % x 40 = 85.6 % by the end of treatment, and the curve's own start gives exactly the
curve's own end. Between the first session (week 0) and the end of treatment the expected
volume is interpolated linearly; after the end it stays at the end's value (the follow-up
point is months later, outside treatment, so it is not used here).

Falling behind by more than a margin (`DEFAULT_BEHIND_MARGIN` percentage points, per
employer contract in `TaskRules`) is a warning for the therapist, never a block.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

_ONE_DECIMAL = Decimal("0.1")
_HUNDRED = Decimal(100)
_DAYS_A_WEEK = 7

# 15 percentage points: about one working day a week of a full-time contract, the size of a
# step in a work-resumption plan, and wider than the noise of one reported week (the
# demo's and the seeds' reports move by half days).
DEFAULT_BEHIND_MARGIN = Decimal(15)
# The practice's own curve counts from 20 completed episodes of a diagnosis, each with a
# start and an end measurement: the spread of volume % at the end is some 10-15 points, so
# the mean of 20 is known to about 3 points, well inside the margin. Fewer, and the HSK
# reference is the better guess.
MIN_OWN_EPISODES = 20
# The brochure gives no treatment length beside its curve: twelve weeks (about ten weekly
# sessions with a holiday or two) is the team's placeholder, used only until the practice
# has completed episodes of its own to measure it (all diagnoses together).
DEFAULT_TREATMENT_WEEKS = Decimal(12)


class CurveSource(StrEnum):
    """Where an expected curve comes from: shown beside every expected figure."""

    PRACTICE = "practice"  # the practice's own completed episodes of the diagnosis
    HSK = "hsk"  # the HSK brochure's table (begin, end, follow-up by diagnosis)


class NextStep(StrEnum):
    """What the task proposes to bring work resumption back on track."""

    ALIGNMENT_MEETING = "alignment_meeting"  # none was held yet: talk it over with the manager
    WORK_STEP = "work_step"  # one was held: agree a next step in the work itself


@dataclass(frozen=True, slots=True)
class ResumptionCurve:
    """The expected volume % at the start and the end of treatment for one diagnosis."""

    diagnosis: str
    begin: Decimal
    end: Decimal
    weeks: Decimal  # from the first to the last treatment session
    source: CurveSource
    n: int | None = None  # the completed episodes behind a practice curve
    follow_up: Decimal | None = None

    def __post_init__(self) -> None:
        for name, value in (("begin", self.begin), ("end", self.end)):
            if not isinstance(value, Decimal) or not 0 <= value <= _HUNDRED:
                raise ValueError(f"{name} must be a Decimal from 0 to 100, got {value!r}")
        if not isinstance(self.weeks, Decimal) or not self.weeks > 0:
            raise ValueError(f"weeks must be a positive Decimal, got {self.weeks!r}")

    @property
    def share_closed(self) -> Decimal:
        """The share of the way to full work that treatment closes (0 when it closes none)."""
        if self.begin >= _HUNDRED or self.end <= self.begin:
            return Decimal(0)
        return (self.end - self.begin) / (_HUNDRED - self.begin)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def expected_volume(curve: ResumptionCurve, starting: Decimal, days: int) -> Decimal:
    """The expected volume % `days` after the first treatment session, for a client who
    started at `starting` % (capped at 100: overtime is not a head start)."""
    start = min(max(starting, Decimal(0)), _HUNDRED)
    target = start + (_HUNDRED - start) * curve.share_closed
    progress = min(Decimal(max(days, 0)) / _DAYS_A_WEEK / curve.weeks, Decimal(1))
    return _round(start + (target - start) * progress)


@dataclass(frozen=True, slots=True)
class SymptomScore:
    """A questionnaire's latest total score, shown with the warning when there is one."""

    instrument: str
    score: int
    measured_on: date


@dataclass(frozen=True, slots=True)
class WorkTrack:
    """What the rule needs of one episode: its curve, where the client started, where they
    stand now (the latest measurement after the start), and their symptom scores."""

    curve: ResumptionCurve
    started_on: date  # the first treatment session: week 0 of the curve
    starting_volume: Decimal
    starting_measured_on: date
    volume: Decimal
    measured_on: date
    symptom_scores: tuple[SymptomScore, ...] = ()

    def __post_init__(self) -> None:
        if self.measured_on <= self.starting_measured_on:
            raise ValueError("the measurement to judge must come after the starting one")


@dataclass(frozen=True, slots=True)
class Judgement:
    """The expected against the actual volume % in one week of treatment."""

    week: int  # the week of treatment of the measurement, the first week being 1
    expected: Decimal
    actual: Decimal
    gap: Decimal  # percentage points behind (negative: ahead)
    margin: Decimal

    @property
    def behind(self) -> bool:
        """True when the client is at least `margin` points behind the expected volume."""
        return self.gap >= self.margin


def judge(track: WorkTrack, margin: Decimal = DEFAULT_BEHIND_MARGIN) -> Judgement:
    """Compare the latest measurement with the curve at the same week of treatment."""
    days = (track.measured_on - track.started_on).days
    expected = expected_volume(track.curve, track.starting_volume, days)
    return Judgement(
        week=max(days, 0) // _DAYS_A_WEEK + 1,
        expected=expected,
        actual=track.volume,
        gap=_round(expected - track.volume),
        margin=margin,
    )


def next_step(alignment_meeting_held_on: date | None) -> NextStep:
    """An alignment meeting first; once one was held, a step in the work itself."""
    if alignment_meeting_held_on is None:
        return NextStep.ALIGNMENT_MEETING
    return NextStep.WORK_STEP
