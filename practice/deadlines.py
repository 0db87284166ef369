"""Deadline rules of the @Work process, each with an explicit unit and anchor.

The brochure mixes units ("binnen 10 dagen", "binnen tien werkdagen", "een half jaar") and
leaves anchors unstated (pitfalls 1, 2). So every rule here names its unit and anchor and
takes its number as a parameter with the brochure's value as default. Deadlines produce
warnings, never blocks (pitfall 19): `deadline_status` reports lateness, nothing refuses.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from practice.episodes import Offer, offer_includes_alignment_meeting
from practice.working_days import WorkingDays


class DayUnit(StrEnum):
    """How `DeadlineRule.amount` is counted."""

    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """`amount` days of `unit` after the event called `anchor_name`.

    The anchor is stored as a name so the task list and the statistics can say what the
    clock started on ("aanmelding", "screening"); the caller supplies its date.
    """

    amount: int
    unit: DayUnit
    anchor_name: str

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a deadline amount cannot be negative, got {self.amount}")
        if not self.anchor_name.strip():
            raise ValueError("a deadline rule needs the name of its anchor event")


# "Na aanmelding zien wij jouw medewerker binnen 10 dagen voor een Screening": the unit is
# unstated, so default to calendar days, the stricter reading (pitfall 1), until the product
# owner decides (open question 1).
DEFAULT_SCREENING_RULE = DeadlineRule(10, DayUnit.CALENDAR, "aanmelding")
# "De behandeling start dan ook binnen tien werkdagen": working days, anchor unstated; the
# screening is the default anchor (open question 2).
DEFAULT_TREATMENT_START_RULE = DeadlineRule(10, DayUnit.WORKING, "screening")
DEFAULT_WORKING_DAYS = WorkingDays()

FOLLOW_UP_CONVERSATION_MONTHS = 6  # "binnen een half jaar na de laatste behandelsessie"
FOLLOW_UP_MEASUREMENT_OPENS_MONTHS = 6  # "een halfjaar ...
FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS = 12  # ... tot een jaar later"
INTERIM_REPORT_EVERY = 5  # "Na iedere vijf gesprekken"
ALIGNMENT_MEETING_AFTER = 4  # "Na de vierde sessie"


def due_on(anchor_on: date, rule: DeadlineRule, days: WorkingDays = DEFAULT_WORKING_DAYS) -> date:
    """The last on-time date: `rule.amount` units after `anchor_on`.

    A calendar deadline that ends on a weekend or holiday stays there instead of moving to
    the next working day: the stricter reading, and lateness is only a warning anyway.
    """
    if rule.unit is DayUnit.WORKING:
        return days.add_working_days(anchor_on, rule.amount)
    return anchor_on + timedelta(days=rule.amount)


def screening_due(
    referred_on: date,
    *,
    rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
) -> date:
    """The Screening is due 10 calendar days after the aanmelding (unit configurable)."""
    return due_on(referred_on, rule, days)


def treatment_start_due(
    screened_on: date,
    *,
    rule: DeadlineRule = DEFAULT_TREATMENT_START_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
) -> date:
    """The first treatment session is due 10 working days after the anchor (the screening)."""
    return due_on(screened_on, rule, days)


def add_calendar_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the end of a shorter month.

    "Half a year" is six calendar months, not 182 days (pitfall 22): 31 August + 6 months is
    28 February (29 in a leap year), never 2 or 3 March.
    """
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def follow_up_conversation_due(
    last_session_on: date, months: int = FOLLOW_UP_CONVERSATION_MONTHS
) -> date:
    """Due within half a year after the last *held* treatment session (Compleet only).

    Anchored on the last session, not on the treatment start or the end report (pitfall 11).
    Whether the episode gets one at all is `offer_includes_follow_up_conversation`.
    """
    return add_calendar_months(last_session_on, months)


class MeasurementWindow(NamedTuple):
    """The inclusive date range in which the follow-up-meting counts as on time."""

    opens_on: date
    closes_on: date

    def contains(self, day: date) -> bool:
        """True when `day` falls inside the window, both ends included."""
        return self.opens_on <= day <= self.closes_on


