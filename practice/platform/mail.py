"""The one outbound-mail adapter: SMTP through aiosmtplib, called only from jobs."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

import aiosmtplib
from icalendar import Calendar, vCalAddress

from practice.platform.settings import Settings

log = logging.getLogger(__name__)


def mail_domain(settings: Settings) -> str:
    """The practice's own domain, for Message-IDs: MAIL_FROM's, else BASE_URL's host.
    Given, not looked up: make_msgid would otherwise ask DNS for this machine's name."""
    # The address between <...> when a display name comes first ('Praktijk <post@x.nl>').
    address = settings.mail_from.rpartition("<")[2].rstrip("> ")
    domain = address.rpartition("@")[2] if "@" in address else ""
    return domain or urlsplit(settings.base_url).hostname or "localhost"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (an invoice's PDF, its e-invoice XML)."""

    filename: str
    media_type: str  # e.g. "application/pdf"
    content: bytes


def build(
    settings: Settings,
    *,
    to_address: str,
    subject: str,
    body_text: str,
    ics: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    message = EmailMessage()
    # RFC 5322 asks for both; without them some servers add their own and spam filters
    # count it against the message. The date is the practice's clock at sending.
    message["Date"] = format_datetime(datetime.now(settings.time_zone))
    message["Message-ID"] = make_msgid(domain=mail_domain(settings))
    message["From"] = settings.mail_from
    message["To"] = to_address
    message["Subject"] = subject
    message.set_content(body_text)
    if ics is not None:
        ics, method = addressed(ics, settings.mail_from, to_address)
        message.add_attachment(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": method} if method else {},
        )
    for attachment in attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def addressed(ics: str, organizer: str, attendee: str) -> tuple[str, str | None]:
    """The invitation with whom it is from and to, and its method: RFC 5546 asks a REQUEST
    or CANCEL for an ORGANIZER, the ATTENDEE it is for and a SEQUENCE (calendar programs
    refused ours without them), and the attachment's method must be the calendar's own (a
    cancellation went out labelled REQUEST). Made here, where the sender and the address
    are known; `organizer` may carry a name ("Praktijk <post@x.nl>"). A calendar this cannot
    read goes out as it was, never held back."""
    try:
        cal = Calendar.from_ical(ics)
    except ValueError:
        log.warning("an invitation's calendar could not be read; sent as it was")
        return ics, None
    method = str(cal["method"]).upper() if "method" in cal else None
    if method not in ("REQUEST", "CANCEL"):
        return ics, method
    name, address = parseaddr(organizer)
    for event in cal.walk("VEVENT"):
        if "organizer" not in event:
            event.add(
                "organizer",
                vCalAddress(f"mailto:{address}"),
                parameters={"CN": name} if name else {},
            )
        if "attendee" not in event:
            event.add(
                "attendee",
                vCalAddress(f"mailto:{attendee}"),
                parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
            )
        if "sequence" not in event:
            event.add("sequence", 0)
    return cal.to_ical().decode(), method


async def send(settings: Settings, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )
