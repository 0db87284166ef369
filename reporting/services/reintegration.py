"""The treatment's contribution to the employer's re-integration report: the PDF for the
therapist and (with the client's consent) the employer, and the notice that it waits in the
employer's portal.

Built from the employer's allow-listed view only (``reporting.reintegration``). The employer
reads it, and is told of it, only while the client's consent to process updates to the
employer is in force: the notice goes through the one gate (``practice.services.disclosure``
``clear``, sender ``REINTEGRATION_EXTRACT_NOTICE``), and the employer's door asks the same
consent on every read.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict
from practice.platform import i18n, outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.services import disclosure
from practice.tables import User
from reporting.documents import render_html, render_pdf_async
from reporting.queries.records import build_employer_view, client_of, employer_contacts
from reporting.reintegration import TITLE, extract, notice_key

PURPOSE = "reporting"
TEMPLATE = "reporting/reintegration/document.html"
NOTICE = "reporting/reintegration-extract-notice"
NO_CONTACT = N_("No manager or HR adviser is on the case today: there is no one to tell.")
NO_CONSENT = N_(
    "The client's consent to process updates to the employer is not in force: the employer"
    " is not told of the re-integration extract."
)


async def extract_pdf(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo
) -> bytes:
    """The extract as a PDF, as the record stands now; the export is audited naming the
    client. Who may have it is the door's business (the relation guard, and for an employer
    the consent)."""
    view = await build_employer_view(episode_id, datetime.now(UTC), tz)
    title = _("Contribution of the treatment to the re-integration report")
    html = render_html(
        TEMPLATE,
        {"title": title, "extract": extract(view, today)},
        tz=tz,
        locale=i18n.current_locale.get(),
    )
    async with write_tx():
        await audit.record(
            actor, Action.EXPORT, TITLE, episode_id, purpose=PURPOSE, client_id=client_id
        )
    return await render_pdf_async(html, title=title)


def employer_path(episode_id: int) -> str:
    """Where the employer reads the extract (the link in the notice)."""
    return f"/employer/episodes/{episode_id}/reintegration-extract.pdf"


async def send_extract(actor: Actor, episode_id: int, today: date, settings: Settings) -> list[int]:
    """Tell the case's managers and HR advisers that the extract waits in their portal: each
    through the gate, so only with the client's consent; once a day per contact (the outbox
    key), however often the therapist presses. Refused with the reason when no one can be
    told; returns the messages queued now."""
    contacts = (await employer_contacts([episode_id], today)).get(episode_id, [])
    if not contacts:
        raise Conflict(NO_CONTACT)
    client_id = await client_of(episode_id)
    now = datetime.now(UTC)
    env = make_environment(settings.time_zone)
    queued: list[int] = []
    cleared = 0
    async with write_tx():
        for user in await User.select(User.id, User.email, User.locale).where(
            User.id.is_in(contacts)
        ):
            clearance = await disclosure.clear(
                Sender.REINTEGRATION_EXTRACT_NOTICE,
                client_id,
                Addressee.account(int(user["id"])),
                now,
            )
            if isinstance(clearance, disclosure.Refusal):
                continue
            cleared += 1
            subject, body = render_email(
                env, NOTICE, {"link": settings.link(employer_path(episode_id))}, user["locale"]
            )
            message_id = await outbox.queue_message(
                clearance,
                key=notice_key(episode_id, int(user["id"]), today),
                to_address=user["email"],
                subject=subject,
                body_text=body,
            )
            if message_id is not None:
                queued.append(message_id)
        if not cleared:
            raise Conflict(NO_CONSENT)
        await audit.record(
            actor, Action.SEND, TITLE, episode_id, purpose=PURPOSE, client_id=client_id
        )
    return queued
