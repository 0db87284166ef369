"""The therapist's tasks and deadlines, derived from a snapshot of one episode (brief §4.5).

Tasks are recomputed from the facts on every call rather than fired once and stored, so a
back-dated edit (a session reclassified as a no-show, an offer upgrade) reshapes the list by
itself. `Task.key` is stable per episode, so a service that persists tasks or report drafts
creates each one once (pitfall 3). Deadlines warn with a reason and never block (pitfall
19): a late task shows as overdue, and a reason to override it takes it off that list.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from practice import deadlines
from practice.deadlines import DayUnit, DeadlineRule, DeadlineStatus
from practice.episodes import (
    EpisodeStatus,
    Offer,
    is_terminal,
    offer_includes_follow_up_conversation,
)
from practice.working_days import WorkingDays


class TaskKind(StrEnum):
    """What a task is about. The last two are alerts: signals, not items to tick off."""

    SCREENING = "screening"
    MANAGER_CONSULTATION = "manager_consultation"
    COMPANY_DOCTOR_BRIEFING = "company_doctor_briefing"
    TREATMENT_START = "treatment_start"
    INTERIM_REPORT = "interim_report"
    ALIGNMENT_MEETING = "alignment_meeting"
    EMPLOYER_UPDATE = "employer_update"
    RELAPSE_PREVENTION_PLAN = "relapse_prevention_plan"
    FOLLOW_UP_CONVERSATION = "follow_up_conversation"
    FOLLOW_UP_MEASUREMENT = "follow_up_measurement"
    SESSION_GAP = "session_gap"
    SESSION_BUDGET = "session_budget"


# "Spoedig na de Screening" has no number (open question 3): five working days is the
# team's placeholder, written down so it can be shown, questioned and changed per contract.
DEFAULT_BRIEFING_RULE = DeadlineRule(5, DayUnit.WORKING, "screening")
# The brochure sets no term for writing a tussenevaluatie or holding the afstemmingsoverleg;
# ten working days after session 4 is roughly "before session 6" at a weekly pace (§4.5).
DEFAULT_INTERIM_REPORT_RULE = DeadlineRule(5, DayUnit.WORKING, "held session")
DEFAULT_ALIGNMENT_RULE = DeadlineRule(10, DayUnit.WORKING, "4th held session")
# Three weeks: early enough to catch the month-long silence of TNO case 1 (C13).
DEFAULT_SESSION_GAP_DAYS = 21
_START_ANCHORS = frozenset({"aanmelding", "screening"})  # open question 2 allows either
_NON_STARTS = frozenset({EpisodeStatus.DECLINED, EpisodeStatus.REFERRED_ELSEWHERE})


@dataclass(frozen=True, slots=True)
class TaskRules:
    """Every number behind the task list, configurable per employer contract."""

    screening_rule: DeadlineRule = deadlines.DEFAULT_SCREENING_RULE
    treatment_start_rule: DeadlineRule = deadlines.DEFAULT_TREATMENT_START_RULE
    briefing_within: DeadlineRule = DEFAULT_BRIEFING_RULE
    interim_report_within: DeadlineRule = DEFAULT_INTERIM_REPORT_RULE
    report_every: int = deadlines.INTERIM_REPORT_EVERY
    alignment_after: int = deadlines.ALIGNMENT_MEETING_AFTER
    alignment_within: DeadlineRule = DEFAULT_ALIGNMENT_RULE
    follow_up_conversation_months: int = deadlines.FOLLOW_UP_CONVERSATION_MONTHS
    follow_up_measurement_opens_months: int = deadlines.FOLLOW_UP_MEASUREMENT_OPENS_MONTHS
    follow_up_measurement_closes_months: int = deadlines.FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS
    session_gap_days: int = DEFAULT_SESSION_GAP_DAYS
    employer_update_every_days: int | None = None  # None: only with each interim report

    def __post_init__(self) -> None:
        # Rules come from configuration: fail when it is loaded, not on some therapist's page.
        if self.treatment_start_rule.anchor_name not in _START_ANCHORS:
            raise ValueError(f"treatment start must be anchored on one of {sorted(_START_ANCHORS)}")
        every_days = (
            1 if self.employer_update_every_days is None else self.employer_update_every_days
        )
        if min(self.report_every, self.alignment_after, every_days) < 1:
            raise ValueError("session counts and update intervals must be 1 or more")
        if self.follow_up_measurement_closes_months < self.follow_up_measurement_opens_months:
            raise ValueError("the follow-up measurement window closes before it opens")
        if self.session_gap_days < 0:
            raise ValueError("the session gap cannot be negative")


DEFAULT_TASK_RULES = TaskRules()


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """What happened in one episode, as far as the task list needs to know.

    `held_session_dates` holds only held sessions that count toward reporting: the rules
    count them and anchor on the n-th, so planned, cancelled and no-show sessions must never
    be in it (pitfalls 3, 20). `closed_on` is also the end date of a terminal episode.
    `overrides` maps a task key to the reason the therapist gave for overriding it.
    """

    referred_on: date
    status: EpisodeStatus
    offer: Offer | None
    screening_held_on: date | None
    manager_consultation_on: date | None
    briefing_sent_on: date | None
    treatment_started_on: date | None
    held_session_dates: tuple[date, ...]
    interim_reports_done: Mapping[int, date]
    alignment_meeting_held_on: date | None
    employer_update_sent_on: tuple[date, ...]
    relapse_plan_done_on: date | None
    closed_on: date | None
    follow_up_conversation_held_on: date | None
    follow_up_measurement_done_on: date | None
    sessions_authorised: int | None
    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Sorting silently would hide a query bug; the n-th session must be the n-th.
        if list(self.held_session_dates) != sorted(self.held_session_dates):
            raise ValueError("held_session_dates must be sorted ascending")


@dataclass(frozen=True, slots=True)
class Task:
    """One task or alert. `reason` says why it exists and how its due date was computed."""

    kind: TaskKind
    key: str
    due_on: date | None
    done_on: date | None
    status: DeadlineStatus | None
    reason: str
    override_reason: str | None = None
    ordinal: int | None = None

    @property
    def is_open(self) -> bool:
        """True until a completion date is recorded."""
        return self.done_on is None

    @property
    def is_overdue(self) -> bool:
        """Past due and not done; never true for an overridden task."""
        return self.status is not None and self.status.is_overdue


_ACTIVE = frozenset({EpisodeStatus.IN_TREATMENT, EpisodeStatus.PAUSED})
# Messages owed to a third party about what already happened: ending the episode does not
# cancel that debt, so these survive a drop-out when they were already late.
_REPORT_KINDS = frozenset(
    {TaskKind.COMPANY_DOCTOR_BRIEFING, TaskKind.INTERIM_REPORT, TaskKind.EMPLOYER_UPDATE}
)
_KIND_ORDER = {kind: index for index, kind in enumerate(TaskKind)}
_REFERRAL = "the referral (aanmelding)"


@dataclass(frozen=True, slots=True)
class _Ctx:
    """The arguments every rule needs, bundled so each rule stays a few lines long."""

    facts: EpisodeFacts
    today: date
    rules: TaskRules
    days: WorkingDays

    def due(self, anchor_on: date, rule: DeadlineRule) -> date:
        return deadlines.due_on(anchor_on, rule, self.days)

    def task(self, kind: TaskKind, due: date | None, done: date | None, reason: str,
             key: str | None = None, ordinal: int | None = None) -> Task:  # fmt: skip
        status = None if due is None else deadlines.deadline_status(due, done, self.today)
        return Task(kind, key or kind.value, due, done, status, reason, None, ordinal)


def _after(rule: DeadlineRule, anchor: str, on: date) -> str:
    return f"{rule.amount} {rule.unit} days after {anchor} on {on}"


def _screening(c: _Ctx) -> Iterator[Task]:
    rule, referred_on = c.rules.screening_rule, c.facts.referred_on
    reason = f"Screening due {_after(rule, _REFERRAL, referred_on)}"
    yield c.task(TaskKind.SCREENING, c.due(referred_on, rule), c.facts.screening_held_on, reason)


def _manager_consultation(c: _Ctx) -> Iterator[Task]:
    # Part of the screening phase, without a term of its own: due with the Screening.
    rule, referred_on = c.rules.screening_rule, c.facts.referred_on
    reason = f"consult the manager in the screening phase: {_after(rule, _REFERRAL, referred_on)}"
    done = c.facts.manager_consultation_on
    yield c.task(TaskKind.MANAGER_CONSULTATION, c.due(referred_on, rule), done, reason)


def _briefing(c: _Ctx) -> Iterator[Task]:
    if (screened := c.facts.screening_held_on) is None:
        return
    rule = c.rules.briefing_within
    after = _after(rule, "the Screening", screened)
    reason = f'brief the company doctor "spoedig na de Screening": {after}'
    done = c.facts.briefing_sent_on
    yield c.task(TaskKind.COMPANY_DOCTOR_BRIEFING, c.due(screened, rule), done, reason)


def _treatment_start(c: _Ctx) -> Iterator[Task]:
    facts, rule = c.facts, c.rules.treatment_start_rule
    never_started = facts.status in _NON_STARTS and facts.treatment_started_on is None
    if (screened := facts.screening_held_on) is None or never_started:
        return
    by_referral = rule.anchor_name == "aanmelding"
    anchor, label = (facts.referred_on, _REFERRAL) if by_referral else (screened, "the Screening")
    reason = f"first treatment session: {_after(rule, label, anchor)}"
    yield c.task(TaskKind.TREATMENT_START, c.due(anchor, rule), facts.treatment_started_on, reason)


def _interim_reports(c: _Ctx) -> Iterator[Task]:
    held, rule = c.facts.held_session_dates, c.rules.interim_report_within
    for n in deadlines.interim_reports_due(len(held), c.rules.report_every):
        after = _after(rule, f"held session {n}", held[n - 1])
        reason = f"written tussenevaluatie for the company doctor: {after}"
        done = c.facts.interim_reports_done.get(n)
        due = c.due(held[n - 1], rule)
        yield c.task(TaskKind.INTERIM_REPORT, due, done, reason, f"interim_report:{n}", n)


def _alignment_meeting(c: _Ctx) -> Iterator[Task]:
    facts, n, rule = c.facts, c.rules.alignment_after, c.rules.alignment_within
    held, done = facts.held_session_dates, facts.alignment_meeting_held_on
    # Judged on today's offer: an upgrade creates it, a downgrade removes it, unless it was
    # already held (a held meeting is history, whatever the offer is now).
    due_by_offer = facts.offer is not None and deadlines.alignment_meeting_due(
        facts.offer, len(held), n
    )
    if not due_by_offer and done is None:
        return
    if len(held) < n:
        yield c.task(
            TaskKind.ALIGNMENT_MEETING, None, done, f"afstemmingsoverleg before session {n}"
        )
        return
    due = c.due(held[n - 1], rule)
    reason = f"afstemmingsoverleg (Compleet only): {_after(rule, f'held session {n}', held[n - 1])}"
    if done is None and due < c.today:
        reason += f"; the anchor stays session {n}, so an upgrade after it is overdue at once"
    yield c.task(TaskKind.ALIGNMENT_MEETING, due, done, reason)


def _employer_updates(c: _Ctx) -> Iterator[Task]:
    # Process information is cumulative (sessions held, work agreements so far), so any
    # update sent on or after session n covers the one owed with report n, if late.
    held, rule = c.facts.held_session_dates, c.rules.interim_report_within
    sent = sorted(c.facts.employer_update_sent_on)
    for n in deadlines.interim_reports_due(len(held), c.rules.report_every):
        done = next((day for day in sent if day >= held[n - 1]), None)
        after = _after(rule, f"held session {n}", held[n - 1])
        reason = f"non-medical process update to the employer with interim report {n}: {after}"
        due = c.due(held[n - 1], rule)
        yield c.task(TaskKind.EMPLOYER_UPDATE, due, done, reason, f"employer_update:{n}", n)
    yield from _periodic_updates(c, sent)


def _periodic_updates(c: _Ctx, sent: list[date]) -> Iterator[Task]:
    """A rolling interval: each update is due `every` days after the previous one went out."""
    every, anchor = c.rules.employer_update_every_days, c.facts.treatment_started_on
    if every is None or anchor is None:
        return
    ends_on = c.facts.closed_on if c.facts.status is EpisodeStatus.CLOSED else None
    i = 1
    while ends_on is None or anchor + timedelta(days=every) <= ends_on:
        done = next((day for day in sent if day > anchor), None)  # strictly later: ends
        since = "treatment start" if i == 1 else "previous update"
        reason = (
            f"process update to the employer {every} calendar days after the {since} on {anchor}"
        )
        due = anchor + timedelta(days=every)
        yield c.task(
            TaskKind.EMPLOYER_UPDATE, due, done, reason, f"employer_update:periodic:{i}", i
        )
        if done is None:
            return
        anchor, i = done, i + 1


def _relapse_plan(c: _Ctx) -> Iterator[Task]:
    facts, kind = c.facts, TaskKind.RELAPSE_PREVENTION_PLAN
    held, done = facts.held_session_dates, facts.relapse_plan_done_on
    if facts.status is EpisodeStatus.CLOSED:
        # closed_on should be set; the last held session is the end date §4.3 names.
        closed = facts.closed_on or (held[-1] if held else None)
        when = f"due on the closing date {closed}" if closed else "no closing date known"
        yield c.task(kind, closed, done, f"relapse-prevention plan at the end of treatment: {when}")
    elif (facts.status in _ACTIVE and held) or done is not None:
        yield c.task(kind, None, done, "relapse-prevention plan: no due date until closing")


def _last_session_if_closed(facts: EpisodeFacts) -> date | None:
    """The anchor of the follow-ups: the last held session, or the closing date, which the
    therapist records as that session's date when sessions are not in the system."""
    if facts.status is not EpisodeStatus.CLOSED:
        return None
    return facts.held_session_dates[-1] if facts.held_session_dates else facts.closed_on


