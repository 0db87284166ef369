"""The rules behind the task list: one generator per task kind (brief §4.5).

`practice.tasks` owns the public types and `derive_tasks`; this module owns what each kind
of task is due on and why. The dependency runs one way at import time: this module imports
the types from `practice.tasks`, and `derive_tasks` imports `RULES` and `RuleContext` from
here inside the function, when both modules are fully loaded. So there is no import cycle to
trip over, callers keep importing everything from `practice.tasks`, and each rule stays next
to the types it builds without a third module for them.

A rule takes a `RuleContext` and yields tasks, done ones included; `derive_tasks` then drops
what an ended episode no longer owes, applies overrides and sorts. Every reason says how its
due date was computed, so the therapist can question the number (pitfall 19).
"""

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from practice import capacity, deadlines, milestone_reports
from practice.absences import aggregated_first_sick_day
from practice.deadlines import DeadlineRule
from practice.episodes import (
    ENDED_STATUSES,
    TREATING_STATUSES,
    EpisodeStatus,
    offer_includes_follow_up_conversation,
)
from practice.poortwachter import MilestoneKind
from practice.tasks import EpisodeFacts, SymptomCheck, Task, TaskKind, TaskRules
from practice.work_participation import WHOLE_CONTRACT, AbsenceType
from practice.work_track import CurveSource, NextStep, judge, next_step
from practice.working_days import WorkingDays

