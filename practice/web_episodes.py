"""JSON API of the treatment episode: referral, screening, treatment, closing, follow-up.

Every write goes: access check (the therapist of record; 404 otherwise) → one service.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, patch, post
from litestar.params import FromPath, JSONBody

from practice.accounts import Role
from practice.audit import Actor
from practice.auth import roles
from practice.clock import today_in
from practice.errors import InvalidInput
from practice.queries import episodes as episode_queries
from practice.queries.episodes import access_episode
from practice.services import consents, episodes, referrals, work
from practice.settings import Settings
from practice.web import actor_of

THERAPIST = roles(Role.THERAPIST)
READERS = roles(Role.THERAPIST, Role.PRACTICE_MANAGER)
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class Done(msgspec.Struct):
    ok: bool = True
    id: int | None = None


def _context(request: Request[Any, Any, Any]) -> tuple[Actor, date, Settings]:
    settings: Settings = request.app.state.settings
    return actor_of(request), today_in(settings.time_zone), settings


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    actor, today, _ = _context(request)
    await access_episode(actor, episode_id, today, write=True)
    return actor


def _fields(data: msgspec.Struct) -> dict[str, Any]:
    return msgspec.structs.asdict(data)


# ---------------------------------------------------------------- referral


class ReferralIn(msgspec.Struct, forbid_unknown_fields=True):
    client_id: int
    received_at: datetime
    referrer_type: str
    requested_offer: str
    absence_status: str
    first_sick_day: date | None = None
    known_to_practice_on: date | None = None
    referrer_name: Short | None = None
    manager_id: int | None = None
    company_doctor_id: int | None = None
    priority: bool = False
    participation_basis: Short = "voluntary"
    consent_at_referral: bool = False
    therapist_user_id: int | None = None


class ReferralCreated(msgspec.Struct):
    referral_id: int
    episode_id: int


@post("/api/referrals", opt=roles(Role.THERAPIST, Role.PRACTICE_MANAGER))
async def create_referral(
    request: Request[Any, Any, Any], data: JSONBody[ReferralIn]
) -> ReferralCreated:
    """Register an aanmelding: starts the 10-day screening clock and opens the episode.

    A therapist is assigned to it themselves unless ``therapist_user_id`` names another.
    """
    actor, today, _ = _context(request)
    fields = _fields(data)
    therapist = fields.pop("therapist_user_id") or (
        actor.user_id if actor.role == Role.THERAPIST.value else None
    )
    if therapist is None:
        raise InvalidInput({"therapist_user_id": "name the therapist who takes the case"})
    referral_id, episode_id = await referrals.refer_client(
        actor, today=today, therapist_user_id=therapist, **fields
    )
    return ReferralCreated(referral_id=referral_id, episode_id=episode_id)


# ---------------------------------------------------------------- reading


@get("/api/caseload", opt=THERAPIST)
async def caseload(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """The therapist's current episodes with their open tasks, overdue first."""
    actor, today, settings = _context(request)
    return await episode_queries.caseload(actor, today, settings.time_zone)


@get("/api/monitor", opt=roles(Role.PRACTICE_MANAGER))
async def monitor(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """Wait-time and deadline monitor across therapists: open deadlines, overdue first."""
    actor, today, settings = _context(request)
    return await episode_queries.deadline_monitor(actor, today, settings.time_zone)


@get("/api/episodes/{episode_id:int}", opt=READERS)
async def episode_detail(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> dict[str, Any]:
    """One episode: both tracks, tasks with days left, team, consents, history."""
    actor, today, settings = _context(request)
    return await episode_queries.episode_detail(actor, episode_id, today, settings.time_zone)


# ---------------------------------------------------------------- treatment track


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True):
    to_status: str
    reason: Text | None = None
    on: date | None = None


@post("/api/episodes/{episode_id:int}/transitions", opt=THERAPIST, status_code=200)
async def post_transition(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[TransitionIn]
) -> Done:
    """Move the episode on the treatment track; 409 lists the moves allowed now."""
    actor = await _writer(request, episode_id)
    await episodes.transition(actor, episode_id=episode_id, **_fields(data))
    return Done()


class OutcomeIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str
    note: Text | None = None


@post("/api/episodes/{episode_id:int}/referral-outcome", opt=THERAPIST, status_code=200)
async def post_referral_outcome(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OutcomeIn]
) -> Done:
    """A referral that does not become treatment (declined, not suitable, ...)."""
    actor = await _writer(request, episode_id)
    await referrals.record_referral_outcome(actor, episode_id=episode_id, **_fields(data))
    return Done()


