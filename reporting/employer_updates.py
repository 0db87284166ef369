"""What an employer may read about one episode, built only from the EmployerView type (pure).

Inputs are already non-medical rows (held-session count, agreements, participation %,
shared minutes); the output type cannot hold anything else (practice.privacy).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from practice.employer_phase import EmployerPhase
from practice.poortwachter import Milestone
from practice.privacy import (
    AgreementView,
    EmployerView,
    MilestoneView,
    ParticipationView,
)


def employer_update_key(update_id: int, user_id: int | str) -> str:
    """The outbox key of the notice of one employer update to one contact;
    ``user_id="%"`` gives the LIKE pattern of all notices of that update."""
    return f"employer-update:{update_id}:{user_id}"


def employer_view(
    *,
    episode_id: int,
    employee_name: str,
    employer_id: int,
    sessions_held: int,
    agreements: Sequence[AgreementView],
    participation: Sequence[ParticipationView],
    alignment_meeting_on: date | None,
    shared_minutes: str | None,
    relapse_plan_work_section: str | None,
    last_update_on: date | None,
    milestones: Sequence[Milestone] = (),
    phase: EmployerPhase | None = None,
    phase_since: date | None = None,
    alignment_meeting_planned_at: datetime | None = None,
) -> EmployerView:
    return EmployerView(
        episode_id=episode_id,
        employee_name=employee_name,
        employer_id=employer_id,
        sessions_held=sessions_held,
        agreements=tuple(agreements),
        participation=tuple(participation),
        alignment_meeting_on=alignment_meeting_on,
        alignment_meeting_planned_at=alignment_meeting_planned_at,
        shared_minutes=shared_minutes or None,
        relapse_plan_work_section=relapse_plan_work_section or None,
        last_update_on=last_update_on,
        milestones=milestone_views(milestones),
        phase=phase,
        phase_since=phase_since,
    )


def milestone_views(found: Sequence[Milestone]) -> tuple[MilestoneView, ...]:
    """The milestones as the employer may see them: name, week, dates and status only (the
    rule's reason is the same text for everyone and is shown from the name)."""
    return tuple(
        MilestoneView(
            kind=m.kind, week=m.week, opens_on=m.opens_on, due_on=m.due_on, status=m.status
        )
        for m in found
    )


def agreements_trigger(agreements: Sequence[AgreementView]) -> str | None:
    """A key that changes whenever the agreements change: each change means an update."""
    if not agreements:
        return None
    canonical = json.dumps(
        [
            [str(a.agreed_on), a.description, str(a.hours_per_week), str(a.starts_on), a.status]
            for a in agreements
        ],
        sort_keys=True,
    )
    return "agreements:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def periodic_trigger(
    last_update_on: date | None, every_days: int | None, today: date
) -> str | None:
    """The employer's configured frequency: a periodic update when the last one is old."""
    if every_days is None:
        return None
    if last_update_on is None or (today - last_update_on).days >= every_days:
        return f"periodic:{today.isoformat()}"
    return None


def volume(value: Decimal | None) -> str:
    return "–" if value is None else f"{value}%"


def update_reason(
    *,
    reports_sent: Sequence[tuple[int, datetime]],
    last_update_at: datetime | None,
    last_update_on: date | None,
    agreements: Sequence[AgreementView],
    agreements_told: bool,
    every_days: int | None,
    today: date,
    closed_on: date | None = None,
) -> str | None:
    """Why one episode's employer is due an update now, or None: at most one per sweep.

    Process information is cumulative (sessions held, the agreements so far), so one update
    tells everything that happened since the last one: an interim report sent after the last
    update, agreements other than the ones last told, a period passed. The reason becomes the
    update's trigger, its key in the database. Deciding per trigger sent one update for each
    (a report sent and an agreement made before the same sweep: two identical updates in one
    walk, issue 16), and a periodic one besides, since the last update's date was read before
    the others went out. ``last_update_on`` is ``last_update_at`` as a local date.

    A closed episode still tells its last report and its final agreements, but after the
    closing day the period no longer runs: nothing happens in a closed treatment that a
    monthly update would tell.
    """
    untold = [
        ordinal
        for ordinal, sent_at in reports_sent
        if last_update_at is None or sent_at > last_update_at
    ]
    if untold:
        return f"interim_report:{max(untold)}"
    if agreements and not agreements_told:
        return agreements_trigger(agreements)
    if closed_on is not None and closed_on < today:
        return None  # through the closing day, as the task rules count the last period
    return periodic_trigger(last_update_on, every_days, today)
