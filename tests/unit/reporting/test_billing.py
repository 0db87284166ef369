"""Billing rules (issue 22): what the terms make billable, on which invoice and when, and the
amounts, checked against examples computed by hand in euros."""

from datetime import date

import pytest

from reporting import billing
from reporting.billing import (
    Appointment,
    BillingMoment,
    Episode,
    PriceModel,
    Standing,
    Terms,
)

JAN = date(2026, 1, 1)


def terms(**overrides: object) -> Terms:
    values: dict[str, object] = {
        "id": 1,
        "employer_id": 7,
        "valid_from": JAN,
        "price_model": PriceModel.PACKAGE,
        "billing_moment": BillingMoment.MONTHLY,
        "screening_cents": 17500,
        "package_cents": {"atwork_basic": 129500, "atwork_compleet": 164500},
        "session_cents": 11250,
        "no_show_cents": 9500,
        "late_cancellation_cents": 5600,
    }
    values.update(overrides)
    return Terms(**values)  # type: ignore[arg-type]


def episode(**overrides: object) -> Episode:
    values: dict[str, object] = {
        "id": 3,
        "employer_id": 7,
        "status": "in_treatment",
        "offer": "atwork_basic",
        "screening_held_on": date(2026, 4, 24),
        "started_on": date(2026, 5, 4),
        "closed_on": None,
        "client_initials": "A.J.",
        "client_reference": "00042",
        "appointments": (
            Appointment(10, date(2026, 5, 4), "treatment_session", "held"),
            Appointment(11, date(2026, 5, 6), "alignment_meeting", "held"),
            Appointment(12, date(2026, 5, 11), "treatment_session", "no_show"),
            Appointment(13, date(2026, 5, 13), "treatment_session", "cancelled_by_client", 5.0),
            Appointment(14, date(2026, 5, 18), "treatment_session", "cancelled_by_client", 30.0),
            Appointment(15, date(2026, 5, 20), "follow_up_measurement", "held"),
            Appointment(16, date(2026, 4, 24), "screening", "held"),
        ),
    }
    values.update(overrides)
    return Episode(**values)  # type: ignore[arg-type]


def keys(items: list[billing.ChargeItem]) -> list[tuple[str, int]]:
    return [(item.key, item.unit_cents) for item in items]


def test_a_package_bills_the_screening_the_package_and_the_missed_appointments_not_sessions() -> (
    None
):
    assert keys(billing.charges_of(episode(), [terms()])) == [
        ("screening:3", 17500),
        ("package:3", 129500),
        ("no_show:12", 9500),
        ("late_cancellation:13", 5600),  # 5 hours ahead: late; 30 hours ahead: not
    ]


def test_per_session_bills_every_held_conversation_but_the_screening_and_the_measurement() -> None:
    items = billing.charges_of(episode(), [terms(price_model=PriceModel.PER_SESSION)])
    assert keys(items) == [
        ("screening:3", 17500),
        ("session:10", 11250),
        ("session:11", 11250),
        ("no_show:12", 9500),
        ("late_cancellation:13", 5600),
    ]


def test_a_charge_is_priced_by_the_terms_of_its_own_day_and_not_at_all_before_the_first() -> None:
    history = [
        terms(valid_from=date(2026, 4, 30), screening_cents=20000),
        terms(id=2, valid_from=date(2026, 5, 5), package_cents={"atwork_basic": 140000}),
    ]
    assert keys(billing.charges_of(episode(), history)) == [
        ("package:3", 129500),  # the start (4 May) under the first terms; the screening before
        ("no_show:12", 9500),
        ("late_cancellation:13", 5600),
    ]


def test_a_free_charge_and_an_offer_without_a_price_are_not_billed() -> None:
    items = billing.charges_of(episode(offer="other"), [terms(screening_cents=0, no_show_cents=0)])
    assert keys(items) == [("late_cancellation:13", 5600)]


def test_the_package_is_billed_in_advance_at_the_screening_when_the_terms_bill_then() -> None:
    at_screening = terms(billing_moment=BillingMoment.SCREENING)
    not_started = episode(started_on=None, appointments=())
    items = billing.charges_of(not_started, [at_screening])
    assert [(i.key, i.day) for i in items] == [
        ("screening:3", date(2026, 4, 24)),
        ("package:3", date(2026, 4, 24)),
    ]
    assert {billing.invoice_key(i, frozenset(), date(2026, 4, 25)) for i in items} == {
        "screening:3"
    }


