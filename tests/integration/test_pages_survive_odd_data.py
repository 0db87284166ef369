"""No page can be broken by data (issue 16): whatever the database can hold, every GET page of
every role renders without a 5xx.

Hypothesis generates episodes in valid-but-odd states and writes them straight into the tables
(Piccolo, past the services: the point is what the DATABASE can hold, not what the forms let
through): nulls wherever a column allows one, dates before and after each other (hours before
the contract starts, a session before the referral, a screening before the referral, a
follow-up before the end, recovery before the first sick day), zero hours, zero contract hours,
changed contracts, every episode status, withdrawn consents, reports in every status, long,
unicode, right-to-left and HTML-ish text, and many rows. Then every role's client walks every
GET route of the app (found from the app's route list, path parameters filled with the
generated ids, PDFs, CSV, iCalendar and the chart included) and every same-page link with a
query string on the pages it gets (the client page's sections, the calendar's weeks): no
answer may be 500 or more.

Each example writes inside a savepoint of the test's rolled-back transaction and rolls back to
it, so the examples do not see each other; the cast and their logins stay.
"""

import hashlib
import os
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from practice.accounts import Role
from practice.case_team import TeamRole
from practice.consent import Purpose, Recipient
from practice.deadlines import DayUnit
from practice.episodes import EpisodeStatus, Offer, ReferralOutcome
from practice.platform.db import engine
from practice.screening import Proposal
from practice.services.parties import CONTACT_ROLES
from practice.services.referrals import REFERRER_TYPES
from practice.services.treatment_plan import ADVICE_AUTHORS, FOLLOW_UP_KINDS, FOLLOW_UP_RESPONSES
from practice.services.work import AGREEMENT_STATUSES, MOMENTS, SOURCES
from practice.setbacks import SetbackKind
from practice.tables import (
    AbsenceEpisode,
    Advice,
    AdviceConflictResolution,
    CaseAssignment,
    Client,
    CompanyDoctor,
    CompanyDoctorConsultation,
    Consent,
    ContractHours,
    Department,
    Employer,
    EmployerContact,
    Employment,
    FollowUp,
    LeavePeriod,
    ManagerConsultation,
    OfferChange,
    Referral,
    RelapsePreventionPlan,
    Screening,
    Setback,
    StatusChange,
    TaskOverride,
    Therapist,
    TreatmentEpisode,
    WorkGoal,
    WorkParticipation,
    WorkResumptionAgreement,
)
from practice.tasks import TaskKind
from practice.work_participation import AbsenceType
from reporting.interim_reports import BRIEFING, INTERIM_REPORT, ReportStatus
from reporting.questionnaires import INSTRUMENTS
from reporting.services.questionnaires import MOMENTS as QUESTIONNAIRE_MOMENTS
from reporting.tables import (
    Delivery,
    Document,
    EmployerUpdate,
    MeetingMinutes,
    QuestionnaireResponse,
    Report,
)
from scheduling.appointments import AppointmentKind, Attendance, ParticipantRole
from scheduling.calendars import AbsenceReason
from scheduling.tables import (
    Appointment,
    CalendarFeed,
    ClosingDay,
    Location,
    MeetingProposal,
    Participant,
    Room,
    TherapistAbsence,
    WorkingHours,
)
from tests.cast import Cast
from tests.web import login

TODAY = date(2026, 6, 15)
NOW = "2026-06-15 10:00 +0200"
FEED_TOKEN = "odd-data-calendar-feed-token"
HTML = {"accept": "text/html"}
# A handful per run keeps the suite fast; ODD_DATA_EXAMPLES=200 searches deeper by hand.
EXAMPLES = int(os.environ.get("ODD_DATA_EXAMPLES", "6"))
# Routes whose answers do not depend on the data (documentation, assets, the login steps).
SKIPPED_PREFIXES = ("/static", "/schema", "/login", "/fhir/")
MISSING_ID = 999_999  # a route whose kind of row was not generated: its 404 must be a 404

