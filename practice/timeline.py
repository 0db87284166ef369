"""Dates checked against the episode's own timeline: pure rules, no I/O, ``today`` passed in.

Every rule returns its problems as ``{field: Message}`` (empty when all is well), so a service
merges them and raises one ``InvalidInput`` (400) naming each field; nothing is written then.
The rules are about what cannot be true, not about what is late: a screening before the
referral, a session at 03:00 or a birth date in 2030 is refused, a late screening is not
(lateness is a warning in the task list, ``practice.deadlines``).

The bounds are named here once: the earliest and latest moment of a session in the practice's
time zone, the plausible ages of a client, the most hours a week, and how far ahead a date may
lie before it is surely a typing error (2090 for 2026).
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice.deadlines import add_calendar_months
from practice.errors import Message
from practice.platform.i18n import N_

Problems = dict[str, Message]

EARLIEST_SESSION = time(7, 0)  # local time in the practice's zone
LATEST_SESSION_END = time(22, 0)
SESSION_MINUTES = (10, 480)
CLIENT_AGE = (15, 100)  # working age, generously: a client of 14 or 101 is a typing error
MAX_WEEK_HOURS = Decimal(80)
# Own plus adapted work may run over the contract (overtime, a fuller week while rebuilding),
# but not by this factor: 60 hours against a 20-hour contract is a typing error.
CONTRACT_FACTOR = Decimal("1.5")
FUTURE_MONTHS = 24  # a planned date further ahead than this is a typing error
EARLIEST_DAY = date(1900, 1, 1)  # no record or search of this practice reaches before it
# A referral entered today was received at most this long ago (a history loaded afterwards,
# the demo's, reaches two years back).
PAST_MONTHS = 36
SICK_YEARS = 5  # a referred client's sickness began at most this long before the referral

# What happens in an episode, and the message that says it cannot precede the referral.
BEFORE_REFERRAL = {
    "screening": N_("The screening cannot be before the referral (%(day)s)."),
    "consultation": N_(
        "The consultation with the manager cannot be before the referral (%(day)s)."
    ),
    "transition": N_("A status change cannot be before the referral (%(day)s)."),
    "agreement": N_("An agreement cannot be before the referral (%(day)s)."),
    "measurement": N_("Hours worked cannot be measured before the referral (%(day)s)."),
    "session": N_("A session cannot be before the referral (%(day)s)."),
    "follow_up": N_("A follow-up cannot be before the referral (%(day)s)."),
    "goal": N_("A work goal cannot be set before the referral (%(day)s)."),
    "advice": N_("Advice cannot be given before the referral (%(day)s)."),
    "plan": N_("The relapse-prevention plan cannot be drawn up before the referral (%(day)s)."),
    "setback": N_("A setback cannot be before the referral (%(day)s)."),
    "planned_start": N_("The treatment cannot start before the referral (%(day)s)."),
    "briefing": N_("The briefing cannot be before the referral (%(day)s)."),
}
TOO_FAR_AHEAD = N_("This date is too far in the future (after %(day)s).")
TOO_LONG_AGO = N_("This date is too long ago (before %(day)s).")
NOT_YET_HELD = N_("This has taken place, so its date cannot be after today (%(day)s).")
START_BEFORE_SCREENING = N_("Treatment cannot start before the screening (%(day)s).")
FOLLOW_UP_BEFORE_CLOSING = N_("A follow-up comes after the episode was closed (%(day)s).")
BIRTH_IN_FUTURE = N_("A birth date cannot be in the future.")
IMPLAUSIBLE_AGE = N_(
    "With this birth date the client would be %(age)s years old; give a date between "
    "%(youngest)s and %(oldest)s years ago."
)
SESSION_HOURS = N_("A session takes place between %(earliest)s and %(latest)s.")
SESSION_LENGTH = N_("A session lasts between %(shortest)s and %(longest)s minutes.")
NEGATIVE_HOURS = N_("Hours cannot be negative.")
NOT_A_NUMBER = N_("Enter a number.")  # "NaN" and "Infinity" parse as a Decimal
TOO_MANY_HOURS = N_("More than %(hours)s hours a week is not plausible.")
OVER_CONTRACT = N_(
    "Own and adapted work together are more than %(factor)s times the contract hours "
    "(%(hours)s a week)."
)


def session_length_problems(duration_minutes: int) -> Problems:
    """A session of a sane length (``SESSION_MINUTES``)."""
    shortest, longest = SESSION_MINUTES
    if shortest <= duration_minutes <= longest:
        return {}
    return {"duration_minutes": Message(SESSION_LENGTH, shortest=shortest, longest=longest)}


def not_before(field: str, day: date, earliest: date) -> Problems:
    """A date on or after `earliest` (a referral received in 2000 is a typing error, and put
    its client on top of every list, 9,827 days overdue)."""
    return {field: Message(TOO_LONG_AGO, day=earliest)} if day < earliest else {}


def earliest_referral(today: date) -> date:
    """The first day a referral entered today may have been received."""
    return add_calendar_months(today, -PAST_MONTHS)


def earliest_sick_day(received_on: date) -> date:
    """The first day a referred client's sickness may have begun (the law's two years of
    sickness, generously)."""
    return add_calendar_months(received_on, -12 * SICK_YEARS)


def plausible_day(field: str, day: date, today: date) -> Problems:
    """A date a filter or a record may hold: not before ``EARLIEST_DAY``, not more than
    ``FUTURE_MONTHS`` ahead (a search up to 9999-12-31 is a typing error, and past it
    the calendar arithmetic of every figure overflows)."""
    return not_before(field, day, EARLIEST_DAY) or not_too_far_ahead(field, day, today)


def within_the_practice(field: str, day: date, today: date) -> Problems:
    """A date of the practice's own records (a closing day, a therapist's absence, billing
    terms): no further back than the referrals it takes (``PAST_MONTHS``), no further ahead
    than ``FUTURE_MONTHS``. A closing day of 1900 and an absence until 2099 were taken."""
    return not_before(field, day, earliest_referral(today)) or not_too_far_ahead(field, day, today)


def latest_plausible(today: date) -> date:
    """The last date a planned event may have before it is surely a typing error."""
    return add_calendar_months(today, FUTURE_MONTHS)


def not_too_far_ahead(field: str, day: date, today: date) -> Problems:
    """A date at most ``FUTURE_MONTHS`` ahead of today (a screening planned in 2090 is not)."""
    latest = latest_plausible(today)
    return {field: Message(TOO_FAR_AHEAD, day=latest)} if day > latest else {}


def after_referral(
    event: str, field: str, day: date, referred_on: date, today: date | None = None
) -> Problems:
    """``day`` of ``event`` on or after the referral day and, given ``today``, not absurdly far
    ahead. ``event`` is a key of ``BEFORE_REFERRAL``."""
    if day < referred_on:
        return {field: Message(BEFORE_REFERRAL[event], day=referred_on)}
    return not_too_far_ahead(field, day, today) if today is not None else {}


def held(event: str, field: str, day: date, referred_on: date, today: date) -> Problems:
    """``day`` of an ``event`` that has taken place (a screening held, a follow-up done or
    tried): after the referral and not after ``today``. A screening "held" on a day still to
    come was saved, and then refused the treatment's start before it."""
    problems = after_referral(event, field, day, referred_on)
    if not problems and day > today:
        problems[field] = Message(NOT_YET_HELD, day=today)
    return problems


