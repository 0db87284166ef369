"""The treatment track of an episode: status moves, screening, manager consultation, offer, plan.

Deadlines are never enforced here: a late screening is recorded like a timely one, and the
task list (``practice.tasks``) shows it as late with its reason. The case team lives in
``practice.services.case_team``; what is agreed during treatment (goals, advice, relapse plan,
follow-ups, silenced warnings) in ``practice.services.treatment_plan``.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.episodes import EpisodeStatus, InvalidTransition, Offer, check_transition
from practice.errors import Conflict, InvalidInput, Message, NotFound, between, one_of
from practice.labels import OFFER_LABELS, STATUS_LABELS
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.queue import JobQueue, enqueue_after_commit, sweep_episode_job
from practice.screening import Proposal, screening_problems
from practice.tables import (
    EmployerContact,
    ManagerConsultation,
    OfferChange,
    Screening,
    StatusChange,
    TreatmentEpisode,
)

PURPOSE = "treatment"
# The sessions a plan may authorise (the plan form says so too): more is a typing error.
MAX_SESSIONS = 200


def clock(today: date | None, tz: ZoneInfo | None) -> tuple[date, ZoneInfo]:
    """Today and the practice's zone, as the door passed them. A caller that passes neither
    (a form door not yet updated, a script) gets UTC: at most a day off around midnight,
    which no timeline rule is sharp enough to notice but "the same day as the referral"."""
    zone = tz or ZoneInfo("UTC")
    return today or datetime.now(zone).date(), zone


@dataclass(frozen=True)
class EpisodeDates:
    """The episode's own timeline, as far as the date rules (``practice.timeline``) need."""

    referred_on: date
    screening_held_on: date | None
    closed_on: date | None


async def episode_dates(episode_id: int, tz: ZoneInfo) -> EpisodeDates:
    """The referral day (a local date in the practice's zone), the screening and the closing."""
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.referral._.received_at.as_alias("received_at"),
            TreatmentEpisode.screening_held_on,
            TreatmentEpisode.closed_on,
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        raise NotFound("No such episode.")
    received_at: datetime = row["received_at"]
    return EpisodeDates(
        referred_on=received_at.astimezone(tz).date(),
        screening_held_on=row["screening_held_on"],
        closed_on=row["closed_on"],
    )


def refuse(problems: timeline.Problems) -> None:
    """One 400 naming every field that breaks a rule; nothing is written then."""
    if problems:
        raise InvalidInput(problems)


async def episode_row(episode_id: int) -> dict[str, object]:
    """The episode's row, or 404; every service of an episode starts here."""
    row = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    if row is None:
        raise NotFound("No such episode.")
    return row


def client_of(row: dict[str, object]) -> int:
    """The client id of an episode row, for the audit trail."""
    return int(str(row["client"]))


async def apply_transition(
    actor: Actor,
    episode_id: int,
    current: EpisodeStatus,
    target: EpisodeStatus,
    *,
    reason: str | None,
    on: date | None = None,
) -> None:
    """Move along the state machine, or refuse with 409 naming the allowed moves."""
    try:
        check_transition(current, target)
    except InvalidTransition as exc:
        raise Conflict(
            Message(
                "An episode that is %(current)s cannot become %(target)s.",
                current=Message(STATUS_LABELS[current]),
                target=Message(STATUS_LABELS[target]),
            ),
            allowed=sorted(status.value for status in exc.allowed),
        ) from exc
    changes: dict[object, object] = {TreatmentEpisode.status: target.value}
    if target is EpisodeStatus.CLOSED:
        changes[TreatmentEpisode.closed_on] = on
    if current is EpisodeStatus.CLOSED:  # reopened after relapse
        changes[TreatmentEpisode.closed_on] = None
    if target is EpisodeStatus.IN_TREATMENT and on is not None:
        row = await episode_row(episode_id)
        if row["started_on"] is None:
            changes[TreatmentEpisode.started_on] = on
    await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
    await StatusChange.insert(
        StatusChange(
            episode=episode_id,
            from_status=current.value,
            to_status=target.value,
            changed_by=actor.user_id,
            reason=reason,
        )
    )


