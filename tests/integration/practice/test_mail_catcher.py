"""The quick start keeps outgoing mail in a local maildir instead of sending it anywhere."""

import dataclasses
import mailbox
from pathlib import Path

from practice.platform import mail, mail_catcher
from practice.platform.settings import Settings


async def test_mail_sent_by_the_adapter_lands_in_the_maildir_of_the_quick_start(
    tmp_path: Path,
) -> None:
    catcher = mail_catcher.start(tmp_path / "mail")
    try:
        settings = dataclasses.replace(
            Settings.from_env(), smtp_host="127.0.0.1", smtp_port=catcher.port
        )
        message = mail.build(
            settings, to_address="anna@example.org", subject="Uw afspraak", body_text="Dinsdag"
        )
        await mail.send(settings, message)
    finally:
        catcher.stop()
    kept = list(mailbox.Maildir(tmp_path / "mail"))
    assert [m["Subject"] for m in kept] == ["Uw afspraak"]
    assert kept[0]["To"] == "anna@example.org"
