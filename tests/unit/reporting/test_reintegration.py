"""The re-integration extract is made from the employer's view alone (pure): hours worked
from the share of the contract hours, and nothing the view does not hold."""

from datetime import date
from decimal import Decimal

from practice.privacy import AgreementView, EmployerView, ParticipationView
from reporting.reintegration import extract, hours_worked, notice_key


def test_hours_worked_are_the_share_of_the_contract_hours_to_a_tenth() -> None:
    worked = hours_worked(
        ParticipationView(
            measured_on=date(2026, 5, 6), volume_percent=Decimal("33.3"), contract_hours=Decimal(36)
        )
    )
    assert worked.hours == Decimal("12.0")


def test_without_contract_hours_no_hours_worked_are_made_up() -> None:
    share_only = ParticipationView(measured_on=date(2026, 5, 6), volume_percent=Decimal(50))
    assert hours_worked(share_only).hours is None


def test_the_extract_keeps_sessions_agreements_and_hours_and_leaves_the_minutes_out() -> None:
    view = EmployerView(
        episode_id=7,
        employee_name="Anna Jansen",
        employer_id=1,
        sessions_held=6,
        agreements=(AgreementView(agreed_on=date(2026, 5, 6), description="Twee ochtenden"),),
        participation=(
            ParticipationView(
                measured_on=date(2026, 5, 6),
                volume_percent=Decimal(25),
                contract_hours=Decimal(32),
            ),
        ),
        shared_minutes="Werkplek aangepast",
    )
    made = extract(view, date(2026, 6, 15))
    assert (made.sessions_held, made.agreements[0].description) == (6, "Twee ochtenden")
    assert [h.hours for h in made.hours_worked] == [Decimal("8.0")]
    assert "shared_minutes" not in made.__dataclass_fields__


def test_the_notice_is_keyed_once_per_episode_contact_and_day() -> None:
    assert notice_key(7, 3, date(2026, 6, 15)) == "reintegration-extract:7:3:2026-06-15"
