"""The follow-up measurement invitation: once per closed episode, when its window opens.

Its own module because it is a sweep of closed episodes by the task rules
(`practice.tasks`), unlike the report and employer-update sweeps.
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from practice.disclosure import Addressee, Sender
from practice.episodes import EpisodeStatus
from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.settings import Settings
from practice.platform.templating import make_environment
from practice.queries.episodes import addressees_of, client_has_address, load_facts
from practice.services import disclosure
from practice.tables import FollowUp, OutboundMessage, TreatmentEpisode
from reporting import monitoring
from reporting.services import monitoring as monitoring_service


def follow_up_invitation_key(episode_id: int | str) -> str:
    """The outbox key of the follow-up invitation of an episode (one per episode);
    ``episode_id="%"`` gives the LIKE pattern of them all."""
    return f"follow-up-invitation:{episode_id}"


async def invite_due_follow_ups(today: date, settings: Settings) -> list[int]:
    """Invite each client whose follow-up window opened and who has no measurement yet.

    Once per episode (the message key). The mail carries the client's secure link to the
    follow-up measurement (hours worked, contract hours and the questionnaires; issue 20),
    stored as the episode's "follow_up" invitation in the same transaction; the response is
    recorded as a FollowUp (done, unreachable or declined), so the response rate can be
    reported (S11).
    """
    tz = settings.time_zone
    # Invited before (one message per episode): told apart in one read before the facts
    # are loaded, not looked up per episode and sweep (on 100,000 episodes, bench M, the
    # finder took most of a minute every five minutes).
    invited = {
        str(r["key"])
        for r in await OutboundMessage.select(OutboundMessage.key).where(
            OutboundMessage.key.like(follow_up_invitation_key("%"))
        )
    }
    # Only a client with an address can be invited, and a measurement done is not asked
    # again (the task rules would say so too, after loading every closed episode's facts).
    closed = await TreatmentEpisode.select(TreatmentEpisode.id).where(
        (TreatmentEpisode.status == EpisodeStatus.CLOSED.value) & client_has_address()
    )
    measured = {
        int(r["episode"])
        for r in await FollowUp.select(FollowUp.episode).where(FollowUp.kind == "measurement")
    }
    candidates = [
        int(e["id"])
        for e in closed
        if int(e["id"]) not in measured and follow_up_invitation_key(int(e["id"])) not in invited
    ]
    loaded = await load_facts(candidates, tz) if candidates else {}
    opened = [
        episode_id
        for episode_id, (facts, rules) in loaded.items()
        if monitoring.follow_up_window_opened(facts, rules, today)
    ]
    clients = await addressees_of(opened) if opened else {}
    env = make_environment(tz)
    created: list[int] = []
    for episode_id in opened:
        client = clients.get(episode_id)
        if client is None or not client["email"]:
            continue
        token = secrets.token_urlsafe(32)
        expires_on = today + timedelta(days=monitoring.VALID_DAYS)
        context = {
            "name": client["name"],
            "link": monitoring_service.link_of(settings, token),
            "expires_on": expires_on,
        }
        clearance = await disclosure.clear(
            Sender.FOLLOW_UP_INVITATION,
            int(client["client_id"]),
            Addressee.client(),
            datetime.now(UTC),
        )
        if isinstance(clearance, disclosure.Refusal):
            continue
        if await OutboundMessage.exists().where(
            OutboundMessage.key == follow_up_invitation_key(episode_id)
        ):
            continue  # invited since the read above, by another worker
        async with write_tx():
            moment = monitoring.Moment("follow_up", 0, today)
            if not await monitoring_service.new_invitation(
                episode_id, moment, token, expires_on, settings
            ):
                continue  # invited a moment ago by another worker
            message_id = await outbox.queue_message(
                clearance,
                key=follow_up_invitation_key(episode_id),
                to_address=client["email"],
                subject=env.get_template("reporting/follow-up-invitation/subject.txt")
                .render(context)
                .strip(),
                body_text=env.get_template("reporting/follow-up-invitation/body.txt").render(
                    context
                ),
            )
        if message_id is not None:
            created.append(message_id)
    return created