def test_each_charge_goes_on_its_moment_s_invoice_and_a_late_one_on_this_month_s() -> None:
    monthly = billing.charges_of(episode(), [terms()])
    today = date(2026, 6, 15)
    assert [billing.invoice_key(i, frozenset(), today) for i in monthly] == [
        "month:7:2026-04",
        "month:7:2026-05",
        "month:7:2026-05",
        "month:7:2026-05",
    ]
    made = frozenset({"month:7:2026-05"})
    assert billing.invoice_key(monthly[1], made, today) == "month:7:2026-06"
    at_start = billing.charges_of(episode(), [terms(billing_moment=BillingMoment.START)])
    assert [billing.invoice_key(i, frozenset(), today) for i in at_start] == [
        "start:3",
        "start:3",
        "month:7:2026-05",
        "month:7:2026-05",
    ]
    at_end = billing.charges_of(episode(), [terms(billing_moment=BillingMoment.END)])
    assert {billing.invoice_key(i, frozenset(), today) for i in at_end} == {"end:3"}


def test_an_invoice_is_due_once_its_month_is_over_or_its_moment_has_come() -> None:
    running = episode()
    assert not billing.is_due("month:7:2026-05", running, date(2026, 5, 31))
    assert billing.is_due("month:7:2026-05", running, date(2026, 6, 1))
    assert billing.is_due("month:7:2026-12", running, date(2027, 1, 1))
    assert billing.is_due("start:3", running, date(2026, 5, 4))
    assert not billing.is_due("start:3", episode(started_on=None, screening_held_on=None), JAN)
    assert not billing.is_due("end:3", running, date(2027, 1, 1))
    assert billing.is_due("end:3", episode(status="dropped_out"), date(2026, 6, 1))
    with pytest.raises(ValueError, match="not an invoice key"):
        billing.is_due("week:3", running, JAN)


def test_the_plan_makes_one_invoice_per_due_key_with_what_was_not_billed_late_ones_included() -> (
    None
):
    plans = billing.plan_invoices(
        [episode()],
        lambda employer_id: [terms()],
        billed=frozenset({"no_show:12"}),
        made=frozenset({"month:7:2026-04"}),
        today=date(2026, 6, 15),
    )
    # April's invoice was made without the screening (recorded late): it goes on May's.
    assert [(p.key, [i.key for i in p.items]) for p in plans] == [
        ("month:7:2026-05", ["screening:3", "package:3", "late_cancellation:13"]),
    ]
    assert plans[0].period == (date(2026, 4, 24), date(2026, 5, 31))  # May, and the screening


def test_exempt_care_carries_no_vat_and_the_totals_add_up_by_hand() -> None:
    # € 1.295,00 + € 175,00 + € 95,00 = € 1.565,00, exempt: no VAT.
    totals = billing.totals([(129500, "E", 0), (17500, "E", 0), (9500, "E", 0)])
    assert (totals.net_cents, totals.vat_cents, totals.total_cents) == (156500, 0, 156500)
    assert totals.breakdown == (billing.VatLine("E", 0, 156500, 0),)


def test_taxed_care_rounds_the_vat_per_rate_half_up_as_en_16931_computes_it() -> None:
    # Three sessions of € 112,50 = € 337,50; 21 % = € 70,875 → € 70,88; total € 408,38.
    totals = billing.totals([(11250, "S", 21)] * 3)
    assert (totals.net_cents, totals.vat_cents, totals.total_cents) == (33750, 7088, 40838)
    # Per rate, not per line: 3 × € 0,05 at 21 % is € 0,0315 → € 0,03 (per line it would be 0).
    assert billing.totals([(5, "S", 21)] * 3).vat_cents == 3
    assert billing.vat_amount(2, 21) == 0  # € 0,0042
    assert billing.vat_amount(50, 21) == 11  # € 0,105 → € 0,11 (half up)


def test_where_an_invoice_stands_follows_its_payments_credit_note_and_due_date() -> None:
    due = date(2026, 7, 15)

    def standing(
        status: str = "sent", credited: int = 0, paid: int = 0, day: date = due
    ) -> Standing:
        return billing.standing(
            kind="invoice",
            status=status,
            total_cents=1000,
            credited_cents=credited,
            paid_cents=paid,
            due_on=due,
            today=day,
        )

    assert standing(status="draft") is Standing.DRAFT
    assert standing() is Standing.OPEN
    assert standing(day=date(2026, 7, 16)) is Standing.OVERDUE
    assert standing(paid=400, day=date(2026, 7, 16)) is Standing.OVERDUE
    assert standing(paid=1000, day=date(2026, 9, 1)) is Standing.PAID
    assert standing(credited=1000) is Standing.CREDITED
    assert billing.outstanding(1000, credited_cents=0, paid_cents=400) == 600
    assert billing.outstanding(1000, credited_cents=1000, paid_cents=0) == 0


def test_an_unpaid_invoice_is_reminded_a_week_and_three_weeks_after_its_due_date() -> None:
    due = date(2026, 7, 15)
    assert billing.reminders_due(due, date(2026, 7, 21)) == []
    assert billing.reminders_due(due, date(2026, 7, 22)) == [1]
    assert billing.reminders_due(due, date(2026, 8, 5)) == [1, 2]


def test_the_number_is_the_year_and_a_gapless_sequence() -> None:
    assert billing.invoice_number(2026, 42) == "2026-00042"
