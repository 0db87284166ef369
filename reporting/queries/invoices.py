"""Reading what billing needs (issue 22): the terms with their history, the episodes of the
employers with terms (dates, offer, appointments; nothing of the content), and what was
billed and made already."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from practice.platform.db import among
from practice.privacy import initials
from practice.tables import TreatmentEpisode
from reporting import billing
from reporting.tables import BillingTerms, Invoice, InvoiceLine
from scheduling.tables import Appointment


def terms_of_row(row: dict[str, Any]) -> billing.Terms:
    return billing.Terms(
        id=int(row["id"]),
        employer_id=int(row["employer"]),
        valid_from=row["valid_from"],
        price_model=billing.PriceModel(row["price_model"]),
        billing_moment=billing.BillingMoment(row["billing_moment"]),
        screening_cents=int(row["screening_cents"]),
        package_cents={
            "atwork_basic": int(row["package_basic_cents"]),
            "atwork_compleet": int(row["package_compleet_cents"]),
            "preventive": int(row["package_preventive_cents"]),
        },
        session_cents=int(row["session_cents"]),
        no_show_cents=int(row["no_show_cents"]),
        late_cancellation_cents=int(row["late_cancellation_cents"]),
        late_cancellation_hours=int(row["late_cancellation_hours"]),
        payment_days=int(row["payment_days"]),
        auto_send=bool(row["auto_send"]),
    )


async def terms_history(
    employer_ids: Iterable[int] | None = None,
) -> dict[int, list[billing.Terms]]:
    """Every employer's terms, oldest first (only those of ``employer_ids`` when given)."""
    query = BillingTerms.select().order_by(BillingTerms.valid_from).order_by(BillingTerms.id)
    if employer_ids is not None:
        query = query.where(among(BillingTerms.employer, employer_ids))
    history: dict[int, list[billing.Terms]] = {}
    for row in await query:
        history.setdefault(int(row["employer"]), []).append(terms_of_row(row))
    return history


async def terms_rows(employer_id: int) -> list[dict[str, Any]]:
    """The employer's terms as stored, newest first (the terms page shows the history)."""
    return list(
        await BillingTerms.select()
        .where(BillingTerms.employer == employer_id)
        .order_by(BillingTerms.valid_from, ascending=False)
        .order_by(BillingTerms.id, ascending=False)
    )


async def billing_episodes(employer_ids: Iterable[int], tz: ZoneInfo) -> list[billing.Episode]:
    """The episodes referred by these employers, with what billing reads of them."""
    ids = list(employer_ids)
    if not ids:
        return []
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.status,
        TreatmentEpisode.offer,
        TreatmentEpisode.screening_held_on,
        TreatmentEpisode.started_on,
        TreatmentEpisode.closed_on,
        TreatmentEpisode.referral.employer.as_alias("employer_id"),
        TreatmentEpisode.client.name.as_alias("client_name"),
        TreatmentEpisode.employment.personnel_number.as_alias("personnel_number"),
    ).where(among(TreatmentEpisode.referral.employer, ids))
    appointments = await _appointments([int(r["id"]) for r in rows], tz)
    return [
        billing.Episode(
            id=int(row["id"]),
            employer_id=int(row["employer_id"]),
            status=str(row["status"]),
            offer=row["offer"],
            screening_held_on=row["screening_held_on"],
            started_on=row["started_on"],
            closed_on=row["closed_on"],
            client_initials=initials(str(row["client_name"] or "")),
            client_reference=row["personnel_number"],
            appointments=tuple(appointments.get(int(row["id"]), ())),
        )
        for row in rows
    ]


_CHARGED = ("held", "no_show", "cancelled_by_client")


async def _appointments(
    episode_ids: list[int], tz: ZoneInfo
) -> dict[int, list[billing.Appointment]]:
    found: dict[int, list[billing.Appointment]] = {}
    if not episode_ids:
        return found
    rows = await Appointment.select(
        Appointment.id,
        Appointment.episode,
        Appointment.kind,
        Appointment.attendance,
        Appointment.starts_at,
        Appointment.attendance_at,
    ).where(among(Appointment.episode, episode_ids) & Appointment.attendance.is_in(list(_CHARGED)))
    for row in rows:
        starts_at: datetime = row["starts_at"]
        recorded: datetime | None = row["attendance_at"]
        hours = None
        if recorded is not None and row["attendance"] == "cancelled_by_client":
            hours = (starts_at - recorded).total_seconds() / 3600
        found.setdefault(int(row["episode"]), []).append(
            billing.Appointment(
                id=int(row["id"]),
                day=starts_at.astimezone(tz).date(),
                kind=str(row["kind"]),
                attendance=str(row["attendance"]),
                cancelled_hours_before=hours,
            )
        )
    return found


async def billed_keys(employer_ids: Iterable[int] | None = None) -> frozenset[str]:
    """The charges on an invoice already (a credit note's lines carry no key)."""
    query = InvoiceLine.select(InvoiceLine.charge_key).where(InvoiceLine.charge_key.is_not_null())
    if employer_ids is not None:
        query = query.where(among(InvoiceLine.invoice.employer, employer_ids))
    return frozenset(str(row["charge_key"]) for row in await query)


async def made_keys(employer_ids: Iterable[int] | None = None) -> frozenset[str]:
    query = Invoice.select(Invoice.key)
    if employer_ids is not None:
        query = query.where(among(Invoice.employer, employer_ids))
    return frozenset(str(row["key"]) for row in await query)