def treatment_start_problems(
    field: str, started_on: date, referred_on: date, screened_on: date | None, today: date
) -> Problems:
    """Treatment starts after the referral and, once there is one, on or after the screening."""
    problems = after_referral("transition", field, started_on, referred_on, today)
    if not problems and screened_on is not None and started_on < screened_on:
        problems[field] = Message(START_BEFORE_SCREENING, day=screened_on)
    return problems


def follow_up_problems(
    field: str, held_on: date, referred_on: date, closed_on: date | None, today: date
) -> Problems:
    """A follow-up (done, or tried and the client unreachable or declining) after the
    referral, after the closing of the episode, and not after today."""
    problems = held("follow_up", field, held_on, referred_on, today)
    if not problems and closed_on is not None and held_on < closed_on:
        problems[field] = Message(FOLLOW_UP_BEFORE_CLOSING, day=closed_on)
    return problems


def age_on(born_on: date, day: date) -> int:
    """Whole years between a birth date and ``day`` (29 February counts from 1 March)."""
    return day.year - born_on.year - ((day.month, day.day) < (born_on.month, born_on.day))


def birth_date_problems(field: str, born_on: date, today: date) -> Problems:
    """In the past, and the client between ``CLIENT_AGE`` years old today."""
    if born_on > today:
        return {field: Message(BIRTH_IN_FUTURE)}
    age = age_on(born_on, today)
    youngest, oldest = CLIENT_AGE
    if not youngest <= age <= oldest:
        return {field: Message(IMPLAUSIBLE_AGE, age=age, youngest=youngest, oldest=oldest)}
    return {}