_NON_STARTS = frozenset({EpisodeStatus.DECLINED, EpisodeStatus.REFERRED_ELSEWHERE})
_REFERRAL = "the referral (aanmelding)"


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The arguments every rule needs, bundled so each rule stays a few lines long."""

    facts: EpisodeFacts
    today: date
    rules: TaskRules
    days: WorkingDays

    def due(self, anchor_on: date, rule: DeadlineRule) -> date:
        return deadlines.due_on(anchor_on, rule, self.days)

    def task(self, kind: TaskKind, due: date | None, done: date | None, reason: str,
             key: str | None = None, ordinal: int | None = None,
             waits_for: tuple[TaskKind, int] | None = None,
             not_before: date | None = None) -> Task:  # fmt: skip
        status = None if due is None else deadlines.deadline_status(due, done, self.today)
        return Task(
            kind, key or kind.value, due, done, status, reason, None, ordinal, waits_for,
            not_before,
        )  # fmt: skip


def _after(rule: DeadlineRule, anchor: str, on: date) -> str:
    return f"{rule.amount} {rule.unit} days after {anchor} on {on}"


def _screening(c: RuleContext) -> Iterator[Task]:
    rule, referred_on = c.rules.screening_rule, c.facts.referred_on
    reason = f"Screening due {_after(rule, _REFERRAL, referred_on)}"
    yield c.task(TaskKind.SCREENING, c.due(referred_on, rule), c.facts.screening_held_on, reason)


def _manager_consultation(c: RuleContext) -> Iterator[Task]:
    # Part of the screening phase, without a term of its own: due with the Screening.
    rule, referred_on = c.rules.screening_rule, c.facts.referred_on
    reason = f"consult the manager in the screening phase: {_after(rule, _REFERRAL, referred_on)}"
    done = c.facts.manager_consultation_on
    yield c.task(TaskKind.MANAGER_CONSULTATION, c.due(referred_on, rule), done, reason)


def _briefing(c: RuleContext) -> Iterator[Task]:
    if (screened := c.facts.screening_held_on) is None:
        return
    rule = c.rules.briefing_within
    after = _after(rule, "the Screening", screened)
    reason = f'brief the company doctor "spoedig na de Screening": {after}'
    done = c.facts.briefing_sent_on
    yield c.task(TaskKind.COMPANY_DOCTOR_BRIEFING, c.due(screened, rule), done, reason)


def _treatment_start(c: RuleContext) -> Iterator[Task]:
    facts, rule = c.facts, c.rules.treatment_start_rule
    never_started = facts.status in _NON_STARTS and facts.treatment_started_on is None
    if (screened := facts.screening_held_on) is None or never_started:
        return
    by_referral = rule.anchor_name == "aanmelding"
    anchor, label = (facts.referred_on, _REFERRAL) if by_referral else (screened, "the Screening")
    reason = f"first treatment session: {_after(rule, label, anchor)}"
    started = treatment_started_after_screening(
        facts.treatment_started_on, facts.held_session_dates, screened
    )
    if started != facts.treatment_started_on:
        reason += f"; a start before the Screening ({facts.treatment_started_on}) does not count"
    yield c.task(TaskKind.TREATMENT_START, c.due(anchor, rule), started, reason)


def treatment_started_after_screening(
    started_on: date | None, held_session_dates: tuple[date, ...], screened_on: date
) -> date | None:
    """When treatment started, as far as "within 10 working days after the screening" goes.

    A start (or a session) before the screening is not the treatment the screening proposed,
    so it never makes the deadline look met: then the first held session on or after the
    screening counts, and without one the task stays open.
    """
    if started_on is None or started_on >= screened_on:
        return started_on
    return next((day for day in held_session_dates if day >= screened_on), None)


def _rebooking(c: RuleContext) -> Iterator[Task]:
    # Pitfall 20 (TNO case 1 lost a month): an appointment the practice cancelled stays a
    # task until the replacement is booked, which takes its date out of the facts. A set,
    # because two cancellations on one day are one rebooking and a key must be unique.
    if c.facts.status in ENDED_STATUSES:
        return
    rule = c.rules.rebooking_within
    for cancelled in sorted(set(c.facts.unrebooked_practice_cancellations)):
        after = _after(rule, "the practice cancellation", cancelled)
        reason = (
            f"the practice cancelled the appointment on {cancelled}: tell the client and give"
            f" them a new date, {after}"
        )
        due = c.due(cancelled, rule)
        yield c.task(TaskKind.REBOOKING, due, None, reason, f"rebooking:{cancelled}")


def _interim_reports(c: RuleContext) -> Iterator[Task]:
    held, rule = c.facts.held_session_dates, c.rules.interim_report_within
    for n in deadlines.interim_reports_due(len(held), c.rules.report_every):
        after = _after(rule, f"held session {n}", held[n - 1])
        reason = f"written tussenevaluatie for the company doctor: {after}"
        done = c.facts.interim_reports_done.get(n)
        due = c.due(held[n - 1], rule)
        yield c.task(TaskKind.INTERIM_REPORT, due, done, reason, f"interim_report:{n}", n)


def _milestone_reports(c: RuleContext) -> Iterator[Task]:
    """An interim report before each Poortwachter evaluation, the first-year evaluation and
    the WIA application, when the contract asks for it (practice.milestone_reports): due the
    usual writing time after its moment, as the report after a held session is."""
    facts, rule, before = (
        c.facts,
        c.rules.interim_report_within,
        c.rules.milestone_report_days_before,
    )
    # An ended episode owes no report for a moment after its end.
    today = min(c.today, facts.closed_on) if facts.closed_on is not None else c.today
    for m in milestone_reports.moments_due(
        aggregated_first_sick_day(facts.absences, today),
        days_before=before,
        since=facts.screening_held_on,
        today=today,
        days=c.days,
    ):
        reason = (
            f"written tussenevaluatie for the company doctor before {_STEP[m.milestone]} of"
            f" {m.milestone_on} (week {m.week} of sickness):"
            f" {_after(rule, 'the report moment', m.moment_on)}, {before} working days before it"
        )
        done = facts.milestone_reports_done.get(m.week)
        due = c.due(m.moment_on, rule)
        yield c.task(
            TaskKind.MILESTONE_REPORT, due, done, reason, f"milestone_report:{m.week}", m.week
        )


_STEP = {
    MilestoneKind.EVALUATION: "the Poortwachter evaluation",
    MilestoneKind.FIRST_YEAR_EVALUATION: "the first-year evaluation",
    MilestoneKind.WIA_APPLICATION: "the WIA application",
}


def _alignment_meeting(c: RuleContext) -> Iterator[Task]:
    facts, n, rule = c.facts, c.rules.alignment_after, c.rules.alignment_within
    held, done = facts.held_session_dates, facts.alignment_meeting_held_on
    # Judged on today's offer: an upgrade creates it, a downgrade removes it, unless it was
    # already held (a held meeting is history, whatever the offer is now).
    due_by_offer = facts.offer is not None and deadlines.alignment_meeting_due(
        facts.offer, len(held), n
    )
    if not due_by_offer and done is None:
        return
    if done is None and facts.status in ENDED_STATUSES:
        # A meeting about the treatment has nothing left to align once it has ended: the
        # episode owes it no more, so it neither stays open nor turns overdue; a held one
        # stays as history. Closed is not terminal, so derive_tasks would keep it otherwise.
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


def _employer_updates(c: RuleContext) -> Iterator[Task]:
    # Process information is cumulative (sessions held, work agreements so far), so any
    # update sent on or after session n covers the one owed with report n, if late.
    held, rule = c.facts.held_session_dates, c.rules.interim_report_within
    sent = sorted(c.facts.employer_update_sent_on)
    for n in deadlines.interim_reports_due(len(held), c.rules.report_every):
        # The first update sent on or after session n: a search, not a scan (a long
        # treatment has hundreds of both).
        first_after = bisect.bisect_left(sent, held[n - 1])
        done = sent[first_after] if first_after < len(sent) else None
        after = _after(rule, f"held session {n}", held[n - 1])
        reason = f"non-medical process update to the employer with interim report {n}: {after}"
        due = c.due(held[n - 1], rule)
        # It goes out with the report: until that is sent, the update waits for it.
        report_sent = n in c.facts.interim_reports_done
        waits = None if done is not None or report_sent else (TaskKind.INTERIM_REPORT, n)
        key = f"employer_update:{n}"
        yield c.task(TaskKind.EMPLOYER_UPDATE, due, done, reason, key, n, waits)
    yield from _periodic_updates(c, sent)


def _periodic_updates(c: RuleContext, sent: list[date]) -> Iterator[Task]:
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


def _relapse_plan(c: RuleContext) -> Iterator[Task]:
    facts, kind = c.facts, TaskKind.RELAPSE_PREVENTION_PLAN
    held, done = facts.held_session_dates, facts.relapse_plan_done_on
    if facts.status is EpisodeStatus.CLOSED:
        # closed_on should be set; the last held session is the end date §4.3 names.
        closed = facts.closed_on or (held[-1] if held else None)
        when = f"due on the closing date {closed}" if closed else "no closing date known"
        yield c.task(kind, closed, done, f"relapse-prevention plan at the end of treatment: {when}")
    elif (facts.status in TREATING_STATUSES and held) or done is not None:
        yield c.task(kind, None, done, "relapse-prevention plan: no due date until closing")


def _last_session_if_closed(facts: EpisodeFacts) -> date | None:
    """The anchor of the follow-ups: the last held session, or the closing date, which the
    therapist records as that session's date when sessions are not in the system."""
    if facts.status is not EpisodeStatus.CLOSED:
        return None
    return facts.held_session_dates[-1] if facts.held_session_dates else facts.closed_on


