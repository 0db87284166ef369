"""What reaches a real SMTP server (aiosmtpd) carries a Date and a Message-ID, and its links
point to the practice's own address (BASE_URL), never to a port the service is not on."""

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import time_machine

from practice.disclosure import Addressee, Sender
from practice.jobs import send_message
from practice.platform import outbox
from practice.platform.settings import Settings
from practice.services import disclosure
from practice.tables import OutboundMessage
from tests.cast import Cast
from tests.integration.practice.test_break_glass import NOTICES, NOW, break_glass, outsider, story
from tests.mailbox import Mailbox
from tests.web import login

LINK = re.compile(r"https?://[^\s\"'<>]+")


def smtp(settings: Settings, box: Mailbox, mail_from: str | None = None) -> Settings:
    return dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=box.port,
        mail_from=mail_from or settings.mail_from,
    )


async def to_a_client() -> disclosure.Clearance:
    """The gate's leave for a message to a client (no consent asked, no client row read)."""
    cleared = await disclosure.clear(
        Sender.FOLLOW_UP_INVITATION, 1, Addressee.client(), datetime.now(UTC)
    )
    assert isinstance(cleared, disclosure.Clearance)
    return cleared


async def send_all(settings: Settings) -> None:
    rows = await OutboundMessage.select(OutboundMessage.id).where(OutboundMessage.sent_at.is_null())
    for row in rows:
        assert await send_message({"settings": settings}, int(row["id"]))


async def test_a_sent_message_is_dated_in_the_practices_time_zone_with_a_message_id_of_its_domain(
    db: None, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox, "Praktijk @Work <post@praktijk-atwork.nl>")
    await outbox.queue_message(
        await to_a_client(),
        key="test:headers",
        to_address="anna@example.org",
        subject="Uw afspraak",
        body_text="Di",
    )
    before = datetime.now(settings.time_zone).replace(microsecond=0)
    await send_all(mail)

    [message] = mailbox.messages
    sent_at = parsedate_to_datetime(message["Date"])
    assert before <= sent_at <= before + timedelta(minutes=1)
    assert sent_at.utcoffset() == datetime.now(settings.time_zone).utcoffset()
    assert re.fullmatch(r"<[^@<>\s]+@praktijk-atwork\.nl>", message["Message-ID"])


async def test_two_messages_never_share_a_message_id(
    db: None, settings: Settings, mailbox: Mailbox
) -> None:
    for n in range(2):
        await outbox.queue_message(
            await to_a_client(),
            key=f"test:ids:{n}",
            to_address="anna@example.org",
            subject="Uw afspraak",
            body_text="Di",
        )
    await send_all(smtp(settings, mailbox))
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(ids) == 2 and len(set(ids)) == 2


@time_machine.travel(NOW, tick=False)
async def test_the_links_of_a_sent_notice_point_to_the_configured_base_url(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    """The break-glass notice links to the monitor and the access log; its links are built
    from BASE_URL (https://testserver in the tests), the one owner of absolute links."""
    episode_id, client_id = await story(client, cast)
    await login(client, (await outsider()).email)
    assert (await break_glass(client, episode_id)).status_code == 201
    assert await OutboundMessage.count().where(NOTICES) >= 1

    await send_all(smtp(settings, mailbox))

    assert mailbox.messages
    for text in mailbox.texts():
        links = LINK.findall(text)
        assert settings.link("/monitor#break-glass") in links
        assert settings.link(f"/clients/{client_id}/access-log") in links
        assert all(link.startswith(f"{settings.base_url}/") for link in links), links
        assert "Date: " in text and "Message-ID: " in text