# ---------------------------------------------------------------- strategies

ODD_TEXTS = (
    "",
    " ",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7 * 7 }} {% if %}",
    "&amp; &lt;b&gt;",
    "100% zeker, %(x)s %i %",  # a "%" reaching gettext or a format string
    "שלום עולם — مرحبا",  # right to left
    "\u202eevil\u202c",  # a right-to-left override
    "Zoë Ŝtraße 🧠👩🏽‍⚕️ 中文",
    '=HYPERLINK("http://x")',
    "line one\nline two\r\n\ttabbed",
    "x" * 199,
)
# Any character PostgreSQL text can hold: no surrogates (utf-8 has none) and no NUL.
_characters = st.characters(codec="utf-8", exclude_characters="\x00")


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Free text for a column of ``max_size`` characters (PostgreSQL enforces varchar)."""
    odd = [t[:max_size] for t in ODD_TEXTS]
    if max_size > 2000:
        odd.append("Lange tekst. " * 400)
    return st.one_of(st.sampled_from(odd), st.text(_characters, max_size=min(max_size, 60)))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# Dates cluster around today (so they interleave: before, on and after each other) and
# sometimes lie far away.
near_dates = st.integers(-400, 200).map(lambda days: TODAY + timedelta(days=days))
dates = st.one_of(near_dates, st.dates(date(1990, 1, 1), date(2045, 12, 31)))
minutes = st.one_of(st.just(0), st.integers(0, 60 * 60), st.sampled_from([1, 59, 2280, 2400]))


def moment_on(day: date, minute_of_day: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(minutes=minute_of_day)


moments = st.builds(moment_on, dates, st.integers(0, 24 * 60 - 1))

# ---------------------------------------------------------------- writing rows


async def insert(table: Any, **values: Any) -> int:
    rows = await table.insert(table(**values)).returning(table.id)
    return int(rows[0]["id"])


@dataclass
class Ids:
    """What one example wrote, by the path parameter that names it."""

    by_param: dict[str, list[int]] = field(default_factory=dict)

    def add(self, param: str, row_id: int) -> None:
        self.by_param.setdefault(param, []).append(row_id)

    def of(self, param: str) -> list[int]:
        return self.by_param.get(param) or [MISSING_ID]


@dataclass(frozen=True)
class People:
    """The cast's staff rows, written once per test (the logins hang on the users)."""

    cast: Cast
    therapist: int  # Therapist.id
    doctor: int  # CompanyDoctor.id (user: the cast's company doctor)


async def seed_parties(draw: Any, people: People, ids: Ids, n: int) -> tuple[int, int | None, int]:
    employer = await insert(
        Employer,
        name=f"{draw(texts(180))} #{n}",
        default_offer=draw(st.sampled_from(list(Offer))).value,
        cost_per_absence_day_cents=draw(st.integers(0, 10**7)),
        report_every=draw(st.integers(1, 20)),
        employer_update_every_days=draw(maybe(st.integers(1, 365))),
        # The form refuses 0 and below and over 100; the table can hold them all the same.
        work_behind_margin=draw(maybe(st.integers(-5, 200))),
        symptoms_checked_at_session=draw(maybe(st.integers(-5, 200))),
        min_cell_size=draw(st.integers(5, 20)),  # the database's floor
        screening_day_unit=draw(st.sampled_from(list(DayUnit))).value,
    )
    ids.add("employer_id", employer)
    department = draw(st.booleans())
    department_id = (
        await insert(Department, employer=employer, name=draw(texts(200))) if department else None
    )
    # The cast's employer contact works for the first employer (one contact per user).
    contact = await insert(
        EmployerContact,
        employer=employer,
        user=people.cast.employer_contact.id if n == 0 else None,
        name=draw(texts(200)),
        email=f"contact{n}@example.org",
        contact_role=draw(st.sampled_from(CONTACT_ROLES)),
    )
    return employer, department_id, contact


