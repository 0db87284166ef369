"""The demo practice as data: who works there and what happened to every client (pure).

Drawn from a fixed seed (``random.Random(seed)``), so every start shows the same practice.
Days are counted in *working days* from today: ``-1`` is the last working day before today,
``+1`` the first one after it (``Calendar.day``). The plan is made in those counts and only
turned into dates at the end, so it has the same shape whatever weekday today is, and no
session ever lands on a weekend, a public holiday or the practice's closing day. Nothing
happens today itself: the past is done, the coming two weeks are booked.

The figures follow the domain brief: the brochure's volume % per diagnosis at the begin, the
end and the follow-up (§1.4), screening mostly within 10 days, a start within 10 working
days, 4 to 16 sessions, no-shows and cancellations, drop-outs, pauses, preventive clients,
contract changes, AT hours (§5), and the follow-ups ½ to 1 year after the end (§1.5).
"""

import random
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from practice.accounts import Role
from practice.working_days import WorkingDays

SEED = 20261204
GENERATED_EPISODES = 180  # plus the named clients: 150-250 episodes in all
HISTORY_WORKING_DAYS = 505  # about two years
RECENT_WORKING_DAYS = 85
BOOKED_AHEAD = 10  # working days: the coming two weeks
CLOSING_DAY_AHEAD = 8  # the practice's team day, inside the coming two weeks
SESSION_MINUTES = 45
MEETING_MINUTES = 60


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role


DEMO_PASSWORD = "werkgericht-demo"  # noqa: S105 - printed on purpose: demo data only
# The first five are the accounts the README and the tests name, one per role.
DEMO_ACCOUNTS = [
    DemoAccount("therapeut@demo.atwork.nl", "Tessa de Therapeut", Role.THERAPIST),
    DemoAccount("bedrijfsarts@demo.atwork.nl", "Bas Bedrijfsarts", Role.COMPANY_DOCTOR),
    DemoAccount("leidinggevende@demo.atwork.nl", "Lotte Leidinggevende", Role.EMPLOYER_CONTACT),
    DemoAccount("praktijkmanager@demo.atwork.nl", "Pim Praktijkmanager", Role.PRACTICE_MANAGER),
    DemoAccount("beheerder@demo.atwork.nl", "Bea Beheerder", Role.ADMINISTRATOR),
    DemoAccount("therapeut2@demo.atwork.nl", "Thomas Terpstra", Role.THERAPIST),
    DemoAccount("therapeut3@demo.atwork.nl", "Tamara Tuinstra", Role.THERAPIST),
    DemoAccount("bedrijfsarts2@demo.atwork.nl", "Mirjam Meijer", Role.COMPANY_DOCTOR),
    DemoAccount("teamleider@demo.atwork.nl", "Wendy Wijkteam", Role.EMPLOYER_CONTACT),
    DemoAccount("leidinggevende2@demo.atwork.nl", "Olaf Oosterhuis", Role.EMPLOYER_CONTACT),
    DemoAccount("leidinggevende3@demo.atwork.nl", "Dirk van Dijk", Role.EMPLOYER_CONTACT),
]


@dataclass(frozen=True)
class TherapistPlan:
    email: str
    registration: str  # made up: the BIG register has no such numbers
    qualifications: str
    capacity: int
    starts: time  # Monday to Friday; the same hours every weekday keep the plan weekday-free
    ends: time
    slots: tuple[time, ...]  # session start times, leaving lunch (and 16:00 on) free