async def transition(
    actor: Actor,
    *,
    episode_id: int,
    to_status: str,
    reason: str | None = None,
    on: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    if to_status not in {s.value for s in EpisodeStatus}:
        raise InvalidInput({"to_status": one_of(s.value for s in EpisodeStatus)})
    target = EpisodeStatus(to_status)
    if target is EpisodeStatus.CLOSED and on is None:
        raise InvalidInput({"on": "the date of the last held treatment session"})
    async with write_tx():
        row = await episode_row(episode_id)
        if on is not None:
            day, zone = clock(today, tz)
            dates = await episode_dates(episode_id, zone)
            if target is EpisodeStatus.IN_TREATMENT:
                refuse(
                    timeline.treatment_start_problems(
                        "on", on, dates.referred_on, dates.screening_held_on, day
                    )
                )
            refuse(timeline.after_referral("transition", "on", on, dates.referred_on, day))
        await apply_transition(
            actor, episode_id, EpisodeStatus(str(row["status"])), target, reason=reason, on=on
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )


async def plan_screening(
    actor: Actor,
    *,
    episode_id: int,
    planned_on: date,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.after_referral("screening", "planned_on", planned_on, referred_on, day))
        current = EpisodeStatus(str(row["status"]))
        if current is not EpisodeStatus.SCREENING_PLANNED:
            await apply_transition(
                actor,
                episode_id,
                current,
                EpisodeStatus.SCREENING_PLANNED,
                reason=N_("screening planned"),
            )
        await TreatmentEpisode.update({TreatmentEpisode.screening_planned_on: planned_on}).where(
            TreatmentEpisode.id == episode_id
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )


def screened_sweep_job_id(episode_id: int) -> str:
    """The queue job id of the sweep of its episode a recorded screening starts."""
    return f"sweep:screened:{episode_id}"


async def record_screening(
    actor: Actor,
    *,
    episode_id: int,
    held_on: date,
    suitable: bool,
    diagnosis_category: str,
    proposal: str,
    work_factors: str | None = None,
    functioning_impact: str | None = None,
    complaint_instrument: str | None = None,
    complaint_score: int | None = None,
    intervention_need: str | None = None,
    discussed_with_client_on: date | None = None,
    late_reason: str | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
    queue: JobQueue | None = None,
) -> None:
    """The Screening's findings; the episode becomes screened (planned first if needed)."""
    problems = screening_problems(
        diagnosis_category=diagnosis_category,
        complaint_instrument=complaint_instrument,
        complaint_score=complaint_score,
        proposal=proposal,
    )
    if problems:
        raise InvalidInput(problems)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        timing = timeline.held("screening", "held_on", held_on, referred_on, day)
        if discussed_with_client_on is not None:
            timing |= timeline.held(
                "screening", "discussed_with_client_on", discussed_with_client_on, referred_on, day
            )
        refuse(timing)
        if await Screening.exists().where(Screening.episode == episode_id):
            raise Conflict("This episode already has a screening.")
        current = EpisodeStatus(str(row["status"]))
        if current is EpisodeStatus.REFERRED:
            await apply_transition(
                actor,
                episode_id,
                current,
                EpisodeStatus.SCREENING_PLANNED,
                reason=N_("screening held without a planned date"),
            )
            current = EpisodeStatus.SCREENING_PLANNED
        await apply_transition(
            actor, episode_id, current, EpisodeStatus.SCREENED, reason=N_("screening held")
        )
        await Screening.insert(
            Screening(
                episode=episode_id,
                held_on=held_on,
                suitable=suitable,
                work_factors=work_factors,
                functioning_impact=functioning_impact,
                diagnosis_category=diagnosis_category,
                complaint_instrument=complaint_instrument,
                complaint_score=complaint_score,
                intervention_need=intervention_need,
                proposal=proposal,
                discussed_with_client_on=discussed_with_client_on,
                late_reason=late_reason,
            )
        )
        changes: dict[object, object] = {TreatmentEpisode.screening_held_on: held_on}
        if proposal in {Proposal.ATWORK_BASIC, Proposal.ATWORK_COMPLEET, Proposal.PREVENTIVE}:
            changes[TreatmentEpisode.offer] = proposal
        await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
        if queue is not None:
            # The screening makes the company doctor's briefing due: sweep the episode now,
            # so its draft waits on the client page rather than for the next five-minute
            # run of the report finder.
            enqueue_after_commit(
                queue, sweep_episode_job(episode_id, screened_sweep_job_id(episode_id))
            )
        await audit.record(
            actor, Action.CREATE, "screening", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )


async def record_manager_consultation(
    actor: Actor,
    *,
    episode_id: int,
    held_on: date,
    contact_id: int | None = None,
    recovery_view: str | None = None,
    functioning_before: str | None = None,
    future_view: str | None = None,
    existing_agreements: str | None = None,
    advice_to_manager: str | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """HSK's four questions to the manager, and the advice the manager was given."""
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.held("consultation", "held_on", held_on, referred_on, day))
        if contact_id is not None:
            referral = (
                await TreatmentEpisode.select(
                    TreatmentEpisode.referral._.employer.as_alias("employer")
                )
                .where(TreatmentEpisode.id == episode_id)
                .first()
            )
            contact = (
                await EmployerContact.select(EmployerContact.employer)
                .where(EmployerContact.id == contact_id)
                .first()
            )
            if contact is None or referral is None or contact["employer"] != referral["employer"]:
                raise InvalidInput({"contact_id": "not a contact of the client's employer"})
        rows = await ManagerConsultation.insert(
            ManagerConsultation(
                episode=episode_id,
                contact=contact_id,
                held_on=held_on,
                recovery_view=recovery_view,
                functioning_before=functioning_before,
                future_view=future_view,
                existing_agreements=existing_agreements,
                advice_to_manager=advice_to_manager,
            )
        ).returning(ManagerConsultation.id)
        await audit.record(
            actor,
            Action.CREATE,
            "manager_consultation",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])


