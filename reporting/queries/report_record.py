"""Reads behind a report's document: the record's sections and the people it names.

One query per concern (goals, agreements, scores, advice, held sessions, hours worked), so
the preview and the PDF read the same facts the same way.
"""

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.queries.episodes import participation_series
from practice.tables import (
    Advice,
    Screening,
    TreatmentEpisode,
    User,
    WorkGoal,
    WorkResumptionAgreement,
)
from reporting.interim_reports import (
    Agreement,
    Findings,
    Goal,
    PartyAdvice,
    ReportRecord,
    Score,
)
from reporting.questionnaires import changes_since_first
from reporting.tables import QuestionnaireResponse
from scheduling.queries.sessions import held_counting_dates


async def report_record(episode_id: int, tz: ZoneInfo) -> ReportRecord:
    """The record of one episode as its reports show it (dates local to ``tz``)."""
    episode = (
        await TreatmentEpisode.select(
            TreatmentEpisode.employment,
            TreatmentEpisode.offer,
            TreatmentEpisode.planned_start_on,
            TreatmentEpisode.sessions_authorised,
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    screening = (
        await Screening.select(
            Screening.held_on,
            Screening.diagnosis_category,
            Screening.complaint_instrument,
            Screening.complaint_score,
            Screening.proposal,
            exclude_secrets=False,
        )
        .where(Screening.episode == episode_id)
        .first()
    )
    goals = (
        await WorkGoal.select(
            WorkGoal.description, WorkGoal.set_on, WorkGoal.achieved_on, exclude_secrets=False
        )
        .where(WorkGoal.episode == episode_id)
        .order_by(WorkGoal.set_on)
        .order_by(WorkGoal.id)
    )
    agreements = (
        await WorkResumptionAgreement.select()
        .where(WorkResumptionAgreement.episode == episode_id)
        .order_by(WorkResumptionAgreement.agreed_on)
        .order_by(WorkResumptionAgreement.id)
    )
    scores = (
        await QuestionnaireResponse.select(
            QuestionnaireResponse.instrument,
            QuestionnaireResponse.moment,
            QuestionnaireResponse.administered_on,
            QuestionnaireResponse.total,
            QuestionnaireResponse.band,
            exclude_secrets=False,
        )
        .where(
            (QuestionnaireResponse.episode == episode_id) & (QuestionnaireResponse.complete == True)  # noqa: E712 - SQL, not Python
        )
        .order_by(QuestionnaireResponse.administered_on)
        .order_by(QuestionnaireResponse.id)
    )
    advice = (
        await Advice.select(exclude_secrets=False)
        .where(Advice.episode == episode_id)
        .order_by(Advice.given_on)
        .order_by(Advice.id)
    )
    series = await participation_series(episode["employment"] if episode else None, episode_id)
    held = (await held_counting_dates([episode_id], tz)).get(episode_id, ())
    return ReportRecord(
        held_sessions=tuple(held),
        goals=tuple(Goal(g["description"], g["set_on"], g["achieved_on"]) for g in goals),
        participation=tuple((p["measured_on"], p["volume_percent"]) for p in series),
        agreements=tuple(
            Agreement(
                agreed_on=a["agreed_on"],
                description=a["description"],
                hours_per_week=None
                if a["hours_per_week_minutes"] is None
                else (Decimal(a["hours_per_week_minutes"]) / 60).quantize(Decimal("0.1")),
                status=a["status"],
            )
            for a in agreements
        ),
        scores=tuple(
            Score(
                s["instrument"],
                s["moment"],
                s["administered_on"],
                int(s["total"]),
                s["band"],
                None if change is None else change.value,
            )
            for s, change in zip(
                scores,
                changes_since_first([(s["instrument"], int(s["total"])) for s in scores]),
                strict=True,
            )
        ),
        screening=None
        if screening is None or episode is None
        else Findings(
            held_on=screening["held_on"],
            diagnosis=screening["diagnosis_category"] or None,
            instrument=screening["complaint_instrument"],
            score=screening["complaint_score"],
            proposal=screening["proposal"] or None,
            offer=episode["offer"],
            planned_start_on=episode["planned_start_on"],
            sessions_authorised=episode["sessions_authorised"],
        ),
        advice=tuple(
            PartyAdvice(
                author_role=a["author_role"],
                given_on=a["given_on"],
                content=a["content"],
                conflicts=bool(a["conflicts_with_other_advice"]),
                conflict_note=a["conflict_note"] or None,
                hours_per_day_minutes=a["hours_per_day_minutes"],
                hours_per_week_minutes=a["hours_per_week_minutes"],
                task_limits=a["task_limits"] or None,
            )
            for a in advice
        ),
    )


async def author(user_id: int | None) -> dict[str, Any] | None:
    """The name and registration (BIG/NIP/LVVP) a document is signed with."""
    if user_id is None:
        return None
    row: dict[str, Any] | None = (
        await User.select(User.display_name, User.registration).where(User.id == user_id).first()
    )
    return row


async def client_header(episode_id: int) -> dict[str, Any]:
    """The client's name and date of birth, for the document's heading."""
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.client._.name.as_alias("name"),
            TreatmentEpisode.client._.date_of_birth.as_alias("born"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    return {"name": row["name"] if row else "", "born": row["born"] if row else None}
