"""Periods of sickness as the Dutch law counts them: pure rules, no I/O, the day passed in.

The employer pays wages during sickness for at most 104 weeks (art. 7:629 lid 1 BW), and the
Wet verbetering poortwachter hangs its milestones (problem analysis, plan of approach, the
42nd-week notification, the first-year evaluation, the WIA application) on the same period.
Art. 7:629 lid 10 BW says how that period is counted:

    periods in which the employee is unable to work because of sickness are added together
    (*samengeteld*) when they follow each other with an interruption of less than four weeks,
    whatever their cause.

So a new sick report within four weeks of full recovery is not a new period: it continues the
old one (*ketenverzuim*), and the days of the interruption do not count. The period then runs
as if it had started that many days later: the **aggregated first sick day** (the "shifted"
first sick day absence systems show), from which every week of the 104 is counted. A sick
report four weeks or more after full recovery starts a new period, even when the complaints
are the same (a relapse).

Counting, as this module does it:

* The interruption is the days from full recovery (the hersteldmelding: the first day fully
  back) up to the new first sick day, not counting that day: back on Monday 2 March and sick
  again on Sunday 29 March is 27 days, aggregated; sick again on Monday 30 March is 28 days,
  four weeks, a new period.
* Only full recovery ends a period of sickness. Partial resumption (working some hours, or
  adapted work) is still sickness for this rule: the employee cannot do the agreed work.
* Leave (zorgverlof, vakantie, ouderschapsverlof) is not sickness (domain brief, pitfall 17):
  a leave record never starts or continues a period. Leave taken while sick does not end it.
* What is known as of a day is what counts on that day: an absence starting later is
  ignored, and a recovery after that day is not yet known, so the absence is still open.

**Out of scope, on purpose**: the rules for sickness related to pregnancy and childbirth
(art. 7:629 lid 10, second and third sentence, and the Wet arbeid en zorg: such periods are
not added to other sickness, and sickness right before and after pregnancy and maternity
leave is). A practice treating such a case must count the period by hand; nothing here
tells pregnancy from other sickness. Also out of scope: the period ending with the
employment, and periods with a different employer (the caller passes one employment's
absences).

The link between two absences is recorded by people, as one of two kinds:

* **chain** (ketenverzuim): a new sick report, possibly for another cause, within four weeks
  of full recovery: linked because the law counts the two as one period;
* **relapse** (terugval): the same complaints return after full recovery, however long after;
  within four weeks it is counted with the earlier absence like any chain, after four weeks
  or more it starts a new period (the old duration stays as it was, pitfall 9).

The aggregation follows the dates, never the link: the law adds up periods whatever their
cause, so an unlinked sick report within four weeks is still counted together.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from practice.errors import Message
from practice.platform.i18n import N_
from practice.work_participation import AbsenceEpisode, AbsenceType

# Art. 7:629 lid 10 BW: "met een onderbreking van minder dan vier weken".
AGGREGATION_GAP = timedelta(weeks=4)
# Art. 7:629 lid 1 BW: wages during sickness for at most 104 weeks.
WAGE_PERIOD = timedelta(weeks=104)


class AbsenceLink(StrEnum):
    """How a later absence follows an earlier one of the same employment."""

    RELAPSE = "relapse"  # terugval: the same complaints again, however long after
    CHAIN = "chain"  # ketenverzuim: a new sick report within four weeks, counted as one


LINK_LABELS: dict[str, str] = {
    AbsenceLink.RELAPSE: N_("relapse"),
    AbsenceLink.CHAIN: N_("chained absence (within four weeks)"),
}

LINK_TO_OPEN = N_("The earlier absence has no full recovery yet: nothing can follow it.")
LINK_BEFORE_RECOVERY = N_(
    "This absence starts before the full recovery from the earlier one (%(day)s)."
)
CHAIN_TOO_LATE = N_(
    "A chained absence starts within four weeks of the full recovery (before %(day)s); "
    "a later one is a new period: link it as a relapse."
)
LINK_NOT_SICKNESS = N_("Only absences for sickness are linked.")
LINK_TO_ITSELF = N_("An absence cannot follow itself.")


class ReportedTo(StrEnum):
    """To whom the sick report was made (pitfall 16: not always the manager, not in time)."""

    EMPLOYER = "employer"  # the manager or HR
    OCCUPATIONAL_HEALTH = "occupational_health"  # the arbodienst or company doctor
    COLLEAGUE = "colleague"  # TNO case 4: told a colleague, not the manager
    OTHER = "other"


class LeaveKind(StrEnum):
    """Leave is not sickness (pitfall 17); its kinds as the Wet arbeid en zorg names them."""

    CARE = "care"  # zorgverlof
    EMERGENCY = "emergency"  # calamiteitenverlof
    PARENTAL = "parental"  # ouderschapsverlof
    HOLIDAY = "holiday"  # vakantie
    UNPAID = "unpaid"  # onbetaald verlof
    OTHER = "other"


REPORTED_TO_LABELS: dict[str, str] = {
    ReportedTo.EMPLOYER: N_("the employer (manager or HR)"),
    ReportedTo.OCCUPATIONAL_HEALTH: N_("the occupational health service"),
    ReportedTo.COLLEAGUE: N_("a colleague"),
    ReportedTo.OTHER: N_("someone else"),
}

LEAVE_LABELS: dict[str, str] = {
    LeaveKind.CARE: N_("care leave"),
    LeaveKind.EMERGENCY: N_("emergency leave"),
    LeaveKind.PARENTAL: N_("parental leave"),
    LeaveKind.HOLIDAY: N_("holiday"),
    LeaveKind.UNPAID: N_("unpaid leave"),
    LeaveKind.OTHER: N_("other leave"),
}

Problems = dict[str, Message]

REPORTED_BEFORE_SICK = N_("The sick report cannot be before the first sick day (%(day)s).")
INFORMED_BEFORE_SICK = N_("The manager cannot be informed before the first sick day (%(day)s).")
PARTIAL_BEFORE_SICK = N_("Partial recovery comes after the first sick day (%(day)s).")
RECOVERY_BEFORE_SICK = N_("Full recovery comes after the first sick day (%(day)s).")
RECOVERY_BEFORE_PARTIAL = N_("Full recovery comes after the partial recovery (%(day)s).")
LEAVE_ENDS_BEFORE_START = N_("The leave cannot end before it starts (%(day)s).")
RECOVERY_AHEAD = N_(
    "A recovery is recorded once it is known: at most %(days)s days ahead (until %(day)s)."
)
# A recovery told for the coming days ("hersteld per maandag") is recorded ahead; one months
# away is a guess or a typing error, and it would end the period of sickness in the figures.
RECOVERY_AHEAD_DAYS = 14


def record_problems(
    *,
    first_sick_day: date | None,
    reported_on: date | None = None,
    manager_informed_on: date | None = None,
    partial_recovery_on: date | None = None,
    full_recovery_on: date | None = None,
) -> Problems:
    """The dates of one absence against each other; each problem named by its field.

    The sick report and the manager's knowing may come late (that is worth seeing, not
    refusing), never before the first sick day. Partial recovery lies inside the absence:
    after its first day, before full recovery.
    """
    problems: Problems = {}
    if first_sick_day is None:
        return problems
    for field, day, message in (
        ("reported_on", reported_on, REPORTED_BEFORE_SICK),
        ("manager_informed_on", manager_informed_on, INFORMED_BEFORE_SICK),
    ):
        if day is not None and day < first_sick_day:
            problems[field] = Message(message, day=first_sick_day)
    if partial_recovery_on is not None and partial_recovery_on <= first_sick_day:
        problems["partial_recovery_on"] = Message(PARTIAL_BEFORE_SICK, day=first_sick_day)
    if full_recovery_on is not None:
        if full_recovery_on <= first_sick_day:
            problems["full_recovery_on"] = Message(RECOVERY_BEFORE_SICK, day=first_sick_day)
        elif (
            partial_recovery_on is not None
            and "partial_recovery_on" not in problems
            and full_recovery_on < partial_recovery_on
        ):
            problems["full_recovery_on"] = Message(RECOVERY_BEFORE_PARTIAL, day=partial_recovery_on)
    return problems


def recovery_ahead_problems(
    today: date, *, partial_recovery_on: date | None, full_recovery_on: date | None
) -> Problems:
    """A recovery at most ``RECOVERY_AHEAD_DAYS`` after ``today``."""
    latest = today + timedelta(days=RECOVERY_AHEAD_DAYS)
    return {
        field: Message(RECOVERY_AHEAD, days=RECOVERY_AHEAD_DAYS, day=latest)
        for field, day in (
            ("partial_recovery_on", partial_recovery_on),
            ("full_recovery_on", full_recovery_on),
        )
        if day is not None and day > latest
    }


def leave_problems(starts_on: date, ends_on: date | None) -> Problems:
    """A leave period ends on or after its first day (one day of leave starts and ends)."""
    if ends_on is not None and ends_on < starts_on:
        return {"ends_on": Message(LEAVE_ENDS_BEFORE_START, day=starts_on)}
    return {}


def interruption_days(earlier: AbsenceEpisode, later: AbsenceEpisode) -> int | None:
    """Days between full recovery from `earlier` and the first sick day of `later`.

    None when there is no interruption to measure: `earlier` is not recovered, or `later`
    has no first sick day. Negative when `later` starts before the recovery (overlapping
    records).
    """
    if earlier.full_recovery_on is None or later.first_sick_day is None:
        return None
    return (later.first_sick_day - earlier.full_recovery_on).days


def counted_together(earlier: AbsenceEpisode, later: AbsenceEpisode) -> bool:
    """True when the law adds `later` to the period of `earlier` (less than four weeks)."""
    if not (_is_sickness(earlier) and _is_sickness(later)):
        return False
    gap = interruption_days(earlier, later)
    return gap is not None and gap < AGGREGATION_GAP.days


def expected_link(earlier: AbsenceEpisode, later: AbsenceEpisode) -> AbsenceLink:
    """The kind a link between the two would have if nothing else were known.

    Within four weeks it is a chain (the law counts one period); after that, if the two are
    linked at all, the complaints came back: a relapse. People may record a relapse within
    four weeks (the same complaints), which counts together all the same.
    """
    return AbsenceLink.CHAIN if counted_together(earlier, later) else AbsenceLink.RELAPSE


def link_refusal(
    kind: AbsenceLink, earlier: AbsenceEpisode, later: AbsenceEpisode
) -> Message | None:
    """Why `later` cannot be linked to `earlier` as `kind`; None when it can."""
    if not (_is_sickness(earlier) and _is_sickness(later)):
        return Message(LINK_NOT_SICKNESS)
    if earlier.full_recovery_on is None:
        return Message(LINK_TO_OPEN)
    gap = interruption_days(earlier, later)
    if gap is None or gap < 0:
        return Message(LINK_BEFORE_RECOVERY, day=earlier.full_recovery_on)
    if kind is AbsenceLink.CHAIN and gap >= AGGREGATION_GAP.days:
        return Message(CHAIN_TOO_LATE, day=earlier.full_recovery_on + AGGREGATION_GAP)
    return None


@dataclass(frozen=True, slots=True)
class SicknessPeriod:
    """One period of sickness as the law counts it: one absence, or several added together.

    `parts` are the absences in it, in date order, as known on the day it was computed.
    `interruption_days` is the sum of the days fit between them, which do not count;
    `aggregated_first_sick_day` is the first sick day moved on by those days, so that the
    days counted on any day of the current part are simply the days since it.
    """

    parts: tuple[AbsenceEpisode, ...]
    interruption_days: int
    full_recovery_on: date | None  # the last full recovery; None while the period is open

    @property
    def first_sick_day(self) -> date:
        """The real first sick day of the period (of its first absence)."""
        first = self.parts[0].first_sick_day
        assert first is not None  # only sickness with a first day gets into a period
        return first

    @property
    def aggregated_first_sick_day(self) -> date:
        """The first sick day moved on by the interruptions: the anchor of the 104 weeks."""
        return self.first_sick_day + timedelta(days=self.interruption_days)

    @property
    def is_chained(self) -> bool:
        """True when the period adds up more than one absence (ketenverzuim)."""
        return len(self.parts) > 1

    def is_sick_on(self, day: date) -> bool:
        """True when `day` falls in one of the absences (not in an interruption)."""
        return any(_covers(part, day) for part in self.parts)

    def days_counted(self, day: date) -> int:
        """Sick days counted for the period up to and including `day` (0 before it starts).

        Interruptions are not counted; after full recovery the count stays where it ended.
        """
        total = 0
        counted_until: date | None = None  # overlapping records count their days once
        end_of_day = day + timedelta(days=1)
        for part in self.parts:
            first = part.first_sick_day
            assert first is not None
            start = first if counted_until is None else max(first, counted_until)
            end = (
                end_of_day
                if part.full_recovery_on is None
                else min(end_of_day, part.full_recovery_on)
            )
            total += max((end - start).days, 0)
            counted_until = end if counted_until is None else max(counted_until, end)
        return total

    @property
    def wage_period_ends_on(self) -> date:
        """The last day of the 104 weeks if the sickness runs on without interruption."""
        return self.aggregated_first_sick_day + WAGE_PERIOD - timedelta(days=1)


def sickness_periods(absences: Iterable[AbsenceEpisode], *, as_of: date) -> list[SicknessPeriod]:
    """The periods of sickness of one employment as known on `as_of`, oldest first.

    Leave and not-absent records are left out. An absence starting after `as_of` is not
    known yet; a recovery after `as_of` is not known yet either, so that absence is open.
    Overlapping records (the same days entered twice) join one period without an
    interruption rather than being counted twice.
    """
    known = sorted(
        (
            _as_known_on(absence, as_of)
            for absence in absences
            if _is_sickness(absence)
            and absence.first_sick_day is not None
            and absence.first_sick_day <= as_of
        ),
        key=lambda absence: absence.first_sick_day or as_of,
    )
    periods: list[SicknessPeriod] = []
    parts: list[AbsenceEpisode] = []
    gaps = 0
    recovered: date | None = None  # the period's full recovery so far; None while open
    for absence in known:
        first = absence.first_sick_day
        assert first is not None
        if parts and (recovered is None or (first - recovered).days < AGGREGATION_GAP.days):
            if recovered is not None:
                gaps += max((first - recovered).days, 0)
            parts.append(absence)
            # An open part keeps the period open; otherwise the latest recovery ends it.
            if recovered is not None and absence.full_recovery_on is not None:
                recovered = max(recovered, absence.full_recovery_on)
            else:
                recovered = None
        else:
            if parts:
                periods.append(SicknessPeriod(tuple(parts), gaps, recovered))
            parts, gaps, recovered = [absence], 0, absence.full_recovery_on
    if parts:
        periods.append(SicknessPeriod(tuple(parts), gaps, recovered))
    return periods


def period_on(absences: Iterable[AbsenceEpisode], day: date) -> SicknessPeriod | None:
    """The period the employee is sick in on `day`, as known on that day; None when fit."""
    for period in sickness_periods(absences, as_of=day):
        if period.is_sick_on(day):
            return period
    return None


def aggregated_first_sick_day(absences: Iterable[AbsenceEpisode], day: date) -> date | None:
    """The aggregated first sick day of the period running on `day`; None when not sick then.

    Week n of the 104 weeks (and of every Poortwachter milestone) is counted from this day.
    """
    period = period_on(absences, day)
    return None if period is None else period.aggregated_first_sick_day


def _is_sickness(absence: AbsenceEpisode) -> bool:
    return absence.absence_type is AbsenceType.SICKNESS


def _covers(absence: AbsenceEpisode, day: date) -> bool:
    first = absence.first_sick_day
    if first is None or day < first:
        return False
    return absence.full_recovery_on is None or day < absence.full_recovery_on


def _as_known_on(absence: AbsenceEpisode, as_of: date) -> AbsenceEpisode:
    if absence.full_recovery_on is not None and absence.full_recovery_on > as_of:
        return AbsenceEpisode(absence.first_sick_day, None, absence.absence_type)
    return absence