def _follow_up_conversation(c: _Ctx) -> Iterator[Task]:
    done, months = c.facts.follow_up_conversation_held_on, c.rules.follow_up_conversation_months
    compleet = c.facts.offer is not None and offer_includes_follow_up_conversation(c.facts.offer)
    if (last := _last_session_if_closed(c.facts)) is None or not (compleet or done):
        return
    after = f"{months} calendar months after the last held session on {last}"
    reason = f"follow-up-gesprek (Compleet only): {after}"
    due = deadlines.follow_up_conversation_due(last, months)
    yield c.task(TaskKind.FOLLOW_UP_CONVERSATION, due, done, reason)


def _follow_up_measurement(c: _Ctx) -> Iterator[Task]:
    # Every offer: measuring only Compleet clients would make the follow-up column a
    # Compleet-only statistic, a selection bias (pitfall 11).
    if (last := _last_session_if_closed(c.facts)) is None:
        return
    opens, closes = (
        c.rules.follow_up_measurement_opens_months,
        c.rules.follow_up_measurement_closes_months,
    )
    window = deadlines.follow_up_measurement_window(last, opens, closes)
    reason = (
        f"follow-up-meting: {opens} to {closes} calendar months after the last held session on"
        f" {last}; the window opens on {window.opens_on}, not before"
    )
    done = c.facts.follow_up_measurement_done_on
    if done is not None and done < window.opens_on:
        reason, done = f"{reason}; the measurement on {done} was too early to count", None
    yield c.task(TaskKind.FOLLOW_UP_MEASUREMENT, window.closes_on, done, reason)