def _follow_up_conversation(c: RuleContext) -> Iterator[Task]:
    done, months = c.facts.follow_up_conversation_held_on, c.rules.follow_up_conversation_months
    compleet = c.facts.offer is not None and offer_includes_follow_up_conversation(c.facts.offer)
    if (last := _last_session_if_closed(c.facts)) is None or not (compleet or done):
        return
    after = f"{months} calendar months after the last held session on {last}"
    reason = f"follow-up-gesprek (Compleet only): {after}"
    due = deadlines.follow_up_conversation_due(last, months)
    yield c.task(TaskKind.FOLLOW_UP_CONVERSATION, due, done, reason)


def _follow_up_measurement(c: RuleContext) -> Iterator[Task]:
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
    yield c.task(
        TaskKind.FOLLOW_UP_MEASUREMENT, window.closes_on, done, reason,
        not_before=window.opens_on,
    )  # fmt: skip


def _session_gap(c: RuleContext) -> Iterator[Task]:
    # In treatment only: a pause is itself the explanation for a gap.
    held, limit = c.facts.held_session_dates, c.rules.session_gap_days
    if c.facts.status is not EpisodeStatus.IN_TREATMENT or not held:
        return
    if (gap := (c.today - held[-1]).days) > limit:
        reason = f"no held session for {gap} days since {held[-1]} (alert after {limit})"
        due = held[-1] + timedelta(days=limit)
        # Keyed on the last session: each gap is its own alert, with its own override.
        yield c.task(TaskKind.SESSION_GAP, due, None, reason, f"session_gap:{held[-1]}")


def _session_budget(c: RuleContext) -> Iterator[Task]:
    authorised, used = c.facts.sessions_authorised, len(c.facts.held_session_dates)
    if authorised is not None and c.facts.status in TREATING_STATUSES and used >= authorised - 1:
        reason = f"{used} of {authorised} authorised sessions held: extend or plan the ending"
        # Keyed on the budget: a newly authorised budget warns again at its own end.
        key = f"session_budget:{authorised}"
        yield c.task(TaskKind.SESSION_BUDGET, None, None, reason, key, authorised)