def session_problems(
    field: str,
    starts_at: datetime,
    duration_minutes: int,
    *,
    referred_on: date,
    tz: ZoneInfo,
    today: date,
) -> Problems:
    """A session on or after the referral day, within the practice's hours, of a sane length,
    not absurdly far ahead. Judged in the practice's zone, whatever offset the client sent."""
    local = starts_at.astimezone(tz)
    problems = after_referral("session", field, local.date(), referred_on, today)
    if length := session_length_problems(duration_minutes):
        return problems | length
    if field in problems:
        return problems
    ends = local + timedelta(minutes=duration_minutes)
    day_start = datetime.combine(local.date(), EARLIEST_SESSION, tz)
    day_end = datetime.combine(local.date(), LATEST_SESSION_END, tz)
    if local < day_start or ends > day_end:
        problems[field] = Message(
            SESSION_HOURS,
            earliest=EARLIEST_SESSION.strftime("%H:%M"),
            latest=LATEST_SESSION_END.strftime("%H:%M"),
        )
    return problems


def hours_problems(
    own_work_hours: Decimal,
    adapted_work_hours: Decimal,
    contract_hours: Decimal | None,
    *,
    own_field: str = "own_work_hours",
    adapted_field: str = "adapted_work_hours",
) -> Problems:
    """Hours worked a week: not negative, at most ``MAX_WEEK_HOURS``, and own plus adapted
    work at most ``CONTRACT_FACTOR`` times the contract (when a contract applies that day)."""
    problems: Problems = {}
    for field, value in ((own_field, own_work_hours), (adapted_field, adapted_work_hours)):
        if not value.is_finite():
            problems[field] = Message(NOT_A_NUMBER)
        elif value < 0:
            problems[field] = Message(NEGATIVE_HOURS)
        elif value > MAX_WEEK_HOURS:
            problems[field] = Message(TOO_MANY_HOURS, hours=MAX_WEEK_HOURS)
    if problems:
        return problems
    worked = own_work_hours + adapted_work_hours
    if worked > MAX_WEEK_HOURS:
        problems[own_field] = Message(TOO_MANY_HOURS, hours=MAX_WEEK_HOURS)
    elif contract_hours is not None and worked > contract_hours * CONTRACT_FACTOR:
        problems[own_field] = Message(OVER_CONTRACT, factor=CONTRACT_FACTOR, hours=contract_hours)
    return problems


def week_hours_problems(field: str, hours: Decimal) -> Problems:
    """Contract hours or agreed hours a week: not negative, at most ``MAX_WEEK_HOURS``."""
    if not hours.is_finite():
        return {field: Message(NOT_A_NUMBER)}
    if hours < 0:
        return {field: Message(NEGATIVE_HOURS)}
    if hours > MAX_WEEK_HOURS:
        return {field: Message(TOO_MANY_HOURS, hours=MAX_WEEK_HOURS)}
    return {}