def follow_up_measurement_window(
    last_session_on: date,
    opens_after_months: int = FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    closes_after_months: int = FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
) -> MeasurementWindow:
    """The follow-up-meting window, "een halfjaar tot een jaar later": months 6 to 12.

    The brochure's anchor is implicit ("after treatment"); the last held session is the
    documented choice, the same anchor as the follow-up-gesprek (open question 6).
    """
    if closes_after_months < opens_after_months:
        raise ValueError("the measurement window closes before it opens")
    return MeasurementWindow(
        add_calendar_months(last_session_on, opens_after_months),
        add_calendar_months(last_session_on, closes_after_months),
    )


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """Where a deadline stands on `today`, in calendar days whatever the rule's unit.

    `days_left` counts from today while the task is open (negative = days overdue). Once
    done it is frozen at completion (due_on - done_on), so "done 2 days late" reads -2 and
    does not keep growing.
    """

    due_on: date
    done_on: date | None
    days_left: int
    is_overdue: bool
    is_done_late: bool

    @property
    def is_done(self) -> bool:
        """True once the task has a completion date."""
        return self.done_on is not None


def deadline_status(due_on: date, done_on: date | None, today: date) -> DeadlineStatus:
    """Classify a deadline: done on the due date is on time; one day later is late."""
    if done_on is not None:
        return DeadlineStatus(
            due_on=due_on,
            done_on=done_on,
            days_left=(due_on - done_on).days,
            is_overdue=False,
            is_done_late=done_on > due_on,
        )
    return DeadlineStatus(
        due_on=due_on,
        done_on=None,
        days_left=(due_on - today).days,
        is_overdue=today > due_on,
        is_done_late=False,
    )


def interim_reports_due(held_session_count: int, every: int = INTERIM_REPORT_EVERY) -> list[int]:
    """Ordinals of the held sessions that call for a tussenevaluatie: 5, 10, 15, ...

    Callers key the report task on (episode, ordinal), so recomputing after a back-dated edit
    yields the same ordinals and never fires twice (pitfall 3). Count only *held* sessions.
    A treatment ending at session 7 gets the report at 5 and no second one: the brochure
    defines no end report.
    """
    if every < 1:
        raise ValueError(f"reports must be due every 1 or more sessions, got {every}")
    if held_session_count < 0:
        raise ValueError(f"a session count cannot be negative, got {held_session_count}")
    return list(range(every, held_session_count + 1, every))


def alignment_meeting_due(
    offer: Offer, held_session_count: int, after: int = ALIGNMENT_MEETING_AFTER
) -> bool:
    """True for a Compleet episode once `after` sessions are held ("Na de vierde sessie").

    Judged on the current offer and count, not on the moment session 4 was held, so an
    upgrade from basic to Compleet after session 4 makes the meeting due at once (pitfall 5).
    Whether it was already held is the caller's business.
    """
    if held_session_count < 0:
        raise ValueError(f"a session count cannot be negative, got {held_session_count}")
    return offer_includes_alignment_meeting(offer) and held_session_count >= after


@dataclass(frozen=True, slots=True)
class Lateness:
    """How far a day falls after its deadline, in both units, so a warning can say both.

    `working_days` counts the working days in (due_on, on]: a booking on the Monday after a
    Friday deadline is 3 calendar days but 1 working day late.
    """

    due_on: date
    on: date
    days: int
    working_days: int


def lateness(due: date, on: date, days: WorkingDays = DEFAULT_WORKING_DAYS) -> Lateness | None:
    """How late `on` is against `due`, or None when it is on time (the due date included)."""
    if on <= due:
        return None
    return Lateness(due, on, (on - due).days, days.working_days_between(due, on))


def screening_booked_late(
    referred_on: date,
    booked_on: date,
    *,
    screened_on: date | None = None,
    rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
) -> Lateness | None:
    """A screening appointment on `booked_on` past the screening deadline: a warning, never
    a refusal (pitfall 19). None when on time, or when a screening was already held before
    it (then that one met or missed the deadline, and this appointment is not the clock's).
    """
    if screened_on is not None and screened_on < booked_on:
        return None
    return lateness(screening_due(referred_on, rule=rule, days=days), booked_on, days)
