"""Reads that reporting services share: the case team, consent and the employer's view.

Kept apart from the services so the web doors and the jobs read the same facts the same
way (one query per concern, no per-row queries).
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.case_team import active_on
from practice.consent import ConsentRecord, Purpose, Recipient, why_not_sendable
from practice.platform.db import among
from practice.privacy import AgreementView, EmployerView, ParticipationView
from practice.queries.episodes import participation_series
from practice.tables import (
    CaseAssignment,
    Consent,
    RelapsePreventionPlan,
    TreatmentEpisode,
    WorkResumptionAgreement,
)
from practice.tasks import FactPatch
from reporting.employer_updates import employer_view
from reporting.interim_reports import ReportStatus
from reporting.tables import EmployerUpdate, MeetingMinutes, Report
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.queries.sessions import held_counting_dates
from scheduling.tables import Appointment


async def team_members(episode_id: int, role: str, on: date) -> list[int]:
    rows = await CaseAssignment.select(
        CaseAssignment.user, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where((CaseAssignment.episode == episode_id) & (CaseAssignment.team_role == role))
    return [int(r["user"]) for r in rows if active_on(r["valid_from"], r["valid_to"], on)]


async def consent_problem(
    client_id: int, recipient: Recipient, purpose: Purpose, at: datetime, recipient_user: int | None
) -> str | None:
    """None when sending is allowed; otherwise why not (shown to the therapist)."""
    rows = await Consent.select().where(Consent.client == client_id)
    records = [
        ConsentRecord.as_stored(
            recipient=Recipient(r["recipient"]),
            purpose=Purpose(r["purpose"]),
            given_at=r["given_at"],
            withdrawn_at=r["withdrawn_at"],
            recipient_person_id=r["recipient_user"],
        )
        for r in rows
    ]
    return why_not_sendable(records, recipient, purpose, at, recipient_user)


async def build_employer_view(
    episode_id: int, at: datetime, tz: ZoneInfo, *, past: bool = False
) -> EmployerView:
    """The allow-listed view of one episode, for an employer surface (dates local to ``tz``).

    ``past``: the view as it stood at ``at`` (an update of the past, recorded afterwards):
    only the sessions, agreements, measurements and updates of that day or before."""
    day = at.astimezone(tz).date()

    def known(on: date | None) -> bool:
        return not past or on is None or on <= day

    e = (
        await TreatmentEpisode.select(
            TreatmentEpisode.id,
            TreatmentEpisode.client,
            TreatmentEpisode.employment,
            TreatmentEpisode.client._.name.as_alias("name"),
            TreatmentEpisode.referral._.employer.as_alias("employer_id"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if e is None:
        raise LookupError(episode_id)
    held = [
        held
        for held in (await held_counting_dates([episode_id], tz)).get(episode_id, ())
        if known(held)
    ]
    agreements = [
        AgreementView(
            agreed_on=a["agreed_on"],
            description=a["description"],
            hours_per_week=None
            if a["hours_per_week_minutes"] is None
            else Decimal(a["hours_per_week_minutes"]) / 60,
            starts_on=a["starts_on"],
            status=a["status"],
        )
        for a in await WorkResumptionAgreement.select()
        .where(WorkResumptionAgreement.episode == episode_id)
        .order_by(WorkResumptionAgreement.agreed_on)
        if known(a["agreed_on"])
    ]
    participation = [
        ParticipationView(measured_on=p["measured_on"], volume_percent=p["volume_percent"])
        for p in await participation_series(e["employment"], episode_id)
        if known(p["measured_on"])
    ]
    meeting = (
        await Appointment.select(Appointment.id, Appointment.starts_at)
        .where(
            (Appointment.episode == episode_id)
            & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
            & (Appointment.attendance == Attendance.HELD.value)
            & ((Appointment.starts_at <= at) if past else Appointment.starts_at.is_not_null())
        )
        .order_by(Appointment.starts_at, ascending=False)
        .first()
    )
    minutes = None
    if meeting is not None:
        row = (
            await MeetingMinutes.select(MeetingMinutes.shared_text)
            .where(MeetingMinutes.appointment == meeting["id"])
            .first()
        )
        minutes = row["shared_text"] if row else None
    work_section = await _shared_work_section(episode_id, int(e["client"]), at)
    last = (
        await EmployerUpdate.select(EmployerUpdate.created_at)
        .where(
            (EmployerUpdate.episode == episode_id)
            & ((EmployerUpdate.created_at <= at) if past else EmployerUpdate.id.is_not_null())
        )
        .order_by(EmployerUpdate.created_at, ascending=False)
        .first()
    )
    return employer_view(
        episode_id=episode_id,
        employee_name=str(e["name"]),
        employer_id=int(e["employer_id"]),
        sessions_held=len(held),
        agreements=agreements,
        participation=participation,
        alignment_meeting_on=meeting["starts_at"].astimezone(tz).date() if meeting else None,
        shared_minutes=minutes,
        relapse_plan_work_section=work_section,
        last_update_on=last["created_at"].astimezone(tz).date() if last else None,
    )


async def _shared_work_section(episode_id: int, client_id: int, at: datetime) -> str | None:
    """The plan's work section, only by the client's explicit choice and consent."""
    plan = (
        await RelapsePreventionPlan.select(
            RelapsePreventionPlan.work_situation,
            RelapsePreventionPlan.share_work_section_with_employer,
        )
        .where(RelapsePreventionPlan.episode == episode_id)
        .first()
    )
    if plan is None or not plan["share_work_section_with_employer"]:
        return None
    problem = await consent_problem(
        client_id, Recipient.EMPLOYER, Purpose.RELAPSE_PLAN_WORK_SECTION, at, None
    )
    return None if problem else str(plan["work_situation"])


async def employer_episodes(contact_user_id: int, on: date) -> list[int]:
    """Episodes on which this manager / HR adviser is a current member of the case team."""
    rows = await CaseAssignment.select(
        CaseAssignment.episode, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where(
        (CaseAssignment.user == contact_user_id)
        & CaseAssignment.team_role.is_in(["manager", "hr_adviser"])
    )
    return sorted(
        {int(r["episode"]) for r in rows if active_on(r["valid_from"], r["valid_to"], on)}
    )


async def episode_facts(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, FactPatch]:
    """Reports sent and employer updates given, per episode (a fact source for the tasks)."""
    if not episode_ids:
        return {}
    facts: dict[int, FactPatch] = {}
    sent = await Report.select(
        Report.episode, Report.kind, Report.ordinal, Report.approved_at
    ).where(among(Report.episode, episode_ids) & (Report.status == ReportStatus.SENT.value))
    for r in sent:
        entry = facts.setdefault(int(r["episode"]), {})
        day = r["approved_at"].astimezone(tz).date() if r["approved_at"] else None
        if r["kind"] == "briefing":
            entry["briefing_sent_on"] = day
        elif day is not None:
            # A sent report without an approval date counts as not done, as `.get` of a
            # missing ordinal does. A patch holds a read-only Mapping; add to a copy.
            entry["interim_reports_done"] = {
                **entry.get("interim_reports_done", {}),
                int(r["ordinal"]): day,
            }
    updates = (
        await EmployerUpdate.select(EmployerUpdate.episode, EmployerUpdate.created_at)
        .where(among(EmployerUpdate.episode, episode_ids))
        .order_by(EmployerUpdate.created_at)
    )
    for u in updates:
        entry = facts.setdefault(int(u["episode"]), {})
        entry["employer_update_sent_on"] = (
            *entry.get("employer_update_sent_on", ()),
            u["created_at"].astimezone(tz).date(),
        )
    return facts


async def client_of(episode_id: int) -> int:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    return int(row["client"]) if row else 0


# Reports that wait for the therapist: always on the client page, however old.
AWAITING_THERAPIST = (ReportStatus.DRAFT, ReportStatus.BLOCKED)


async def episode_reports(episode_id: int, *, latest: int | None = None) -> list[dict[str, Any]]:
    """Reports of the episode: drafts to review, approved, sent or blocked (with why).

    With ``latest``, only the ``latest`` most recent ones plus every report that still waits
    for the therapist: a long treatment has dozens, and the page must stay quick (P-2)."""
    columns = (
        Report.id,
        Report.kind,
        Report.ordinal,
        Report.status,
        Report.due_on,
        Report.blocked_reason,
    )
    of_episode = Report.episode == episode_id
    if latest is None:
        return await Report.select(*columns).where(of_episode).order_by(Report.ordinal)
    recent = (
        await Report.select(*columns)
        .where(of_episode)
        .order_by(Report.ordinal, ascending=False)
        .limit(latest)
    )
    waiting = await Report.select(*columns).where(
        of_episode & Report.status.is_in(list(AWAITING_THERAPIST))
    )
    by_id = {int(r["id"]): r for r in (*recent, *waiting)}
    return sorted(by_id.values(), key=lambda r: (r["ordinal"], r["id"]))


async def report_count(episode_id: int) -> int:
    return int(await Report.count().where(Report.episode == episode_id))