def _session_gap(c: _Ctx) -> Iterator[Task]:
    # In treatment only: a pause is itself the explanation for a gap.
    held, limit = c.facts.held_session_dates, c.rules.session_gap_days
    if c.facts.status is not EpisodeStatus.IN_TREATMENT or not held:
        return
    if (gap := (c.today - held[-1]).days) > limit:
        reason = f"no held session for {gap} days since {held[-1]} (alert after {limit})"
        due = held[-1] + timedelta(days=limit)
        # Keyed on the last session: each gap is its own alert, with its own override.
        yield c.task(TaskKind.SESSION_GAP, due, None, reason, f"session_gap:{held[-1]}")


def _session_budget(c: _Ctx) -> Iterator[Task]:
    authorised, used = c.facts.sessions_authorised, len(c.facts.held_session_dates)
    if authorised is not None and c.facts.status in _ACTIVE and used >= authorised - 1:
        reason = f"{used} of {authorised} authorised sessions held: extend or plan the ending"
        # Keyed on the budget: a newly authorised budget warns again at its own end.
        key = f"session_budget:{authorised}"
        yield c.task(TaskKind.SESSION_BUDGET, None, None, reason, key, authorised)


_RULES: tuple[Callable[[_Ctx], Iterator[Task]], ...] = (
    _screening, _manager_consultation, _briefing, _treatment_start, _interim_reports,
    _alignment_meeting, _employer_updates, _relapse_plan, _follow_up_conversation,
    _follow_up_measurement, _session_gap, _session_budget,
)  # fmt: skip