async def seed_episode(draw: Any, people: People, ids: Ids, n: int) -> int:
    employer, department, contact = await seed_parties(draw, people, ids, n)
    client = await insert(
        Client,
        name=draw(texts(200)),
        date_of_birth=draw(maybe(dates)),
        email=draw(maybe(st.sampled_from(["anna@example.org", "ä@ü.example", "x" * 240]))),
        phone=draw(maybe(st.sampled_from(["+31 6 12345678", "", "٠٦١٢٣"]))),
    )
    ids.add("client_id", client)
    employment = None
    if draw(st.integers(0, 5)):  # mostly with an employment, sometimes without
        employment = await insert(
            Employment,
            client=client,
            employer=employer,
            department=department,
            job_title=draw(texts(200)),
            started_on=draw(maybe(dates)),
            ended_on=draw(maybe(dates)),
        )
        # changed contracts, 0 hours, two periods from one day, none at all
        for _ in range(draw(st.integers(0, 4))):
            await insert(
                ContractHours,
                employment=employment,
                valid_from=draw(dates),
                minutes_per_week=draw(minutes),
                half_days_per_week=draw(maybe(st.integers(-2, 20))),
            )
    received = draw(moments)
    referral = await insert(
        Referral,
        client=client,
        employer=employer,
        received_at=received,
        referrer_type=draw(st.sampled_from(REFERRER_TYPES)),
        referrer_name=draw(maybe(texts(200))),
        manager=draw(st.sampled_from([contact, None])),
        company_doctor=draw(st.sampled_from([people.doctor, None])),
        requested_offer=draw(st.sampled_from(list(Offer))).value,
        priority=draw(st.booleans()),
        absence_status=draw(st.sampled_from(list(AbsenceType))).value,
        first_sick_day=draw(maybe(dates)),
        known_to_practice_on=draw(maybe(dates)),
        consent_at_referral=draw(st.booleans()),
        outcome=draw(maybe(st.sampled_from([o.value for o in ReferralOutcome]))),
        outcome_note=draw(maybe(texts(5000))),
    )
    earlier = ids.by_param.get("episode_id", [])
    episode = await insert(
        TreatmentEpisode,
        referral=referral,
        client=client,
        employment=employment,
        status=draw(st.sampled_from(list(EpisodeStatus))).value,
        offer=draw(maybe(st.sampled_from([o.value for o in Offer]))),
        screening_planned_on=draw(maybe(dates)),
        screening_held_on=draw(maybe(dates)),
        briefing_sent_on=draw(maybe(dates)),
        planned_start_on=draw(maybe(dates)),
        started_on=draw(maybe(dates)),
        closed_on=draw(maybe(dates)),
        sessions_authorised=draw(maybe(st.integers(0, 40))),
        reopened_from=draw(st.sampled_from([None, *earlier])),
    )
    ids.add("episode_id", episode)
    cast = people.cast
    # The case team: the cast's therapist (so the pages open), company doctor and manager.
    seats = [
        (cast.therapist.id, TeamRole.THERAPIST),
        (cast.company_doctor.id, TeamRole.COMPANY_DOCTOR),
        (cast.employer_contact.id, TeamRole.MANAGER),
    ]
    for user, role in seats:
        if role is TeamRole.THERAPIST or draw(st.booleans()):
            await insert(
                CaseAssignment,
                episode=episode,
                user=user,
                team_role=role.value,
                valid_from=draw(st.sampled_from([TODAY, TODAY - timedelta(days=90)])),
                valid_to=draw(st.sampled_from([None, TODAY, TODAY + timedelta(days=30)])),
                handover_note=draw(maybe(texts(5000))),
            )
    await seed_history(draw, cast, episode)
    await seed_record(draw, people, episode, contact)
    if employment is not None:
        await seed_work_track(draw, employment, episode)
    await seed_consents(draw, cast, client)
    await seed_appointments(draw, cast, ids, episode)
    await seed_reports(draw, cast, ids, episode)
    return episode


