"""Importing a referral from a FHIR R5 Bundle: load → decide → store.

The bundle has been parsed already (``reporting.fhir.referral_parse``, pure). Here
``import_referral`` matches the employer, picks the therapist, and registers the client and
the referral in one write transaction (``register_client`` and ``refer_client`` join it),
checking everything it can *before* the first write, so a refusal writes nothing.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from practice.accounts import Role
from practice.audit.trail import Actor
from practice.case_team import active_on
from practice.episodes import OPEN_STATUSES
from practice.errors import DomainError, InvalidInput
from practice.platform.db import write_tx
from practice.services import parties, referrals
from practice.tables import (
    CaseAssignment,
    CompanyDoctor,
    Employer,
    Therapist,
    TherapistAffiliation,
)
from reporting.fhir.referral_parse import BundleRejected, Issue, ReferralRequest


@dataclass(frozen=True)
class ImportResult:
    client_id: int
    referral_id: int
    episode_id: int
    therapist_user_id: int


# ---------------------------------------------------------------- into the database


async def _employer(request: ReferralRequest) -> dict[str, Any]:
    """By this service's identifier first, then by name (case and spacing ignored)."""
    if request.employer_ids:
        rows = await Employer.select(Employer.id, Employer.default_offer).where(
            Employer.id.is_in(list(request.employer_ids))
        )
        if rows:
            return dict(rows[0])
    if request.employer_name:
        wanted = " ".join(request.employer_name.split()).casefold()
        for row in await Employer.select(Employer.id, Employer.name, Employer.default_offer):
            if " ".join(str(row["name"]).split()).casefold() == wanted:
                return dict(row)
    raise BundleRejected(
        422,
        [
            Issue(
                "not-found",
                "the employer is not known to the practice (matched by identifier or name)",
                "Organization",
            )
        ],
    )


async def therapist_loads(today: date) -> dict[int, tuple[int, int]]:
    """Registered therapists (active accounts): user id -> (capacity, live episodes now)."""
    therapists = await Therapist.select(Therapist.user, Therapist.capacity).where(
        Therapist.user._.active == True  # noqa: E712 - SQL, not Python
    )
    assignments = await CaseAssignment.select(
        CaseAssignment.user, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where(
        (CaseAssignment.team_role == "therapist")
        & CaseAssignment.episode._.status.is_in([status.value for status in OPEN_STATUSES])
    )
    live: dict[int, int] = defaultdict(int)
    for a in assignments:
        if active_on(a["valid_from"], a["valid_to"], today):
            live[int(a["user"])] += 1
    return {int(t["user"]): (int(t["capacity"]), live[int(t["user"])]) for t in therapists}


def choose_therapist(loads: Mapping[int, tuple[int, int]], excluded: Iterable[int]) -> int | None:
    """The therapist with the most free capacity (capacity - live episodes); on a tie, the
    lowest user id, so the choice is repeatable. Pure."""
    skip = set(excluded)
    candidates = [
        (capacity - live, -user_id, user_id)
        for user_id, (capacity, live) in loads.items()
        if user_id not in skip
    ]
    return max(candidates)[2] if candidates else None


async def _conflicted_therapists(employer_id: int) -> set[int]:
    rows = await TherapistAffiliation.select(
        TherapistAffiliation.therapist._.user.as_alias("user")
    ).where(TherapistAffiliation.employer == employer_id)
    return {int(r["user"]) for r in rows}


async def _therapist(employer_id: int, today: date, requested: int | None) -> int:
    loads = await therapist_loads(today)
    conflicted = await _conflicted_therapists(employer_id)
    if requested is not None:
        if requested not in loads:
            problem = "not a registered therapist"
        elif requested in conflicted:
            problem = "this therapist works for the client's employer (conflict of interest)"
        else:
            return requested
        raise BundleRejected(422, [Issue("business-rule", problem, "therapist_user_id")])
    chosen = choose_therapist(loads, conflicted)
    if chosen is None:
        raise BundleRejected(
            422,
            [Issue("business-rule", "no therapist without a tie to this employer is registered")],
        )
    return chosen


async def _company_doctor(actor: Actor, request: ReferralRequest) -> int | None:
    """The posting company doctor's own record; for others, the requester by e-mail."""
    if actor.role == Role.COMPANY_DOCTOR.value and actor.user_id is not None:
        row = (
            await CompanyDoctor.select(CompanyDoctor.id)
            .where(CompanyDoctor.user == actor.user_id)
            .first()
        )
        if row is not None:
            return int(row["id"])
    if request.referrer_email:
        row = (
            await CompanyDoctor.select(CompanyDoctor.id)
            .where(CompanyDoctor.email == request.referrer_email.lower())
            .first()
        )
        if row is not None:
            return int(row["id"])
    return None


def _rule_issues(problems: Mapping[str, str], request: ReferralRequest) -> list[Issue]:
    return [
        Issue("business-rule", f"{name}: {problem}", request.expressions.get(name))
        for name, problem in problems.items()
    ]


async def import_referral(
    actor: Actor,
    request: ReferralRequest,
    *,
    today: date,
    therapist_user_id: int | None = None,
) -> ImportResult:
    """Register the client and the referral (the screening clock starts) in one transaction.

    The therapist is ``therapist_user_id`` when given, otherwise the registered therapist with
    the most free capacity who has no tie to the employer. BundleRejected (422) otherwise;
    every check runs before the first write.
    """
    try:
        async with write_tx():
            employer = await _employer(request)
            employer_id = int(employer["id"])
            offer = request.requested_offer or str(employer["default_offer"])
            problems = referrals.referral_problems(
                received_at=request.received_at,
                referrer_type=request.referrer_type,
                requested_offer=offer,
                absence_status=request.absence_status,
                first_sick_day=request.first_sick_day,
                today=today,
            )
            if request.email is not None and "@" not in request.email:
                problems["email"] = "not a valid e-mail address"
            if problems:
                raise BundleRejected(422, _rule_issues(problems, request))
            therapist = await _therapist(employer_id, today, therapist_user_id)
            doctor_id = await _company_doctor(actor, request)
            received_on = request.received_at.date()  # as refer_client counts it
            contract_from = min(d for d in (request.first_sick_day, received_on) if d is not None)
            client_id, _ = await parties.register_client(
                actor,
                name=request.client_name,
                employer_id=employer_id,
                contract_hours=request.contract_hours,
                contract_from=contract_from,
                date_of_birth=request.date_of_birth,
                email=request.email,
                phone=request.phone,
            )
            referral_id, episode_id = await referrals.refer_client(
                actor,
                today=today,
                client_id=client_id,
                received_at=request.received_at,
                referrer_type=request.referrer_type,
                therapist_user_id=therapist,
                requested_offer=offer,
                absence_status=request.absence_status,
                first_sick_day=request.first_sick_day,
                known_to_practice_on=request.known_to_practice_on or today,
                referrer_name=request.referrer_name,
                company_doctor_id=doctor_id,
                priority=request.priority,
                participation_basis=request.participation_basis,
                consent_at_referral=request.consent_at_referral and doctor_id is not None,
            )
    except InvalidInput as exc:
        raise BundleRejected(422, _rule_issues(exc.fields, request)) from None
    except DomainError as exc:
        raise BundleRejected(422, [Issue("business-rule", exc.message)]) from None
    return ImportResult(client_id, referral_id, episode_id, therapist)
