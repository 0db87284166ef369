"""The capacity advice (*belastbaarheidsadvies*) and what is checked against it: pure rules.

The company doctor advises on work capacity by law: how many hours a day and a week the
client can work, and which tasks to leave aside for now (non-medical, dated, in force from
the day it is given until the next advice or its own end). Agreements about work resumption
and the hours actually worked are judged against the advice in force on *their* date, and
the therapist's advice against the capacity advice in force on the day it was given. What
does not fit is a conflict (TNO C4: "de bedrijfsarts en psychotherapeut niet op één lijn");
each has a stable key, so a resolution with a note closes exactly that conflict, and a new
advice, agreement or week of hours raises its own.

Hours a day can only be checked against hours a day; the agreements and the hours worked are
per week, so only the advice's hours a week is checked against them.

Pure: the facts are loaded by ``practice.queries.capacity``; ``today`` is passed in.
"""

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

# Who gives the capacity advice; the other authors' advice is checked against it.
CAPACITY_AUTHOR = "company_doctor"
# An agreement that was revised or abandoned no longer plans anything.
_SETTLED_AGREEMENTS = frozenset({"revised", "abandoned"})
# An agreement that still plans the hours to come (a met one is history: its hours worked
# are checked as hours).
_RUNNING_AGREEMENTS = frozenset({"agreed", "in_progress"})


class ConflictKind(enum.StrEnum):
    """What does not fit the capacity advice in force."""

    AGREEMENT = "agreement"  # an agreement plans more hours a week than advised
    HOURS = "hours"  # more hours were worked in a week than advised
    THERAPIST_ADVICE = "therapist_advice"  # the therapist advises other hours
    FLAGGED = "flagged"  # an advice recorded as conflicting with other advice


@dataclass(frozen=True, slots=True)
class AdviceFact:
    """One party's advice; the capacity advice is the company doctor's."""

    id: int
    author_role: str
    given_on: date
    valid_until: date | None = None
    hours_per_day_minutes: int | None = None
    hours_per_week_minutes: int | None = None
    flagged: bool = False  # conflicts_with_other_advice, as recorded

    def in_force_on(self, day: date) -> bool:
        return self.given_on <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class AgreementFact:
    id: int
    agreed_on: date
    starts_on: date | None
    hours_per_week_minutes: int | None
    status: str = "agreed"

    @property
    def on(self) -> date:
        """The day the agreement's hours apply from."""
        return self.starts_on or self.agreed_on


@dataclass(frozen=True, slots=True)
class HoursFact:
    """Hours worked in the week measured on ``measured_on``: every kind, AT hours included,
    because the advice limits what the client does, not what is paid."""

    id: int
    measured_on: date
    worked_minutes: int


@dataclass(frozen=True, slots=True)
class Resolution:
    resolved_on: date
    note: str


@dataclass(frozen=True, slots=True)
class CapacityFacts:
    advice: Sequence[AdviceFact] = ()
    agreements: Sequence[AgreementFact] = ()
    hours: Sequence[HoursFact] = ()
    resolutions: Mapping[str, Resolution] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdviceConflict:
    """One thing that does not fit the capacity advice, resolved or not."""

    kind: ConflictKind
    key: str
    on: date  # the date of what was checked
    subject_id: int  # the agreement, the hours row or the advice checked
    advice_id: int | None  # the capacity advice it was checked against
    found_minutes: int | None = None
    advised_minutes: int | None = None
    resolution: Resolution | None = None

    @property
    def is_open(self) -> bool:
        return self.resolution is None


def conflict_key(kind: ConflictKind, subject_id: int, advice_id: int | None) -> str:
    """Stable per what was checked and the advice it was checked against."""
    return f"{kind.value}:{subject_id}:{advice_id or 0}"


def capacity_advice_in_force(
    advice: Sequence[AdviceFact], day: date, today: date
) -> AdviceFact | None:
    """The company doctor's advice in force on ``day``, as known ``today``: the latest given
    by then (the later recorded on the same day) that has not ended. Advice dated after
    today is not known yet, whatever ``day`` is asked about."""
    known = [
        a
        for a in advice
        if a.author_role == CAPACITY_AUTHOR and a.given_on <= today and a.in_force_on(day)
    ]
    return max(known, key=lambda a: (a.given_on, a.id), default=None)


