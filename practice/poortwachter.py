"""The Poortwachter milestones of one period of sickness: pure rules, no I/O, ``today`` passed in.

The Wet verbetering poortwachter (2002) and the Regeling procesgang eerste en tweede
ziektejaar set what employer, employee and company doctor must have done by which week of
sickness; UWV checks it when the employee applies for WIA and imposes a wage sanction when
re-integration was late. The practice does none of these steps itself (the company doctor
writes the problem analysis, employer and employee the plan and the evaluations, the
employee applies for WIA), but the treatment runs on this clock, so every party should see
where on it a client is. Deadlines are warnings with reasons, never blocks (pitfall 19).

**Counting.** Day 1 is the first sick day of the period as the law counts it: the
*aggregated* first sick day, after periods of sickness less than four weeks apart are added
together and the days between them left out (art. 7:629 lid 10 BW; computed by
``practice.absences.aggregated_first_sick_day``, which this module takes as input). Week
*n* is days 7(n−1)+1 to 7n: week 1 is the first sick day and the six days after it, week 6
ends on day 42, and "the end of week 104" is day 728, the last day of the wage period
(104 weeks, art. 7:629 lid 1 BW). "By week *n*" means by the last day of week *n*.

**The milestones** (opens on → due on, in weeks of sickness):

* Problem analysis (*probleemanalyse*) by the company doctor: week 6, at the latest by its
  end. Regeling procesgang, and UWV: "Uiterlijk in de zesde week van het verzuim wordt de
  probleemanalyse opgesteld."
* Plan of approach (*plan van aanpak*) by employer and employee: weeks 7–8, within two
  weeks of the problem analysis, so by the end of week 8. UWV (Action plan form): "You and
  your employee will need to make an action plan in week 8 of their illness ... within 2
  weeks of the evaluation [probleemanalyse]."
* Evaluation (*evaluatie/bijstelling van het plan van aanpak*): at least every six weeks
  after the plan. UWV: "You and your employee will be required to meet at least once every
  6 weeks". The plan's real date is not recorded here, so the evaluations are counted from
  the latest day of the plan: ends of weeks 14, 20, 26, … up to week 104; only the next one
  is shown (the earlier ones have passed and are not the practice's to tick off).
* The 42nd-week notification (*42e-weeksmelding, ziekmelding bij UWV*) by the employer:
  week 42. UWV (werkgevers, "Ziek melden bij UWV"): "uiterlijk de eerste werkdag na de 42e
  ziekteweek". Due here on the first *calendar* day after week 42 (day 295): when that day
  falls in a weekend, UWV accepts the Monday, so the warning is early, never late.
* First-year evaluation (*eerstejaarsevaluatie*) by employer and employee: weeks 46–52
  (UWV reminds both after the 42nd-week notification; the Regeling procesgang asks for it
  at the end of the first year), by the end of week 52.
* The UWV letter (*WIA-brief*): UWV writes to the employee "na 88 weken ziekte" (UWV,
  "Wanneer vraag ik een WIA-uitkering aan?": "Na 88 weken ziekte krijgt u een brief van
  UWV. In deze brief staat tot wanneer u de WIA-uitkering uiterlijk kunt aanvragen."). So
  the letter comes *after* week 88, not "by week 88": it is expected on the first day after
  week 88 (day 617); when it has not come, the employee asks UWV.
* WIA application (*WIA-aanvraag*) by the employee, with the re-integration report
  (*re-integratieverslag*) from the employer: from the letter up to the end of week 93.
  UWV: "Doe de aanvraag uiterlijk in de 93e week dat u ziek bent" and "Meestal heeft u
  hiervoor 6 weken de tijd" (weeks 88–93).
* The end of the 104 weeks (*einde wachttijd*): the last day of week 104 (day 728); WIA can
  start the day after, if UWV grants it.

**Statuses on** ``today``: *passed* after the due day; *due* from the day the milestone
opens up to and including its due day; *due soon* in the ``DUE_SOON_DAYS`` before it opens;
*upcoming* before that. After full recovery there is no running period
(``aggregated_first_sick_day`` gives none) and so no milestones.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from practice.platform.i18n import N_

# How long before a milestone opens it shows as "due soon": two weeks, enough to plan a
# conversation with the employer or the company doctor around it.
DUE_SOON_DAYS = 14
# The wage period and the WIA waiting time: 104 weeks (art. 7:629 lid 1 BW; art. 23 WIA).
WAITING_WEEKS = 104
# Regeling procesgang / UWV: the plan of approach is evaluated at least every six weeks.
EVALUATION_EVERY_WEEKS = 6

PROBLEM_ANALYSIS_WEEK = 6
PLAN_OF_APPROACH_WEEK = 8
UWV_NOTIFICATION_WEEK = 42
FIRST_YEAR_EVALUATION_FROM_WEEK = 46
FIRST_YEAR_EVALUATION_WEEK = 52
WIA_LETTER_AFTER_WEEK = 88
WIA_APPLICATION_WEEK = 93


class MilestoneKind(StrEnum):
    """A step of the Poortwachter timeline; the labels live in ``practice.labels``."""

    PROBLEM_ANALYSIS = "problem_analysis"
    PLAN_OF_APPROACH = "plan_of_approach"
    EVALUATION = "evaluation"
    UWV_NOTIFICATION = "uwv_notification"
    FIRST_YEAR_EVALUATION = "first_year_evaluation"
    WIA_LETTER = "wia_letter"
    WIA_APPLICATION = "wia_application"
    END_OF_WAITING_TIME = "end_of_waiting_time"


class MilestoneStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    DUE = "due"
    PASSED = "passed"


# Why each milestone is due when it is (message ids, translated where shown).
REASONS: dict[MilestoneKind, str] = {
    MilestoneKind.PROBLEM_ANALYSIS: N_(
        "The company doctor writes the problem analysis by the end of week 6 of sickness."
    ),
    MilestoneKind.PLAN_OF_APPROACH: N_(
        "Employer and employee draw up the plan of approach within two weeks of the problem"
        " analysis, by the end of week 8."
    ),
    MilestoneKind.EVALUATION: N_(
        "Employer and employee evaluate the plan of approach at least every six weeks,"
        " counted here from the end of week 8."
    ),
    MilestoneKind.UWV_NOTIFICATION: N_(
        "The employer reports the sickness to UWV at the latest on the first working day"
        " after week 42 (42nd-week notification)."
    ),
    MilestoneKind.FIRST_YEAR_EVALUATION: N_(
        "Employer and employee evaluate the first year of re-integration in weeks 46 to 52."
    ),
    MilestoneKind.WIA_LETTER: N_(
        "UWV writes to the employee after 88 weeks of sickness, naming the last day to"
        " apply for WIA; ask UWV if it has not come."
    ),
    MilestoneKind.WIA_APPLICATION: N_(
        "The employee applies for WIA, with the re-integration report, at the latest in week 93."
    ),
    MilestoneKind.END_OF_WAITING_TIME: N_(
        "The 104 weeks of wage payment during sickness end; WIA can start the next day."
    ),
}


@dataclass(frozen=True, slots=True)
class Milestone:
    """One milestone of the period: when it opens, when it is due, where it stands today."""

    kind: MilestoneKind
    week: int  # the week of sickness it is due in (the letter: the week after which)
    opens_on: date
    due_on: date
    status: MilestoneStatus
    reason: str  # a message id from REASONS
    days_left: int  # days from today to the due day: 0 on it, negative once passed


def sick_day(first_sick_day: date, n: int) -> date:
    """The date of day ``n`` of sickness; day 1 is the (aggregated) first sick day."""
    return first_sick_day + timedelta(days=n - 1)


def week_starts_on(first_sick_day: date, week: int) -> date:
    """The first day of week ``week`` of sickness (week 1 starts on the first sick day)."""
    return sick_day(first_sick_day, 7 * (week - 1) + 1)


def week_ends_on(first_sick_day: date, week: int) -> date:
    """The last day of week ``week`` of sickness: "by week n" means by this day."""
    return sick_day(first_sick_day, 7 * week)


def week_of(first_sick_day: date, on: date) -> int | None:
    """The week of sickness ``on`` falls in (1 on the first sick day); None before it."""
    if on < first_sick_day:
        return None
    return (on - first_sick_day).days // 7 + 1


def status_on(opens_on: date, due_on: date, today: date) -> MilestoneStatus:
    """Where a milestone stands on ``today`` (see the module's docstring)."""
    if today > due_on:
        return MilestoneStatus.PASSED
    if today >= opens_on:
        return MilestoneStatus.DUE
    if (opens_on - today).days <= DUE_SOON_DAYS:
        return MilestoneStatus.DUE_SOON
    return MilestoneStatus.UPCOMING


def evaluation_weeks() -> tuple[int, ...]:
    """The weeks by whose end the plan of approach is evaluated: 14, 20, …, up to 104."""
    first = PLAN_OF_APPROACH_WEEK + EVALUATION_EVERY_WEEKS
    return tuple(range(first, WAITING_WEEKS + 1, EVALUATION_EVERY_WEEKS))


def milestones(first_sick_day: date | None, today: date) -> list[Milestone]:
    """The period's milestones in date order, each with its status on ``today``.

    ``first_sick_day`` is the aggregated first sick day of the period running on ``today``
    (``practice.absences.aggregated_first_sick_day``); None (not sick, recovered, or a first
    sick day after today) gives none. Of the evaluations every six weeks only the next one
    is listed (the last one once all have passed).
    """
    if first_sick_day is None or first_sick_day > today:
        return []
    first = first_sick_day

    def ends(week: int) -> date:
        return week_ends_on(first, week)

    def starts(week: int) -> date:
        return week_starts_on(first, week)

    letter_on = ends(WIA_LETTER_AFTER_WEEK) + timedelta(days=1)
    evaluations = [(week, starts(week), ends(week)) for week in evaluation_weeks()]
    next_week, next_opens, next_due = next(
        (e for e in evaluations if e[2] >= today), evaluations[-1]
    )
    found = [
        _milestone(
            MilestoneKind.PROBLEM_ANALYSIS,
            PROBLEM_ANALYSIS_WEEK,
            starts(PROBLEM_ANALYSIS_WEEK),
            ends(PROBLEM_ANALYSIS_WEEK),
            today,
        ),
        _milestone(
            MilestoneKind.PLAN_OF_APPROACH,
            PLAN_OF_APPROACH_WEEK,
            starts(PROBLEM_ANALYSIS_WEEK + 1),
            ends(PLAN_OF_APPROACH_WEEK),
            today,
        ),
        _milestone(MilestoneKind.EVALUATION, next_week, next_opens, next_due, today),
        _milestone(
            MilestoneKind.UWV_NOTIFICATION,
            UWV_NOTIFICATION_WEEK,
            starts(UWV_NOTIFICATION_WEEK),
            ends(UWV_NOTIFICATION_WEEK) + timedelta(days=1),
            today,
        ),
        _milestone(
            MilestoneKind.FIRST_YEAR_EVALUATION,
            FIRST_YEAR_EVALUATION_WEEK,
            starts(FIRST_YEAR_EVALUATION_FROM_WEEK),
            ends(FIRST_YEAR_EVALUATION_WEEK),
            today,
        ),
        _milestone(MilestoneKind.WIA_LETTER, WIA_LETTER_AFTER_WEEK, letter_on, letter_on, today),
        _milestone(
            MilestoneKind.WIA_APPLICATION,
            WIA_APPLICATION_WEEK,
            letter_on,
            ends(WIA_APPLICATION_WEEK),
            today,
        ),
        _milestone(
            MilestoneKind.END_OF_WAITING_TIME,
            WAITING_WEEKS,
            starts(WAITING_WEEKS),
            ends(WAITING_WEEKS),
            today,
        ),
    ]
    return sorted(found, key=lambda m: (m.due_on, m.opens_on))


def next_milestone(found: list[Milestone]) -> Milestone | None:
    """The first milestone not passed (what a summary line names), if any."""
    return next((m for m in found if m.status is not MilestoneStatus.PASSED), None)


def _milestone(
    kind: MilestoneKind, week: int, opens_on: date, due_on: date, today: date
) -> Milestone:
    return Milestone(
        kind=kind,
        week=week,
        opens_on=opens_on,
        due_on=due_on,
        status=status_on(opens_on, due_on, today),
        reason=REASONS[kind],
        days_left=(due_on - today).days,
    )
