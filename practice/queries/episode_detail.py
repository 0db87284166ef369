"""The episode as a whole, as its therapist (or a practice manager) reads it on one page.

Both tracks, the tasks with days left, the team, consents and history; the medical parts
only for the therapist. Kept apart from ``practice.queries.episodes``, which holds the access
check and the facts this page is built from.
"""

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.access_policy import Need, overview_only
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.episodes import EpisodeStatus, allowed_transitions
from practice.platform.db import write_tx
from practice.queries.access import authorize_read
from practice.queries.episodes import PURPOSE, episode_tasks, task_json
from practice.queries.participation import participation_series
from practice.tables import (
    AbsenceEpisode,
    Advice,
    CaseAssignment,
    Consent,
    ContractHours,
    FollowUp,
    ManagerConsultation,
    OfferChange,
    RelapsePreventionPlan,
    Screening,
    StatusChange,
    TreatmentEpisode,
    WorkGoal,
    WorkResumptionAgreement,
)


async def episode_detail(
    actor: Actor,
    episode_id: int,
    today: date,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """Everything about one episode for its therapist (medical parts included), audited."""
    client_id, level = await authorize_read(actor, episode_id, today)
    medical = level is Need.RECORD_READ
    e = (
        await TreatmentEpisode.select(
            *TreatmentEpisode.all_columns(),
            *TreatmentEpisode.referral.all_columns(exclude=["id", "client", "employer"]),
            TreatmentEpisode.referral._.employer._.name.as_alias("employer_name"),
            TreatmentEpisode.referral._.employer._.id.as_alias("employer_id"),
            TreatmentEpisode.client._.name.as_alias("client_name"),
            TreatmentEpisode.client._.email.as_alias("client_email"),
            TreatmentEpisode.client._.phone.as_alias("client_phone"),
            TreatmentEpisode.client._.date_of_birth.as_alias("client_date_of_birth"),
            TreatmentEpisode.referral._.manager._.name.as_alias("manager_name"),
            TreatmentEpisode.referral._.manager._.email.as_alias("manager_email"),
            TreatmentEpisode.referral._.company_doctor._.name.as_alias("company_doctor_name"),
            TreatmentEpisode.referral._.company_doctor._.email.as_alias("company_doctor_email"),
            TreatmentEpisode.referral._.company_doctor._.organisation.as_alias(
                "company_doctor_organisation"
            ),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert e is not None  # access_episode found it
    tasks = await episode_tasks(episode_id, today, tz)
    detail: dict[str, Any] = {
        "id": episode_id,
        "client": {
            "id": client_id,
            "name": e["client_name"],
            # How to reach the client: for the case team, not for an overview (need-to-know).
            "email": e["client_email"] if medical else None,
            "phone": e["client_phone"] if medical else None,
            "date_of_birth": e["client_date_of_birth"] if medical else None,
        },
        # Who to call: the manager and the company doctor named on the referral.
        "manager": {"name": e["manager_name"], "email": e["manager_email"] if medical else None},
        "company_doctor": {
            "name": e["company_doctor_name"],
            "email": e["company_doctor_email"] if medical else None,
            "organisation": e["company_doctor_organisation"],
        },
        "employer": e["employer_name"],
        "employer_id": e["employer_id"],
        "status": e["status"],
        "allowed_transitions": sorted(
            s.value for s in allowed_transitions(EpisodeStatus(e["status"]))
        ),
        "offer": e["offer"],
        "referral": {
            "received_at": e["referral.received_at"],
            "referrer_type": e["referral.referrer_type"],
            "referrer_name": e["referral.referrer_name"],
            "priority": e["referral.priority"],
            "participation_basis": e["referral.participation_basis"],
            "requested_offer": e["referral.requested_offer"],
            "absence_status": e["referral.absence_status"],
            "first_sick_day": e["referral.first_sick_day"],
            "outcome": e["referral.outcome"],
        },
        "dates": {
            name: e[name]
            for name in (
                "screening_planned_on",
                "screening_held_on",
                "briefing_sent_on",
                "planned_start_on",
                "started_on",
                "closed_on",
            )
        },
        "sessions_authorised": e["sessions_authorised"],
        "tasks": [task_json(t) for t in tasks],
        "team": await _team(episode_id),
        "status_history": await StatusChange.select(
            StatusChange.from_status,
            StatusChange.to_status,
            StatusChange.changed_at,
            StatusChange.reason,
        )
        .where(StatusChange.episode == episode_id)
        .order_by(StatusChange.id),
        "offer_history": await OfferChange.select(
            OfferChange.from_offer, OfferChange.to_offer, OfferChange.changed_at, OfferChange.reason
        )
        .where(OfferChange.episode == episode_id)
        .order_by(OfferChange.id),
        "agreements": await WorkResumptionAgreement.select(
            WorkResumptionAgreement.id,
            WorkResumptionAgreement.agreed_on,
            WorkResumptionAgreement.description,
            WorkResumptionAgreement.hours_per_week_minutes,
            WorkResumptionAgreement.starts_on,
            WorkResumptionAgreement.status,
        )
        .where(WorkResumptionAgreement.episode == episode_id)
        .order_by(WorkResumptionAgreement.agreed_on),
        "work_participation": await participation_series(e["employment"], episode_id),
        "contract_periods": await _contract_periods(e["employment"]),
        "absences": await _absences(e["employment"]),
        "consents": await Consent.select(
            Consent.id,
            Consent.recipient,
            Consent.purpose,
            Consent.recipient_user,
            Consent.given_at,
            Consent.withdrawn_at,
        ).where(Consent.client == client_id),
    }
    if medical:
        # Why a referral did not become treatment may be clinical: the therapist's alone.
        detail["referral"]["outcome_note"] = e["referral.outcome_note"]
        detail["screening"] = (
            await Screening.select(exclude_secrets=False)
            .where(Screening.episode == episode_id)
            .first()
        )
        detail["consultations"] = (
            await ManagerConsultation.select(
                *ManagerConsultation.all_columns(),
                ManagerConsultation.contact._.name.as_alias("contact_name"),
            )
            .where(ManagerConsultation.episode == episode_id)
            .order_by(ManagerConsultation.held_on)
        )
        detail["goals"] = (
            await WorkGoal.select().where(WorkGoal.episode == episode_id).order_by(WorkGoal.set_on)
        )
        detail["advice"] = (
            await Advice.select().where(Advice.episode == episode_id).order_by(Advice.given_on)
        )
        detail["relapse_prevention_plan"] = (
            await RelapsePreventionPlan.select()
            .where(RelapsePreventionPlan.episode == episode_id)
            .first()
        )
        detail["follow_ups"] = await FollowUp.select().where(FollowUp.episode == episode_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "episode", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return detail if medical else overview_only(detail)


async def _contract_periods(employment_id: int | None) -> list[dict[str, Any]]:
    """The contract's hours a week, each period from its start, oldest first (history kept)."""
    if employment_id is None:
        return []
    rows = (
        await ContractHours.select(
            ContractHours.id, ContractHours.valid_from, ContractHours.minutes_per_week
        )
        .where(ContractHours.employment == employment_id)
        .order_by(ContractHours.valid_from)
        .order_by(ContractHours.id)
    )
    return [
        {"valid_from": r["valid_from"], "hours": Decimal(int(r["minutes_per_week"])) / 60}
        for r in rows
    ]


async def _absences(employment_id: int | None) -> list[dict[str, Any]]:
    """The employment's absences, oldest first; a relapse names the absence it follows."""
    if employment_id is None:
        return []
    return await (
        AbsenceEpisode.select(
            AbsenceEpisode.id,
            AbsenceEpisode.absence_type,
            AbsenceEpisode.first_sick_day,
            AbsenceEpisode.reported_on,
            AbsenceEpisode.full_recovery_on,
            AbsenceEpisode.previous,
        )
        .where(AbsenceEpisode.employment == employment_id)
        .order_by(AbsenceEpisode.first_sick_day)
        .order_by(AbsenceEpisode.id)
    )


async def _team(episode_id: int) -> list[dict[str, Any]]:
    return (
        await CaseAssignment.select(
            CaseAssignment.user,
            CaseAssignment.user._.display_name.as_alias("name"),
            CaseAssignment.team_role,
            CaseAssignment.valid_from,
            CaseAssignment.valid_to,
        )
        .where(CaseAssignment.episode == episode_id)
        .order_by(CaseAssignment.id)
    )
