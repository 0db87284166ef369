"""Outcome monitoring by secure link (issue 20): the sweep invites the client at each due
moment (``reporting.monitoring``) and reminds once a week later; the client answers on a page
that needs no account, opened by the link's token (``reporting.services.questionnaire_link``).

Exactly once: an invitation is one row per (episode, moment, ordinal) (a unique index), its
message one outbox row per key; both are written in one transaction, so a rerun of the sweep,
or two workers at once, send nothing twice. Only the token's SHA-256 is stored; the token
itself lives in the message to the client and nowhere else in the database but that
message's body. The link is single-use and expires (``reporting.monitoring.VALID_DAYS``).
"""

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from practice.disclosure import Addressee, Sender
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.settings import Settings
from practice.platform.templating import make_environment
from practice.queries.access import episodes_of_client
from practice.queries.episodes import addressee_of, client_has_address, load_facts
from practice.services import disclosure
from practice.tables import TreatmentEpisode
from reporting import monitoring
from reporting.tables import QuestionnaireInvitation, QuestionnaireResponse

_STATUSES = sorted(status.value for status in monitoring.MONITORED_STATUSES)


def invitation_key(episode_id: int, moment: str, ordinal: int | str) -> str:
    """The outbox key of one moment's invitation (``%`` for any: the erasure's pattern)."""
    return f"questionnaire-invitation:{episode_id}:{moment}:{ordinal}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def invite_due_questionnaires(today: date, settings: Settings) -> list[int]:
    """Invite every client with a due moment (see ``reporting.monitoring``); the messages
    created now, for the sweep to send."""
    # Only a client with an address is invited (``_invite``; without one the therapist
    # records the questionnaire in the session): the others' facts are not loaded.
    episodes = [
        int(e["id"])
        for e in await TreatmentEpisode.select(TreatmentEpisode.id).where(
            TreatmentEpisode.status.is_in(_STATUSES) & client_has_address()
        )
    ]
    if not episodes:
        return []
    invited = {
        (int(r["episode"]), r["moment"], int(r["ordinal"]))
        for r in await QuestionnaireInvitation.select(
            QuestionnaireInvitation.episode,
            QuestionnaireInvitation.moment,
            QuestionnaireInvitation.ordinal,
        ).where(among(QuestionnaireInvitation.episode, episodes))
    }
    answered: dict[int, list[tuple[str, date]]] = {}
    for r in await QuestionnaireResponse.select(
        QuestionnaireResponse.episode,
        QuestionnaireResponse.moment,
        QuestionnaireResponse.administered_on,
    ).where(among(QuestionnaireResponse.episode, episodes)):
        answered.setdefault(int(r["episode"]), []).append((r["moment"], r["administered_on"]))
    tz = settings.time_zone
    env = make_environment(tz)
    created: list[int] = []
    for episode_id, (facts, rules) in (await load_facts(episodes, tz)).items():
        due = monitoring.due_moments(
            facts, today, every=rules.report_every, answered=answered.get(episode_id, ())
        )
        for moment in due:
            if (episode_id, moment.moment, moment.ordinal) in invited:
                continue
            message_id = await _invite(episode_id, moment, today, settings, env)
            if message_id is not None:
                created.append(message_id)
    return created


async def _invite(
    episode_id: int,
    moment: monitoring.Moment,
    today: date,
    settings: Settings,
    env: Any,
) -> int | None:
    client = await addressee_of(episode_id)
    if client is None or not client["email"]:
        return None  # the therapist records the questionnaire in the session instead
    clearance = await disclosure.clear(
        Sender.QUESTIONNAIRE_INVITATION,
        int(client["client_id"]),
        Addressee.client(),
        datetime.now(UTC),
    )
    if isinstance(clearance, disclosure.Refusal):
        return None
    token = secrets.token_urlsafe(32)
    expires_on = today + timedelta(days=monitoring.VALID_DAYS)
    context = {
        "name": client["name"],
        "link": link_of(settings, token),
        "expires_on": expires_on,
    }
    async with write_tx():
        if not await new_invitation(episode_id, moment, token, expires_on, settings):
            return None  # another worker invited this moment a moment ago
        template = "reporting/questionnaire-invitation"
        return await outbox.queue_message(
            clearance,
            key=invitation_key(episode_id, moment.moment, moment.ordinal),
            to_address=client["email"],
            subject=env.get_template(f"{template}/subject.txt").render(context).strip(),
            body_text=env.get_template(f"{template}/body.txt").render(context),
        )


def reminder_key(episode_id: int, moment: str, ordinal: int) -> str:
    """The outbox key of an invitation's one reminder (matched by the erasure's pattern)."""
    return invitation_key(episode_id, moment, ordinal) + ":reminder"