THERAPISTS = (
    TherapistPlan(
        "therapeut@demo.atwork.nl", "BIG 19012345601", "CGT, EMDR", 30, time(9), time(17),
        (time(9), time(10), time(11), time(13), time(14), time(15)),
    ),
    TherapistPlan(
        "therapeut2@demo.atwork.nl", "BIG 29012345602", "CGT, ACT", 24, time(8, 30),
        time(16, 30), (time(8, 30), time(9, 30), time(10, 30), time(11, 30), time(13, 30),
                       time(14, 30), time(15, 30)),
    ),
    TherapistPlan(
        "therapeut3@demo.atwork.nl", "BIG 39012345603", "CGT, schematherapie", 16, time(9),
        time(15), (time(9), time(10), time(11), time(13)),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ContactPlan:
    name: str
    email: str
    contact_role: str
    has_account: bool


@dataclass(frozen=True)
class EmployerPlan:
    """An employer and its contract settings; each one differs (cadence, offer, €, interval)."""

    name: str
    default_offer: str
    cost_per_absence_day_cents: int
    report_every: int
    employer_update_every_days: int | None
    screening_day_unit: str
    contacts: tuple[ContactPlan, ...]
    jobs: tuple[str, ...]
    doctor: int  # the company doctor of its arbodienst


DEMO_EMPLOYER = "Thuiszorg De Linde (demo)"
EMPLOYERS = (
    EmployerPlan(
        DEMO_EMPLOYER, "atwork_basic", 25000, 5, None, "calendar",
        (
            ContactPlan("Lotte Leidinggevende", "leidinggevende@demo.atwork.nl", "manager", True),
            ContactPlan("Wendy Wijkteam", "teamleider@demo.atwork.nl", "manager", True),
            ContactPlan("Hanneke de Haan", "hr@delinde.demo.atwork.nl", "hr_adviser", False),
        ),
        ("Wijkverpleegkundige", "Verzorgende IG", "Planner", "Helpende", "Casemanager dementie"),
        0,
    ),
    EmployerPlan(
        "Gemeente Oost (demo)", "atwork_compleet", 31000, 5, 28, "calendar",
        (
            ContactPlan("Olaf Oosterhuis", "leidinggevende2@demo.atwork.nl", "manager", True),
            ContactPlan("Ilse Peters", "hr@oost.demo.atwork.nl", "hr_adviser", False),
        ),
        ("Beleidsmedewerker", "Klantmanager", "Handhaver", "Medewerker burgerzaken", "Jurist"),
        1,
    ),
    EmployerPlan(
        "Transport Van Dijk (demo)", "atwork_basic", 27500, 4, 42, "working",
        (ContactPlan("Dirk van Dijk", "leidinggevende3@demo.atwork.nl", "manager", True),),
        ("Chauffeur", "Planner", "Magazijnmedewerker", "Monteur", "Klantenservice"),
        0,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class DoctorPlan:
    name: str
    email: str
    organisation: str


DOCTORS = (
    DoctorPlan("Bas Bedrijfsarts", "bedrijfsarts@demo.atwork.nl", "Arbodienst Noord (demo)"),
    DoctorPlan("Mirjam Meijer", "bedrijfsarts2@demo.atwork.nl", "Arbo Oost (demo)"),
)

# Volume % at the begin, the end and the follow-up: the brochure's table (§1.4) for its three
# diagnoses, and a plausible middle for the rest. The complaint instrument and its mean score.
CURVES: dict[str, tuple[int, int, int]] = {
    "angststoornis": (49, 91, 97),
    "somatische_symptoomstoornis": (29, 77, 89),
    "depressie": (36, 77, 88),
    "other": (40, 82, 90),
}
INSTRUMENTS: dict[str, tuple[str, int, int]] = {
    "angststoornis": ("GAD-7", 13, 21),
    "somatische_symptoomstoornis": ("4DKL-distress", 21, 32),
    "depressie": ("PHQ-9", 15, 27),
    "other": ("PHQ-9", 11, 27),
}
DIAGNOSES = ("angststoornis", "depressie", "somatische_symptoomstoornis", "other")
# Below this volume % at the start, an ongoing client's interim hours stay at the start.
STUCK_BELOW = 30.0
DIAGNOSIS_WEIGHTS = (30, 30, 25, 15)
CONTRACT_HOURS = (16, 20, 24, 24, 28, 32, 32, 32, 36, 36, 38, 40)
NOT_STARTED = ("recovered_before_start", "referred_elsewhere", "declined", "wrongly_referred")

FIRST_NAMES = (
    "Anouk", "Bart", "Cor", "Demi", "Erik", "Fleur", "Gijs", "Hanna", "Ivo", "Jasmijn", "Koen",
    "Lieke", "Maarten", "Noor", "Olivier", "Petra", "Quinten", "Roos", "Sander", "Tamar",
    "Ufuk", "Vera", "Wouter", "Xandra", "Yusuf", "Zoë", "Annemarie", "Bouke", "Chantal",
    "Dennis", "Esther", "Freek", "Gerda", "Hidde", "Inge", "Jeroen", "Karin", "Luuk", "Marloes",
    "Niels", "Oksana", "Pieter", "Rianne", "Stijn", "Thijs", "Ursula", "Vincent", "Willemijn",
    "Yara", "Zeynep", "Aylin", "Bas", "Carmen", "Dewi", "Emre", "Fenna", "Gert", "Hatice",
)  # fmt: skip
SURNAMES = (
    "Bakker", "de Boer", "Dekker", "van den Berg", "Mulder", "de Groot", "Bos", "Vos",
    "Peters", "Hendriks", "van Leeuwen", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
    "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
    "van Wijk", "Schouten", "Willems", "Hoekstra", "Koster", "Prins", "Verhoeven", "Yilmaz",
    "El Amrani", "Kaya", "Postma", "Kuipers", "Veenstra", "Huisman", "Wolters", "Timmermans",
    "Groen", "Sanders", "van Vliet", "Kramer", "Molenaar", "Scholten", "Maas", "Bosman",
)  # fmt: skip
SECOND_GOALS = (
    "Twee dagdelen per week eigen taken, zonder overwerk",
    "Grenzen aangeven bij extra diensten",
    "Dagstructuur: vaste tijden voor werk, beweging en rust",
    "Lastige gesprekken met collega's voorbereiden en voeren",
    "Werk en privé scheiden: na 18:00 geen mail",
    "Terugkeer in het eigen team, eerst zonder avonddiensten",
)


@dataclass(frozen=True)
class Session:
    """An appointment. ``rebooked``: a practice cancellation given a new date (the next one)."""

    day: int
    slot: int  # index into the therapist's slots
    kind: str = "treatment_session"
    attendance: str = "held"  # or no_show, cancelled_by_client, cancelled_by_practice, planned
    rebooked: bool = False


@dataclass(frozen=True)
class Measure:
    """Hours worked per week on a day, by kind (volume % follows from the contract)."""

    day: int
    moment: str  # begin | interim | end | follow_up
    own: Decimal
    adapted: Decimal = Decimal(0)
    therapeutic: Decimal = Decimal(0)  # AT hours (arbeidstherapeutisch)


@dataclass(frozen=True)
class Agreement:
    day: int
    description: str
    hours: Decimal | None
    starts: int
    status: str


@dataclass(frozen=True)
class Goal:
    day: int
    description: str
    easy_first_goal: bool
    achieved: int | None


@dataclass(frozen=True)
class FollowUp:
    kind: str  # conversation | measurement
    day: int
    response: str  # done | unreachable | declined
    relapse: bool | None = None
    score: int | None = None


@dataclass(frozen=True)
class EpisodePlan:
    """One client and their episode, every event on a working-day count from today."""

    name: str
    email: str
    born: date
    job_title: str
    employer: int  # index into EMPLOYERS
    contact: int  # index into the employer's contacts: the manager on the case
    therapist: int  # index into THERAPISTS
    doctor: int | None  # index into DOCTORS
    referrer_type: str
    contract_hours: int
    referred: int
    referred_at: time
    offer: str
    absent: bool
    sick_days_before_referral: int  # calendar days from the first sick day to the referral
    status: str  # where the episode stands today
    outcome: str | None = None  # a referral that did not become treatment
    outcome_day: int | None = None
    screening_planned: int | None = None
    screened: int | None = None
    diagnosis: str | None = None
    instrument: str | None = None
    score: int | None = None
    consultation: int | None = None
    # Every demo client agreed: the employer portal shows their progress, and a refusal would
    # leave process updates owed that no one may send (the task list has no consent rule).
    process_updates_consent: bool = True
    started: int | None = None
    sessions: tuple[Session, ...] = ()
    pauses: tuple[tuple[int, int | None], ...] = ()  # (paused on, resumed on)
    contract_change: tuple[int, int] | None = None  # (from day, new hours)
    measures: tuple[Measure, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    goals: tuple[Goal, ...] = ()
    relapse_plan: int | None = None
    share_work_section: bool = False
    dropped_out: int | None = None
    closed: int | None = None
    follow_ups: tuple[FollowUp, ...] = ()

    @property
    def held(self) -> tuple[Session, ...]:
        return tuple(
            s for s in self.sessions if s.attendance == "held" and s.kind == "treatment_session"
        )


@dataclass(frozen=True)
class Calendar:
    """Working-day counts to dates: -1 is the last working day before today, +1 the next."""

    today: date
    days: WorkingDays
    past: tuple[date, ...] = field(repr=False)
    ahead: tuple[date, ...] = field(repr=False)

    @classmethod
    def around(cls, today: date, days: WorkingDays) -> "Calendar":
        past: list[date] = []
        day = today
        while len(past) < HISTORY_WORKING_DAYS + 300:
            day -= timedelta(days=1)
            if days.is_working_day(day):
                past.append(day)
        ahead: list[date] = []
        day = today
        while len(ahead) < BOOKED_AHEAD + 5:
            day += timedelta(days=1)
            if days.is_working_day(day):
                ahead.append(day)
        return cls(today, days, tuple(past), tuple(ahead))

    def day(self, n: int) -> date:
        if n == 0:
            raise ValueError("nothing happens today itself in the demo plan")
        return self.past[-n - 1] if n < 0 else self.ahead[n - 1]


@dataclass(frozen=True)
class Plan:
    calendar: Calendar
    closing_day: date
    episodes: tuple[EpisodePlan, ...]


def closing_day(today: date, days: WorkingDays | None = None) -> date:
    """The practice's team day: a working day inside the coming two weeks, on the calendar."""
    return Calendar.around(today, days or WorkingDays()).day(CLOSING_DAY_AHEAD)


def build_plan(today: date, seed: int = SEED, days: WorkingDays | None = None) -> Plan:
    """The whole demo practice for ``today``; the same seed gives the same practice."""
    base = days or WorkingDays()
    team_day = closing_day(today, base)
    calendar = Calendar.around(
        today,
        WorkingDays(
            extra_closing_days=base.extra_closing_days | {team_day},
            extra_working_days=base.extra_working_days,
        ),
    )
    builder = _Builder(random.Random(seed), today)  # noqa: S311 - demo data, not secrets
    episodes = [builder.named(spec) for spec in NAMED]
    names = {e.name for e in episodes}
    for _ in range(GENERATED_EPISODES):
        episodes.append(builder.generated(names))
    return Plan(calendar, team_day, tuple(episodes))


@dataclass(frozen=True)
class Named:
    """A well-known demo client (tests and the browser story use them), at De Linde, with
    the demo therapist, the demo manager and the demo company doctor."""

    name: str
    referred: int
    offer: str = "atwork_basic"
    screened: int | None = None
    screening_planned: int | None = None
    start_after: int | None = None  # working days after the screening
    held: int = 0  # target number of held sessions
    pause_after: int | None = None  # paused after this held session, until today
    drop_out_after: int | None = None
    outcome: str | None = None
    absent: bool = True
    diagnosis: str = "angststoornis"
    follow_up_after: int | None = None  # working days after the last session
    meeting: int | None = None  # the alignment meeting's day (Compleet)


NAMED = (
    Named("Anna Aanmelding", referred=-1),
    Named("Bram Bijna-te-laat", referred=-10),  # the screening is late on purpose
    Named("Bo Gepland", referred=-4, screening_planned=2),
    Named("Carla Screening", referred=-6, screened=-1, start_after=4, diagnosis="depressie"),
    Named("Daan Behandeling", referred=-28, screened=-23, start_after=5, held=6),
    Named("Eva Compleet", referred=-28, offer="atwork_compleet", screened=-23, start_after=5,
          held=7, diagnosis="somatische_symptoomstoornis", meeting=4),
    Named("Frank Pauze", referred=-42, screened=-37, start_after=5, held=9, pause_after=5,
          diagnosis="depressie"),
    Named("Greet Afgerond", referred=-105, offer="atwork_compleet", screened=-100,
          start_after=5, held=9),
    Named("Hans Follow-up", referred=-290, screened=-285, start_after=5, held=8,
          diagnosis="depressie", follow_up_after=150),
    Named("Iris Preventief", referred=-14, offer="preventive", screened=-10, start_after=5,
          held=6, absent=False),
    Named("Joost Afgezegd", referred=-21, outcome="recovered_before_start"),
    Named("Lars Doorverwezen", referred=-17, outcome="referred_elsewhere"),
    Named("Kim Uitgevallen", referred=-63, screened=-58, start_after=5, held=8,
          drop_out_after=3, diagnosis="depressie"),
    # The escalation digest's two stages (practice.escalation): the treatment start is due
    # 10 working days after the screening, so on the next working day for one and on the
    # previous one for the other; each has a first session booked just after it.
    Named("Mees Morgen", referred=-13, screened=-9, start_after=12),
    Named("Noor Verlopen", referred=-15, screened=-11, start_after=12, diagnosis="depressie"),
)  # fmt: skip


def _hours(value: float) -> Decimal:
    """Hours a week, to the half hour (what a client reports)."""
    return Decimal(round(max(0.0, value) * 2)) / 2


class _Builder:
    """Draws the episodes one by one; the therapists' slots are shared between them."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.busy: set[tuple[int, int, int]] = set()  # (therapist, day, slot)
        self.meeting: int | None = None  # a named client's alignment meeting day
        self.all_held = False  # the named clients keep every appointment

    # ---------------------------------------------------------------- who

    def _person(self, names: set[str]) -> str:
        while True:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"
            if name not in names:
                names.add(name)
                return name

    def _born(self) -> date:
        age = self.rng.randint(23, 62)
        return date(self.today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def _diagnosis(self) -> str:
        return self.rng.choices(DIAGNOSES, DIAGNOSIS_WEIGHTS)[0]

    def _score(self, diagnosis: str) -> tuple[str, int]:
        instrument, mean, top = INSTRUMENTS[diagnosis]
        return instrument, max(0, min(top, round(self.rng.gauss(mean, 4))))

    # ---------------------------------------------------------------- when

    def _slot(self, therapist: int, day: int, preferred: int) -> tuple[int, int]:
        """The preferred weekly time if free, else another one that day, else the next day."""
        slots = len(THERAPISTS[therapist].slots)
        while True:
            for offset in range(slots):
                slot = (preferred + offset) % slots
                if (therapist, day, slot) not in self.busy and day != 0:
                    self.busy.add((therapist, day, slot))
                    return day, slot
            day += 1

    # ---------------------------------------------------------------- the episode

    def named(self, spec: Named) -> EpisodePlan:
        rng = self.rng
        self.meeting, self.all_held = spec.meeting, True
        contract = rng.choice(CONTRACT_HOURS)
        first = spec.name.split()[0].lower()
        base: dict[str, Any] = {
            "name": spec.name,
            "email": f"{first}@demo.atwork.nl",
            "born": self._born(),
            "job_title": rng.choice(EMPLOYERS[0].jobs),
            "employer": 0,
            "contact": 0,
            "therapist": 0,
            "doctor": 0,
            "referrer_type": "company_doctor",
            "contract_hours": contract,
            "referred": spec.referred,
            "referred_at": time(9, 30),
            "offer": spec.offer,
            "absent": spec.absent,
            "sick_days_before_referral": 21 if spec.absent else 0,
        }
        return self._episode(
            base,
            outcome=spec.outcome,
            outcome_day=None if spec.outcome is None else min(-1, spec.referred + 3),
            screening_planned=spec.screening_planned,
            screened=spec.screened,
            diagnosis=spec.diagnosis,
            start_after=spec.start_after,
            held_target=spec.held,
            pause_after=spec.pause_after,
            pause_length=None,
            drop_out_after=spec.drop_out_after,
            follow_up_after=spec.follow_up_after,
        )

    def generated(self, names: set[str]) -> EpisodePlan:
        rng = self.rng
        self.meeting, self.all_held = None, False
        employer = rng.choices((0, 1, 2), (40, 35, 25))[0]
        plan = EMPLOYERS[employer]
        contact = 0 if len(plan.contacts) == 1 or employer != 0 else rng.choice((0, 1))
        therapist = rng.choices((0, 1, 2), (36, 40, 24))[0]
        preventive = rng.random() < 0.12
        offer = (
            "preventive"
            if preventive
            else plan.default_offer
            if rng.random() < 0.8
            else rng.choice(("atwork_basic", "atwork_compleet"))
        )
        referrer = rng.choices(("company_doctor", "employer", "gp", "self"), (70, 15, 8, 7))[0]
        name = self._person(names)
        first, last = name.split(" ", 1)
        # A third referred in the last four months, so today's caseload is full, not thin.
        oldest = -RECENT_WORKING_DAYS if rng.random() < 0.4 else -HISTORY_WORKING_DAYS
        referred = rng.randint(oldest, -2)
        base: dict[str, Any] = {
            "name": name,
            "email": f"{first.lower()}.{last.lower().replace(' ', '')}@demo.atwork.nl",
            "born": self._born(),
            "job_title": rng.choice(plan.jobs),
            "employer": employer,
            "contact": contact,
            "therapist": therapist,
            "doctor": plan.doctor,  # preventive clients see the company doctor too
            "referrer_type": referrer,
            "contract_hours": rng.choice(CONTRACT_HOURS),
            "referred": referred,
            "referred_at": time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))),
            "offer": offer,
            "absent": not preventive,
            "sick_days_before_referral": 0 if preventive else rng.randint(7, 60),
        }
        roll = rng.random()
        outcome = None
        if roll < 0.08:
            outcome = rng.choice(NOT_STARTED)
        late = rng.random() < 0.08
        gap = rng.randint(8, 12) if late else rng.randint(2, 7)
        held = max(4, min(16, round(rng.triangular(4, 16, 8))))
        pause = rng.random() < 0.08 and held >= 6
        drop = rng.random() < 0.10
        return self._episode(
            base,
            outcome=outcome,
            outcome_day=None if outcome is None else referred + rng.randint(1, 5),
            screening_planned=None,
            screened=None if outcome else referred + gap,
            diagnosis=self._diagnosis(),
            start_after=rng.randint(3, 8),
            held_target=held,
            pause_after=rng.randint(3, held - 2) if pause else None,
            pause_length=rng.randint(12, 20) if pause else None,
            # Before the first interim report (every 4th or 5th session): one that dropped out
            # later would owe a report nobody drafts for an ended episode.
            drop_out_after=rng.randint(1, min(3, held - 1)) if drop else None,
            follow_up_after=rng.randint(135, 190),
            not_suitable=roll > 0.96,
        )

    def _episode(
        self,
        base: dict[str, Any],
        *,
        outcome: str | None,
        outcome_day: int | None,
        screening_planned: int | None,
        screened: int | None,
        diagnosis: str,
        start_after: int | None,
        held_target: int,
        pause_after: int | None,
        pause_length: int | None,
        drop_out_after: int | None,
        follow_up_after: int | None,
        not_suitable: bool = False,
    ) -> EpisodePlan:
        rng = self.rng
        referred = int(str(base["referred"]))
        therapist = int(str(base["therapist"]))
        if outcome is not None and outcome_day is not None and outcome_day < 0:
            status = "referred_elsewhere" if outcome == "referred_elsewhere" else "declined"
            return EpisodePlan(**base, status=status, outcome=outcome, outcome_day=outcome_day)
        if screened is None or screened >= 0:
            # Not screened yet: planned (the appointment is booked) or still to plan.
            planned = screening_planned
            if planned is None and screened is not None and referred <= -3:
                planned = max(1, screened)
            booked: tuple[Session, ...] = ()
            if planned is not None and planned <= BOOKED_AHEAD:
                day, slot = self._slot(therapist, planned, rng.randrange(4))
                booked = (Session(day, slot, kind="screening", attendance="planned"),)
                planned = day
            status = "referred" if planned is None else "screening_planned"
            return EpisodePlan(
                **base,
                status=status,
                screening_planned=planned,
                sessions=booked,
            )
        instrument, score = self._score(diagnosis)
        consultation = min(-1, screened + rng.choice((0, 0, 1, 2)))
        details: dict[str, Any] = {
            "screened": screened,
            "diagnosis": diagnosis,
            "instrument": instrument,
            "score": score,
            "consultation": consultation,
        }
        if not_suitable:
            day = min(-1, screened + 1)
            return EpisodePlan(
                **base,
                **details,
                status="declined",
                outcome="not_suitable",
                outcome_day=day,
            )
        start = screened + (start_after or 5)
        preferred = rng.randrange(len(THERAPISTS[therapist].slots))
        if start >= 0:
            sessions: tuple[Session, ...] = ()
            if start <= BOOKED_AHEAD:
                day, slot = self._slot(therapist, start, preferred)
                sessions = (Session(day, slot, attendance="planned"),)
            return EpisodePlan(**base, **details, status="screened", sessions=sessions)
        return self._treatment(
            base, details, start, preferred, held_target, pause_after, pause_length,
            drop_out_after, follow_up_after,
        )  # fmt: skip

    def _attendance(self, first: bool) -> str:
        if first or self.all_held:
            return "held"
        roll = self.rng.random()
        if roll < 0.06:
            return "no_show"
        if roll < 0.13:
            return "cancelled_by_client"
        if roll < 0.16:
            return "cancelled_by_practice"
        return "held"

    def _treatment(
        self,
        base: dict[str, Any],
        details: dict[str, Any],
        start: int,
        preferred: int,
        held_target: int,
        pause_after: int | None,
        pause_length: int | None,
        drop_out_after: int | None,
        follow_up_after: int | None,
    ) -> EpisodePlan:
        rng = self.rng
        therapist = int(str(base["therapist"]))
        compleet = base["offer"] == "atwork_compleet"
        target = drop_out_after or held_target
        sessions: list[Session] = []
        pauses: list[tuple[int, int | None]] = []
        held: list[int] = []
        day, ongoing = start, False
        while len(held) < target:
            if day > BOOKED_AHEAD:
                ongoing = True
                break
            day, slot = self._slot(therapist, day, preferred)
            if day > BOOKED_AHEAD:
                ongoing = True
                break
            if day > 0:
                sessions.append(Session(day, slot, attendance="planned"))
                ongoing = True
                day += 5
                continue
            attendance = self._attendance(not held)
            if attendance == "cancelled_by_practice":
                sessions.append(Session(day, slot, attendance=attendance, rebooked=True))
                day += rng.randint(1, 3)
                continue
            sessions.append(Session(day, slot, attendance=attendance))
            if attendance == "held":
                held.append(day)
                if compleet and len(held) == 4:
                    meeting = self.meeting or day + rng.randint(2, 6)
                    if meeting <= BOOKED_AHEAD:
                        meeting, mslot = self._slot(therapist, meeting, (preferred + 1) % 4)
                        sessions.append(
                            Session(
                                meeting,
                                mslot,
                                kind="alignment_meeting",
                                attendance="held" if meeting < 0 else "planned",
                            )
                        )
                if len(held) == pause_after:
                    resume = day + (pause_length or 15)
                    if resume >= 0:  # paused until today: the pause goes on
                        pauses.append((min(-1, day + 2), None))
                        ongoing = True
                        break
                    pauses.append((day + 2, resume - 1))
                    day = resume
                    continue
            day += rng.choice((4, 5, 5, 5, 6))
        sessions.sort(key=lambda s: (s.day, s.slot))
        if not held:  # the first session slid past today: screened, the start booked
            return EpisodePlan(**base, **details, status="screened", sessions=tuple(sessions))
        contract = int(str(base["contract_hours"]))
        change = None
        if base["absent"] and len(held) >= 3 and rng.random() < 0.12:
            change = (held[2], max(12, contract - rng.choice((4, 8))))
        plan = EpisodePlan(
            **base,
            **details,
            status="in_treatment",
            started=held[0],
            sessions=tuple(sessions),
            pauses=tuple(pauses),
            contract_change=change,
        )
        last = held[-1]
        finished = not ongoing and len(held) >= target
        if pauses and pauses[-1][1] is None:
            status, ended = "paused", None
        elif finished and drop_out_after:
            dropped = min(-1, last + rng.randint(3, 8))
            status, ended = "dropped_out", dropped
        elif finished:
            status, ended = "closed", last
        else:
            status, ended = "in_treatment", None
        plan = _replace(plan, status=status)
        if status == "dropped_out":
            plan = _replace(plan, dropped_out=ended)
        if status == "closed":
            plan = _replace(
                plan,
                closed=last,
                relapse_plan=held[-2] if len(held) > 1 and rng.random() < 0.5 else last,
                share_work_section=rng.random() < 0.3,
            )
        return self._work(plan, held, follow_up_after)

    def _work(self, plan: EpisodePlan, held: list[int], follow_up_after: int | None) -> EpisodePlan:
        """Hours worked, agreements, goals and follow-ups along the sessions held."""
        rng = self.rng
        diagnosis = plan.diagnosis or "other"
        begin_pct, end_pct, fu_pct = CURVES[diagnosis]
        begin = max(0.0, min(100.0, rng.gauss(begin_pct, 15)))
        end = _whole(max(begin, min(100.0, rng.gauss(end_pct, 10))), 95.0)
        # Half the clients measured at the follow-up work their whole contract again (and
        # have recovered fully), the others less: the brochure's mean, not everyone at 97 %.
        later = _whole(max(0.0, min(100.0, rng.gauss(fu_pct, 8))), float(fu_pct))
        contract = float(plan.contract_hours)
        closed = plan.status == "closed"
        measures: list[Measure] = []
        agreements: list[Agreement] = []
        start = held[0]

        def hours_at(day: int, pct: float) -> float:
            hours = contract
            if plan.contract_change and day >= plan.contract_change[0]:
                hours = float(plan.contract_change[1])
            return pct / 100 * hours

        if plan.absent:
            total = hours_at(start, begin)
            therapeutic = _hours(min(4.0, total * 0.4)) if rng.random() < 0.2 else Decimal(0)
            adapted = _hours(total * 0.3) if rng.random() < 0.3 else Decimal(0)
            own = max(Decimal(0), _hours(total) - therapeutic - adapted)
            measures.append(Measure(start, "begin", own, adapted, therapeutic))
            middle = (begin + end) / 2
            # A client still in treatment who started low and has not moved yet: no draw, so
            # the rest of the plan stays as it was; the therapist's "work not on track".
            if plan.status == "in_treatment" and begin < STUCK_BELOW:
                middle = begin
            if len(held) >= 4:
                measures.append(Measure(held[3], "interim", _hours(hours_at(held[3], middle))))
            step = _hours(hours_at(start, min(100.0, begin + 15)))
            agreements.append(
                Agreement(
                    start,
                    "Opbouw in het eigen werk, eerst korte dagen",
                    step,
                    start + 5,
                    "met" if len(held) >= 4 or closed else "in_progress",
                )
            )
            if len(held) >= 3:
                goal_hours = _hours(hours_at(held[2], end))
                agreements.append(
                    Agreement(
                        held[2],
                        "Verder opbouwen in het eigen werk, verdeeld over vier dagen",
                        goal_hours,
                        held[2] + 5,
                        "met" if closed else "agreed",
                    )
                )
            if closed:
                measures.append(Measure(held[-1], "end", _hours(hours_at(held[-1], end))))
        else:
            agreements.append(
                Agreement(
                    start,
                    "Wekelijks kort overleg over de werkdruk; taken afbakenen",
                    None,
                    start + 5,
                    "met" if closed else "in_progress",
                )
            )
        if plan.status == "dropped_out":
            agreements = [
                Agreement(a.day, a.description, a.hours, a.starts, "abandoned") if i else a
                for i, a in enumerate(agreements)
            ]
        goals = [
            Goal(
                start,
                "Wekelijks bellen met de leidinggevende",
                True,
                start + 10 if start + 10 < 0 else None,
            )
        ]
        if len(held) >= 2:
            goals.append(
                Goal(
                    held[1],
                    rng.choice(SECOND_GOALS),
                    False,
                    held[-1] if closed and rng.random() < 0.8 else None,
                )
            )
        follow_ups: list[FollowUp] = []
        if closed and follow_up_after is not None:
            last = held[-1]
            if plan.offer == "atwork_compleet":
                talk = last + rng.randint(60, 110)
                if talk < 0:
                    follow_ups.append(FollowUp("conversation", talk, "done", relapse=False))
            measured = last + follow_up_after
            if measured < 0:
                roll = rng.random()
                if roll < 0.9:
                    relapse = rng.random() < 0.08
                    pct = max(0.0, end - rng.randint(20, 40)) if relapse else later
                    _, score = self._score(diagnosis)
                    follow_ups.append(
                        FollowUp("measurement", measured, "done", relapse, max(0, score - 8))
                    )
                    if plan.absent:
                        measures.append(
                            Measure(measured, "follow_up", _hours(hours_at(measured, pct)))
                        )
                else:
                    response = "unreachable" if roll < 0.95 else "declined"
                    follow_ups.append(FollowUp("measurement", measured, response))
        return _replace(
            plan,
            measures=tuple(measures),
            agreements=tuple(agreements),
            goals=tuple(goals),
            follow_ups=tuple(follow_ups),
        )


def _whole(pct: float, from_pct: float) -> float:
    """A share of the contract from ``from_pct`` on is the whole contract: people go back to
    their hours, not to 97 % of them. No draw, so the rest of the plan stays as it was."""
    return 100.0 if pct >= from_pct else pct


def _replace(plan: EpisodePlan, **changes: Any) -> EpisodePlan:
    return replace(plan, **changes)
