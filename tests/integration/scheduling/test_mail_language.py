"""E-mails in the recipient's language: a client's confirmation is in the practice's default
language (a client has no account to name one), whatever the language of the therapist's screen."""

import httpx
import time_machine

from practice.platform.settings import Settings
from tests.cast import Cast
from tests.integration.scheduling.test_mail import send_all, smtp
from tests.mailbox import Mailbox
from tests.story import ok, refer, setup_parties
from tests.web import api


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_therapist_working_in_english_books_and_the_client_is_told_in_dutch(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    client.cookies.set("lang", "en")  # the therapist's NL/EN switch
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-06T14:00:00+02:00"},
        ),
        201,
    )
    await send_all(mail)
    [confirmation] = mailbox.texts()
    assert "woensdag 6 mei 2026, 14:00" in confirmation
    assert "Wednesday" not in confirmation
