"""JSON API of the work track (tweesporenbeleid) and of the client's consents.

Participation, contract hours and work-resumption agreements are what the employer side
may see (the absence record is ``practice.web.absences``); consents decide whether
anything is sent to it at all.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, patch, post
from litestar.params import FromPath, JSONBody

from practice.audit.trail import Actor
from practice.errors import InvalidInput
from practice.platform.i18n import N_
from practice.queries.episodes import access_episode
from practice.services import consents, work
from practice.web.episode_common import (
    THERAPIST,
    Done,
    Text,
    clock,
    episode_writer,
    fields_of,
    request_context,
)

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
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await work.record_participation(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class ContractIn(msgspec.Struct, forbid_unknown_fields=True):
    valid_from: date
    hours: Decimal
    days_per_week: Decimal | None = None  # in half days: 4.5


@post("/api/episodes/{episode_id:int}/contract-hours", opt=THERAPIST)
async def post_contract(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ContractIn]
) -> Done:
    """A new contract period for the client's employment (the old one is kept)."""
    actor = await episode_writer(request, episode_id)
    await work.change_contract_hours(
        actor, episode_id=episode_id, **fields_of(data), **clock(request)
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
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await work.record_agreement(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class AgreementStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: str


@patch("/api/episodes/{episode_id:int}/agreements/{agreement_id:int}", opt=THERAPIST)
async def patch_agreement(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    agreement_id: FromPath[int],
    data: JSONBody[AgreementStatusIn],
) -> Done:
    actor = await episode_writer(request, episode_id)
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
    actor, today, _ = request_context(request)
    client_id = await access_episode(actor, episode_id, today, write=True)
    return Done(id=await consents.give_consent(actor, client_id=client_id, **fields_of(data)))


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
    actor, today, _ = request_context(request)
    client_id = await access_episode(actor, episode_id, today, write=True)
    await consents.withdraw_consent(
        actor, client_id=client_id, consent_id=consent_id, withdrawn_at=data.withdrawn_at
    )
    return Done()


# ---------------------------------------------------------------- the client page's forms


class WithdrawalFormIn(msgspec.Struct, forbid_unknown_fields=True):
    """The client page's withdrawal: now, once the therapist ticked the confirmation."""

    confirmed: bool = False


CONFIRM_WITHDRAWAL = N_("Tick the box to confirm that the client withdraws this consent.")


async def withdraw_confirmed(
    actor: Actor,
    *,
    episode_id: int,
    consent_id: int,
    confirmed: bool,
    today: date,
    tz: ZoneInfo,
) -> None:
    """A withdrawal from the client page takes effect now; without the tick nothing happens."""
    if not confirmed:
        raise InvalidInput({"confirmed": CONFIRM_WITHDRAWAL})
    await consents.withdraw_episode_consent(
        actor, episode_id=episode_id, consent_id=consent_id, withdrawn_at=datetime.now(tz)
    )


router = Router(
    path="/",
    route_handlers=[
        post_participation,
        post_contract,
        post_agreement,
        patch_agreement,
        post_consent,
        post_withdrawal,
    ],
)