class ScreeningPlanIn(msgspec.Struct, forbid_unknown_fields=True):
    planned_on: date


@post("/api/episodes/{episode_id:int}/screening-plan", opt=THERAPIST, status_code=200)
async def post_screening_plan(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ScreeningPlanIn]
) -> Done:
    actor = await _writer(request, episode_id)
    await episodes.plan_screening(actor, episode_id=episode_id, planned_on=data.planned_on)
    return Done()


class ScreeningIn(msgspec.Struct, forbid_unknown_fields=True):
    held_on: date
    suitable: bool
    diagnosis_category: Short
    proposal: Short
    work_factors: Text | None = None
    functioning_impact: Text | None = None
    complaint_instrument: Short | None = None
    complaint_score: int | None = None
    intervention_need: Text | None = None
    discussed_with_client_on: date | None = None
    late_reason: Text | None = None


@post("/api/episodes/{episode_id:int}/screening", opt=THERAPIST)
async def post_screening(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ScreeningIn]
) -> Done:
    """The Screening's findings (medical); a late screening is recorded with its reason."""
    actor = await _writer(request, episode_id)
    await episodes.record_screening(actor, episode_id=episode_id, **_fields(data))
    return Done()


class ConsultationIn(msgspec.Struct, forbid_unknown_fields=True):
    held_on: date
    contact_id: int | None = None
    recovery_view: Text | None = None
    functioning_before: Text | None = None
    future_view: Text | None = None
    existing_agreements: Text | None = None
    advice_to_manager: Text | None = None


