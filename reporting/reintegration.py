"""The treatment's contribution to the employer's re-integration report (pure).

The employer keeps the re-integratieverslag that goes with the WIA application (Wet
verbetering poortwachter); the practice contributes what it may tell an employer: sessions
held, the agreements about work resumption, the hours worked and the Poortwachter
milestones. The extract is made from ``practice.privacy.EmployerView`` and nothing else, so
it cannot hold a diagnosis, a complaint, session content or the cause of the absence; it
leaves out the shared minutes and the relapse-prevention plan's work section, which are
told in the process updates already and are not the report's facts.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from practice.privacy import AgreementView, EmployerView, MilestoneView, ParticipationView

TITLE = "reintegration_extract"  # the document's name in audit rows and file names


@dataclass(frozen=True, slots=True)
class HoursWorked:
    """Hours worked in a week, from the share of the contract hours the view holds."""

    measured_on: date
    volume_percent: Decimal | None
    contract_hours: Decimal | None
    hours: Decimal | None  # None: no contract hours known to compute them from


@dataclass(frozen=True, slots=True)
class ReintegrationExtract:
    """What the extract shows, each part from the employer's allow-listed view."""

    episode_id: int
    employee_name: str
    made_on: date
    sessions_held: int
    agreements: tuple[AgreementView, ...]
    hours_worked: tuple[HoursWorked, ...]
    milestones: tuple[MilestoneView, ...]


def hours_worked(p: ParticipationView) -> HoursWorked:
    """The hours a share of the contract hours stands for, to a tenth of an hour."""
    hours = None
    if p.volume_percent is not None and p.contract_hours is not None:
        hours = (p.volume_percent * p.contract_hours / 100).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    return HoursWorked(p.measured_on, p.volume_percent, p.contract_hours, hours)


def extract(view: EmployerView, made_on: date) -> ReintegrationExtract:
    """The extract of one episode on ``made_on``, from its employer view."""
    return ReintegrationExtract(
        episode_id=view.episode_id,
        employee_name=view.employee_name,
        made_on=made_on,
        sessions_held=view.sessions_held,
        agreements=view.agreements,
        hours_worked=tuple(hours_worked(p) for p in view.participation),
        milestones=view.milestones,
    )


def notice_key(episode_id: int, user_id: int, day: date) -> str:
    """The outbox key of one notice to one contact: once a day, however often it is sent."""
    return f"reintegration-extract:{episode_id}:{user_id}:{day.isoformat()}"
