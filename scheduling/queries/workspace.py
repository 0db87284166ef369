"""What scheduling adds to the client page's summary header and timeline.

Called by the client page after its own access check and audit row (the page reads the
episode as a whole), so these read without a second row. Session notes never appear here.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.platform.i18n import format_moment
from practice.platform.i18n import gettext as _
from practice.platform.templating import label
from practice.queries.timeline import SummaryFact, TimelineEvent
from practice.tables import TreatmentEpisode
from scheduling.appointments import Attendance
from scheduling.tables import Appointment


async def summary(actor: Actor, episode_id: int, today: date, tz: ZoneInfo) -> list[SummaryFact]:
    """The next appointment, and the sessions held against the session budget."""
    upcoming = (
        await Appointment.select(Appointment.starts_at, Appointment.kind)
        .where(
            (Appointment.episode == episode_id)
            & (Appointment.attendance == Attendance.PLANNED.value)
            & (Appointment.starts_at >= datetime.now(UTC))
        )
        .order_by(Appointment.starts_at)
        .first()
    )
    held = await Appointment.count().where(
        (Appointment.episode == episode_id)
        & (Appointment.attendance == Attendance.HELD.value)
        & (Appointment.kind == "treatment_session")
    )
    budget = (
        await TreatmentEpisode.select(TreatmentEpisode.sessions_authorised)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    authorised = budget["sessions_authorised"] if budget else None
    next_value = _("none booked")
    if upcoming:
        when = format_moment(upcoming["starts_at"], tz, "short")
        next_value = f"{when} · {label('appointment_kind', upcoming['kind'])}"
    held_value = (
        _("%(held)d of %(budget)d") % {"held": held, "budget": authorised}
        if authorised
        else str(held)
    )
    return [
        SummaryFact(_("Next appointment"), next_value, "sessions", warn=upcoming is None),
        SummaryFact(
            _("Sessions held"),
            held_value,
            "sessions",
            warn=bool(authorised and held >= authorised),
        ),
    ]


async def timeline(
    actor: Actor, episode_id: int, today: date, tz: ZoneInfo, limit: int | None
) -> list[TimelineEvent]:
    """The appointments, newest first: booked, held, missed or cancelled (no notes, no
    reasons); only the newest ``limit`` of them when given."""
    query = (
        Appointment.select(Appointment.starts_at, Appointment.kind, Appointment.attendance)
        .where(Appointment.episode == episode_id)
        .order_by(Appointment.starts_at, ascending=False)
    )
    rows = await (query.limit(limit) if limit is not None else query)
    return [
        TimelineEvent(
            row["starts_at"],
            label("appointment_kind", row["kind"]),
            "sessions",
            label("attendance", row["attendance"]),
        )
        for row in rows
    ]