async def seed_history(draw: Any, cast: Cast, episode: int) -> None:
    for _ in range(draw(st.integers(0, 3))):
        await insert(
            StatusChange,
            episode=episode,
            from_status=draw(maybe(st.sampled_from([s.value for s in EpisodeStatus]))),
            to_status=draw(st.sampled_from(list(EpisodeStatus))).value,
            changed_at=draw(moments),
            changed_by=draw(st.sampled_from([None, cast.therapist.id])),
            reason=draw(maybe(texts(5000))),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            OfferChange,
            episode=episode,
            from_offer=draw(maybe(st.sampled_from([o.value for o in Offer]))),
            to_offer=draw(st.sampled_from(list(Offer))).value,
            changed_at=draw(moments),
            changed_by=draw(st.sampled_from([None, cast.therapist.id])),
            reason=draw(maybe(texts(5000))),
        )
    # One override per task of an episode (a unique index): distinct keys.
    task_keys = st.sampled_from([*(t.value for t in TaskKind), "interim_report:5"])
    for task_key in draw(st.lists(task_keys, max_size=2, unique=True)):
        await insert(
            TaskOverride,
            episode=episode,
            task_key=task_key,
            reason=draw(texts(5000)),
            created_at=draw(moments),
            created_by=draw(st.sampled_from([None, cast.therapist.id])),
        )


async def seed_record(draw: Any, people: People, episode: int, contact: int) -> None:
    if draw(st.booleans()):
        await insert(
            Screening,
            episode=episode,
            held_on=draw(dates),  # before the referral, or years ahead
            suitable=draw(st.booleans()),
            work_factors=draw(maybe(texts(5000))),
            functioning_impact=draw(maybe(texts(5000))),
            diagnosis_category=draw(texts(48)),
            complaint_instrument=draw(maybe(st.sampled_from([*INSTRUMENTS, "4DKL"]))),
            complaint_score=draw(maybe(st.integers(0, 60))),
            intervention_need=draw(maybe(texts(5000))),
            proposal=draw(st.sampled_from(list(Proposal))).value,
            discussed_with_client_on=draw(maybe(dates)),
            late_reason=draw(maybe(texts(5000))),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            ManagerConsultation,
            episode=episode,
            contact=draw(st.sampled_from([contact, None])),
            held_on=draw(dates),
            recovery_view=draw(maybe(texts(5000))),
            functioning_before=draw(maybe(texts(5000))),
            future_view=draw(maybe(texts(5000))),
            existing_agreements=draw(maybe(texts(5000))),
            advice_to_manager=draw(maybe(texts(5000))),
        )
    for _ in range(draw(st.integers(0, 3))):
        await insert(
            WorkGoal,
            episode=episode,
            description=draw(texts(5000)),
            easy_first_goal=draw(st.booleans()),
            set_on=draw(dates),
            achieved_on=draw(maybe(dates)),  # before it was set, too
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            Advice,
            episode=episode,
            author_role=draw(st.sampled_from(ADVICE_AUTHORS)),
            given_on=draw(dates),
            content=draw(texts(5000)),
            conflicts_with_other_advice=draw(st.booleans()),
            conflict_note=draw(maybe(texts(5000))),
            # The capacity advice's structured part: ends before it starts, odd minutes.
            valid_until=draw(maybe(dates)),
            hours_per_day_minutes=draw(maybe(st.integers(-600, 10_000))),
            hours_per_week_minutes=draw(maybe(st.integers(-600, 20_000))),
            task_limits=draw(maybe(texts(5000))),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            AdviceConflictResolution,
            episode=episode,
            conflict_key=draw(st.sampled_from(["agreement:1:1", "hours:1:1", "flagged:1:0", "x"])),
            resolved_on=draw(dates),
            note=draw(texts(5000)),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            CompanyDoctorConsultation,
            episode=episode,
            held_on=draw(dates),
            participants=draw(texts(500)),
            note=draw(texts(5000)),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            Setback,
            episode=episode,
            occurred_on=draw(dates),  # before the referral or after today, too
            kind=draw(st.sampled_from([*(k.value for k in SetbackKind), "odd"])),
            note=draw(texts(5000)),
            recorded_by=draw(st.sampled_from([None, people.cast.therapist.id])),
        )
    if draw(st.booleans()):
        await insert(
            RelapsePreventionPlan,
            episode=episode,
            drawn_up_on=draw(dates),
            warning_signs=draw(texts(5000)),
            actions=draw(texts(5000)),
            work_situation=draw(texts(5000)),
            share_work_section_with_employer=draw(st.booleans()),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            FollowUp,
            episode=episode,
            kind=draw(st.sampled_from(FOLLOW_UP_KINDS)),
            held_on=draw(dates),  # before the end of treatment, too
            response=draw(st.sampled_from(FOLLOW_UP_RESPONSES)),
            relapse=draw(maybe(st.booleans())),
            complaint_score=draw(maybe(st.integers(0, 60))),
        )
    for _ in range(draw(st.integers(0, 2))):
        instrument = draw(st.sampled_from(sorted(INSTRUMENTS)))
        questionnaire = INSTRUMENTS[instrument]
        values = [option.value for option in questionnaire.options]
        answers = {item.id: draw(st.sampled_from(values)) for item in questionnaire.items}
        total = sum(answers.values())
        await insert(
            QuestionnaireResponse,
            episode=episode,
            instrument=instrument,
            moment=draw(st.sampled_from(QUESTIONNAIRE_MOMENTS)),
            administered_on=draw(dates),
            answers=answers,
            total=total,
            band=questionnaire.band_for(total).label,
            complete=draw(st.booleans()),
        )


