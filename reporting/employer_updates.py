"""What an employer may read about one episode, built only from the EmployerView type (pure).

Inputs are already non-medical rows (held-session count, agreements, participation %,
shared minutes); the output type cannot hold anything else (practice.privacy).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from practice.privacy import AgreementView, EmployerView, ParticipationView


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
) -> EmployerView:
    return EmployerView(
        episode_id=episode_id,
        employee_name=employee_name,
        employer_id=employer_id,
        sessions_held=sessions_held,
        agreements=tuple(agreements),
        participation=tuple(participation),
        alignment_meeting_on=alignment_meeting_on,
        shared_minutes=shared_minutes or None,
        relapse_plan_work_section=relapse_plan_work_section or None,
        last_update_on=last_update_on,
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
