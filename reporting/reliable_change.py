"""The reliable change index of Jacobson and Truax (1991), per instrument: is a change in a
client's score larger than the instrument's own measurement error could explain?

    SE    = SD * sqrt(1 - r)        the standard error of measurement
    Sdiff = sqrt(2 * SE**2)         the standard error of the difference of two scores
    RC    = (after - before) / Sdiff

A change is reliable when |RC| > 1.96 (p < .05). ``SD`` and ``r`` (the reliability) are the
instrument's published norms, kept with the instrument as data (`Reliability`), each with its
source, so a practice sees where the threshold comes from. Whether a reliable change is an
improvement depends on the instrument's direction: fewer PHQ-9 points is better, a higher
Work Ability Score is better.

Pure: no I/O, no dates; the task rule that acts on it lives in ``practice.task_rules``.
"""

import math
from dataclasses import dataclass
from enum import StrEnum

# Two-sided 95 %: the criterion of Jacobson and Truax (1991, p. 14).
CRITICAL_RC = 1.96


@dataclass(frozen=True, slots=True)
class Reliability:
    """What the index needs: the standard deviation of a reference sample and the
    instrument's reliability (Cronbach's alpha or test-retest); or, where the field uses one,
    the instrument's published reliable change criterion in points (NHS Talking Therapies:
    6 on the PHQ-9, 4 on the GAD-7). Always with its source."""

    source: str
    sd: float | None = None
    r: float | None = None
    criterion_points: int | None = None

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise ValueError("a reliability needs its source")
        norms = self.sd is not None and self.r is not None
        if norms == (self.criterion_points is not None) or (self.sd is None) != (self.r is None):
            raise ValueError("give either sd and r, or a criterion in points")
        if self.sd is not None and not self.sd > 0:
            raise ValueError("the standard deviation must be positive")
        if self.r is not None and not 0 <= self.r < 1:
            raise ValueError("the reliability must be at least 0 and below 1")
        if self.criterion_points is not None and self.criterion_points < 1:
            raise ValueError("a reliable change criterion is at least 1 point")

    @property
    def standard_error(self) -> float:
        if self.sd is None or self.r is None:
            raise ValueError(f"no norms, only a criterion ({self.source})")
        return self.sd * math.sqrt(1 - self.r)

    @property
    def s_diff(self) -> float:
        return math.sqrt(2 * self.standard_error**2)

    @property
    def reliable_points(self) -> int:
        """The smallest whole-point change that is reliable (for scores in whole points)."""
        if self.criterion_points is not None:
            return self.criterion_points
        return math.floor(CRITICAL_RC * self.s_diff) + 1


class Change(StrEnum):
    """A client's change between two measurements, by the index and the direction."""

    IMPROVED = "improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    DETERIORATED = "deteriorated"


def rc_index(before: float, after: float, reliability: Reliability) -> float:
    """Jacobson and Truax's RC: the change in units of its standard error."""
    return (after - before) / reliability.s_diff


def classify(
    before: float, after: float, reliability: Reliability, *, higher_is_better: bool = False
) -> Change:
    """Reliably improved, reliably deteriorated, or neither: by the index where the norms
    are known, else by the published criterion in points."""
    if reliability.criterion_points is not None:
        reliable = abs(after - before) >= reliability.criterion_points
    else:
        reliable = abs(rc_index(before, after, reliability)) > CRITICAL_RC
    if not reliable:
        return Change.NO_RELIABLE_CHANGE
    better = after > before if higher_is_better else after < before
    return Change.IMPROVED if better else Change.DETERIORATED
