"""Interim reports on the Poortwachter clock: which report moments are due (pure, ``today`` in).

Besides the report after every n-th held session (``practice.deadlines.interim_reports_due``),
an employer's contract may ask for an interim report to the company doctor a number of
working days before each evaluation of the plan of approach, the first-year evaluation and
the WIA application (``practice.poortwachter``), so that the company doctor has the
treatment's contribution in hand when employer and employee sit down (issue 19).

**Off by default** (``Employer.milestone_report_days_before`` is empty): an extra report is
the therapist's work and a contract matter (the employer pays for it), and switching it on
for every running case at once would put a stack of drafts on every therapist's desk the day
the feature arrived. A contract that turns it on gets ``DEFAULT_DAYS_BEFORE`` suggested in
the form: two working weeks, enough to write the report (the same writing time as after a
session, ``TaskRules.interim_report_within``) and still have it read before the meeting.

**The moment** of a report is ``days_before`` working days before the milestone's due day
(the end of its week of sickness). From that moment on it is due: the sweep drafts it, and
the task list asks for it by the usual writing time after the moment, as it does after the
n-th held session. Only milestones the practice can report on count: those due on or after
``since`` (the screening: before it the practice knows nothing to report). The period is the
one running on ``today`` (``practice.absences.aggregated_first_sick_day``); after full
recovery there is none, and no more moments.

**The key** of a moment is its week of sickness (14, 20, …, 104 for the evaluations, 52 for
the first-year evaluation, 93 for the WIA application: all different), so a back-dated edit
of the first sick day moves a moment's date but never makes a second report of it. One
episode spanning two periods of sickness (a relapse four weeks or more after full recovery)
would meet week 14 twice; the first report then counts for both, which the therapist can
override on the task list.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from practice.poortwachter import (
    FIRST_YEAR_EVALUATION_WEEK,
    WIA_APPLICATION_WEEK,
    MilestoneKind,
    evaluation_weeks,
    week_ends_on,
)
from practice.working_days import WorkingDays

# The days the form suggests when a contract switches the reports on (see the docstring).
DEFAULT_DAYS_BEFORE = 10
# More than a quarter ahead is no longer "before the evaluation"; it is a report of its own.
MAX_DAYS_BEFORE = 60


@dataclass(frozen=True, slots=True)
class ReportMoment:
    """One report owed before a milestone: when it becomes due, and the milestone it serves."""

    milestone: MilestoneKind
    week: int  # the milestone's week of sickness: the report's key within the episode
    milestone_on: date  # the milestone's due day
    moment_on: date  # ``days_before`` working days before it: from here the report is due


def working_days_before(day: date, n: int, days: WorkingDays) -> date:
    """The n-th working day strictly before ``day``; n = 0 gives ``day`` itself."""
    if n < 0:
        raise ValueError(f"n must be zero or positive, got {n}")
    found, remaining = day, n
    while remaining:
        found -= timedelta(days=1)
        if days.is_working_day(found):
            remaining -= 1
    return found


def reported_milestones(first_sick_day: date) -> list[tuple[MilestoneKind, int, date]]:
    """Every milestone of the period a report can precede, in date order: each evaluation of
    the plan of approach (weeks 14, 20, …), the first-year evaluation, the WIA application."""
    found = [(MilestoneKind.EVALUATION, week) for week in evaluation_weeks()]
    found += [
        (MilestoneKind.FIRST_YEAR_EVALUATION, FIRST_YEAR_EVALUATION_WEEK),
        (MilestoneKind.WIA_APPLICATION, WIA_APPLICATION_WEEK),
    ]
    dated = [(kind, week, week_ends_on(first_sick_day, week)) for kind, week in found]
    return sorted(dated, key=lambda m: m[2])


def moments_due(
    first_sick_day: date | None,
    *,
    days_before: int | None,
    since: date | None,
    today: date,
    days: WorkingDays,
) -> list[ReportMoment]:
    """The report moments due on ``today`` (moment reached), in date order.

    None when the contract does not ask for them (``days_before`` None), when there is no
    running period of sickness, or before ``since`` (the screening) is known.
    """
    if days_before is None or first_sick_day is None or since is None:
        return []
    if not 0 <= days_before <= MAX_DAYS_BEFORE:
        raise ValueError(f"days before a milestone must be 0 to {MAX_DAYS_BEFORE}")
    moments = (
        ReportMoment(kind, week, on, working_days_before(on, days_before, days))
        for kind, week, on in reported_milestones(first_sick_day)
        if on >= since
    )
    return [m for m in moments if m.moment_on <= today]