async def change_offer(actor: Actor, *, episode_id: int, offer: str, reason: str) -> None:
    """Up- or downgrade; offer-dependent tasks follow because tasks are derived, not stored."""
    if offer not in {o.value for o in Offer}:
        raise InvalidInput({"offer": one_of(o.value for o in Offer)})
    if not reason.strip():
        raise InvalidInput({"reason": "say why the offer changes"})
    async with write_tx():
        row = await episode_row(episode_id)
        if row["offer"] == offer:
            raise Conflict(
                Message("The offer already is %(offer)s.", offer=Message(OFFER_LABELS[offer]))
            )
        await TreatmentEpisode.update({TreatmentEpisode.offer: offer}).where(
            TreatmentEpisode.id == episode_id
        )
        await OfferChange.insert(
            OfferChange(
                episode=episode_id,
                from_offer=row["offer"],
                to_offer=offer,
                changed_by=actor.user_id,
                reason=reason,
            )
        )
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )


async def update_plan(
    actor: Actor,
    *,
    episode_id: int,
    planned_start_on: date | None = None,
    sessions_authorised: int | None = None,
    briefing_sent_on: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """Planned start, session budget and a briefing given outside the service (e.g. by phone)."""
    if sessions_authorised is not None and not 0 <= sessions_authorised <= MAX_SESSIONS:
        # A budget of 10^9 sessions was saved and read "6 van 1000000000" on every tab.
        raise InvalidInput({"sessions_authorised": between(0, MAX_SESSIONS)})
    changes: dict[object, object] = {}
    if planned_start_on is not None:
        changes[TreatmentEpisode.planned_start_on] = planned_start_on
    if sessions_authorised is not None:
        changes[TreatmentEpisode.sessions_authorised] = sessions_authorised
    if briefing_sent_on is not None:
        changes[TreatmentEpisode.briefing_sent_on] = briefing_sent_on
    if not changes:
        raise InvalidInput({"body": "nothing to change"})
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        problems: timeline.Problems = {}
        if planned_start_on is not None:
            problems |= timeline.after_referral(
                "planned_start", "planned_start_on", planned_start_on, referred_on, day
            )
        if briefing_sent_on is not None:
            problems |= timeline.held(
                "briefing", "briefing_sent_on", briefing_sent_on, referred_on, day
            )
        refuse(problems)
        await TreatmentEpisode.update(changes).where(TreatmentEpisode.id == episode_id)  # type: ignore[arg-type]
        await audit.record(
            actor, Action.UPDATE, "episode", episode_id, purpose=PURPOSE, client_id=client_of(row)
        )
