"""Outcome monitoring by secure link (issue 20): the sweep invites the client at each due
moment (``reporting.monitoring``), and the client fills in the questionnaires on a page that
needs no account, opened by the link's token.

Exactly once: an invitation is one row per (episode, moment, ordinal) (a unique index), its
message one outbox row per key; both are written in one transaction, so a rerun of the sweep,
or two workers at once, send nothing twice. Only the token's SHA-256 is stored; the token
itself lives in the message to the client and nowhere else in the database but that
message's body. The link is single-use and expires (``reporting.monitoring.VALID_DAYS``).
"""

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from practice.audit.trail import Actor, Channel
from practice.disclosure import Addressee, Sender
from practice.errors import InvalidInput
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.settings import Settings
from practice.platform.templating import make_environment
from practice.queries.episodes import load_facts
from practice.services import disclosure
from practice.tables import TreatmentEpisode
from reporting import monitoring
from reporting.questionnaire_model import Questionnaire
from reporting.questionnaires import INSTRUMENTS
from reporting.services.questionnaires import NO_ANSWER, record_questionnaire
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
    episodes = [
        int(e["id"])
        for e in await TreatmentEpisode.select(TreatmentEpisode.id).where(
            TreatmentEpisode.status.is_in(_STATUSES)
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
    client = (
        await TreatmentEpisode.select(
            TreatmentEpisode.client.as_alias("client_id"),
            TreatmentEpisode.client._.name.as_alias("name"),
            TreatmentEpisode.client._.email.as_alias("email"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
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
        "link": settings.link(f"/questionnaires/{token}"),
        "expires_on": expires_on,
    }
    async with write_tx():
        rows = (
            await QuestionnaireInvitation.insert(
                QuestionnaireInvitation(
                    episode=episode_id,
                    moment=moment.moment,
                    ordinal=moment.ordinal,
                    instruments=list(monitoring.INSTRUMENTS),
                    token_hash=token_hash(token),
                    expires_at=datetime.combine(expires_on, time.max, settings.time_zone),
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
        if not rows:  # another worker invited this moment a moment ago
            return None
        template = "reporting/questionnaire-invitation"
        return await outbox.queue_message(
            clearance,
            key=invitation_key(episode_id, moment.moment, moment.ordinal),
            to_address=client["email"],
            subject=env.get_template(f"{template}/subject.txt").render(context).strip(),
            body_text=env.get_template(f"{template}/body.txt").render(context),
        )


@dataclass(frozen=True, slots=True)
class OpenInvitation:
    """An invitation whose link still works: what the client's page shows."""

    id: int
    episode_id: int
    moment: str
    instruments: tuple[Questionnaire, ...]


class LinkNotUsable(Exception):
    """The link is unknown, used or expired: the page says so and asks nothing."""


async def open_invitation(token: str, now: datetime) -> OpenInvitation:
    row = (
        await QuestionnaireInvitation.select(
            QuestionnaireInvitation.id,
            QuestionnaireInvitation.episode,
            QuestionnaireInvitation.moment,
            QuestionnaireInvitation.instruments,
            QuestionnaireInvitation.expires_at,
            QuestionnaireInvitation.completed_at,
        )
        .where(QuestionnaireInvitation.token_hash == token_hash(token))
        .output(load_json=True)
        .first()
    )
    if row is None or row["completed_at"] is not None or row["expires_at"] < now:
        raise LinkNotUsable
    codes = row["instruments"] if isinstance(row["instruments"], list) else []
    return OpenInvitation(
        id=int(row["id"]),
        episode_id=int(row["episode"]),
        moment=str(row["moment"]),
        instruments=tuple(INSTRUMENTS[c] for c in codes if c in INSTRUMENTS),
    )


def client_actor(source: str | None) -> Actor:
    """The client, known by the link rather than an account: audited as such."""
    return Actor(user_id=None, role="client", source=source, channel=Channel.WEB)


async def complete_invitation(
    token: str,
    answers: Mapping[str, Mapping[str, int]],
    *,
    now: datetime,
    today: date,
    source: str | None,
) -> int:
    """Score and store the client's answers, one response per instrument, and close the link,
    all in one transaction; every unanswered item of every instrument is named at once
    (``answers.<item>``). Returns the number of responses stored."""
    async with write_tx():
        invitation = await open_invitation(token, now)
        problems: dict[str, Any] = {}
        checked: list[tuple[Questionnaire, Mapping[str, int]]] = []
        for questionnaire in invitation.instruments:
            given = answers.get(questionnaire.code, {})
            missing = [item.id for item in questionnaire.items if item.id not in given]
            problems.update({f"answers.{item}": NO_ANSWER for item in missing})
            checked.append((questionnaire, given))
        if problems:
            raise InvalidInput(problems)
        for questionnaire, given in checked:
            await record_questionnaire(
                client_actor(source),
                episode_id=invitation.episode_id,
                instrument=questionnaire.code,
                moment=invitation.moment,
                administered_on=today,
                answers=given,
                today=today,
            )
        closed = (
            await QuestionnaireInvitation.update({QuestionnaireInvitation.completed_at: now})
            .where(
                (QuestionnaireInvitation.id == invitation.id)
                & QuestionnaireInvitation.completed_at.is_null()
            )
            .returning(QuestionnaireInvitation.id)
        )
        if not closed:  # the same link posted twice at once: the other post won
            raise LinkNotUsable
    return len(checked)


def answers_by_instrument(
    instruments: Sequence[Questionnaire], posted: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """``answers.<item>`` form fields, grouped per instrument by the item's id; a value that
    is not a whole number is left out, so its item counts as unanswered."""
    grouped: dict[str, dict[str, int]] = {}
    for questionnaire in instruments:
        for item in questionnaire.items:
            value = posted.get(f"answers.{item.id}", "")
            if value.strip().lstrip("-").isdigit():
                grouped.setdefault(questionnaire.code, {})[item.id] = int(value)
    return grouped
