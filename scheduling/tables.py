"""Tables of time: where and when therapists work, and the appointments they keep.

Instants are ``Timestamptz`` (UTC in the database, the practice's TIME_ZONE at the edges).
Double booking is refused by the database itself on PostgreSQL (an exclusion constraint, see the
migration) and by serialised IMMEDIATE write transactions on SQLite.
"""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from practice.tables import TreatmentEpisode, User


def _fk(table: type[Table] | str, *, null: bool = False) -> ForeignKey:  # type: ignore[type-arg]
    return ForeignKey(references=table, on_delete=OnDelete.restrict, null=null, index=True)


class Location(Table):
    """A practice location (never shown to employers: it can reveal the kind of care)."""

    id: Serial
    name = Varchar(length=200, unique=True)
    address = Varchar(length=300, default="")


class Room(Table):
    id: Serial
    location = _fk(Location)
    name = Varchar(length=100)


class WorkingHours(Table):
    """A therapist's weekly hours: one row per weekday range, in local (Amsterdam) time."""

    id: Serial
    therapist = _fk(User)
    weekday = Integer()  # 0 = Monday
    starts = Time()
    ends = Time()


class TherapistAbsence(Table):
    """Leave or illness of a therapist: no bookings then."""

    id: Serial
    therapist = _fk(User)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=16)  # scheduling.calendars.AbsenceReason


class ClosingDay(Table):
    """A day the practice is closed on top of the Dutch public holidays."""

    id: Serial
    day = Date(unique=True)
    reason = Varchar(length=200, default="")


class Appointment(Table):
    """A booked moment with a client: a session, the screening, a meeting, a follow-up."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    therapist = _fk(User)
    room = _fk(Room, null=True)
    kind = Varchar(length=32)  # scheduling.appointments.AppointmentKind
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    online = Boolean(default=False)
    video_link = Varchar(length=500, null=True, default=None)
    attendance = Varchar(length=32, default="planned", index=True)
    attendance_reason = Text(null=True, default=None)
    # When the attendance was recorded: a cancellation by the client this close to the
    # start is a late cancellation (reporting.billing). None on rows from before it was kept.
    attendance_at = Timestamptz(null=True, default=None)
    series = Varchar(length=36, null=True, default=None)  # occurrences booked together
    rebooked_as = _fk("Appointment", null=True)  # the new appointment after a cancellation
    notes = Text(null=True, default=None, secret=True)  # session notes: therapist only
    created_at = Timestamptz(default=TimestamptzNow())
    # A practice cancellation the therapist already told the client by phone: no e-mail
    # then, and the record keeps who told them and when (recorded with the cancellation).
    client_told_by = _fk(User, null=True)
    client_told_at = Timestamptz(null=True, default=None)


class AppointmentRequest(Table):
    """The client's request from the portal to cancel or move an appointment (issue 20): a
    request, not the change itself; the therapist handles it (``scheduling.requests``)."""

    id: Serial
    appointment = ForeignKey(
        references=Appointment, on_delete=OnDelete.restrict, null=False, unique=True, index=True
    )
    kind = Varchar(length=16)  # scheduling.requests.RequestKind
    message = Text(default="", secret=True)  # the client's words, for the therapist only
    created_at = Timestamptz(default=TimestamptzNow())
    # Answered by keeping the appointment as it is (after a talk, say); moving or cancelling
    # the appointment answers it too, and needs no mark here.
    kept_at = Timestamptz(null=True, default=None)
    kept_by = _fk(User, null=True)
    reply = Text(default="", secret=True)  # the therapist's words to the client, in the portal


class Participant(Table):
    """Who else takes part: manager, HR adviser, company doctor (required or optional)."""

    id: Serial
    appointment = _fk(Appointment)
    role = Varchar(length=32)  # scheduling.appointments.ParticipantRole
    user = _fk(User, null=True)
    name = Varchar(length=200)
    email = Varchar(length=254, null=True, default=None)
    required = Boolean(default=True)


class MeetingProposal(Table):
    """The alignment meeting proposed after the 4th held session (Compleet); one per episode."""

    id: Serial
    episode = ForeignKey(
        references=TreatmentEpisode, on_delete=OnDelete.restrict, null=False, unique=True
    )
    proposed_at = Timestamptz(default=TimestamptzNow())
    appointment = _fk(Appointment, null=True)  # set once it is booked


class CalendarFeed(Table):
    """A secret iCalendar feed URL of one therapist; only its hash is kept; revocable."""

    id: Serial
    therapist = _fk(User)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


ALL: list[type[Table]] = [
    Location,
    Room,
    WorkingHours,
    TherapistAbsence,
    ClosingDay,
    Appointment,
    Participant,
    AppointmentRequest,
    MeetingProposal,
    CalendarFeed,
]