def derive_tasks(
    facts: EpisodeFacts,
    today: date,
    rules: TaskRules = DEFAULT_TASK_RULES,
    days: WorkingDays = deadlines.DEFAULT_WORKING_DAYS,
) -> list[Task]:
    """The episode's tasks and alerts on `today`, done ones included, overdue ones first."""
    context = _Ctx(facts, today, rules, days)
    tasks = [task for rule in _RULES for task in rule(context)]
    if is_terminal(facts.status):
        tasks = [task for task in tasks if _survives_the_end(task, facts.closed_on, today)]
    tasks = [_with_override(task, facts.overrides.get(task.key)) for task in tasks]
    return sorted(tasks, key=_order)


def _survives_the_end(task: Task, ended_on: date | None, today: date) -> bool:
    """Done tasks stay as history; of the open ones only reports that were already late."""
    due = task.due_on
    if task.done_on is not None:
        return True
    late = due is not None and due < today and due <= (ended_on or today)
    return task.kind in _REPORT_KINDS and late


def _with_override(task: Task, reason: str | None) -> Task:
    """Carry the therapist's reason; an overridden task is no longer overdue (pitfall 19).

    `days_left` stays negative, so the list can still say how late it is.
    """
    if reason is None:
        return task
    status = task.status
    if status is not None and status.is_overdue:
        status = replace(status, is_overdue=False)
    return replace(task, status=status, override_reason=reason)


def _order(task: Task) -> tuple[bool, bool, date, int, int, str]:
    due = task.due_on
    return (not task.is_overdue, due is None, due or date.max, _KIND_ORDER[task.kind],
            task.ordinal or 0, task.key)  # fmt: skip