async def remind_open_invitations(today: date, settings: Settings) -> list[int]:
    """One reminder for each link not used for ``REMIND_AFTER_DAYS``: the reminder carries a
    new link (only the hash is kept, so the old token cannot be mailed again), which replaces
    the old one and is valid for ``VALID_DAYS`` more. The messages created now."""
    now = datetime.now(UTC)
    before = now - timedelta(days=monitoring.REMIND_AFTER_DAYS)
    open_ones = await QuestionnaireInvitation.select(
        QuestionnaireInvitation.id,
        QuestionnaireInvitation.episode,
        QuestionnaireInvitation.moment,
        QuestionnaireInvitation.ordinal,
    ).where(
        QuestionnaireInvitation.completed_at.is_null()
        & QuestionnaireInvitation.reminded_at.is_null()
        & (QuestionnaireInvitation.created_at <= before)
        & (QuestionnaireInvitation.expires_at > now)
    )
    env = make_environment(settings.time_zone)
    created: list[int] = []
    for row in open_ones:
        message_id = await _remind(row, today, now, settings, env)
        if message_id is not None:
            created.append(message_id)
    return created


async def _remind(
    row: dict[str, Any], today: date, now: datetime, settings: Settings, env: Any
) -> int | None:
    episode_id = int(row["episode"])
    client = await addressee_of(episode_id)
    if client is None or not client["email"]:
        return None
    clearance = await disclosure.clear(
        Sender.QUESTIONNAIRE_INVITATION, int(client["client_id"]), Addressee.client(), now
    )
    if isinstance(clearance, disclosure.Refusal):
        return None
    token = secrets.token_urlsafe(32)
    expires_on = today + timedelta(days=monitoring.VALID_DAYS)
    context = {"name": client["name"], "link": link_of(settings, token), "expires_on": expires_on}
    async with write_tx():
        renewed = (
            await QuestionnaireInvitation.update(
                {
                    QuestionnaireInvitation.token_hash: token_hash(token),
                    QuestionnaireInvitation.reminded_at: now,
                    QuestionnaireInvitation.expires_at: _end_of(expires_on, settings),
                }
            )
            .where(
                (QuestionnaireInvitation.id == row["id"])
                & QuestionnaireInvitation.reminded_at.is_null()
                & QuestionnaireInvitation.completed_at.is_null()
            )
            .returning(QuestionnaireInvitation.id)
        )
        if not renewed:  # answered or reminded a moment ago
            return None
        template = "reporting/questionnaire-reminder"
        return await outbox.queue_message(
            clearance,
            key=reminder_key(episode_id, row["moment"], int(row["ordinal"])),
            to_address=client["email"],
            subject=env.get_template(f"{template}/subject.txt").render(context).strip(),
            body_text=env.get_template(f"{template}/body.txt").render(context),
        )


def link_of(settings: Settings, token: str) -> str:
    """The client's link to an invitation (the absolute URL the e-mail carries)."""
    return settings.link(f"/questionnaires/{token}")


async def new_invitation(
    episode_id: int,
    moment: monitoring.Moment,
    token: str,
    expires_on: date,
    settings: Settings,
) -> bool:
    """Store the invitation of ``moment`` with ``token``'s hash, unless the moment has one;
    called in the transaction that queues its message. True when stored now."""
    rows = (
        await QuestionnaireInvitation.insert(
            QuestionnaireInvitation(
                episode=episode_id,
                moment=moment.moment,
                ordinal=moment.ordinal,
                instruments=list(monitoring.INSTRUMENTS),
                token_hash=token_hash(token),
                expires_at=_end_of(expires_on, settings),
            )
        )
        .on_conflict(
            target=(
                QuestionnaireInvitation.episode,
                QuestionnaireInvitation.moment,
                QuestionnaireInvitation.ordinal,
            ),
            action="DO NOTHING",
        )
        .returning(QuestionnaireInvitation.id)
    )
    return bool(rows)


def _end_of(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time.max, settings.time_zone)


async def fresh_link(invitation_id: int, client_id: int, now: datetime) -> str | None:
    """A new token for an open invitation of the client's, from the client portal (the
    mailed link keeps no token in the database, so the portal cannot reuse it); the mailed
    link stops working. None when the invitation is answered, expired or not the client's."""
    token = secrets.token_urlsafe(32)
    async with write_tx():
        renewed = (
            await QuestionnaireInvitation.update(
                {QuestionnaireInvitation.token_hash: token_hash(token)}
            )
            .where(
                (QuestionnaireInvitation.id == invitation_id)
                & QuestionnaireInvitation.completed_at.is_null()
                & (QuestionnaireInvitation.expires_at > now)
                & QuestionnaireInvitation.episode.is_in(episodes_of_client(client_id))
            )
            .returning(QuestionnaireInvitation.id)
        )
    return token if renewed else None