async def seed_work_track(draw: Any, employment: int, episode: int) -> None:
    previous: int | None = None
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(list(AbsenceType)))
        not_absent = kind is AbsenceType.NOT_ABSENT
        previous = await insert(
            AbsenceEpisode,
            employment=employment,
            absence_type=kind.value,
            first_sick_day=None if not_absent else draw(maybe(dates)),
            reported_on=draw(maybe(dates)),
            known_to_practice_on=draw(maybe(dates)),
            full_recovery_on=None if not_absent else draw(maybe(dates)),  # before the start too
            previous=draw(st.sampled_from([None, previous])),
            # The absence record's own fields: any dates, unknown codes, odd text.
            link_kind=draw(st.sampled_from([None, "relapse", "chain", "odd"])),
            reported_to=draw(st.sampled_from([None, "employer", "colleague", "odd"])),
            manager_informed_on=draw(maybe(dates)),
            partial_recovery_on=draw(maybe(dates)),
            cause=draw(maybe(texts(5000))),
        )
    for _ in range(draw(st.integers(0, 2))):
        await insert(
            LeavePeriod,
            employment=employment,
            kind=draw(st.sampled_from(["care", "holiday", "odd"])),
            starts_on=draw(dates),
            ends_on=draw(maybe(dates)),  # before its start, too
        )
    for _ in range(draw(st.integers(0, 6))):
        await insert(
            WorkParticipation,
            employment=employment,
            episode=draw(st.sampled_from([episode, None])),
            measured_on=draw(dates),  # before any contract, too
            own_work_minutes=draw(minutes),
            adapted_work_minutes=draw(minutes),
            therapeutic_minutes=draw(minutes),
            productive_minutes=draw(minutes),
            source=draw(st.sampled_from(SOURCES)),
            moment=draw(st.sampled_from(MOMENTS)),
        )
    for _ in range(draw(st.integers(0, 3))):
        await insert(
            WorkResumptionAgreement,
            episode=episode,
            agreed_on=draw(dates),
            description=draw(texts(5000)),
            hours_per_week_minutes=draw(maybe(minutes)),
            starts_on=draw(maybe(dates)),
            status=draw(st.sampled_from(AGREEMENT_STATUSES)),
        )


