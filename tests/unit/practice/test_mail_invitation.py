"""An invitation is addressed as it is sent: from the practice, to its reader."""

from datetime import UTC, datetime

from practice.platform.mail import addressed
from scheduling.ics import CalendarEntry, calendar

START = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
ENTRY = CalendarEntry("appointment-1@atwork", START, START.replace(hour=12), "Afspraak")


def test_a_cancellation_names_its_organizer_and_attendee_and_keeps_its_own_method() -> None:
    text, method = addressed(
        calendar([ENTRY], method="CANCEL"), "praktijk@example.org", "anna@example.org"
    )

    assert method == "CANCEL"
    assert "ORGANIZER:mailto:praktijk@example.org" in text
    assert "mailto:anna@example.org" in text.replace("\r\n ", "").split("ATTENDEE", 1)[1]


def test_a_calendar_without_a_method_is_left_as_it_is() -> None:
    text, method = addressed(calendar([ENTRY]), "praktijk@example.org", "anna@example.org")

    assert method is None
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
