"""The work track (tweesporenbeleid): participation, contract hours, work-resumption agreements.

Absences, their links and leave are the absence record's (``practice.services.absences``).
"""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import InvalidInput, NotFound, one_of
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.services import capacity, parties
from practice.services.employer_text import refuse_medical
from practice.services.episodes import clock, episode_dates, refuse
from practice.tables import (
    ContractHours,
    TreatmentEpisode,
    WorkParticipation,
    WorkResumptionAgreement,
)
from practice.work_participation import hours_to_minutes

PURPOSE = "treatment"
SOURCES = ("client", "employer", "company_doctor", "therapist")
MOMENTS = ("begin", "interim", "end", "follow_up")
AGREEMENT_STATUSES = ("agreed", "in_progress", "met", "revised", "abandoned")

NO_EMPLOYMENT = N_("This client has no employment to record work for.")


async def _episode(episode_id: int) -> dict[str, object]:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client, TreatmentEpisode.employment)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        raise NotFound("No such episode.")
    if row["employment"] is None:
        raise InvalidInput({"episode_id": NO_EMPLOYMENT})
    return row


async def change_contract_hours(
    actor: Actor,
    *,
    episode_id: int,
    valid_from: date,
    hours: Decimal,
    days_per_week: Decimal | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """A new contract period for the employment of the episode (the old one is kept)."""
    row = await _episode(episode_id)
    await parties.change_contract_hours(
        actor,
        employment_id=int(str(row["employment"])),
        valid_from=valid_from,
        hours=hours,
        days_per_week=days_per_week,
        today=clock(today, tz)[0],
    )


async def contract_hours_on(employment_id: int, day: date) -> Decimal | None:
    """The contract's hours a week on ``day``: the latest period started by then, if any."""
    row = (
        await ContractHours.select(ContractHours.minutes_per_week)
        .where((ContractHours.employment == employment_id) & (ContractHours.valid_from <= day))
        .order_by(ContractHours.valid_from, ascending=False)
        .first()
    )
    return None if row is None else Decimal(int(row["minutes_per_week"])) / 60


async def record_participation(
    actor: Actor,
    *,
    episode_id: int,
    measured_on: date,
    own_work_hours: Decimal,
    adapted_work_hours: Decimal = Decimal(0),
    therapeutic_hours: Decimal = Decimal(0),
    productive_hours: Decimal = Decimal(0),
    source: str = "client",
    moment: str = "interim",
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """Hours worked per week on a date, by kind; volume % follows from the contract then."""
    problems: dict[str, str] = {}
    minutes: dict[str, int] = {}
    for name, value in (
        ("own_work_hours", own_work_hours),
        ("adapted_work_hours", adapted_work_hours),
        ("therapeutic_hours", therapeutic_hours),
        ("productive_hours", productive_hours),
    ):
        try:
            minutes[name] = hours_to_minutes(value, name)
        except InvalidInput as exc:
            problems.update(exc.fields)
    if source not in SOURCES:
        problems["source"] = one_of(SOURCES)
    if moment not in MOMENTS:
        problems["moment"] = one_of(MOMENTS)
    if problems:
        raise InvalidInput(problems)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await _episode(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        contract = await contract_hours_on(int(str(row["employment"])), measured_on)
        refuse(
            timeline.after_referral("measurement", "measured_on", measured_on, referred_on, day)
            | timeline.hours_problems(own_work_hours, adapted_work_hours, contract)
        )
        rows = await WorkParticipation.insert(
            WorkParticipation(
                employment=row["employment"],
                episode=episode_id,
                measured_on=measured_on,
                own_work_minutes=minutes["own_work_hours"],
                adapted_work_minutes=minutes["adapted_work_hours"],
                therapeutic_minutes=minutes["therapeutic_hours"],
                productive_minutes=minutes["productive_hours"],
                source=source,
                moment=moment,
            )
        ).returning(WorkParticipation.id)
        await audit.record(
            actor,
            Action.CREATE,
            "work_participation",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=int(str(row["client"])),
        )
        # Hours over the capacity advice in force that week: the company doctor hears of it.
        await capacity.tell_company_doctors(episode_id, day, zone)
    return int(rows[0]["id"])


async def record_agreement(
    actor: Actor,
    *,
    episode_id: int,
    agreed_on: date,
    description: str,
    hours_per_week: Decimal | None = None,
    starts_on: date | None = None,
    status: str = "agreed",
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """An agreement about work resumption: the part of the episode the employer may see."""
    problems: dict[str, str] = {}
    if not description.strip():
        problems["description"] = "required"
    if status not in AGREEMENT_STATUSES:
        problems["status"] = one_of(AGREEMENT_STATUSES)
    minutes = None
    if hours_per_week is not None:
        problems.update(timeline.week_hours_problems("hours_per_week", hours_per_week))
        try:
            minutes = hours_to_minutes(hours_per_week, "hours_per_week")
        except InvalidInput as exc:
            problems.update(exc.fields)
    if problems:
        raise InvalidInput(problems)
    # The employer reads the agreement as written: nothing medical may be in it (422).
    refuse_medical(description=description)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await _episode(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        timing = timeline.after_referral("agreement", "agreed_on", agreed_on, referred_on, day)
        if starts_on is not None:
            timing |= timeline.after_referral("agreement", "starts_on", starts_on, referred_on, day)
        refuse(timing)
        rows = await WorkResumptionAgreement.insert(
            WorkResumptionAgreement(
                episode=episode_id,
                agreed_on=agreed_on,
                description=description.strip(),
                hours_per_week_minutes=minutes,
                starts_on=starts_on,
                status=status,
            )
        ).returning(WorkResumptionAgreement.id)
        await audit.record(
            actor,
            Action.CREATE,
            "agreement",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=int(str(row["client"])),
        )
        # An agreement over the capacity advice in force on its day: the company doctor hears of it.
        await capacity.tell_company_doctors(episode_id, day, zone)
    return int(rows[0]["id"])


async def update_agreement_status(
    actor: Actor, *, episode_id: int, agreement_id: int, status: str
) -> None:
    if status not in AGREEMENT_STATUSES:
        raise InvalidInput({"status": one_of(AGREEMENT_STATUSES)})
    async with write_tx():
        row = await _episode(episode_id)
        updated = (
            await WorkResumptionAgreement.update({WorkResumptionAgreement.status: status})
            .where(
                (WorkResumptionAgreement.id == agreement_id)
                & (WorkResumptionAgreement.episode == episode_id)
            )
            .returning(WorkResumptionAgreement.id)
        )
        if not updated:
            raise NotFound("No such agreement for this episode.")
        await audit.record(
            actor,
            Action.UPDATE,
            "agreement",
            agreement_id,
            purpose=PURPOSE,
            client_id=int(str(row["client"])),
        )
