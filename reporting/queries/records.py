"""Reads that reporting services share: the case team, consent and the employer's view.

Kept apart from the services so the web doors and the jobs read the same facts the same
way (one query per concern, no per-row queries).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.case_team import TeamRole, active_on
from practice.consent import ConsentRecord, Purpose, Recipient, why_not_sendable
from practice.employer_phase import phase_and_since
from practice.platform.db import among
from practice.privacy import AgreementView, EmployerView, ParticipationView
from practice.queries.milestones import absences_of, period_milestones
from practice.queries.participation import participation_series_of
from practice.tables import (
    AbsenceEpisode,
    CaseAssignment,
    Consent,
    RelapsePreventionPlan,
    StatusChange,
    TreatmentEpisode,
    WorkResumptionAgreement,
)
from practice.tasks import FactPatch
from practice.work_participation import AbsenceEpisode as Absence
from practice.work_participation import ContractBasis
from reporting.employer_updates import employer_view
from reporting.interim_reports import MILESTONE_REPORT, ReportStatus
from reporting.queries.employer_texts import withhold_refused
from reporting.tables import EmployerUpdate, MeetingMinutes, Report
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.queries.sessions import held_counting_dates
from scheduling.tables import Appointment


async def team_members(episode_id: int, role: str, on: date) -> list[int]:
    rows = await CaseAssignment.select(
        CaseAssignment.user, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where((CaseAssignment.episode == episode_id) & (CaseAssignment.team_role == role))
    return [int(r["user"]) for r in rows if active_on(r["valid_from"], r["valid_to"], on)]


# Who reads an employer's updates of a case: its managers, then its HR advisers.
EMPLOYER_CONTACT_ROLES = (TeamRole.MANAGER.value, TeamRole.HR_ADVISER.value)


async def employer_contacts(episode_ids: Sequence[int], on: date) -> dict[int, list[int]]:
    """``team_members`` of every ``EMPLOYER_CONTACT_ROLES`` role for many episodes in one
    read, by episode (managers first): the sweep asked two statements per open episode."""
    if not episode_ids:
        return {}
    rows = await CaseAssignment.select(
        CaseAssignment.episode,
        CaseAssignment.team_role,
        CaseAssignment.user,
        CaseAssignment.valid_from,
        CaseAssignment.valid_to,
    ).where(
        among(CaseAssignment.episode, episode_ids)
        & CaseAssignment.team_role.is_in(list(EMPLOYER_CONTACT_ROLES))
    )
    contacts: dict[int, list[int]] = {}
    for role in EMPLOYER_CONTACT_ROLES:
        for r in rows:
            if r["team_role"] == role and active_on(r["valid_from"], r["valid_to"], on):
                contacts.setdefault(int(r["episode"]), []).append(int(r["user"]))
    return contacts


async def consent_problem(
    client_id: int, recipient: Recipient, purpose: Purpose, at: datetime, recipient_user: int | None
) -> str | None:
    """None when sending is allowed; otherwise why not (shown to the therapist)."""
    records = await consent_records(client_id)
    return why_not_sendable(records, recipient, purpose, at, recipient_user)


async def consent_records(client_id: int) -> list[ConsentRecord]:
    """Every consent decision of the client, as stored."""
    return (await consent_records_of([client_id])).get(client_id, [])


async def consent_records_of(client_ids: Sequence[int]) -> dict[int, list[ConsentRecord]]:
    """`consent_records` of many clients in one read, by client."""
    if not client_ids:
        return {}
    found: dict[int, list[ConsentRecord]] = {}
    for r in await Consent.select().where(among(Consent.client, client_ids)):
        found.setdefault(int(r["client"]), []).append(
            ConsentRecord.as_stored(
                recipient=Recipient(r["recipient"]),
                purpose=Purpose(r["purpose"]),
                given_at=r["given_at"],
                withdrawn_at=r["withdrawn_at"],
                recipient_person_id=r["recipient_user"],
            )
        )
    return found


async def consenting_clients(episode_ids: list[int], now: datetime) -> dict[int, int]:
    """The client id of each episode whose client consents to process updates to the
    employer, by episode (the others left out)."""
    if not episode_ids:
        return {}
    rows = await TreatmentEpisode.select(TreatmentEpisode.id, TreatmentEpisode.client).where(
        among(TreatmentEpisode.id, episode_ids)
    )
    consents = await consent_records_of(sorted({int(r["client"]) for r in rows}))
    return {
        int(r["id"]): int(r["client"])
        for r in rows
        if not why_not_sendable(
            consents.get(int(r["client"]), []),
            Recipient.EMPLOYER,
            Purpose.PROCESS_UPDATES,
            now,
            None,
        )
    }


@dataclass(frozen=True)
class EmployerViewSource:
    """Everything one episode's employer view is made of, read once: ``view`` makes the
    view at any moment from it (an update's history asks for many moments of one episode).
    Dates are local to the zone it was read in."""

    episode_id: int
    client_id: int
    employee_name: str
    employer_id: int
    held: Sequence[date]
    agreements: Sequence[tuple[date, AgreementView]]
    participation: Sequence[ParticipationView]
    meetings: Sequence[tuple[datetime, str | None]]  # held alignment meetings, oldest first
    work_section: str | None  # the plan's, when the client chose to share it
    consents: Sequence[ConsentRecord]
    updates: Sequence[datetime]  # when each update was sent, oldest first
    # The employment's absences: the Poortwachter milestones on the view's day come from them.
    absences: Sequence[Absence] = ()
    # The episode's status changes, oldest first (when, the status it moved to): the phase
    # the employer may know (``practice.employer_phase``) on the view's day.
    statuses: Sequence[tuple[datetime, str]] = ()
    # Alignment meetings still planned, their moments, soonest first.
    planned_meetings: Sequence[datetime] = ()
    # The days the treatment started and closed, as the therapist recorded them: a change
    # recorded later than it took effect counts from its day, not from the recording.
    started_on: date | None = None
    closed_on: date | None = None

    def view(self, at: datetime, tz: ZoneInfo, *, past: bool = False) -> EmployerView:
        """The view at ``at``; with ``past``, as it stood then (an update of the past,
        recorded afterwards): only the sessions, agreements, measurements, meetings and
        updates of that day or before."""
        day = at.astimezone(tz).date()

        def known(on: date | None) -> bool:
            return not past or on is None or on <= day

        meetings = [(when, text) for when, text in self.meetings if not past or when <= at]
        statuses = [(when, status) for when, status in self.statuses if not past or when <= at]
        phase, since = phase_and_since(
            statuses,
            tz,
            started_on=self.started_on if known(self.started_on) else None,
            closed_on=self.closed_on if known(self.closed_on) else None,
        )
        updates = [when for when in self.updates if not past or when <= at]
        shared = self.work_section is not None and not why_not_sendable(
            self.consents, Recipient.EMPLOYER, Purpose.RELAPSE_PLAN_WORK_SECTION, at, None
        )
        return employer_view(
            episode_id=self.episode_id,
            employee_name=self.employee_name,
            employer_id=self.employer_id,
            sessions_held=sum(1 for held in self.held if known(held)),
            agreements=[view for agreed_on, view in self.agreements if known(agreed_on)],
            participation=[p for p in self.participation if known(p.measured_on)],
            alignment_meeting_on=meetings[-1][0].astimezone(tz).date() if meetings else None,
            shared_minutes=meetings[-1][1] if meetings else None,
            relapse_plan_work_section=self.work_section if shared else None,
            last_update_on=max(updates).astimezone(tz).date() if updates else None,
            # As known on the view's day (an absence or recovery recorded later is not).
            milestones=period_milestones(self.absences, day),
            phase=phase,
            phase_since=since,
            # The next one planned after the view's moment; a view of the past does not
            # know what was planned then, so it tells none.
            alignment_meeting_planned_at=None
            if past
            else next((when for when in self.planned_meetings if when > at), None),
        )


async def build_employer_view(
    episode_id: int, at: datetime, tz: ZoneInfo, *, past: bool = False
) -> EmployerView:
    """The allow-listed view of one episode, for an employer surface (dates local to ``tz``);
    ``past``: as it stood at ``at`` (``EmployerViewSource.view``). A stored text the guard
    refuses now (written before it, or before the lexicon grew) is withheld."""
    return withhold_refused((await employer_view_source(episode_id, tz)).view(at, tz, past=past))


async def build_employer_views(
    episode_ids: Sequence[int], at: datetime, tz: ZoneInfo
) -> dict[int, EmployerView]:
    """`build_employer_view` at ``at`` of many episodes, read together, by episode."""
    sources = await employer_view_sources(episode_ids, tz)
    return {key: withhold_refused(source.view(at, tz)) for key, source in sources.items()}


async def employer_view_source(episode_id: int, tz: ZoneInfo) -> EmployerViewSource:
    """What the employer view of one episode is made of."""
    found = await employer_view_sources([episode_id], tz)
    if episode_id not in found:
        raise LookupError(episode_id)
    return found[episode_id]


async def employer_view_sources(
    episode_ids: Sequence[int], tz: ZoneInfo
) -> dict[int, EmployerViewSource]:
    """What the employer views of many episodes are made of, by episode: one query per
    concern for all of them (the sweep and a large employer's portal asked about ten per
    episode). An id with no episode is left out."""
    if not episode_ids:
        return {}
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client,
        TreatmentEpisode.employment,
        TreatmentEpisode.started_on,
        TreatmentEpisode.closed_on,
        TreatmentEpisode.client._.name.as_alias("name"),
        TreatmentEpisode.referral._.employer.as_alias("employer_id"),
    ).where(among(TreatmentEpisode.id, episode_ids))
    if not episodes:
        return {}
    ids = [int(e["id"]) for e in episodes]
    employments = sorted({int(e["employment"]) for e in episodes if e["employment"] is not None})
    agreements: dict[int, list[tuple[date, AgreementView]]] = {}
    for a in (
        await WorkResumptionAgreement.select()
        .where(among(WorkResumptionAgreement.episode, ids))
        .order_by(WorkResumptionAgreement.agreed_on)
    ):
        agreements.setdefault(int(a["episode"]), []).append(
            (
                a["agreed_on"],
                AgreementView(
                    agreed_on=a["agreed_on"],
                    description=a["description"],
                    hours_per_week=None
                    if a["hours_per_week_minutes"] is None
                    else Decimal(a["hours_per_week_minutes"]) / 60,
                    starts_on=a["starts_on"],
                    status=a["status"],
                ),
            )
        )
    # Against the contract valid on each measurement date, and saying so with its hours.
    participation = {
        employment: tuple(
            ParticipationView(
                measured_on=p["measured_on"],
                volume_percent=p["volume_percent"],
                contract_hours=p["contract_hours"],
                basis=ContractBasis.MEASUREMENT_DATE,
            )
            for p in series
        )
        for employment, series in (await participation_series_of(employments)).items()
    }
    meetings = await Appointment.select(
        Appointment.id, Appointment.episode, Appointment.starts_at
    ).where(
        among(Appointment.episode, ids)
        & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
        & (Appointment.attendance == Attendance.HELD.value)
    )
    minutes = {
        int(m["appointment"]): m["shared_text"]
        for m in (
            await MeetingMinutes.select(
                MeetingMinutes.appointment, MeetingMinutes.shared_text
            ).where(among(MeetingMinutes.appointment, [int(m["id"]) for m in meetings]))
            if meetings
            else []
        )
    }
    planned: dict[int, list[datetime]] = {}
    for m in (
        await Appointment.select(Appointment.episode, Appointment.starts_at)
        .where(
            among(Appointment.episode, ids)
            & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
            & (Appointment.attendance == Attendance.PLANNED.value)
        )
        .order_by(Appointment.starts_at)
    ):
        planned.setdefault(int(m["episode"]), []).append(m["starts_at"])
    meetings_of: dict[int, list[tuple[datetime, str | None]]] = {}
    for m in sorted(meetings, key=lambda meeting: meeting["starts_at"]):
        meetings_of.setdefault(int(m["episode"]), []).append(
            (m["starts_at"], minutes.get(int(m["id"])))
        )
    work_sections = {
        int(p["episode"]): str(p["work_situation"])
        for p in await RelapsePreventionPlan.select(
            RelapsePreventionPlan.episode,
            RelapsePreventionPlan.work_situation,
            RelapsePreventionPlan.share_work_section_with_employer,
        ).where(among(RelapsePreventionPlan.episode, ids))
        if p["share_work_section_with_employer"]
    }
    consents = await consent_records_of([int(e["client"]) for e in episodes])
    updates: dict[int, list[datetime]] = {}
    for u in await EmployerUpdate.select(EmployerUpdate.episode, EmployerUpdate.created_at).where(
        among(EmployerUpdate.episode, ids)
    ):
        updates.setdefault(int(u["episode"]), []).append(u["created_at"])
    absences: dict[int, list[dict[str, Any]]] = {}
    if employments:
        for row in await AbsenceEpisode.select(
            AbsenceEpisode.employment,
            AbsenceEpisode.absence_type,
            AbsenceEpisode.first_sick_day,
            AbsenceEpisode.full_recovery_on,
        ).where(among(AbsenceEpisode.employment, employments)):
            absences.setdefault(int(row["employment"]), []).append(row)
    statuses: dict[int, list[tuple[datetime, str]]] = {}
    for change in (
        await StatusChange.select(
            StatusChange.episode, StatusChange.changed_at, StatusChange.to_status
        )
        .where(among(StatusChange.episode, ids))
        .order_by(StatusChange.changed_at)
        .order_by(StatusChange.id)
    ):
        statuses.setdefault(int(change["episode"]), []).append(
            (change["changed_at"], str(change["to_status"]))
        )
    held = await held_counting_dates(ids, tz)
    sources = {}
    for e in episodes:
        episode_id, client_id = int(e["id"]), int(e["client"])
        employment = None if e["employment"] is None else int(e["employment"])
        sources[episode_id] = EmployerViewSource(
            episode_id=episode_id,
            client_id=client_id,
            employee_name=str(e["name"]),
            employer_id=int(e["employer_id"]),
            held=tuple(held.get(episode_id, ())),
            agreements=tuple(agreements.get(episode_id, ())),
            participation=participation.get(employment, ()) if employment is not None else (),
            meetings=tuple(meetings_of.get(episode_id, ())),
            work_section=work_sections.get(episode_id),
            consents=tuple(consents.get(client_id, ())),
            updates=tuple(sorted(updates.get(episode_id, ()))),
            absences=tuple(absences_of(absences.get(employment, ()) if employment else ())),
            statuses=tuple(statuses.get(episode_id, ())),
            planned_meetings=tuple(planned.get(episode_id, ())),
            started_on=e["started_on"],
            closed_on=e["closed_on"],
        )
    return sources


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
        elif r["kind"] == MILESTONE_REPORT:
            if day is not None:  # keyed by the milestone's week of sickness
                entry["milestone_reports_done"] = {
                    **entry.get("milestone_reports_done", {}),
                    int(r["ordinal"]): day,
                }
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
        Report.review_until,
        Report.review_decision,
        Report.reviewed_at,
        Report.review_comment,
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
