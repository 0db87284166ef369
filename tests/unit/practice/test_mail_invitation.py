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
    feed = calendar([ENTRY])
    text, method = addressed(feed, "praktijk@example.org", "anna@example.org")

    assert (text, method) == (feed, None)


def test_an_organizer_with_a_name_is_its_address_and_the_name_its_common_name() -> None:
    text, _ = addressed(
        calendar([ENTRY], method="REQUEST"), "Praktijk De Werkplek <post@x.nl>", "a@x.nl"
    )
    unfolded = text.replace("\r\n ", "")

    assert 'ORGANIZER;CN="Praktijk De Werkplek":mailto:post@x.nl' in unfolded
    assert "SEQUENCE:0" in unfolded


def test_a_calendar_that_cannot_be_read_goes_out_as_it_was() -> None:
    odd = "BEGIN:VCALENDAR\r\nnot a line\r\nEND:VCALENDAR\r\n" * 2

    assert addressed(odd, "post@x.nl", "a@x.nl") == (odd, None)