def _advice_conflicts(c: RuleContext) -> Iterator[Task]:
    # No deadline: a conflict between advisers is talked through, not timed; it stays open
    # until it is resolved with a note (TNO C4).
    for conflict in capacity.conflicts(c.facts.capacity, c.today):
        resolution = conflict.resolution
        reason = _conflict_reason(conflict)
        done = None if resolution is None else resolution.resolved_on
        key = f"advice_conflict:{conflict.key}"
        yield c.task(TaskKind.ADVICE_CONFLICT, None, done, reason, key)


def _conflict_reason(conflict: capacity.AdviceConflict) -> str:
    found, advised = (
        capacity.hours_text(conflict.found_minutes),
        capacity.hours_text(conflict.advised_minutes),
    )
    match conflict.kind:
        case capacity.ConflictKind.AGREEMENT:
            what = f"the agreement from {conflict.on} plans {found} hours a week"
        case capacity.ConflictKind.HOURS:
            what = f"{found} hours were worked in the week of {conflict.on}"
        case capacity.ConflictKind.THERAPIST_ADVICE:
            what = f"the therapist's advice of {conflict.on} says {found} hours"
        case capacity.ConflictKind.FLAGGED:
            return f"the advice of {conflict.on} was recorded as conflicting with other advice"
    return f"{what}; the company doctor's capacity advice in force then says {advised}"


def _work_behind(c: RuleContext) -> Iterator[Task]:
    # In treatment only: a paused or ended episode has its own explanation for the volume.
    track, facts = c.facts.work_track, c.facts
    if track is None or facts.status is not EpisodeStatus.IN_TREATMENT:
        return
    verdict = judge(track, c.rules.work_behind_margin)
    if not verdict.behind:
        return
    proposal = (
        "propose an alignment meeting with the manager and the company doctor"
        if next_step(facts.alignment_meeting_held_on) is NextStep.ALIGNMENT_MEETING
        else "agree a next work step with the client and the manager"
    )
    curve = track.curve
    source = (
        f"the practice's own {curve.n} completed episodes"
        if curve.source is CurveSource.PRACTICE
        else "the HSK reference"
    )
    reason = (
        f"work resumption {verdict.actual} % on {track.measured_on}, week {verdict.week} of"
        f" treatment, where {verdict.expected} % was expected from a start at"
        f" {track.starting_volume} % ({source} for {curve.diagnosis}: {curve.begin} to"
        f" {curve.end} % over {curve.weeks} weeks): {verdict.gap} points behind, margin"
        f" {verdict.margin}; {proposal}"
    )
    if track.symptom_scores:
        scores = ", ".join(
            f"{s.instrument} {s.score} on {s.measured_on}" for s in track.symptom_scores
        )
        reason += f"; latest symptom scores: {scores}"
    # Done when an alignment meeting is held after the measurement; a later measurement back
    # on track ends the warning by itself. Keyed on the measurement: each its own override.
    held = facts.alignment_meeting_held_on
    done = held if held is not None and held >= track.measured_on else None
    due = c.due(track.measured_on, c.rules.work_behind_within)
    yield c.task(TaskKind.WORK_BEHIND, due, done, reason, f"work_behind:{track.measured_on}")


def _safety(c: RuleContext) -> Iterator[Task]:
    # Due the day it was answered, in every status (a follow-up measurement too), and open
    # until the therapist records what was agreed as the override's note: closing the
    # episode does not silence an unanswered safety question.
    for signal in c.facts.safety_signals:
        reason = (
            f"{signal.instrument} of {signal.measured_on}: the question about thoughts of being"
            " better off dead or of self-harm was answered above 0; contact the client today"
            " and record what was agreed"
        )
        key = f"safety:{signal.response_id}"
        yield c.task(TaskKind.SAFETY, signal.measured_on, None, reason, key)


def _report_withheld(c: RuleContext) -> Iterator[Task]:
    # Due the day it was withheld; open until the therapist notes what was agreed with the
    # client (a revised report is a new draft the sweep or the therapist makes).
    for report in c.facts.withheld_reports:
        name = "briefing" if report.kind == "briefing" else f"interim report {report.ordinal}"
        reason = (
            f"the client withheld the {name} on {report.withheld_on}: it was not sent; talk"
            " it over with the client and record what was agreed"
        )
        key = f"report-withheld:{report.report_id}"
        yield c.task(TaskKind.REPORT_WITHHELD, report.withheld_on, None, reason, key)