@post("/api/episodes/{episode_id:int}/manager-consultations", opt=THERAPIST)
async def post_consultation(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ConsultationIn]
) -> Done:
    """The consultation with the manager: HSK's four questions and the advice given."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await episodes.record_manager_consultation(actor, episode_id=episode_id, **_fields(data))
    )


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    offer: str
    reason: Text


@post("/api/episodes/{episode_id:int}/offer", opt=THERAPIST, status_code=200)
async def post_offer(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OfferIn]
) -> Done:
    """Change the offer (basic ⇄ Compleet); offer-dependent tasks are re-planned."""
    actor = await _writer(request, episode_id)
    await episodes.change_offer(actor, episode_id=episode_id, **_fields(data))
    return Done()


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    planned_start_on: date | None = None
    sessions_authorised: int | None = None
    briefing_sent_on: date | None = None


@patch("/api/episodes/{episode_id:int}/plan", opt=THERAPIST)
async def patch_plan(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[PlanIn]
) -> Done:
    """Planned start, session budget, or a briefing given outside the service."""
    actor = await _writer(request, episode_id)
    await episodes.update_plan(actor, episode_id=episode_id, **_fields(data))
    return Done()


class HandoverIn(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    leaving_user_id: int
    successor_user_id: int
    on: date
    note: Text | None = None


class HandoverDone(msgspec.Struct):
    notify: list[str]


@post("/api/episodes/{episode_id:int}/handovers", opt=THERAPIST)
async def post_handover(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[HandoverIn]
) -> HandoverDone:
    """Hand a case-team role to a named successor; the leaver loses access that day."""
    actor = await _writer(request, episode_id)
    return HandoverDone(
        notify=await episodes.hand_over(actor, episode_id=episode_id, **_fields(data))
    )


class GoalIn(msgspec.Struct, forbid_unknown_fields=True):
    description: Text
    set_on: date
    easy_first_goal: bool = False


@post("/api/episodes/{episode_id:int}/work-goals", opt=THERAPIST)
async def post_goal(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[GoalIn]
) -> Done:
    """A goal from the @Work gesprek, e.g. an easy first goal: a weekly call with the manager."""
    actor = await _writer(request, episode_id)
    return Done(id=await episodes.add_work_goal(actor, episode_id=episode_id, **_fields(data)))


class AdviceIn(msgspec.Struct, forbid_unknown_fields=True):
    author_role: str
    given_on: date
    content: Text
    conflicts_with_other_advice: bool = False
    conflict_note: Text | None = None


@post("/api/episodes/{episode_id:int}/advice", opt=THERAPIST)
async def post_advice(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AdviceIn]
) -> Done:
    """Advice of a party (capacity advice, treatment advice) with a conflict flag."""
    actor = await _writer(request, episode_id)
    return Done(id=await episodes.record_advice(actor, episode_id=episode_id, **_fields(data)))


class RelapsePlanIn(msgspec.Struct, forbid_unknown_fields=True):
    drawn_up_on: date
    warning_signs: Text
    actions: Text
    work_situation: Text
    share_work_section_with_employer: bool = False


@post("/api/episodes/{episode_id:int}/relapse-prevention-plan", opt=THERAPIST, status_code=200)
async def post_relapse_plan(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[RelapsePlanIn]
) -> Done:
    """The relapse-prevention plan drawn up at the end of treatment."""
    actor = await _writer(request, episode_id)
    await episodes.record_relapse_prevention_plan(actor, episode_id=episode_id, **_fields(data))
    return Done()


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    held_on: date
    response: str
    relapse: bool | None = None
    complaint_score: int | None = None


@post("/api/episodes/{episode_id:int}/follow-ups", opt=THERAPIST)
async def post_follow_up(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[FollowUpIn]
) -> Done:
    """A follow-up conversation or measurement (done, unreachable or declined)."""
    actor = await _writer(request, episode_id)
    return Done(id=await episodes.record_follow_up(actor, episode_id=episode_id, **_fields(data)))


class OverrideIn(msgspec.Struct, forbid_unknown_fields=True):
    task_key: Annotated[str, msgspec.Meta(max_length=64)]
    reason: Text


@post("/api/episodes/{episode_id:int}/task-overrides", opt=THERAPIST, status_code=200)
async def post_override(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OverrideIn]
) -> Done:
    """Silence a deadline warning with a reason (never a block)."""
    actor = await _writer(request, episode_id)
    await episodes.override_task(actor, episode_id=episode_id, **_fields(data))
    return Done()


# ---------------------------------------------------------------- work track


class ParticipationIn(msgspec.Struct, forbid_unknown_fields=True):
    measured_on: date
    own_work_hours: Decimal
    adapted_work_hours: Decimal = Decimal(0)
    therapeutic_hours: Decimal = Decimal(0)
    productive_hours: Decimal = Decimal(0)
    source: str = "client"
    moment: str = "interim"


@post("/api/episodes/{episode_id:int}/work-participation", opt=THERAPIST)
async def post_participation(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ParticipationIn]
) -> Done:
    """Hours worked per week by kind; volume % is computed against the contract then."""
    actor = await _writer(request, episode_id)
    return Done(id=await work.record_participation(actor, episode_id=episode_id, **_fields(data)))


class ContractIn(msgspec.Struct, forbid_unknown_fields=True):
    valid_from: date
    hours: Decimal


@post("/api/episodes/{episode_id:int}/contract-hours", opt=THERAPIST)
async def post_contract(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ContractIn]
) -> Done:
    """A new contract period for the client's employment (the old one is kept)."""
    from practice.services import parties
    from practice.tables import TreatmentEpisode

    actor = await _writer(request, episode_id)
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.employment)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None or row["employment"] is None:
        raise InvalidInput({"episode_id": "the episode has no employment"})
    await parties.change_contract_hours(
        actor, employment_id=int(row["employment"]), **_fields(data)
    )
    return Done()