def conflicts(facts: CapacityFacts, today: date) -> list[AdviceConflict]:
    """Every conflict with the capacity advice in force, oldest first, resolved ones too."""
    found = [*_agreements(facts, today), *_hours(facts, today), *_therapist(facts, today)]
    found += [
        AdviceConflict(
            ConflictKind.FLAGGED,
            conflict_key(ConflictKind.FLAGGED, a.id, None),
            a.given_on,
            a.id,
            None,
        )
        for a in facts.advice
        if a.flagged and a.given_on <= today
    ]
    return [
        _with_resolution(c, facts.resolutions.get(c.key))
        for c in sorted(found, key=lambda c: (c.on, c.key))
    ]


def open_conflicts(facts: CapacityFacts, today: date) -> list[AdviceConflict]:
    return [c for c in conflicts(facts, today) if c.is_open]


def _with_resolution(conflict: AdviceConflict, resolution: Resolution | None) -> AdviceConflict:
    return conflict if resolution is None else replace(conflict, resolution=resolution)


def _over(
    kind: ConflictKind, subject_id: int, on: date, minutes: int | None, facts: CapacityFacts,
    today: date,
) -> Iterator[AdviceConflict]:  # fmt: skip
    advice = capacity_advice_in_force(facts.advice, on, today)
    if advice is None or minutes is None or advice.hours_per_week_minutes is None:
        return
    if minutes > advice.hours_per_week_minutes:
        key = conflict_key(kind, subject_id, advice.id)
        yield AdviceConflict(
            kind, key, on, subject_id, advice.id, minutes, advice.hours_per_week_minutes
        )


def _agreements(facts: CapacityFacts, today: date) -> Iterator[AdviceConflict]:
    # A planned start is judged now against the advice as known: it is about to happen. An
    # agreement still running (agreed, in progress) is judged again on each day the advice
    # in force changes after it (a new advice, or the day after one ends): a lower advice
    # does not leave an agreement of more hours standing unseen. A conflict found so that
    # was resolved stays in the list once the agreement is met.
    for a in facts.agreements:
        if a.status in _SETTLED_AGREEMENTS or a.agreed_on > today:
            continue
        changes = {
            day
            for advice in facts.advice
            if advice.author_role == CAPACITY_AUTHOR
            for day in (
                advice.given_on,
                None if advice.valid_until is None else advice.valid_until + timedelta(days=1),
            )
            if day is not None and a.on < day <= today
        }
        seen: set[str] = set()
        for day in sorted({a.on} | changes):
            for conflict in _over(
                ConflictKind.AGREEMENT, a.id, day, a.hours_per_week_minutes, facts, today
            ):
                later = day != a.on
                if conflict.key in seen or (
                    later
                    and a.status not in _RUNNING_AGREEMENTS
                    and conflict.key not in facts.resolutions
                ):
                    continue
                seen.add(conflict.key)
                yield conflict


def _hours(facts: CapacityFacts, today: date) -> Iterator[AdviceConflict]:
    for h in facts.hours:
        if h.measured_on <= today:
            yield from _over(
                ConflictKind.HOURS, h.id, h.measured_on, h.worked_minutes, facts, today
            )


def _therapist(facts: CapacityFacts, today: date) -> Iterator[AdviceConflict]:
    """The therapist's advice with hours that differ from the capacity advice of its day."""
    for a in facts.advice:
        if a.author_role != "therapist" or a.given_on > today:
            continue
        advice = capacity_advice_in_force(facts.advice, a.given_on, today)
        if advice is None:
            continue
        pairs = (
            (a.hours_per_week_minutes, advice.hours_per_week_minutes),
            (a.hours_per_day_minutes, advice.hours_per_day_minutes),
        )
        differ = [
            (own, cd) for own, cd in pairs if own is not None and cd is not None and own != cd
        ]
        if differ:
            own, cd = differ[0]
            key = conflict_key(ConflictKind.THERAPIST_ADVICE, a.id, advice.id)
            yield AdviceConflict(
                ConflictKind.THERAPIST_ADVICE, key, a.given_on, a.id, advice.id, own, cd
            )


def hours_text(minutes: int | None) -> str:
    """Minutes as hours the way people write them: 1230 → '20.5'."""
    if minutes is None:
        return ""
    whole, rest = divmod(minutes, 60)
    return str(whole) if rest == 0 else f"{minutes / 60:g}"
