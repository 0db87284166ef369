"""JSON API of the treatment episode: referral, reading, and the moves on the treatment track.

What is agreed during treatment has its doors in ``practice.web.treatment_plan``, the work
track and consents in ``practice.web.work``. Every write goes: access check (the therapist
of record; 404 otherwise) → one service.
"""

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Request, Router, get, patch, post
from litestar.params import FromPath, JSONBody

from practice.accounts import Role
from practice.errors import InvalidInput
from practice.queries import caseload as caseload_queries
from practice.queries import episode_detail as detail_queries
from practice.services import episodes, referrals
from practice.web.auth import roles
from practice.web.episode_common import (
    READERS,
    THERAPIST,
    Done,
    Short,
    Text,
    clock,
    episode_writer,
    fields_of,
    request_context,
)

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
    # The absence it treats (else the open one, or a new one) and the episode it follows.
    absence_id: int | None = None
    follows_episode_id: int | None = None


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
    actor, today, _ = request_context(request)
    fields = fields_of(data)
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
    actor, today, settings = request_context(request)
    return await caseload_queries.caseload(actor, today, settings.time_zone)


@get("/api/monitor", opt=roles(Role.PRACTICE_MANAGER))
async def monitor(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """Wait-time and deadline monitor across therapists: open deadlines, overdue first."""
    actor, today, settings = request_context(request)
    return await caseload_queries.deadline_monitor(actor, today, settings.time_zone)


@get("/api/episodes/{episode_id:int}", opt=READERS)
async def episode_detail(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> dict[str, Any]:
    """One episode: both tracks, tasks with days left, team, consents, history."""
    actor, today, settings = request_context(request)
    return await detail_queries.episode_detail(actor, episode_id, today, settings.time_zone)


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
    actor = await episode_writer(request, episode_id)
    await episodes.transition(actor, episode_id=episode_id, **fields_of(data), **clock(request))
    return Done()


class OutcomeIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str
    note: Text | None = None


@post("/api/episodes/{episode_id:int}/referral-outcome", opt=THERAPIST, status_code=200)
async def post_referral_outcome(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OutcomeIn]
) -> Done:
    """A referral that does not become treatment (declined, not suitable, ...)."""
    actor = await episode_writer(request, episode_id)
    await referrals.record_referral_outcome(actor, episode_id=episode_id, **fields_of(data))
    return Done()


class ScreeningPlanIn(msgspec.Struct, forbid_unknown_fields=True):
    planned_on: date


@post("/api/episodes/{episode_id:int}/screening-plan", opt=THERAPIST, status_code=200)
async def post_screening_plan(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ScreeningPlanIn]
) -> Done:
    actor = await episode_writer(request, episode_id)
    await episodes.plan_screening(
        actor, episode_id=episode_id, planned_on=data.planned_on, **clock(request)
    )
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
    actor = await episode_writer(request, episode_id)
    await episodes.record_screening(
        actor,
        episode_id=episode_id,
        **fields_of(data),
        **clock(request),
        queue=request.app.state.queue,
    )
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
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await episodes.record_manager_consultation(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    offer: str
    reason: Text


@post("/api/episodes/{episode_id:int}/offer", opt=THERAPIST, status_code=200)
async def post_offer(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OfferIn]
) -> Done:
    """Change the offer (basic ⇄ Compleet); offer-dependent tasks are re-planned."""
    actor = await episode_writer(request, episode_id)
    await episodes.change_offer(actor, episode_id=episode_id, **fields_of(data))
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
    actor = await episode_writer(request, episode_id)
    await episodes.update_plan(actor, episode_id=episode_id, **fields_of(data), **clock(request))
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
    ],
)
