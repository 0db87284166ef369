"""Sessions for the demo practice: weekly held sessions for every demo episode in treatment,
so the caseload shows interim reports, alignment meetings and session gaps coming due."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor, Channel
from practice.tables import CaseAssignment, TreatmentEpisode
from scheduling.services import attendance
from scheduling.services import booking as services
from scheduling.services.booking import Booking
from scheduling.tables import Appointment

MAX_SESSIONS = 9


async def load_demo_sessions(today: date, tz: ZoneInfo) -> int:
    """Idempotent: episodes that already have appointments are left alone."""
    actor = Actor.system(Channel.CLI)
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.started_on,
        TreatmentEpisode.closed_on,
        TreatmentEpisode.status,
    ).where(
        TreatmentEpisode.started_on.is_not_null()
        & TreatmentEpisode.status.is_in(["in_treatment", "paused", "closed"])
    )
    booked = 0
    for episode in episodes:
        if await Appointment.exists().where(Appointment.episode == episode["id"]):
            continue
        therapist = (
            await CaseAssignment.select(CaseAssignment.user)
            .where(
                (CaseAssignment.episode == episode["id"])
                & (CaseAssignment.team_role == "therapist")
            )
            .first()
        )
        if therapist is None:
            continue
        end = episode["closed_on"] or today
        weeks = min(MAX_SESSIONS, max(1, (end - episode["started_on"]).days // 7))
        first = datetime.combine(episode["started_on"], time(10, 0), tz)
        booking = Booking(
            episode_id=int(episode["id"]),
            therapist_user_id=int(therapist["user"]),
            kind="treatment_session",
            duration_minutes=45,
        )
        result = await services.book_series(actor, booking, first, weeks, 1, tz)
        now = datetime.now(tz)
        for appointment_id, starts_at in result.booked:
            if starts_at + timedelta(minutes=45) < now:
                await attendance.record_attendance(
                    actor, appointment_id=appointment_id, attendance="held", tz=tz
                )
                booked += 1
    return booked
