"""Reads of the capacity-advice loop: the facts the rules judge, and what the advisers see.

The facts (``practice.capacity``) are loaded for many episodes at once, for the task list;
the page of one episode (the capacity advice in force, every advice, the conflicts with
their resolutions, the consultations) is read by the advisers of the case only
(``Need.ADVICE_READ``), and that read is audited naming the client.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from practice import capacity
from practice.access_policy import Need, decide
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.capacity import (
    AdviceFact,
    AgreementFact,
    CapacityFacts,
    HoursFact,
    Resolution,
)
from practice.case_team import TeamRole
from practice.name_search import name_matches
from practice.platform.db import among, write_tx
from practice.queries.access import authorize, relations, seat_active_on
from practice.tables import (
    Advice,
    AdviceConflictResolution,
    CaseAssignment,
    CompanyDoctorConsultation,
    TreatmentEpisode,
    WorkParticipation,
    WorkResumptionAgreement,
)

PURPOSE = "treatment"


def advice_fact(row: dict[str, Any]) -> AdviceFact:
    return AdviceFact(
        id=int(row["id"]),
        author_role=row["author_role"],
        given_on=row["given_on"],
        valid_until=row["valid_until"],
        hours_per_day_minutes=row["hours_per_day_minutes"],
        hours_per_week_minutes=row["hours_per_week_minutes"],
        flagged=bool(row["conflicts_with_other_advice"]),
    )


async def capacity_facts(episode_ids: Sequence[int]) -> dict[int, CapacityFacts]:
    """The facts of many episodes in four queries (one per table)."""
    if not episode_ids:
        return {}
    ids = list(episode_ids)
    advice: dict[int, list[AdviceFact]] = defaultdict(list)
    for row in await Advice.select(
        Advice.id,
        Advice.episode,
        Advice.author_role,
        Advice.given_on,
        Advice.valid_until,
        Advice.hours_per_day_minutes,
        Advice.hours_per_week_minutes,
        Advice.conflicts_with_other_advice,
    ).where(among(Advice.episode, ids)):
        advice[int(row["episode"])].append(advice_fact(row))
    agreements: dict[int, list[AgreementFact]] = defaultdict(list)
    for row in await WorkResumptionAgreement.select(
        WorkResumptionAgreement.id,
        WorkResumptionAgreement.episode,
        WorkResumptionAgreement.agreed_on,
        WorkResumptionAgreement.starts_on,
        WorkResumptionAgreement.hours_per_week_minutes,
        WorkResumptionAgreement.status,
    ).where(among(WorkResumptionAgreement.episode, ids)):
        agreements[int(row["episode"])].append(
            AgreementFact(
                int(row["id"]),
                row["agreed_on"],
                row["starts_on"],
                row["hours_per_week_minutes"],
                row["status"],
            )
        )
    hours: dict[int, list[HoursFact]] = defaultdict(list)
    for row in await WorkParticipation.select(
        WorkParticipation.id,
        WorkParticipation.episode,
        WorkParticipation.measured_on,
        WorkParticipation.own_work_minutes,
        WorkParticipation.adapted_work_minutes,
        WorkParticipation.therapeutic_minutes,
        WorkParticipation.productive_minutes,
    ).where(among(WorkParticipation.episode, ids)):
        worked = sum(
            int(row[k] or 0)
            for k in (
                "own_work_minutes",
                "adapted_work_minutes",
                "therapeutic_minutes",
                "productive_minutes",
            )
        )
        hours[int(row["episode"])].append(HoursFact(int(row["id"]), row["measured_on"], worked))
    resolutions: dict[int, dict[str, Resolution]] = defaultdict(dict)
    for row in await AdviceConflictResolution.select(
        AdviceConflictResolution.episode,
        AdviceConflictResolution.conflict_key,
        AdviceConflictResolution.resolved_on,
        AdviceConflictResolution.note,
    ).where(among(AdviceConflictResolution.episode, ids)):
        resolutions[int(row["episode"])][row["conflict_key"]] = Resolution(
            row["resolved_on"], row["note"]
        )
    return {
        e: CapacityFacts(
            tuple(advice.get(e, ())),
            tuple(agreements.get(e, ())),
            tuple(hours.get(e, ())),
            resolutions.get(e, {}),
        )
        for e in ids
    }


def conflict_json(conflict: capacity.AdviceConflict) -> dict[str, Any]:
    resolution = conflict.resolution
    return {
        "key": conflict.key,
        "kind": conflict.kind.value,
        "on": conflict.on,
        "subject_id": conflict.subject_id,
        "advice_id": conflict.advice_id,
        "found_hours": capacity.hours_text(conflict.found_minutes) or None,
        "advised_hours": capacity.hours_text(conflict.advised_minutes) or None,
        "open": resolution is None,
        "resolved_on": None if resolution is None else resolution.resolved_on,
        "resolution_note": None if resolution is None else resolution.note,
    }


async def capacity_view(episode_id: int, today: date) -> dict[str, Any]:
    """The loop of one episode as the advisers see it; the caller has checked access."""
    facts = (await capacity_facts([episode_id]))[episode_id]
    in_force = capacity.capacity_advice_in_force(facts.advice, today, today)
    advice = await (
        Advice.select(
            *Advice.all_columns(),
        )
        .where(Advice.episode == episode_id)
        .order_by(Advice.given_on)
        .order_by(Advice.id)
    )
    for row in advice:
        row["hours_per_day"] = capacity.hours_text(row["hours_per_day_minutes"]) or None
        row["hours_per_week"] = capacity.hours_text(row["hours_per_week_minutes"]) or None
    resolvers = {
        row["conflict_key"]: row["resolved_by_name"]
        for row in await AdviceConflictResolution.select(
            AdviceConflictResolution.conflict_key,
            AdviceConflictResolution.resolved_by._.display_name.as_alias("resolved_by_name"),
        ).where(AdviceConflictResolution.episode == episode_id)
    }
    found = [
        conflict_json(c) | {"resolved_by": resolvers.get(c.key)}
        for c in capacity.conflicts(facts, today)
    ]
    consultations = await (
        CompanyDoctorConsultation.select(
            *CompanyDoctorConsultation.all_columns(),
            CompanyDoctorConsultation.recorded_by._.display_name.as_alias("recorded_by_name"),
        )
        .where(CompanyDoctorConsultation.episode == episode_id)
        .order_by(CompanyDoctorConsultation.held_on, ascending=False)
        .order_by(CompanyDoctorConsultation.id, ascending=False)
    )
    return {
        "in_force": None
        if in_force is None
        else next(row for row in advice if int(row["id"]) == in_force.id),
        "advice": advice,
        "conflicts": found,
        "open_conflicts": sum(1 for c in found if c["open"]),
        "consultations": consultations,
    }


async def read_capacity(actor: Actor, episode_id: int, today: date) -> dict[str, Any]:
    """The loop of one episode for one of its advisers (the therapist or the company doctor
    of the case); 404 (audited) for anyone else, the read audited naming the client."""
    client_id = await authorize(actor, episode_id, Need.ADVICE_READ, today)
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.status, TreatmentEpisode.client._.name.as_alias("client_name")
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None  # authorize found it
    view = await capacity_view(episode_id, today)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "capacity_advice", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return {
        "id": episode_id,
        "status": row["status"],
        "client": {"id": client_id, "name": row["client_name"]},
        **view,
    }


async def doctor_cases(actor: Actor, today: date, search: str = "") -> list[dict[str, Any]]:
    """Every case the company doctor may read the advice of today, with its conflicts still
    open: the inbox's notice, linking each case's page, documents sent or not (with
    ``search``, of the clients whose name holds it). Each client it names gets an audit row."""
    seats = await CaseAssignment.select(CaseAssignment.episode).where(
        (CaseAssignment.user == actor.user_id)
        & (CaseAssignment.team_role == TeamRole.COMPANY_DOCTOR.value)
        & seat_active_on(today)
    )
    held = await relations(
        actor.user_id, sorted({int(s["episode"]) for s in seats}), today, role=actor.role
    )
    ids = [e for e, r in sorted(held.items()) if decide(actor.role or "", Need.ADVICE_READ, r)]
    if not ids:
        return []
    facts = await capacity_facts(ids)
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.status,
        TreatmentEpisode.client.as_alias("client_id"),
        TreatmentEpisode.client._.name.as_alias("client_name"),
    ).where(among(TreatmentEpisode.id, ids))
    rows = [r for r in rows if name_matches(search, r["client_name"])]
    if not rows:
        return []
    async with write_tx():
        await audit.record_many(
            actor,
            Action.SEARCH,
            "capacity_cases",
            [(int(r["id"]), int(r["client_id"])) for r in sorted(rows, key=lambda r: r["id"])],
            purpose=PURPOSE,
        )
    return sorted(
        (
            {
                "episode_id": int(r["id"]),
                "client_name": r["client_name"],
                # Where the treatment stands: a case that ended reads as ended.
                "status": r["status"],
                "open_conflicts": len(capacity.open_conflicts(facts[int(r["id"])], today)),
            }
            for r in rows
        ),
        key=lambda c: (-c["open_conflicts"], str(c["client_name"])),
    )