async def seed_consents(draw: Any, cast: Cast, client: int) -> None:
    users = {
        Recipient.COMPANY_DOCTOR: cast.company_doctor.id,
        Recipient.EMPLOYER: cast.employer_contact.id,
        Recipient.GENERAL_PRACTITIONER: None,
    }
    for _ in range(draw(st.integers(0, 6))):
        recipient = draw(st.sampled_from(list(Recipient)))
        given = draw(moments)
        await insert(
            Consent,
            client=client,
            recipient=recipient.value,
            purpose=draw(st.sampled_from(list(Purpose))).value,
            recipient_user=draw(st.sampled_from([None, users[recipient]])),
            given_at=given,
            # withdrawn: later, earlier than given (odd), or not at all
            withdrawn_at=draw(
                maybe(st.sampled_from([given + timedelta(days=3), given - timedelta(days=1)]))
            ),
        )


async def seed_appointments(draw: Any, cast: Cast, ids: Ids, episode: int) -> None:
    location = await insert(
        Location, name=f"{draw(texts(150))} {episode}", address=draw(texts(300))
    )
    room = await insert(Room, location=location, name=draw(texts(100)))
    # Distinct slots per episode: PostgreSQL refuses one therapist or room twice at once.
    slots = draw(st.lists(st.integers(-120, 60), min_size=0, max_size=8, unique=True))
    booked: list[int] = []
    for slot in slots:
        starts = datetime.combine(TODAY, time(6), tzinfo=UTC) + timedelta(
            days=slot, hours=2 * (episode % 7)
        )
        appointment = await insert(
            Appointment,
            episode=episode,
            therapist=cast.therapist.id,
            room=draw(st.sampled_from([None, room])),
            kind=draw(st.sampled_from(list(AppointmentKind))).value,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=draw(st.sampled_from([0, 1, 45, 119]))),
            online=draw(st.booleans()),
            video_link=draw(maybe(st.sampled_from(["https://video.example/x", "javascript:x"]))),
            attendance=draw(st.sampled_from(list(Attendance))).value,
            attendance_reason=draw(maybe(texts(5000))),
            series=draw(maybe(st.sampled_from(["series-a", "series-b"]))),
            rebooked_as=draw(st.sampled_from([None, *booked])),
            notes=draw(maybe(texts(5000))),
            # Told by phone of a practice cancellation, on any attendance and any moment.
            client_told_by=draw(st.sampled_from([None, cast.therapist.id])),
            client_told_at=draw(maybe(moments)),
        )
        booked.append(appointment)
        for _ in range(draw(st.integers(0, 2))):
            role = draw(st.sampled_from(list(ParticipantRole)))
            await insert(
                Participant,
                appointment=appointment,
                role=role.value,
                user=draw(st.sampled_from([None, cast.employer_contact.id])),
                name=draw(texts(200)),
                email=draw(maybe(st.just("p@example.org"))),
                required=draw(st.booleans()),
            )
        if draw(st.booleans()):
            await insert(
                MeetingMinutes,
                appointment=appointment,
                shared_text=draw(texts(5000)),
                internal_text=draw(texts(5000)),
            )
    if draw(st.booleans()):
        await insert(
            MeetingProposal,
            episode=episode,
            proposed_at=draw(moments),
            appointment=draw(st.sampled_from([None, *booked])),
        )


