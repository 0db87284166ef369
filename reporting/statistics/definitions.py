"""What each outcome statistic means (S1-S15, domain brief §5), and the benchmarks beside them.

Every statistic is shown with its definition on screen, so the texts live here, next to the
reference implementations in `reporting.statistics.reference` and
`reporting.statistics.reference_times`, and each names its anchors: "days" alone is
ambiguous in this domain (pitfalls 1, 2, 16).

Benchmarks are data with a source and a year, never constants inside a formula (pitfall 18):
the seeds contradict one another (180 vs 290 days of absence) and the brochure's figures come
without n or method. They are reference values to show beside ours, not targets.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from practice.platform.i18n import N_

# The basis of a volume % has one owner, upstream, because the employer's view (practice)
# names it too; statistics import it from here or from there, never retype it.
from practice.work_participation import DEFAULT_VOLUME_VARIANT as DEFAULT_VOLUME_VARIANT
from practice.work_participation import ContractBasis as ContractBasis
from practice.work_participation import CountedHours as CountedHours
from practice.work_participation import VolumeVariant as VolumeVariant


class Unit(StrEnum):
    """The unit of a figure; calendar and working days are never mixed (pitfall 1)."""

    PERCENT = "percent"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    SESSIONS = "sessions"
    EURO = "euro"
    CLIENTS = "clients"


UNIT_LABELS: Mapping[Unit, str] = MappingProxyType(
    {
        Unit.PERCENT: N_("percent"),
        Unit.CALENDAR_DAYS: N_("calendar days"),
        Unit.WORKING_DAYS: N_("working days"),
        Unit.SESSIONS: N_("sessions"),
        Unit.EURO: N_("euro"),
        Unit.CLIENTS: N_("clients"),
    }
)


class Moment(StrEnum):
    """The three measurement moments of the brochure's outcome table (S2)."""

    BEGIN = "begin"  # reference week of the first treatment session
    END = "end"  # week of the last held treatment session
    FOLLOW_UP = "follow_up"  # the follow-up-meting, 6-12 months after the last session