def _full_recovery(c: RuleContext) -> Iterator[Task]:
    # The latest period of sickness, once the treatment closed or a measurement shows the
    # whole contract worked: its full recovery is recorded (done) or the therapist overrides
    # the task with why the absence runs on. A preventive client has no sickness to end.
    facts = c.facts
    sick = [
        (a.first_sick_day, a)
        for a in facts.absences
        if a.absence_type is AbsenceType.SICKNESS
        and a.first_sick_day is not None
        and a.first_sick_day <= c.today
    ]
    if not sick:
        return
    first_sick_day, absence = max(sick, key=lambda pair: pair[0])
    recovered_on = absence.full_recovery_on
    if recovered_on is not None and recovered_on < facts.referred_on:
        return  # over before the referral: the employment's history, not this treatment's
    since: list[tuple[date, str]] = []
    # An absence that began after the closing (sick again later) is not the treatment's.
    closed_on = facts.closed_on
    if facts.status is EpisodeStatus.CLOSED and closed_on and closed_on >= first_sick_day:
        since.append((closed_on, "the treatment closed"))
    track = facts.work_track
    if track is not None and track.volume >= WHOLE_CONTRACT and track.measured_on >= first_sick_day:
        since.append((track.measured_on, f"a measurement showed {track.volume} %"))
    if not since:
        return
    on, what = min(since)
    rule = c.rules.full_recovery_within
    reason = (
        f"record the full recovery (hersteldmelding) of the absence since {first_sick_day},"
        f" or why it runs on: {_after(rule, what, on)}"
    )
    key = f"full_recovery:{first_sick_day}"
    yield c.task(TaskKind.FULL_RECOVERY, c.due(on, rule), absence.full_recovery_on, reason, key)


def _symptoms_not_on_track(c: RuleContext) -> Iterator[Task]:
    # In treatment only, and only for a client whose symptoms are measured at all: without
    # a first score there is nothing to judge, and the screening task asks for one.
    facts, at = c.facts, c.rules.symptoms_checked_at_session
    checks = tuple(check for check in facts.symptom_checks if check.improvable)
    held = facts.held_session_dates
    if facts.status is not EpisodeStatus.IN_TREATMENT or not checks or len(held) < at:
        return
    if any(check.improved for check in checks):
        return
    changes = "; ".join(_symptom_change(check) for check in checks)
    reason = (
        f"no reliable improvement on any questionnaire by held session {at} ({held[at - 1]}):"
        f" {changes}; review the treatment with the client, in the interim report and at the"
        " alignment meeting"
    )
    latest = max(check.latest_on for check in checks)
    due = c.due(max(held[at - 1], latest), c.rules.not_on_track_within)
    # Keyed on the latest score: a new measurement that still shows no improvement is a new
    # alert with its own override; one that shows improvement ends it by itself.
    yield c.task(TaskKind.SYMPTOMS_NOT_ON_TRACK, due, None, reason, f"symptoms:{latest}")


def _symptom_change(check: SymptomCheck) -> str:
    if check.latest_on == check.first_on:
        return f"{check.instrument} {check.first_total} on {check.first_on}, not measured since"
    reliable = (
        "" if check.reliable_points is None else f", reliable from {check.reliable_points} points"
    )
    return (
        f"{check.instrument} {check.first_total} on {check.first_on} to {check.latest_total}"
        f" on {check.latest_on}{reliable}"
    )


Rule = Callable[[RuleContext], Iterator[Task]]

# The order in which `derive_tasks` runs them; the list it returns is sorted afterwards.
RULES: tuple[Rule, ...] = (
    _screening, _manager_consultation, _briefing, _treatment_start, _rebooking,
    _interim_reports, _milestone_reports, _alignment_meeting, _employer_updates, _relapse_plan,
    _follow_up_conversation, _follow_up_measurement, _session_gap, _session_budget,
    _advice_conflicts, _work_behind, _safety, _symptoms_not_on_track, _report_withheld,
    _full_recovery,
)  # fmt: skip

# The rule of each kind a caller may ask for alone (`derive_tasks(kinds=...)`): the sweep's
# finders need a few of the nineteen rules, for every episode (the report drafts three, the
# follow-up invitation one).
RULE_OF_KIND: dict[TaskKind, Rule] = {
    TaskKind.COMPANY_DOCTOR_BRIEFING: _briefing,
    TaskKind.INTERIM_REPORT: _interim_reports,
    TaskKind.MILESTONE_REPORT: _milestone_reports,
    TaskKind.FOLLOW_UP_MEASUREMENT: _follow_up_measurement,
}
