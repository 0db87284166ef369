"""The therapist's tasks and deadlines, derived from a snapshot of one episode (brief §4.5).

Tasks are recomputed from the facts on every call rather than fired once and stored, so a
back-dated edit (a session reclassified as a no-show, an offer upgrade) reshapes the list by
itself. `Task.key` is stable per episode, so a service that persists tasks or report drafts
creates each one once (pitfall 3). Deadlines warn with a reason and never block (pitfall
19): a late task shows as overdue, and a reason to override it takes it off that list.

This module is the public face: the types (`TaskKind`, `TaskRules`, `EpisodeFacts`, `Task`),
the defaults, and `derive_tasks`, which runs the per-kind rules of `practice.task_rules` in
order and then filters, overrides and sorts. The rules import these types, so this module
imports the rules inside `derive_tasks` rather than at the top: one direction at import
time, no cycle, and no third module for the types.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict

from practice import deadlines
from practice.capacity import CapacityFacts
from practice.deadlines import DayUnit, DeadlineRule, DeadlineStatus
from practice.episodes import EpisodeStatus, Offer, is_terminal
from practice.work_participation import AbsenceEpisode as Absence
from practice.work_track import DEFAULT_BEHIND_MARGIN, WorkTrack
from practice.working_days import WorkingDays


class TaskKind(StrEnum):
    """What a task is about. The last two are alerts: signals, not items to tick off."""

    SCREENING = "screening"
    MANAGER_CONSULTATION = "manager_consultation"
    COMPANY_DOCTOR_BRIEFING = "company_doctor_briefing"
    TREATMENT_START = "treatment_start"
    REBOOKING = "rebooking"
    INTERIM_REPORT = "interim_report"
    MILESTONE_REPORT = "milestone_report"  # an interim report before a Poortwachter step
    ALIGNMENT_MEETING = "alignment_meeting"
    EMPLOYER_UPDATE = "employer_update"
    RELAPSE_PREVENTION_PLAN = "relapse_prevention_plan"
    FOLLOW_UP_CONVERSATION = "follow_up_conversation"
    FOLLOW_UP_MEASUREMENT = "follow_up_measurement"
    SESSION_GAP = "session_gap"
    SESSION_BUDGET = "session_budget"
    WORK_BEHIND = "work_behind"
    ADVICE_CONFLICT = "advice_conflict"  # practice.capacity: advice or work not in line
    SAFETY = "safety"  # a safety item answered above 0: act today
    SYMPTOMS_NOT_ON_TRACK = "symptoms_not_on_track"  # no reliable improvement by session N
    REPORT_WITHHELD = "report_withheld"  # the client withheld a report at their review
    FULL_RECOVERY = "full_recovery"  # back at the whole contract or closed: record recovery


# Alerts whose very existence is medical (a safety answer, symptom scores not improving):
# on the lists of the record's readers only, never in the practice manager's overview or
# monitor, where every other task shows without its reason.
MEDICAL_KINDS: frozenset[TaskKind] = frozenset({TaskKind.SAFETY, TaskKind.SYMPTOMS_NOT_ON_TRACK})

# "Spoedig na de Screening" has no number (open question 3): five working days is the
# team's placeholder, written down so it can be shown, questioned and changed per contract.
DEFAULT_BRIEFING_RULE = DeadlineRule(5, DayUnit.WORKING, "screening")
# The brochure sets no term for writing a tussenevaluatie or holding the afstemmingsoverleg;
# ten working days after session 4 is roughly "before session 6" at a weekly pace (§4.5).
DEFAULT_INTERIM_REPORT_RULE = DeadlineRule(5, DayUnit.WORKING, "held session")
DEFAULT_ALIGNMENT_RULE = DeadlineRule(10, DayUnit.WORKING, "4th held session")
# Three weeks: early enough to catch the month-long silence of TNO case 1 (C13).
DEFAULT_SESSION_GAP_DAYS = 21
# A practice cancellation must be told to the client and rebooked (pitfall 20: TNO case 1
# lost a month); two working days after the cancelled date, configurable like the rest.
DEFAULT_REBOOKING_RULE = DeadlineRule(2, DayUnit.WORKING, "practice cancellation")
# Falling behind the expected curve asks for an alignment meeting or a work step soon, not
# at once: five working days after the measurement that showed it, as for a briefing.
DEFAULT_WORK_BEHIND_RULE = DeadlineRule(5, DayUnit.WORKING, "measurement behind the curve")
# The day of full recovery (hersteldmelding) ends the law's period of sickness and is a
# figure of the outcome statistics, and nothing else asks for it: ten working days after
# the treatment closed, or after a measurement at the whole contract, leave time to hear it
# from the client or the company doctor.
DEFAULT_FULL_RECOVERY_RULE = DeadlineRule(
    10, DayUnit.WORKING, "the closing or a measurement at the whole contract"
)
# Questionnaires are taken with every 5th session, for the interim report: no reliable
# improvement by then is the moment to rethink the treatment, with the report and the
# alignment meeting that follow (routine outcome monitoring; issue 20).
DEFAULT_SYMPTOMS_CHECKED_AT_SESSION = 5
DEFAULT_NOT_ON_TRACK_RULE = DeadlineRule(5, DayUnit.WORKING, "session without reliable improvement")
_START_ANCHORS = frozenset({"aanmelding", "screening"})  # open question 2 allows either


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
    rebooking_within: DeadlineRule = DEFAULT_REBOOKING_RULE
    # Working days before a Poortwachter evaluation, the first-year evaluation and the WIA
    # application that an interim report is due; None: not in the contract (the default,
    # see practice.milestone_reports).
    milestone_report_days_before: int | None = None
    # Percentage points behind the expected return-to-work curve that raise a warning.
    work_behind_margin: Decimal = DEFAULT_BEHIND_MARGIN
    work_behind_within: DeadlineRule = DEFAULT_WORK_BEHIND_RULE
    # The held session by which a reliable improvement on a questionnaire is expected.
    symptoms_checked_at_session: int = DEFAULT_SYMPTOMS_CHECKED_AT_SESSION
    not_on_track_within: DeadlineRule = DEFAULT_NOT_ON_TRACK_RULE
    full_recovery_within: DeadlineRule = DEFAULT_FULL_RECOVERY_RULE

    def __post_init__(self) -> None:
        # Rules come from configuration: fail when it is loaded, not on some therapist's page.
        if self.treatment_start_rule.anchor_name not in _START_ANCHORS:
            raise ValueError(f"treatment start must be anchored on one of {sorted(_START_ANCHORS)}")
        every_days = (
            1 if self.employer_update_every_days is None else self.employer_update_every_days
        )
        counts = (self.report_every, self.alignment_after, self.symptoms_checked_at_session)
        if min(*counts, every_days) < 1:
            raise ValueError("session counts and update intervals must be 1 or more")
        if self.follow_up_measurement_closes_months < self.follow_up_measurement_opens_months:
            raise ValueError("the follow-up measurement window closes before it opens")
        if self.session_gap_days < 0:
            raise ValueError("the session gap cannot be negative")
        if not self.work_behind_margin > 0:
            raise ValueError("the margin behind the expected curve must be positive")


DEFAULT_TASK_RULES = TaskRules()


@dataclass(frozen=True, slots=True)
class SafetySignal:
    """A questionnaire with a safety item answered above its lowest option (PHQ-9 item 9:
    thoughts of being better off dead or of self-harm). Medical: it lives on the therapist's
    task list only, never on an employer's or a company doctor's surface."""

    response_id: int
    instrument: str
    measured_on: date


@dataclass(frozen=True, slots=True)
class WithheldReport:
    """A briefing or interim report the client withheld at their review: it was not sent;
    the therapist talks it over with the client (their comment is on the report)."""

    report_id: int
    kind: str
    ordinal: int
    withheld_on: date


@dataclass(frozen=True, slots=True)
class SymptomCheck:
    """One instrument's change from the client's first to latest score in the episode, as
    judged by the reliable change index in reporting (``reporting.reliable_change``)."""

    instrument: str
    first_on: date
    first_total: int
    latest_on: date
    latest_total: int
    improved: bool  # a reliable improvement, in the instrument's own direction
    reliable_points: int | None  # the smallest reliable change; None without norms
    # False when the first score leaves less room than a reliable change (a PHQ-9 of 4
    # cannot fall 6 points): such a score can never show improvement, so it is not judged.
    improvable: bool = True


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """What happened in one episode, as far as the task list needs to know.

    `held_session_dates` holds only held sessions that count toward reporting: the rules
    count them and anchor on the n-th, so planned, cancelled and no-show sessions must never
    be in it (pitfalls 3, 20). `closed_on` is also the end date of a terminal episode.
    `overrides` maps a task key to the reason the therapist gave for overriding it.
    `unrebooked_practice_cancellations` holds the dates of appointments the practice
    cancelled that have no replacement yet; booking one takes its date out (pitfall 20).
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
    unrebooked_practice_cancellations: tuple[date, ...] = ()
    # The capacity advice and what is checked against it (practice.capacity).
    capacity: CapacityFacts = field(default_factory=CapacityFacts)
    # The employment's absences, from which the period of sickness running on the day is
    # counted (practice.absences), and the reports before its milestones sent, by week.
    absences: tuple[Absence, ...] = ()
    milestone_reports_done: Mapping[int, date] = field(default_factory=dict)
    # The client's volume % against the expected curve (reporting's fact source); None
    # without a curve for the diagnosis or without a measurement after the starting one.
    work_track: WorkTrack | None = None
    # Outcome monitoring (reporting's fact source): safety answers and symptom change.
    safety_signals: tuple[SafetySignal, ...] = ()
    symptom_checks: tuple[SymptomCheck, ...] = ()
    # The client's review of reports (reporting's fact source): the ones they withheld.
    withheld_reports: tuple[WithheldReport, ...] = ()

    def __post_init__(self) -> None:
        # Sorting silently would hide a query bug; the n-th session must be the n-th.
        if list(self.held_session_dates) != sorted(self.held_session_dates):
            raise ValueError("held_session_dates must be sorted ascending")


