"""The aanmelding: a referral arrives, starts the screening clock and opens an episode."""

from datetime import date, datetime
from typing import Any

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.case_team import TeamRole, conflict_of_interest
from practice.consent import Purpose, Recipient
from practice.episodes import EpisodeStatus, Offer, ReferralOutcome
from practice.errors import Conflict, InvalidInput, NotFound, one_of
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.services.absences import (
    NOT_THIS_EMPLOYMENT,
    absence_for_referral,
    follows_episode,
)
from practice.services.case_team import require_seat_holder
from practice.services.episodes import apply_transition
from practice.services.parties import register_client, require_active_employer
from practice.tables import (
    AbsenceEpisode,
    CaseAssignment,
    Client,
    CompanyDoctor,
    Consent,
    EmployerContact,
    Employment,
    Referral,
    StatusChange,
    Therapist,
    TherapistAffiliation,
    TreatmentEpisode,
)
from practice.work_participation import AbsenceType

PURPOSE = "treatment"
REFERRER_TYPES = ("company_doctor", "employer", "gp", "self", "other")

# A referral outcome that ends the episode before treatment, and the status it ends in.
OUTCOME_STATUS: dict[ReferralOutcome, EpisodeStatus] = {
    ReferralOutcome.DECLINED: EpisodeStatus.DECLINED,
    ReferralOutcome.NOT_SUITABLE: EpisodeStatus.DECLINED,
    ReferralOutcome.RECOVERED_BEFORE_START: EpisodeStatus.DECLINED,
    ReferralOutcome.WRONGLY_REFERRED: EpisodeStatus.DECLINED,
    ReferralOutcome.DUPLICATE: EpisodeStatus.DECLINED,
    ReferralOutcome.REFERRED_ELSEWHERE: EpisodeStatus.REFERRED_ELSEWHERE,
}


