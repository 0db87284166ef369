"""The benchmark data sets S, M and L: their size and the shape of each episode.

Every value is a pure function of (seed, episode number): the same command builds the same
database (`bench.rows` turns an episode into rows of the real tables). The shape
follows targets.md: 200 episodes per therapist, of which the 30 most recent are active
(the caseload of P-1), about 10 appointments per started episode (1 M on M), and one active
episode of the bench therapist with 1,000 sessions and 50 reports beside one with 10 (P-2).
Appointments of one therapist never overlap, so PostgreSQL's no-double-booking constraint
holds.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

SIZES = {"S": 6_000, "M": 100_000, "L": 400_000}
EPISODES_PER_THERAPIST = 200
ACTIVE_PER_THERAPIST = 30
SESSIONS_PER_EPISODE = 10
HEAVY_SESSIONS = 1_000
HEAVY_REPORTS = 50
# A fixed "today" of the data set (a Monday): dates do not move between runs.
ANCHOR = date(2026, 11, 2)
DEFAULT_SEED = 20261123
BENCH_DOMAIN = "bench.atwork.test"
DIAGNOSES = ("depressie", "angststoornis", "somatische_symptoomstoornis", "other")
STARTED = {"in_treatment", "paused", "closed", "dropped_out"}
SCREENED = STARTED | {"screened", "declined"}


def mix(*values: int) -> int:
    """A cheap deterministic hash (splitmix64 steps): pseudo-random but reproducible."""
    z = 0x9E3779B97F4A7C15
    for value in values:
        z = (z ^ value) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        z ^= z >> 31
    return z


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


@dataclass(frozen=True, slots=True)
class Plan:
    """How big the data set is and where its special rows are."""

    name: str
    episodes: int
    seed: int

    @property
    def therapists(self) -> int:
        return max(1, self.episodes // EPISODES_PER_THERAPIST)

    @property
    def per_therapist(self) -> int:
        return self.episodes // self.therapists

    @property
    def employers(self) -> int:
        return max(5, self.episodes // 50)

    @property
    def company_doctors(self) -> int:
        return max(2, self.episodes // 500)

    @property
    def bench_therapist(self) -> int:
        """User id of the therapist whose caseload is measured."""
        return 1

    @property
    def manager(self) -> int:
        """User id of the practice manager who reads the statistics."""
        return self.therapists + 1

    def email(self, user_id: int) -> str:
        if user_id == self.manager:
            return f"manager@{BENCH_DOMAIN}"
        return f"therapist-{user_id}@{BENCH_DOMAIN}"

    def _episode_of_bench_therapist(self, active_index: int) -> int:
        rank = self.per_therapist - ACTIVE_PER_THERAPIST + active_index
        return 1 + rank * self.therapists

    @property
    def heavy_episode(self) -> int:
        """An active episode of the bench therapist with 1,000 sessions (P-2)."""
        return self._episode_of_bench_therapist(6)

    @property
    def light_episode(self) -> int:
        """An active episode of the bench therapist with 10 sessions (P-2's control)."""
        return self._episode_of_bench_therapist(7)

    @property
    def writer_episode(self) -> int:
        """An active episode of the bench therapist that P-9's writers write to."""
        return self._episode_of_bench_therapist(9)

    @property
    def report_episode(self) -> int:
        """An active episode of the bench therapist whose interim reports P-5 delivers."""
        return self._episode_of_bench_therapist(10)


def make_plan(name: str, *, episodes: int | None = None, seed: int = DEFAULT_SEED) -> Plan:
    wanted = episodes or SIZES[name]
    if wanted < EPISODES_PER_THERAPIST:
        raise ValueError(f"at least {EPISODES_PER_THERAPIST} episodes (one full caseload)")
    # A whole number of caseloads: every therapist has exactly the same shape.
    therapists = max(1, wanted // EPISODES_PER_THERAPIST)
    return Plan(name=name, episodes=therapists * EPISODES_PER_THERAPIST, seed=seed)


@dataclass(frozen=True, slots=True)
class Episode:
    id: int
    therapist: int
    rank: int  # the therapist's n-th episode, oldest first
    status: str
    offer: str | None
    start: date  # planned (and, once started, actual) first session
    employer: int
    absent: bool
    hour: int  # the therapist's weekly hour for this episode (UTC)
    heavy: bool

    @property
    def started(self) -> bool:
        return self.status in STARTED

    @property
    def screened(self) -> bool:
        return self.status in SCREENED


def _status(plan: Plan, g: int, rank: int) -> str:
    active_index = rank - (plan.per_therapist - ACTIVE_PER_THERAPIST)
    if active_index >= 0:
        if active_index < 2:
            return "referred"
        if active_index < 4:
            return "screening_planned"
        if active_index < 6:
            return "screened"
        return "paused" if active_index >= 28 else "in_treatment"
    bucket = mix(plan.seed, g, 1) % 20
    return {0: "dropped_out", 1: "declined"}.get(bucket, "closed")


def episode(plan: Plan, g: int) -> Episode:
    rank, therapist_index = divmod(g - 1, plan.therapists)
    status = _status(plan, g, rank)
    heavy = g == plan.heavy_episode
    start = ANCHOR - timedelta(days=7 * (plan.per_therapist - rank))
    if heavy:
        start = ANCHOR - timedelta(days=HEAVY_SESSIONS)
    offer = None
    if status != "declined":
        offer = "atwork_compleet" if mix(plan.seed, g, 2) % 3 == 0 else "atwork_basic"
    return Episode(
        id=g,
        therapist=therapist_index + 1,
        rank=rank,
        status=status,
        offer=offer,
        start=start,
        employer=1 + mix(plan.seed, g, 3) % plan.employers,
        absent=mix(plan.seed, g, 4) % 10 != 0,
        hour=7 + rank % 10,
        heavy=heavy,
    )


@dataclass(frozen=True, slots=True)
class Session:
    number: int
    starts_at: datetime
    kind: str
    attendance: str


def sessions(plan: Plan, e: Episode) -> list[Session]:
    """The episode's appointments: a screening before the start, weekly sessions after it.

    Weekly sessions sit at ``e.hour`` on the anchor's weekday; episodes of one therapist
    ten ranks apart share an hour but are ten weeks apart, and ten sessions never reach
    the next one. Screenings are at 17:00 and the heavy episode's daily sessions at 19:00.
    """
    found: list[Session] = []
    if e.status == "screening_planned":
        found.append(Session(0, at(e.start - timedelta(days=14), 17), "screening", "planned"))
    elif e.screened:
        found.append(Session(0, at(e.start - timedelta(days=12), 17), "screening", "held"))
    if not e.started:
        return found
    count, step, hour = (HEAVY_SESSIONS, 1, 19) if e.heavy else (SESSIONS_PER_EPISODE, 7, e.hour)
    for j in range(count):
        when = at(e.start + timedelta(days=step * j), hour)
        roll = mix(plan.seed, e.id, 100 + j) % 10
        if when.date() >= ANCHOR:
            attendance = "planned"
        elif roll == 0 or (e.status == "dropped_out" and j >= 4):
            attendance = "cancelled_by_client"
        elif roll == 1:
            attendance = "no_show"
        else:
            attendance = "held"
        kind = "work_conversation" if j == 0 else "treatment_session"
        found.append(Session(j + 1, when, kind, attendance))
    return found


def held_dates(found: list[Session]) -> list[date]:
    return [s.starts_at.date() for s in found if s.attendance == "held" and s.kind != "screening"]


def closed_on(e: Episode, held: list[date]) -> date | None:
    """The last held session of an ended episode (its start if none was held)."""
    if e.status not in {"closed", "dropped_out"}:
        return None
    return held[-1] if held else e.start