class FactPatch(TypedDict, total=False):
    """The facts about an episode that a downstream package holds, as a patch of
    `EpisodeFacts` fields (the fact-source port of practice.queries.episodes).

    Typed so that mypy sees a misspelt or mistyped fact; a unit test holds every key to the
    name and type of its `EpisodeFacts` field.
    """

    held_session_dates: tuple[date, ...]
    alignment_meeting_held_on: date | None
    unrebooked_practice_cancellations: tuple[date, ...]
    briefing_sent_on: date | None
    interim_reports_done: Mapping[int, date]
    employer_update_sent_on: tuple[date, ...]
    milestone_reports_done: Mapping[int, date]
    work_track: WorkTrack | None
    safety_signals: tuple[SafetySignal, ...]
    symptom_checks: tuple[SymptomCheck, ...]
    withheld_reports: tuple[WithheldReport, ...]


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
    # The task this one cannot be done before, by kind and ordinal: the process update owed
    # with interim report 5 goes out when that report is sent, and an overdue one only said
    # "5 dagen te laat".
    waits_for: tuple[TaskKind, int] | None = None
    # The first day it counts when done: the follow-up measurement's window opens half a
    # year after the last session, and one recorded before was kept without a word.
    not_before: date | None = None

    @property
    def is_open(self) -> bool:
        """True until a completion date is recorded."""
        return self.done_on is None

    @property
    def after_session(self) -> int | None:
        """The held session an interim report or its employer update follows (its ordinal),
        so a list can say which one is meant; None for every other task."""
        per_session = self.kind is TaskKind.INTERIM_REPORT or (
            self.kind is TaskKind.EMPLOYER_UPDATE and ":periodic:" not in self.key
        )
        return self.ordinal if per_session else None

    @property
    def is_overdue(self) -> bool:
        """Past due and not done; never true for an overridden task."""
        return self.status is not None and self.status.is_overdue


