"""The daily escalation digest: load the early deadlines, decide, store the digests, send.

``practice.escalation`` decides which screening and treatment-start deadlines escalate on
``today`` and to whom; this service loads what it needs, stores one outbox message per
person and day under ``digest_key`` (a unique key: a second run, a second worker or a
sweep every five minutes adds nothing), and hands the new ids to the caller to send. The
database is the truth: a lost send job is re-driven by the outbox's own sweep.

Each digest is cleared by the gate as a staff notice about several clients
(``Sender.ESCALATION_DIGEST``, no client consent: practice staff hear only what their role
may see) and written in the reader's language. It names a client by initials and episode
number, the kind of deadline and its date; no diagnosis, no reason text. The audit trail
gets one row per client named in a digest, naming the message, so each client's access log
shows where their reference went.
"""

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from practice import escalation
from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.deadlines import DEFAULT_WORKING_DAYS
from practice.disclosure import Addressee, Sender
from practice.episodes import TERMINAL_STATUSES
from practice.escalation import EpisodeDeadlines, Escalation
from practice.platform import outbox
from practice.platform.db import among
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.privacy import initials
from practice.queries.access import seat_active_on
from practice.queries.episodes import PURPOSE, load_facts
from practice.services import disclosure
from practice.tables import AuditEvent, CaseAssignment, OutboundMessage, TreatmentEpisode, User
from practice.tasks import derive_tasks

TEMPLATES = "practice/escalation"
OBJECT_TYPE = "escalation_digest"
_TERMINAL = [status.value for status in TERMINAL_STATUSES]


def digest_key(day: date, user_id: int | str) -> str:
    """The outbox key of one person's digest of one day: at most one each, whatever runs.

    ``user_id="%"`` gives the LIKE pattern of all digests of that day."""
    return f"escalation:{day.isoformat()}:{user_id}"


async def load_deadlines(today: date, tz: ZoneInfo) -> list[EpisodeDeadlines]:
    """The episodes that can still owe a Screening or a treatment start, with their tasks
    and the therapist holding their seat today.

    Narrowed in SQL to episodes without a screening or without a start on or after it (the
    others cannot hold an open task of those kinds), so the sweep every five minutes does
    not derive the tasks of the whole practice; ``derive_tasks`` still decides."""
    rows = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client,
        TreatmentEpisode.client._.name.as_alias("client_name"),
    ).where(
        TreatmentEpisode.status.not_in(_TERMINAL)
        & (
            TreatmentEpisode.screening_held_on.is_null()
            | TreatmentEpisode.started_on.is_null()
            | (TreatmentEpisode.started_on < TreatmentEpisode.screening_held_on)
        )
    )
    ids = [int(row["id"]) for row in rows]
    if not ids:
        return []
    seats = await CaseAssignment.select(CaseAssignment.episode, CaseAssignment.user).where(
        among(CaseAssignment.episode, ids)
        & (CaseAssignment.team_role == "therapist")
        & seat_active_on(today)
    )
    therapist = {int(s["episode"]): int(s["user"]) for s in seats}
    loaded = await load_facts(ids, tz)
    found = []
    for row in rows:
        if (episode_id := int(row["id"])) not in loaded:
            continue
        facts, rules = loaded[episode_id]
        found.append(
            EpisodeDeadlines(
                episode_id=episode_id,
                client_id=int(row["client"]),
                client_reference=initials(str(row["client_name"] or "")),
                therapist_id=therapist.get(episode_id),
                tasks=derive_tasks(facts, today, rules),
            )
        )
    return found


async def queue_digests(today: date, now: datetime, settings: Settings) -> list[int]:
    """Store today's digests that are not stored yet; returns the ids of the new messages.

    Runs inside the caller's write transaction (the worker's finder), so the messages and
    their audit rows are written together or not at all."""
    days = DEFAULT_WORKING_DAYS
    if not days.is_working_day(today):  # no digest goes out on a day off (practice.escalation)
        return []
    found = escalation.escalations(await load_deadlines(today, settings.time_zone), today, days)
    if not found:
        return []
    managers = await User.select(User.id).where(
        (User.role == Role.PRACTICE_MANAGER.value) & (User.active == True)  # noqa: E712
    )
    per_person = escalation.digests(found, [int(m["id"]) for m in managers])
    sent = {
        str(r["key"])
        for r in await OutboundMessage.select(OutboundMessage.key).where(
            OutboundMessage.key.like(digest_key(today, "%"))
        )
    }
    people = await _accounts([*per_person, *(e.therapist_id for e in found if e.therapist_id)])
    created: list[int] = []
    for person, items in per_person.items():
        account = people.get(person)
        if digest_key(today, person) in sent or account is None or not account["active"]:
            continue
        message_id = await _queue(today, now, settings, account, items, people)
        if message_id is not None:
            created.append(message_id)
            shown = sorted({(message_id, e.client_id) for e in items}, key=lambda x: x[1])
            await audit.record_many(
                Actor.system(Channel.WORKER), Action.SEND, OBJECT_TYPE, shown, purpose=PURPOSE
            )
    return created


async def _accounts(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = await User.select(
        User.id, User.display_name, User.email, User.locale, User.role, User.active
    ).where(among(User.id, sorted(set(ids))))
    return {int(r["id"]): r for r in rows}


async def _queue(
    today: date,
    now: datetime,
    settings: Settings,
    account: Mapping[str, Any],
    items: Sequence[Escalation],
    people: Mapping[int, Mapping[str, Any]],
) -> int | None:
    person = int(account["id"])
    clearance = await disclosure.clear(
        Sender.ESCALATION_DIGEST, None, Addressee.account(person), now
    )
    if isinstance(clearance, disclosure.Refusal):
        return None
    manager = account["role"] == Role.PRACTICE_MANAGER.value
    context = {
        "name": account["display_name"],
        "day": today,
        "manager": manager,
        "items": [_item(e, people, settings) for e in items],
        "overview_url": settings.link("/monitor" if manager else "/today"),
    }
    subject, body = render_email(
        _environment(settings.time_zone), TEMPLATES, context, account["locale"]
    )
    return await outbox.queue_message(
        clearance,
        key=digest_key(today, person),
        to_address=str(account["email"]),
        subject=subject,
        body_text=body,
    )


def _item(
    e: Escalation, people: Mapping[int, Mapping[str, Any]], settings: Settings
) -> dict[str, Any]:
    therapist = people.get(e.therapist_id) if e.therapist_id is not None else None
    return {
        "reference": e.client_reference,
        "episode_id": e.episode_id,
        "kind": e.kind.value,
        "due_on": e.due_on,
        "lapsed": e.stage is escalation.Stage.LAPSED,
        "therapist": therapist["display_name"] if therapist else None,
        "url": settings.link(f"/episodes/{e.episode_id}"),
    }


@functools.lru_cache(maxsize=4)
def _environment(tz: ZoneInfo) -> jinja2.Environment:
    """One template environment per zone, kept (compiling them per digest is wasted work)."""
    return make_environment(tz)


async def erase_from_digests(client_id: int, episode_ids: Sequence[int]) -> int:
    """Take the client's items out of every stored digest that named them (the audit rows
    ``queue_digests`` wrote say which): run by the erasure, in its transaction. A digest
    not sent yet goes out without them; a sent one keeps its copy of the other clients'
    items only. Returns how many digests changed."""
    if not episode_ids:
        return 0
    named = await AuditEvent.select(AuditEvent.object_id).where(
        (AuditEvent.client_id == client_id) & (AuditEvent.object_type == OBJECT_TYPE)
    )
    message_ids = sorted({int(r["object_id"]) for r in named if str(r["object_id"]).isdigit()})
    if not message_ids:
        return 0
    digests = await OutboundMessage.select(OutboundMessage.id, OutboundMessage.body_text).where(
        OutboundMessage.id.is_in(message_ids)
    )
    changed = 0
    for digest in digests:
        body = escalation.without_episodes(str(digest["body_text"]), episode_ids)
        if body != digest["body_text"]:
            await OutboundMessage.update({OutboundMessage.body_text: body}).where(
                OutboundMessage.id == digest["id"]
            )
            changed += 1
    return changed