MOMENT_LABELS: Mapping[Moment, str] = MappingProxyType(
    {
        Moment.BEGIN: N_("start of treatment"),
        Moment.END: N_("end of treatment"),
        Moment.FOLLOW_UP: N_("follow-up"),
    }
)


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A reference value with where it comes from; `name` is an English message id."""

    name: str
    value: Decimal
    unit: Unit
    source: str
    year: int

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite():
            raise ValueError(f"benchmark value must be a finite Decimal, got {self.value!r}")
        if not self.source.strip():
            raise ValueError("a benchmark needs its source")


HSK_BROCHURE = "HSK brochure 'Snel. Beter.'"
_HSK_RESUMPTION = N_("HSK reference (work resumption)")


def _hsk(begin: int, end: int, follow_up: int) -> Mapping[Moment, Benchmark]:
    values = {Moment.BEGIN: begin, Moment.END: end, Moment.FOLLOW_UP: follow_up}
    return MappingProxyType(
        {
            moment: Benchmark(_HSK_RESUMPTION, Decimal(value), Unit.PERCENT, HSK_BROCHURE, 2022)
            for moment, value in values.items()
        }
    )


# "Werkhervatting (volumeprocenten)" as printed [HSK: Het werkt echt!], keyed by the
# diagnosis codes of `practice.screening.DIAGNOSIS_CATEGORIES`. No n, no method, no period.
HSK_REFERENCE: Mapping[str, Mapping[Moment, Benchmark]] = MappingProxyType(
    {
        "angststoornis": _hsk(49, 91, 97),
        "somatische_symptoomstoornis": _hsk(29, 77, 89),
        "depressie": _hsk(36, 77, 88),
    }
)

# Average duration of absence for psychological reasons. Both sources write "dagen"; read as
# calendar days, the usual unit of absence duration (the brochure's 180 x EUR 250 = EUR 45,000
# per case only works per calendar day).
ABSENCE_BENCHMARKS: Mapping[str, Benchmark] = MappingProxyType(
    {
        "arboned_2020": Benchmark(
            N_("National average absence for psychological reasons (ArboNed)"),
            Decimal(290),
            Unit.CALENDAR_DAYS,
            "ArboNed, cited in the HSK brochure 'Snel. Beter.'",
            2020,
        ),
        "hsk_business_case": Benchmark(
            N_("Average absence in the HSK business case"),
            Decimal(180),
            Unit.CALENDAR_DAYS,
            f"{HSK_BROCHURE}, business case",
            2022,
        ),
    }
)

# The brochure calls EUR 250 "een conservatieve schatting": offered as a starting value, but
# the employer's own figure belongs in the contract and is passed to `cost_avoided`.
COST_PER_DAY_BENCHMARKS: Mapping[str, Benchmark] = MappingProxyType(
    {
        "hsk_business_case": Benchmark(
            N_("Cost per absence day in the HSK business case"),
            Decimal(250),
            Unit.EURO,
            f"{HSK_BROCHURE}, business case",
            2022,
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Definition:
    """The on-screen definition of one statistic; `title` and `text` are message ids.

    `employer_visible` marks the one statistic employers may see (S15): nothing medical and
    nothing split by diagnosis ever reaches them (domain brief §2.1).
    """

    code: str
    title: str
    text: str
    unit: Unit
    employer_visible: bool = False


_DEFINITIONS = (
    Definition(
        "S1",
        N_("Work resumption"),
        N_(
            "Per client: hours worked on wage value (own, adapted and other productive work) in "
            "the reference week, as a percentage of the contract hours valid that week, capped "
            "at 100. Two variants can be chosen, and every figure names the one it uses: the "
            "contract valid on the referral date instead (a contract reduced during the absence "
            "raises the percentage without an hour more work), and therapeutic (AT) hours "
            "counted as well. The figure is the mean over clients. Clients who were not absent "
            "at referral and clients without a measurement are counted separately, not averaged."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S2",
        N_("Work resumption by diagnosis"),
        N_(
            "Work resumption per diagnosis category at the start of treatment (week of the "
            "first treatment session), the end of treatment (week of the last held session) and "
            "follow-up (the follow-up measurement, 6 to 12 months after the last session). Each "
            "column shows its own n. The HSK reference values are shown with source and year."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S3",
        N_("Referral to screening"),
        N_(
            "Days from the date the referral was received to the date the screening was held, "
            "in calendar days and in working days (without Dutch public holidays): median, "
            "90th percentile and share within 10 days. Referrals without a screening yet are "
            "counted separately."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "S4",
        N_("Time to treatment start"),
        N_(
            "Working days from the screening to the first treatment session: median, 90th "
            "percentile and share within 10 working days."
        ),
        Unit.WORKING_DAYS,
    ),
    Definition(
        "S5",
        N_("First sick day to first intervention"),
        N_(
            "Calendar days from the first sick day to the first contact with the practice, for "
            "clients who were absent at referral."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "S6",
        N_("Time to work resumption"),
        N_(
            "Calendar days from the first treatment session to the first day of partial work "
            "resumption, and to full recovery. Cases without resumption yet are censored on "
            "their last observed day (Kaplan-Meier median), not left out. Clients already "
            "working at the start are counted separately."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "S7",
        N_("Absence duration"),
        N_(
            "Calendar days of sickness from the first sick day to full recovery, per absence "
            "(see A1: counted once however many episodes treated it; the days between sick "
            "reports less than four weeks apart are not counted), for clients who were absent "
            "at referral: median and mean of ended absences. Absences still running are "
            "counted separately; A2 shows the duration with them censored."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "S8",
        N_("Absence cost avoided"),
        N_(
            "(Benchmark absence duration minus actual absence duration) times the employer's "
            "cost per absence day, per ended absence and in total. The benchmark with its "
            "source and year and the cost per day are shown; a negative amount means the "
            "absence lasted longer than the benchmark."
        ),
        Unit.EURO,
    ),
    Definition(
        "S9",
        N_("Sessions per episode"),
        N_(
            "Held treatment sessions per closed episode, by diagnosis and offer: mean and "
            "median. Planned, cancelled and missed sessions do not count."
        ),
        Unit.SESSIONS,
    ),
    Definition(
        "S10",
        N_("Relapse rate"),
        N_(
            "Share of clients with a relapse among closed episodes assessed at follow-up: a "
            "lower volume percentage at follow-up than at the end of treatment, a new sickness "
            "absence, or a relapse assessed by the therapist. Episodes without an assessment "
            "are counted separately."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S11",
        N_("Follow-up response"),
        N_(
            "Clients with a follow-up measurement divided by the clients whose follow-up window "
            "(6 to 12 months after the last treatment session) has opened on the reporting "
            "date. Unreachable, declined and pending clients are shown separately."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S12",
        N_("Process compliance"),
        N_(
            "Share of process steps done on time: interim reports after sessions 5, 10, 15 and "
            "so on, alignment meetings after session 4 (Compleet), follow-up conversations "
            "within half a year, employer updates, screenings within 10 days and treatment "
            "starts within 10 working days."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S13",
        N_("Drop-out and non-start"),
        N_("Share of episodes that ended early or never started treatment, by reason."),
        Unit.PERCENT,
    ),
    Definition(
        "S14",
        N_("Client mix"),
        N_(
            "Share of clients absent and not absent at referral, share of @Work Compleet and "
            "basic offers, and the types of referrer."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "S15",
        N_("Employer summary"),
        N_(
            "Non-medical figures only: employees referred, sessions held, share with agreements "
            "on work resumption and mean work resumption over time. Never split by diagnosis; "
            "figures over fewer clients than the minimum are not shown."
        ),
        Unit.CLIENTS,
        employer_visible=True,
    ),
    # Per absence, not per episode (issue 19): a client with two episodes for one absence
    # counts that absence once. `reporting.statistics.per_absence` computes them.
    Definition(
        "A1",
        N_("Absences, each counted once"),
        N_(
            "The unit is the absence as the law counts it: sick reports of one employment "
            "less than four weeks apart are one period (art. 7:629 lid 10 BW); a relapse "
            "four weeks or more after full recovery is a new absence. Every referral "
            "matching the filters counts towards the absence it treats (the absence linked "
            "to it, or else the one starting on the referral's first sick day), so an "
            "absence treated in two episodes is counted once, and its treatment begins once."
        ),
        Unit.CLIENTS,
    ),
    Definition(
        "A2",
        N_("Absence duration per absence"),
        N_(
            "Calendar days of sickness from the first sick day to full recovery, the days "
            "between chained sick reports not counted. Absences still running are censored "
            "today: the Kaplan-Meier median is shown with the number of absences still at "
            "risk on its day, and the curve as the share still absent after 4 to 104 weeks "
            "(drawn only where at least the minimum number is at risk). S7 gives the median "
            "and mean of the ended absences alone."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "A3",
        N_("Time from the first sick day to work resumption"),
        N_(
            "Per absence, sick days from the first sick day to the first measured hours at "
            "work of any kind (therapeutic hours included), to the first paid hours (own, "
            "adapted or other productive work, or the recorded partial recovery), and to "
            "full recovery. Not yet resumed: censored today (Kaplan-Meier median)."
        ),
        Unit.CALENDAR_DAYS,
    ),
    Definition(
        "A4",
        N_("Work resumption per absence"),
        N_(
            "Volume % per absence: at the start of the first treatment that measured it, "
            "at the end and at follow-up of the last one, capped at 100; the mean over "
            "absences. The contract basis and whether therapeutic (AT) hours count are "
            "chosen above, as for S1."
        ),
        Unit.PERCENT,
    ),
    Definition(
        "A5",
        N_("Screening lateness per absence"),
        N_(
            "For the first referral of each absence: whether the screening was held after "
            "its deadline (10 calendar days after the referral), and by how many days, in "
            "calendar days and in working days (without Dutch public holidays). Referrals "
            "not screened yet are counted separately."
        ),
        Unit.PERCENT,
    ),
)

DEFINITIONS: Mapping[str, Definition] = MappingProxyType({d.code: d for d in _DEFINITIONS})