async def seed_reports(draw: Any, cast: Cast, ids: Ids, episode: int) -> None:
    ordinals = draw(st.lists(st.integers(0, 30), max_size=4, unique=True))
    for ordinal in ordinals:
        status = draw(st.sampled_from(list(ReportStatus)))
        report = await insert(
            Report,
            episode=episode,
            kind=BRIEFING if ordinal == 0 else INTERIM_REPORT,
            ordinal=ordinal,
            status=status.value,
            due_on=draw(maybe(dates)),
            drafted_at=draw(moments),
            progress=draw(texts(5000)),
            work_participation=draw(texts(5000)),
            advice=draw(texts(5000)),
            approved_at=draw(maybe(moments)),
            approved_by=draw(st.sampled_from([None, cast.therapist.id])),
            blocked_reason=draw(maybe(texts(300))),
        )
        ids.add("report_id", report)
        if status in (ReportStatus.APPROVED, ReportStatus.SENT) or draw(st.booleans()):
            document = await insert(
                Document,
                episode=episode,
                report=report,
                kind=BRIEFING if ordinal == 0 else INTERIM_REPORT,
                title=draw(texts(200)),
                pdf=b"%PDF-1.4\n% not a real document\n%%EOF\n",
                sha256=hashlib.sha256(b"x").hexdigest(),
                created_at=draw(moments),
            )
            ids.add("document_id", document)
            if draw(st.booleans()):
                await insert(
                    Delivery,
                    document=document,
                    recipient=cast.company_doctor.id,
                    channel=draw(st.sampled_from(["portal", "email"])),
                    delivered_at=draw(moments),
                    read_at=draw(maybe(moments)),
                )
    for n in range(draw(st.integers(0, 2))):
        content = {
            "episode_id": episode,
            "employee_name": draw(texts(200)),
            "employer_id": ids.of("employer_id")[-1],
            "sessions_held": draw(st.integers(0, 40)),
            "agreements": [],
            "participation": [
                {
                    "measured_on": draw(dates).isoformat(),
                    "volume_percent": draw(maybe(st.sampled_from(["0.0", "37.5", "250.0"]))),
                }
                for _ in range(draw(st.integers(0, 3)))
            ],
            "alignment_meeting_on": draw(maybe(dates.map(date.isoformat))),
            "shared_minutes": draw(maybe(texts(5000))),
            "relapse_plan_work_section": draw(maybe(texts(5000))),
            "last_update_on": draw(maybe(dates.map(date.isoformat))),
        }
        update = await insert(
            EmployerUpdate,
            episode=episode,
            trigger=f"periodic:{n}",
            content=content,
            created_at=draw(moments),
        )
        ids.add("update_id", update)


async def seed_calendar(draw: Any, cast: Cast) -> None:
    """The therapist's week: working hours, an absence, closing days, a calendar feed."""
    for weekday in draw(st.lists(st.integers(0, 6), max_size=7, unique=True)):
        starts = draw(st.sampled_from([time(0), time(8), time(13, 30)]))
        await insert(
            WorkingHours,
            therapist=cast.therapist.id,
            weekday=weekday,
            starts=starts,
            ends=draw(st.sampled_from([starts, time(17), time(23, 59)])),
        )
    for _ in range(draw(st.integers(0, 2))):
        starts = draw(moments)
        await insert(
            TherapistAbsence,
            therapist=cast.therapist.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=draw(st.integers(0, 24 * 20))),
            reason=draw(st.sampled_from(list(AbsenceReason))).value,
        )
    for day in draw(st.lists(near_dates, max_size=3, unique=True)):
        await insert(ClosingDay, day=day, reason=draw(texts(200)))
    await insert(
        CalendarFeed,
        therapist=cast.therapist.id,
        token_hash=hashlib.sha256(FEED_TOKEN.encode()).hexdigest(),
    )


# ---------------------------------------------------------------- walking the pages


@dataclass(frozen=True)
class Route:
    path: str
    roles: frozenset[str]  # empty: public


