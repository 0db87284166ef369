"""The one outbound-mail adapter: SMTP through aiosmtplib, called only from jobs."""

from email.message import EmailMessage

import aiosmtplib

from practice.platform.settings import Settings


def build(
    settings: Settings, *, to_address: str, subject: str, body_text: str, ics: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to_address
    message["Subject"] = subject
    message.set_content(body_text)
    if ics is not None:
        message.add_attachment(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": "REQUEST"},
        )
    return message


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