# Messages owed to a third party about what already happened: ending the episode does not
# cancel that debt, so these survive a drop-out when they were already late.
_REPORT_KINDS = frozenset(
    {
        TaskKind.COMPANY_DOCTOR_BRIEFING,
        TaskKind.INTERIM_REPORT,
        TaskKind.MILESTONE_REPORT,
        TaskKind.EMPLOYER_UPDATE,
    }
)
_KIND_ORDER = {kind: index for index, kind in enumerate(TaskKind)}


def derive_tasks(
    facts: EpisodeFacts,
    today: date,
    rules: TaskRules = DEFAULT_TASK_RULES,
    days: WorkingDays = deadlines.DEFAULT_WORKING_DAYS,
    *,
    kinds: Collection[TaskKind] | None = None,
) -> list[Task]:
    """The episode's tasks and alerts on `today`, done ones included, overdue ones first;
    with `kinds`, only those of these kinds (each in `task_rules.RULE_OF_KIND`), the other
    rules not run."""
    # Imported here, not at the top: task_rules imports this module's types (see its docstring).
    from practice.task_rules import RULE_OF_KIND, RULES, RuleContext

    context = RuleContext(facts, today, rules, days)
    if kinds is None:
        tasks = [task for rule in RULES for task in rule(context)]
    else:
        chosen = dict.fromkeys(RULE_OF_KIND[kind] for kind in kinds)
        tasks = [task for rule in chosen for task in rule(context) if task.kind in kinds]
    if is_terminal(facts.status):
        tasks = [task for task in tasks if _survives_the_end(task, facts.closed_on, today)]
    tasks = [_with_override(task, facts.overrides.get(task.key)) for task in tasks]
    return sorted(tasks, key=_order)


def _survives_the_end(task: Task, ended_on: date | None, today: date) -> bool:
    """Done tasks stay as history; of the open ones only reports that were already late."""
    due = task.due_on
    if task.done_on is not None:
        return True
    if task.kind is TaskKind.SAFETY:  # acted on and noted, never silenced by the end
        return True
    if task.kind is TaskKind.FULL_RECOVERY:  # asked for by the end itself
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