class AbsenceIn(msgspec.Struct, forbid_unknown_fields=True):
    absence_type: str
    first_sick_day: date
    reported_on: date | None = None
    previous_id: int | None = None


@post("/api/episodes/{episode_id:int}/absences", opt=THERAPIST)
async def post_absence(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AbsenceIn]
) -> Done:
    """A new absence; a relapse links to the earlier one (previous_id)."""
    actor = await _writer(request, episode_id)
    return Done(id=await work.record_absence(actor, episode_id=episode_id, **_fields(data)))


class RecoveryIn(msgspec.Struct, forbid_unknown_fields=True):
    full_recovery_on: date


@post(
    "/api/episodes/{episode_id:int}/absences/{absence_id:int}/recovery",
    opt=THERAPIST,
    status_code=200,
)
async def post_recovery(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    absence_id: FromPath[int],
    data: JSONBody[RecoveryIn],
) -> Done:
    actor = await _writer(request, episode_id)
    await work.record_recovery(
        actor, episode_id=episode_id, absence_id=absence_id, full_recovery_on=data.full_recovery_on
    )
    return Done()


class AgreementIn(msgspec.Struct, forbid_unknown_fields=True):
    agreed_on: date
    description: Text
    hours_per_week: Decimal | None = None
    starts_on: date | None = None
    status: str = "agreed"


@post("/api/episodes/{episode_id:int}/agreements", opt=THERAPIST)
async def post_agreement(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AgreementIn]
) -> Done:
    """An agreement about work resumption (visible to the employer)."""
    actor = await _writer(request, episode_id)
    return Done(id=await work.record_agreement(actor, episode_id=episode_id, **_fields(data)))


class AgreementStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: str


@patch("/api/episodes/{episode_id:int}/agreements/{agreement_id:int}", opt=THERAPIST)
async def patch_agreement(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    agreement_id: FromPath[int],
    data: JSONBody[AgreementStatusIn],
) -> Done:
    actor = await _writer(request, episode_id)
    await work.update_agreement_status(
        actor, episode_id=episode_id, agreement_id=agreement_id, status=data.status
    )
    return Done()


# ---------------------------------------------------------------- consent


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    recipient: str
    purpose: str
    given_at: datetime
    recipient_user_id: int | None = None


@post("/api/episodes/{episode_id:int}/consents", opt=THERAPIST)
async def post_consent(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ConsentIn]
) -> Done:
    """The client's consent for one recipient and purpose."""
    actor, today, _ = _context(request)
    client_id = await access_episode(actor, episode_id, today, write=True)
    return Done(id=await consents.give_consent(actor, client_id=client_id, **_fields(data)))


class WithdrawalIn(msgspec.Struct, forbid_unknown_fields=True):
    withdrawn_at: datetime


@post(
    "/api/episodes/{episode_id:int}/consents/{consent_id:int}/withdrawal",
    opt=THERAPIST,
    status_code=200,
)
async def post_withdrawal(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    consent_id: FromPath[int],
    data: JSONBody[WithdrawalIn],
) -> Done:
    """Withdraw a consent: no further sends to that recipient for that purpose."""
    actor, today, _ = _context(request)
    client_id = await access_episode(actor, episode_id, today, write=True)
    await consents.withdraw_consent(
        actor, client_id=client_id, consent_id=consent_id, withdrawn_at=data.withdrawn_at
    )
    return Done()


router = Router(
    path="/",
    route_handlers=[
        create_referral,
        caseload,
        monitor,
        episode_detail,
        post_transition,
        post_referral_outcome,
        post_screening_plan,
        post_screening,
        post_consultation,
        post_offer,
        patch_plan,
        post_handover,
        post_goal,
        post_advice,
        post_relapse_plan,
        post_follow_up,
        post_override,
        post_participation,
        post_contract,
        post_absence,
        post_recovery,
        post_agreement,
        patch_agreement,
        post_consent,
        post_withdrawal,
    ],
)
