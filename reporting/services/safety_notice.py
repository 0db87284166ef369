"""A safety answer given through the client's link reaches the treating therapist at once
(issue 20): the task list shows it (``practice.task_rules._safety``), and because the client
answered outside a session, each therapist on the case today also gets an e-mail, once per
response. The mail names the client by initials and links to the client page; it carries no
answer and no score (``Sender.SAFETY_NOTICE``). Queued in the transaction that stores the
answers, so it leaves with their commit or not at all.
"""

from datetime import UTC, date, datetime

from practice.case_team import TeamRole
from practice.disclosure import Addressee, Sender
from practice.platform import outbox
from practice.platform.settings import Settings
from practice.platform.templating import make_environment
from practice.privacy import initials
from practice.queries.case_team import members_on
from practice.services import disclosure
from practice.tables import Client, TreatmentEpisode


def safety_notice_key(response_id: int, user_id: int | str) -> str:
    """One notice per response and therapist (``%`` for any: the erasure's pattern)."""
    return f"safety-notice:{response_id}:{user_id}"


async def tell_therapists(
    episode_id: int, response_id: int, today: date, settings: Settings
) -> int:
    """Queue the notice to each therapist on the case today; how many were queued."""
    therapists = await members_on(episode_id, TeamRole.THERAPIST, today)
    episode = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if not therapists or episode is None:
        return 0
    client_id = int(episode["client"])
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    client_initials = initials(str(client["name"] if client else ""))
    env = make_environment(settings.time_zone)
    queued = 0
    for therapist in therapists:
        user_id = int(therapist["user"])
        clearance = await disclosure.clear(
            Sender.SAFETY_NOTICE, client_id, Addressee.account(user_id), datetime.now(UTC)
        )
        if isinstance(clearance, disclosure.Refusal):
            continue
        context = {
            "name": therapist["name"],
            "client": client_initials,
            "link": settings.link(f"/episodes/{episode_id}?section=measurements"),
        }
        made = await outbox.queue_message(
            clearance,
            key=safety_notice_key(response_id, user_id),
            to_address=therapist["email"],
            subject=env.get_template("reporting/safety-notice/subject.txt").render(context).strip(),
            body_text=env.get_template("reporting/safety-notice/body.txt").render(context),
        )
        queued += made is not None
    return queued
