"""Employer updates: process information for the case's managers and HR advisers, sent
per trigger (agreements changed, interim report sent, period passed) with consent only.

Apart from the reports because the recipients, the consent and the content (the employer's
non-medical view) differ; the triggers themselves are `reporting.employer_updates`.
"""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.consent import Purpose, Recipient
from practice.episodes import REPORTING_STATUSES
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.templating import make_environment, render_email
from practice.tables import Employer, TreatmentEpisode, User
from reporting.employer_updates import employer_update_key as employer_update_key  # its writer
from reporting.employer_updates import update_reason
from reporting.interim_reports import INTERIM_REPORT
from reporting.queries.records import build_employer_view, client_of, consent_problem, team_members
from reporting.tables import Document, EmployerUpdate

PURPOSE = "reporting"
SYSTEM = Actor.system(Channel.WORKER)


async def send_due_employer_updates(today: date, tz: ZoneInfo) -> list[int]:
    """An update per change of agreements, per interim report sent and per period, to the
    current managers / HR advisers of the case, only with the client's consent."""
    now = datetime.now(UTC)
    episodes = await TreatmentEpisode.select(TreatmentEpisode.id).where(
        TreatmentEpisode.status.is_in([s.value for s in REPORTING_STATUSES])
    )
    return await _updates_due([int(e["id"]) for e in episodes], today, now, tz, past=False)


async def record_past_employer_updates(
    episode_ids: Sequence[int], at: datetime, tz: ZoneInfo
) -> int:
    """The updates the sweep would have sent at ``at`` about these episodes, recorded as
    sent then: for loading a practice's history afterwards (the demo). The same triggers,
    team and consent as the sweep, at that moment; the content is the employer's view as
    it stood that day. No notice is e-mailed: the contacts were told back then, and a
    notice today would announce an old update as new. Returns the number recorded."""
    return len(await _updates_due(episode_ids, at.astimezone(tz).date(), at, tz, past=True))


async def _updates_due(
    episode_ids: Sequence[int], today: date, now: datetime, tz: ZoneInfo, *, past: bool
) -> list[int]:
    """The sweep for ``episode_ids`` at ``now``: message ids queued, or with ``past`` the
    update ids recorded (no messages)."""
    if not episode_ids:
        return []
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client,
        TreatmentEpisode.referral._.employer.as_alias("employer_id"),
    ).where(among(TreatmentEpisode.id, episode_ids))
    employers = {
        int(e["id"]): e
        for e in await Employer.select(Employer.id, Employer.employer_update_every_days)
    }
    reports_sent: dict[int, list[tuple[int, datetime]]] = {}
    for r in await Document.select(
        Document.episode, Document.created_at, Document.report._.ordinal.as_alias("ordinal")
    ).where((Document.kind == INTERIM_REPORT) & among(Document.episode, episode_ids)):
        if past and r["created_at"] > now:
            continue
        reports_sent.setdefault(int(r["episode"]), []).append((int(r["ordinal"]), r["created_at"]))
    created: list[int] = []
    for episode in episodes:
        episode_id = int(episode["id"])
        contacts = [
            *await team_members(episode_id, "manager", today),
            *await team_members(episode_id, "hr_adviser", today),
        ]
        if not contacts or await consent_problem(
            int(episode["client"]), Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, now, None
        ):
            continue
        view = await build_employer_view(episode_id, now, tz, past=past)
        last = (
            await EmployerUpdate.select(EmployerUpdate.created_at, EmployerUpdate.content)
            .where(
                (EmployerUpdate.episode == episode_id)
                & ((EmployerUpdate.created_at <= now) if past else EmployerUpdate.id.is_not_null())
            )
            .order_by(EmployerUpdate.created_at, ascending=False)
            .order_by(EmployerUpdate.id, ascending=False)
            .first()
        )
        told = _as_json(last["content"]).get("agreements") if last else None
        trigger = update_reason(
            reports_sent=reports_sent.get(episode_id, []),
            last_update_at=last["created_at"] if last else None,
            last_update_on=view.last_update_on,
            agreements=view.agreements,
            agreements_told=told == _as_json(msgspec.json.encode(view)).get("agreements"),
            every_days=employers[int(episode["employer_id"])]["employer_update_every_days"],
            today=today,
        )
        if trigger is not None:
            created.extend(
                await _employer_update(
                    episode_id, trigger, view, contacts, tz, sent_at=now if past else None
                )
            )
    return created


def _as_json(content: Any) -> dict[str, Any]:
    """A stored update's content (a dict, or JSON text on SQLite) or an encoded view."""
    value = json.loads(content) if isinstance(content, str | bytes) else content
    return value if isinstance(value, dict) else {}


async def _employer_update(
    episode_id: int,
    trigger: str,
    view: Any,
    contacts: list[int],
    tz: ZoneInfo,
    *,
    sent_at: datetime | None = None,
) -> list[int]:
    """Store the update, audited; queue a notice per contact, unless it is one of the past
    (``sent_at``), whose id is returned instead."""
    async with write_tx():
        if await EmployerUpdate.exists().where(
            (EmployerUpdate.episode == episode_id) & (EmployerUpdate.trigger == trigger)
        ):
            return []
        content = json.loads(msgspec.json.encode(view))
        update = EmployerUpdate(episode=episode_id, trigger=trigger, content=content)
        if sent_at is not None:
            update.created_at = sent_at
        rows = (
            await EmployerUpdate.insert(update)
            .on_conflict(action="DO NOTHING")
            .returning(EmployerUpdate.id)
        )
        if not rows:
            return []
        update_id = int(rows[0]["id"])
        created = [update_id] if sent_at is not None else []
        env = make_environment(tz)
        recipients = (
            []
            if sent_at is not None
            else await User.select(User.id, User.email, User.locale).where(User.id.is_in(contacts))
        )
        for user in recipients:
            subject, body = render_email(
                env, "reporting/employer-update-notice", {}, user["locale"]
            )
            message_id = await outbox.queue_message(
                key=employer_update_key(update_id, int(user["id"])),
                to_address=user["email"],
                subject=subject,
                body_text=body,
            )
            if message_id is not None:
                created.append(message_id)
        await audit.record(
            SYSTEM,
            Action.SEND,
            "employer_update",
            update_id,
            purpose=PURPOSE,
            client_id=await client_of(episode_id),
        )
    return created