def referral_problems(
    *,
    received_at: datetime,
    referrer_type: str,
    requested_offer: str,
    absence_status: str,
    first_sick_day: date | None,
    today: date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if received_at.tzinfo is None:
        problems["received_at"] = "give a time zone (e.g. 2026-03-02T09:00:00+01:00)"
    elif received_at.date() > today:
        problems["received_at"] = "lies in the future"
    else:
        problems |= timeline.not_before(
            "received_at", received_at.date(), timeline.earliest_referral(today)
        )
    if referrer_type not in REFERRER_TYPES:
        problems["referrer_type"] = one_of(REFERRER_TYPES)
    if requested_offer not in {o.value for o in Offer}:
        problems["requested_offer"] = one_of(o.value for o in Offer)
    if absence_status not in {a.value for a in AbsenceType}:
        problems["absence_status"] = one_of(a.value for a in AbsenceType)
    elif absence_status == AbsenceType.NOT_ABSENT and first_sick_day is not None:
        problems["first_sick_day"] = "leave empty for a client who is not absent"
    elif absence_status != AbsenceType.NOT_ABSENT and first_sick_day is None:
        problems["first_sick_day"] = "required when the client is absent"
    if first_sick_day is not None and first_sick_day > today:
        problems["first_sick_day"] = "lies in the future"
    elif first_sick_day is not None:
        earliest = timeline.earliest_sick_day(received_at.date())
        problems |= timeline.not_before("first_sick_day", first_sick_day, earliest)
    return problems


async def refer_client(
    actor: Actor,
    *,
    today: date,
    client_id: int,
    received_at: datetime,
    referrer_type: str,
    therapist_user_id: int,
    requested_offer: str,
    absence_status: str,
    first_sick_day: date | None = None,
    known_to_practice_on: date | None = None,
    referrer_name: str | None = None,
    manager_id: int | None = None,
    company_doctor_id: int | None = None,
    priority: bool = False,
    participation_basis: str = "voluntary",
    consent_at_referral: bool = False,
    absence_id: int | None = None,
    follows_episode_id: int | None = None,
) -> tuple[int, int]:
    """Register an aanmelding and open its episode; returns (referral id, episode id).

    The episode treats one absence: the one named (``absence_id``), else the employment's
    open one or the one from the same first sick day, else a new one; a second referral
    never makes a second absence (``practice.services.absences.absence_for_referral``). A
    re-referral names the episode it follows (``follows_episode_id``, the same client's).
    """
    problems = referral_problems(
        received_at=received_at,
        referrer_type=referrer_type,
        requested_offer=requested_offer,
        absence_status=absence_status,
        first_sick_day=first_sick_day,
        today=today,
    )
    if problems:
        raise InvalidInput(problems)
    received_on = received_at.date()
    async with write_tx():
        employment = (
            await Employment.select(Employment.id, Employment.employer)
            .where((Employment.client == client_id) & Employment.ended_on.is_null())
            .first()
        )
        if employment is None or not await Client.exists().where(Client.id == client_id):
            raise InvalidInput({"client_id": "no such client with a current employment"})
        employer_id = int(employment["employer"])
        await require_active_employer(employer_id)
        therapist = (
            await Therapist.select(Therapist.id).where(Therapist.user == therapist_user_id).first()
        )
        if therapist is None:
            raise InvalidInput({"therapist_user_id": "not a registered therapist"})
        affiliations = await TherapistAffiliation.select(TherapistAffiliation.employer).where(
            TherapistAffiliation.therapist == therapist["id"]
        )
        if conflict_of_interest({int(a["employer"]) for a in affiliations}, employer_id):
            raise Conflict(
                "This therapist works for the client's employer: choose another therapist "
                "or refer the client to another practice."
            )
        manager_user = await _contact_user(manager_id, employer_id)
        doctor_user = await _doctor_user(company_doctor_id)
        # The rule a handover follows: each seat to an active account of its kind (issue 14).
        for seat_user, seat, field in (
            (therapist_user_id, TeamRole.THERAPIST, "therapist_user_id"),
            (doctor_user, TeamRole.COMPANY_DOCTOR, "company_doctor_id"),
            (manager_user, TeamRole.MANAGER, "manager_id"),
        ):
            if seat_user is not None:
                await require_seat_holder(
                    seat_user, seat, episode_employer_id=employer_id, field=field
                )
        rows = await Referral.insert(
            Referral(
                client=client_id,
                employer=employer_id,
                received_at=received_at,
                referrer_type=referrer_type,
                referrer_name=referrer_name,
                manager=manager_id,
                company_doctor=company_doctor_id,
                requested_offer=requested_offer,
                priority=priority,
                participation_basis=participation_basis,
                absence_status=absence_status,
                first_sick_day=first_sick_day,
                known_to_practice_on=known_to_practice_on or received_on,
                consent_at_referral=consent_at_referral,
            )
        ).returning(Referral.id)
        referral_id = int(rows[0]["id"])
        treated = await absence_for_referral(
            employment_id=int(employment["id"]),
            absence_status=absence_status,
            first_sick_day=first_sick_day,
            known_on=known_to_practice_on or received_on,
            absence_id=absence_id,
        )
        rows = await TreatmentEpisode.insert(
            TreatmentEpisode(
                referral=referral_id,
                client=client_id,
                employment=employment["id"],
                status=EpisodeStatus.REFERRED.value,
                offer=requested_offer,
                absence=treated,
                reopened_from=await follows_episode(client_id, follows_episode_id),
            )
        ).returning(TreatmentEpisode.id)
        episode_id = int(rows[0]["id"])
        await StatusChange.insert(
            StatusChange(
                episode=episode_id,
                from_status=None,
                to_status=EpisodeStatus.REFERRED.value,
                changed_by=actor.user_id,
                reason=N_("referral received"),
            )
        )
        team = [
            (therapist_user_id, TeamRole.THERAPIST),
            (doctor_user, TeamRole.COMPANY_DOCTOR),
            (manager_user, TeamRole.MANAGER),
        ]
        for user_id, role in team:
            if user_id is not None:
                await CaseAssignment.insert(
                    CaseAssignment(
                        episode=episode_id,
                        user=user_id,
                        team_role=role.value,
                        valid_from=received_on,
                    )
                )
        if consent_at_referral and doctor_user is not None:
            for purpose in (Purpose.BRIEFING, Purpose.INTERIM_REPORTS):
                await Consent.insert(
                    Consent(
                        client=client_id,
                        recipient=Recipient.COMPANY_DOCTOR.value,
                        purpose=purpose.value,
                        recipient_user=doctor_user,
                        given_at=received_at,
                    )
                )
        await audit.record(
            actor, Action.CREATE, "referral", referral_id, purpose=PURPOSE, client_id=client_id
        )
    return referral_id, episode_id


async def _contact_user(contact_id: int | None, employer_id: int) -> int | None:
    if contact_id is None:
        return None
    row = (
        await EmployerContact.select(EmployerContact.employer, EmployerContact.user)
        .where(EmployerContact.id == contact_id)
        .first()
    )
    if row is None or int(row["employer"]) != employer_id:
        raise InvalidInput({"manager_id": "not a contact of the client's employer"})
    return None if row["user"] is None else int(row["user"])


async def _doctor_user(doctor_id: int | None) -> int | None:
    if doctor_id is None:
        return None
    row = (
        await CompanyDoctor.select(CompanyDoctor.user).where(CompanyDoctor.id == doctor_id).first()
    )
    if row is None:
        raise InvalidInput({"company_doctor_id": "no such company doctor"})
    return None if row["user"] is None else int(row["user"])


async def record_referral_outcome(
    actor: Actor, *, episode_id: int, outcome: str, note: str | None = None
) -> None:
    """A referral that does not become treatment: the code, and the episode ends with it."""
    if outcome not in {o.value for o in ReferralOutcome}:
        raise InvalidInput({"outcome": one_of(o.value for o in ReferralOutcome)})
    target = OUTCOME_STATUS[ReferralOutcome(outcome)]
    async with write_tx():
        episode = (
            await TreatmentEpisode.select(
                TreatmentEpisode.status, TreatmentEpisode.referral, TreatmentEpisode.client
            )
            .where(TreatmentEpisode.id == episode_id)
            .first()
        )
        if episode is None:
            raise NotFound("No such episode.")
        current = EpisodeStatus(episode["status"])
        await apply_transition(actor, episode_id, current, target, reason=f"referral {outcome}")
        await Referral.update({Referral.outcome: outcome, Referral.outcome_note: note}).where(
            Referral.id == episode["referral"]
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "referral",
            episode["referral"],
            purpose=PURPOSE,
            client_id=int(episode["client"]),
        )


async def refer_new_client(
    actor: Actor, *, today: date, client: dict[str, Any], referral: dict[str, Any]
) -> tuple[int, int]:
    """A new client and their aanmelding in one go (the referral form): both or neither.

    Returns (client id, episode id).
    """
    async with write_tx():
        client_id, _ = await register_client(actor, today=today, **client)
        _, episode_id = await refer_client(actor, today=today, client_id=client_id, **referral)
    return client_id, episode_id


async def refer_again(
    actor: Actor,
    *,
    today: date,
    episode_id: int,
    received_at: datetime,
    referrer_type: str,
    requested_offer: str,
    absence_id: int | None = None,
    absence_status: str | None = None,
    first_sick_day: date | None = None,
    consent_at_referral: bool = False,
) -> tuple[int, int]:
    """A re-referral from the client page: a new episode of the same client that follows
    ``episode_id``, with its company doctor and manager, treating the absence picked
    (``absence_id``: its kind and first sick day unless given) or a new one.

    Returns (referral id, new episode id); the therapist who refers takes the case.
    """
    async with write_tx():
        earlier = (
            await TreatmentEpisode.select(
                TreatmentEpisode.client,
                TreatmentEpisode.employment,
                TreatmentEpisode.referral._.manager.as_alias("manager"),
                TreatmentEpisode.referral._.company_doctor.as_alias("company_doctor"),
            )
            .where(TreatmentEpisode.id == episode_id)
            .first()
        )
        if earlier is None:
            raise NotFound("No such episode.")
        if absence_id is not None:
            picked = (
                await AbsenceEpisode.select(
                    AbsenceEpisode.absence_type, AbsenceEpisode.first_sick_day
                )
                .where(
                    (AbsenceEpisode.id == absence_id)
                    & (AbsenceEpisode.employment == earlier["employment"])
                )
                .first()
            )
            if picked is None:
                raise InvalidInput({"absence_id": NOT_THIS_EMPLOYMENT})
            absence_status = absence_status or str(picked["absence_type"])
            first_sick_day = first_sick_day or picked["first_sick_day"]
        return await refer_client(
            actor,
            today=today,
            client_id=int(earlier["client"]),
            received_at=received_at,
            referrer_type=referrer_type,
            therapist_user_id=int(actor.user_id or 0),
            requested_offer=requested_offer,
            absence_status=absence_status or AbsenceType.NOT_ABSENT.value,
            first_sick_day=first_sick_day,
            manager_id=earlier["manager"],
            company_doctor_id=earlier["company_doctor"],
            consent_at_referral=consent_at_referral,
            absence_id=absence_id,
            follows_episode_id=episode_id,
        )
