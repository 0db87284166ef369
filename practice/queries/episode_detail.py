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
from practice.platform.db import alongside, write_tx
from practice.queries import absences as absence_queries
from practice.queries.access import authorize_read
from practice.queries.capacity import capacity_view
from practice.queries.episodes import PURPOSE, load_facts, task_json
from practice.queries.milestones import absences_of, as_rows, period_milestones
from practice.queries.participation import participation_series
from practice.queries.setbacks import episode_setbacks
from practice.tables import (
    Advice,
    CaseAssignment,
    Consent,
    ContractHours,
    Employment,
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
from practice.tasks import MEDICAL_KINDS, EpisodeFacts, TaskRules, derive_tasks
from practice.work_track import MIN_OWN_EPISODES, judge, next_step


async def episode_detail(
    actor: Actor,
    episode_id: int,
    today: date,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """Everything about one episode for its therapist (medical parts included), audited."""
    client_id, level = await authorize_read(actor, episode_id, today)
    medical = level is Need.RECORD_READ

    async def audited() -> None:
        async with write_tx():
            await audit.record(
                actor, Action.READ, "episode", episode_id, purpose=PURPOSE, client_id=client_id
            )

    # The row names what was authorised, known now: it is written while the episode loads,
    # and the episode is returned once it is committed (P-7).
    async with alongside(audited):
        detail = await _detail(episode_id, today, tz, client_id, medical)
    return detail if medical else overview_only(detail)


async def _detail(
    episode_id: int, today: date, tz: ZoneInfo, client_id: int, medical: bool
) -> dict[str, Any]:
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
    facts, rules = (await load_facts([episode_id], tz))[episode_id]
    tasks = derive_tasks(facts, today, rules)
    # The episode's own employment: what the referral form took is shown back.
    employment = (
        await Employment.select(
            Employment.job_title,
            Employment.personnel_number,
            Employment.department._.name.as_alias("department"),
        )
        .where(Employment.id == e["employment"])
        .first()
    )
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
        "employment": employment or {},
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
        "tasks": [task_json(t) for t in tasks if medical or t.kind not in MEDICAL_KINDS],
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
        # The absence record; its cause is medical, the record's readers' alone.
        **await absence_queries.absence_record(e["employment"], today, with_cause=medical),
        **await absence_queries.episode_links(episode_id),
        "consents": await Consent.select(
            Consent.id,
            Consent.recipient,
            Consent.purpose,
            Consent.recipient_user,
            Consent.given_at,
            Consent.withdrawn_at,
        ).where(Consent.client == client_id),
    }
    # The Poortwachter milestones of the running period of sickness: non-medical (the
    # employer sees them too), so the overview shows them as well.
    detail["milestones"] = as_rows(period_milestones(absences_of(detail["absences"]), today))
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
        # The capacity advice in force, the conflicts with it, the consultations.
        detail["capacity"] = await capacity_view(episode_id, today)
        detail["relapse_prevention_plan"] = (
            await RelapsePreventionPlan.select()
            .where(RelapsePreventionPlan.episode == episode_id)
            .first()
        )
        detail["follow_ups"] = await FollowUp.select().where(FollowUp.episode == episode_id)
        # Setbacks (terugval) with the therapist's note: medical, the record's readers' alone.
        detail["setbacks"] = await episode_setbacks(episode_id)
        # The client's volume % against the expected curve: medical (it names the diagnosis
        # and the symptom scores), so the therapist's alone, never in the overview.
        detail["work_track"] = work_track_view(facts, rules)
    return detail


async def _contract_periods(employment_id: int | None) -> list[dict[str, Any]]:
    """The contract's hours a week, each period from its start, oldest first (history kept)."""
    if employment_id is None:
        return []
    rows = (
        await ContractHours.select(
            ContractHours.id,
            ContractHours.valid_from,
            ContractHours.minutes_per_week,
            ContractHours.half_days_per_week,
        )
        .where(ContractHours.employment == employment_id)
        .order_by(ContractHours.valid_from)
        .order_by(ContractHours.id)
    )
    return [
        {
            "valid_from": r["valid_from"],
            "hours": Decimal(int(r["minutes_per_week"])) / 60,
            "days_per_week": None
            if r["half_days_per_week"] is None
            else Decimal(int(r["half_days_per_week"])) / 2,
        }
        for r in rows
    ]


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


def work_track_view(facts: EpisodeFacts, rules: TaskRules) -> dict[str, Any] | None:
    """Expected against actual volume %, with the curve it comes from and the next step."""
    track = facts.work_track
    if track is None:
        return None
    verdict, curve = judge(track, rules.work_behind_margin), track.curve
    return {
        "week": verdict.week,
        "measured_on": track.measured_on,
        "actual": verdict.actual,
        "expected": verdict.expected,
        "starting_volume": track.starting_volume,
        "gap": verdict.gap,
        "margin": verdict.margin,
        "behind": verdict.behind,
        "next_step": next_step(facts.alignment_meeting_held_on).value,
        "curve": {
            "source": curve.source.value,
            "diagnosis": curve.diagnosis,
            "n": curve.n,
            "begin": curve.begin,
            "end": curve.end,
            "follow_up": curve.follow_up,
            "weeks": curve.weeks,
            "min_n": MIN_OWN_EPISODES,
        },
        "symptom_scores": [
            {"instrument": s.instrument, "score": s.score, "measured_on": s.measured_on}
            for s in track.symptom_scores
        ],
    }
