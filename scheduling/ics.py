"""iCalendar output: invitations and the therapist's feed, built with the icalendar package.

Event titles carry the client's initials and a neutral word, never a diagnosis or the kind
of care: a calendar is easily seen over someone's shoulder or synced to a phone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

# Re-exported: the calendar's titles and the practice's staff notices name a client alike.
from practice.privacy import initials as initials

PRODID = "-//@Work practice service//NL"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    cancelled: bool = False


def calendar(entries: Iterable[CalendarEntry], *, method: str | None = None) -> str:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", datetime.now(UTC))
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.ends_at.astimezone(UTC))
        event.add("summary", entry.summary)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        cal.add_component(event)
    return str(cal.to_ical().decode())
