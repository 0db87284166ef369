"""A demo practice that looks lived in: three therapists, three employers, two company doctors,
and some two hundred clients over the last two years in every stage of the treatment track.

The practice is drawn from a fixed seed (``plan``: pure, the same for every weekday of
today), written through the services (``parties``, ``episodes``), with the sessions of the
past in bulk and the coming two weeks booked (``scheduling.demo``). Idempotent: running it
again changes nothing (it stops if the demo employer exists). All in one transaction, so a
failed load leaves nothing half-made.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor, Channel
from practice.composition.demo.absences import record_absences
from practice.composition.demo.capacity import record_capacity_advice
from practice.composition.demo.episodes import EpisodeLoader
from practice.composition.demo.parties import accounts, create_parties
from practice.composition.demo.plan import (
    DEMO_ACCOUNTS,
    DEMO_EMPLOYER,
    DEMO_PASSWORD,
    MEETING_MINUTES,
    SESSION_MINUTES,
    THERAPISTS,
    DemoAccount,
    EpisodePlan,
    Plan,
    Session,
    build_plan,
)
from practice.composition.demo.setbacks import record_setbacks
from practice.platform.db import write_tx
from practice.tables import Employer
from scheduling.demo import DemoAppointment, book_coming, load_history
from scheduling.queries.availability import working_days

__all__ = ["DEMO_ACCOUNTS", "DEMO_EMPLOYER", "DEMO_PASSWORD", "DemoAccount", "load_demo"]


async def load_demo(today: date | None = None, *, tz: ZoneInfo) -> int:
    """Create the demo practice if it is not there; returns the number of episodes created."""
    today = today or datetime.now(tz).date()
    actor = Actor.system(Channel.CLI)
    async with write_tx():
        users = await accounts(actor)
        if await Employer.exists().where(Employer.name == DEMO_EMPLOYER):
            return 0
        plan = build_plan(today, days=await working_days())
        ids = await create_parties(actor, users, plan.closing_day)
        loader = EpisodeLoader(actor, plan.calendar, ids, tz)
        past: list[DemoAppointment] = []
        coming: list[DemoAppointment] = []
        loaded: list[tuple[EpisodePlan, int]] = []
        for episode in plan.episodes:
            client_id, episode_id = await loader.load(episode)
            loaded.append((episode, episode_id))
            for session in episode.sessions:
                appointment = _appointment(plan, episode.therapist, session, tz)
                made = DemoAppointment(
                    episode_id=episode_id,
                    client_id=client_id,
                    therapist_user_id=ids.therapists[episode.therapist],
                    kind=session.kind,
                    starts_at=appointment,
                    minutes=SESSION_MINUTES
                    if session.kind == "treatment_session"
                    else MEETING_MINUTES,
                    attendance=session.attendance,
                    rebooked=session.rebooked,
                )
                (coming if session.day > 0 else past).append(made)
        await record_absences(actor, plan.calendar, loaded, today=today, tz=tz)
        await record_setbacks(actor, plan.calendar, loaded, today=today, tz=tz)
        await record_capacity_advice(actor, plan.calendar, loaded, today=today, tz=tz)
        await loader.date_status_changes()
        await load_history(actor, past)
        await book_coming(actor, coming, tz)
    return len(plan.episodes)


def _appointment(plan: Plan, therapist: int, session: Session, tz: ZoneInfo) -> datetime:
    starts: time = THERAPISTS[therapist].slots[session.slot]
    return datetime.combine(plan.calendar.day(session.day), starts, tz)