def get_routes(app: Litestar) -> list[Route]:
    """Every GET route of the app with the roles that may call it, minus the data-free ones."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in handler.http_methods:
                continue
            roles = {r.value for r in handler.opt.get("roles") or ()}
            found.setdefault(route.path, set()).update(roles)
    return [Route(path, frozenset(roles)) for path, roles in sorted(found.items())]


_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def urls(path: str, ids: Ids) -> Iterable[str]:
    """``path`` with every combination of generated ids for its parameters."""
    names = _PARAM.findall(path)
    choices = [[FEED_TOKEN] if name == "token" else ids.of(name) for name in names]
    for values in product(*choices):
        url = path
        for value in values:
            url = _PARAM.sub(str(value), url, count=1)
        yield url


_HREF = re.compile(r'href="([^"#]+)"')


def same_page_links(url: str, page: str) -> set[str]:
    """Links on ``page`` to the same path with a query (sections, weeks, filters)."""
    path = urlsplit(url).path
    found = set()
    for href in _HREF.findall(page):
        href = href.replace("&amp;", "&")
        if href.startswith("?"):
            href = path + href
        parts = urlsplit(href)
        if not parts.netloc and parts.path == path and parts.query:
            found.add(href)
    return found


async def walk(client: httpx.AsyncClient, url: str, failures: list[str], role: str) -> None:
    response = await client.get(url, headers=HTML)
    if response.status_code >= 500:
        failures.append(f"{role} GET {url} -> {response.status_code}")
        return
    if response.status_code == 200 and response.headers.get("content-type", "").startswith(
        "text/html"
    ):
        for link in sorted(same_page_links(url, response.text))[:20]:
            linked = await client.get(link, headers=HTML)
            if linked.status_code >= 500:
                failures.append(f"{role} GET {link} -> {linked.status_code}")


# ---------------------------------------------------------------- fixtures and the property


@pytest_asyncio.fixture
async def logged_in(
    app: Litestar, cast: Cast, db: None
) -> AsyncIterator[dict[Role, httpx.AsyncClient]]:
    """One logged-in browser per role, for every example of the test."""
    clients: dict[Role, httpx.AsyncClient] = {}
    try:
        for role in Role:
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
            http = httpx.AsyncClient(
                transport=transport, base_url="https://testserver", headers=HTML
            )
            clients[role] = http
            response = await login(http, cast.by_role(role).email)
            assert response.status_code == 303, (role, response.text[:300])
        yield clients
    finally:
        for http in clients.values():
            await http.aclose()


@pytest_asyncio.fixture
async def people(cast: Cast, db: None) -> People:
    therapist = await insert(Therapist, user=cast.therapist.id, qualifications="CBT, EMDR")
    doctor = await insert(
        CompanyDoctor,
        user=cast.company_doctor.id,
        name="B. Arts",
        email="arts@example.org",
        organisation=None,
    )
    return People(cast=cast, therapist=therapist, doctor=doctor)


@pytest.fixture
def frozen_today() -> Iterable[None]:
    # Started before the logins, so the sessions are made on the same frozen clock.
    with time_machine.travel(NOW, tick=False):
        yield


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The fixtures (app, logins, the cast) are shared by the examples on purpose; each
    # example's rows live in a savepoint that is rolled back (see ``in_savepoint``).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: an example walks every page of every role (seconds, not microseconds),
    # and the failure already names each URL that broke; the log names the exception.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
async def test_no_page_of_any_role_answers_5xx_whatever_the_database_holds(
    frozen_today: None,
    app: Litestar,
    people: People,
    logged_in: dict[Role, httpx.AsyncClient],
    data: st.DataObject,
) -> None:
    transaction = engine().current_transaction.get()
    assert transaction is not None, "the db fixture's transaction is missing"
    savepoint = await transaction.savepoint()
    try:
        ids = Ids()
        for n in range(data.draw(st.integers(1, 3), label="episodes")):
            await seed_episode(data.draw, people, ids, n)
        await seed_calendar(data.draw, people.cast)
        failures: list[str] = []
        routes = get_routes(app)
        for role, http in logged_in.items():
            for route in routes:
                if route.roles and role.value not in route.roles:
                    continue
                for url in urls(route.path, ids):
                    await walk(http, url, failures, role.value)
        assert failures == []
    finally:
        await savepoint.rollback_to()
