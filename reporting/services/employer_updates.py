"""Employer updates: process information for the case's managers and HR advisers, sent
per trigger (agreements changed, interim report sent, period passed) with consent only.

Apart from the reports because the recipients, the consent and the content (the employer's
non-medical view) differ; the triggers themselves are `reporting.employer_updates`.
"""

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.case_team import active_on
from practice.consent import Purpose, Recipient, why_not_sendable
from practice.disclosure import Addressee, Sender
from practice.episodes import REPORTING_STATUSES
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.templating import make_environment, render_email
from practice.services import disclosure
from practice.tables import CaseAssignment, Employer, TreatmentEpisode, User
from reporting.employer_updates import employer_update_key as employer_update_key  # its writer
from reporting.employer_updates import update_reason
from reporting.interim_reports import INTERIM_REPORT
from reporting.queries.records import (
    EMPLOYER_CONTACT_ROLES,
    build_employer_views,
    client_of,
    consenting_clients,
    employer_contacts,
    employer_view_source,
)
from reporting.tables import Document, EmployerUpdate

PURPOSE = "reporting"
# Episodes whose employer view the sweep makes at once (`send_due_employer_updates`).
VIEWS_AT_ONCE = 500
SYSTEM = Actor.system(Channel.WORKER)


async def send_due_employer_updates(today: date, tz: ZoneInfo) -> list[int]:
    """An update per change of agreements, per interim report sent and per period, to the
    current managers / HR advisers of the case, only with the client's consent."""
    now = datetime.now(UTC)
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client,
        TreatmentEpisode.referral._.employer.as_alias("employer_id"),
        TreatmentEpisode.closed_on,
    ).where(TreatmentEpisode.status.is_in([s.value for s in REPORTING_STATUSES]))
    employers = {
        int(e["id"]): e
        for e in await Employer.select(Employer.id, Employer.employer_update_every_days)
    }
    reports_sent: dict[int, list[tuple[int, datetime]]] = {}
    for r in await Document.select(
        Document.episode, Document.created_at, Document.report._.ordinal.as_alias("ordinal")
    ).where(Document.kind == INTERIM_REPORT):
        reports_sent.setdefault(int(r["episode"]), []).append((int(r["ordinal"]), r["created_at"]))
    contacts_of = await employer_contacts([int(e["id"]) for e in episodes], today)
    with_contacts = [e for e in episodes if contacts_of.get(int(e["id"]))]
    clients = await consenting_clients([int(e["id"]) for e in with_contacts], now)
    consenting = [e for e in with_contacts if int(e["id"]) in clients]
    messages: list[int] = []
    # In slices: the views of every case of a large practice need not be held at once.
    for first in range(0, len(consenting), VIEWS_AT_ONCE):
        part = consenting[first : first + VIEWS_AT_ONCE]
        ids = [int(e["id"]) for e in part]
        views = await build_employer_views(ids, now, tz)
        last_of = await _last_updates(ids)
        for episode in part:
            episode_id = int(episode["id"])
            view, last = views[episode_id], last_of.get(episode_id)
            told = _as_json(last["content"]).get("agreements") if last else None
            trigger = update_reason(
                reports_sent=reports_sent.get(episode_id, []),
                last_update_at=last["created_at"] if last else None,
                last_update_on=view.last_update_on,
                agreements=view.agreements,
                agreements_told=told == _as_json(msgspec.json.encode(view)).get("agreements"),
                every_days=employers[int(episode["employer_id"])]["employer_update_every_days"],
                today=today,
                closed_on=episode["closed_on"],
            )
            if trigger is not None:
                messages.extend(
                    await _employer_update(episode_id, trigger, view, contacts_of[episode_id], tz)
                )
    return messages


async def _last_updates(episode_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The last update sent of each episode (its time and content), by episode: the times
    of all, then the content of the last ones only."""
    last: dict[int, tuple[datetime, int]] = {}
    for u in await EmployerUpdate.select(
        EmployerUpdate.id, EmployerUpdate.episode, EmployerUpdate.created_at
    ).where(among(EmployerUpdate.episode, episode_ids)):
        key = (u["created_at"], int(u["id"]))
        episode_id = int(u["episode"])
        if episode_id not in last or key > last[episode_id]:
            last[episode_id] = key
    if not last:
        return {}
    return {
        int(u["episode"]): u
        for u in await EmployerUpdate.select(
            EmployerUpdate.episode, EmployerUpdate.created_at, EmployerUpdate.content
        ).where(among(EmployerUpdate.id, [update_id for _, update_id in last.values()]))
    }


async def record_past_employer_updates(
    episode_id: int, moments: Sequence[datetime], tz: ZoneInfo
) -> int:
    """The updates the sweep would have sent about one episode at each of ``moments``,
    recorded as sent then: for loading a practice's history afterwards (the demo). The
    same rule as the sweep (``update_reason``), the team and the consent at each moment;
    the content is the employer's view as it stood then. No notice is e-mailed: the
    contacts were told back then, and a notice today would announce an old update as new;
    each contact's notice is recorded as sent then, so that the update says whom it went to
    (it said "nobody"). The episode is read once for all moments. Returns the number
    recorded."""
    episode = (
        await TreatmentEpisode.select(
            TreatmentEpisode.referral._.employer._.employer_update_every_days.as_alias("every"),
            TreatmentEpisode.closed_on,
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if episode is None or not moments:
        return 0
    source = await employer_view_source(episode_id, tz)
    seats = await CaseAssignment.select(
        CaseAssignment.valid_from,
        CaseAssignment.valid_to,
        CaseAssignment.user,
        CaseAssignment.user._.email.as_alias("email"),
        CaseAssignment.user._.locale.as_alias("locale"),
    ).where(
        (CaseAssignment.episode == episode_id)
        & CaseAssignment.team_role.is_in(list(EMPLOYER_CONTACT_ROLES))
    )
    env = make_environment(tz)
    reports_sent = [
        (int(r["ordinal"]), r["created_at"])
        for r in await Document.select(
            Document.created_at, Document.report._.ordinal.as_alias("ordinal")
        ).where((Document.episode == episode_id) & (Document.kind == INTERIM_REPORT))
    ]
    told = {
        str(u["trigger"]): (u["created_at"], _as_json(u["content"]).get("agreements"))
        for u in await EmployerUpdate.select(
            EmployerUpdate.trigger, EmployerUpdate.created_at, EmployerUpdate.content
        ).where(EmployerUpdate.episode == episode_id)
    }
    recorded: list[tuple[int | str | None, int | None]] = []
    async with write_tx():
        for at in sorted(moments):
            day = at.astimezone(tz).date()
            if not any(active_on(s["valid_from"], s["valid_to"], day) for s in seats):
                continue
            if why_not_sendable(
                source.consents, Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, at, None
            ):
                continue
            view = source.view(at, tz, past=True)
            before = [(when, agreements) for when, agreements in told.values() if when <= at]
            last = max(before, key=lambda update: update[0], default=None)
            trigger = update_reason(
                reports_sent=[(n, sent_at) for n, sent_at in reports_sent if sent_at <= at],
                last_update_at=last[0] if last else None,
                last_update_on=view.last_update_on,
                agreements=view.agreements,
                agreements_told=(last[1] if last else None)
                == _as_json(msgspec.json.encode(view)).get("agreements"),
                every_days=episode["every"],
                today=day,
                closed_on=episode["closed_on"],
            )
            if trigger is None or trigger in told:
                continue
            content = json.loads(msgspec.json.encode(view))
            rows = await EmployerUpdate.insert(
                EmployerUpdate(episode=episode_id, trigger=trigger, content=content, created_at=at)
            ).returning(EmployerUpdate.id)
            recorded.append((int(rows[0]["id"]), source.client_id))
            for seat in (s for s in seats if active_on(s["valid_from"], s["valid_to"], day)):
                await _past_notice(env, int(rows[0]["id"]), source.client_id, seat, at)
            told[trigger] = (at, content.get("agreements"))
            source = replace(source, updates=(*source.updates, at))
        await audit.record_many(SYSTEM, Action.SEND, "employer_update", recorded, purpose=PURPOSE)
    return len(recorded)


async def _past_notice(
    env: Any, update_id: int, client_id: int, seat: dict[str, Any], at: datetime
) -> None:
    """The notice of an update of the past to one contact, recorded as sent at `at` through
    the gate as it stood then (`record_past_employer_updates`)."""
    user_id = int(seat["user"])
    clearance = await disclosure.clear(
        Sender.EMPLOYER_UPDATE_NOTICE, client_id, Addressee.account(user_id), at, quiet=True
    )
    if isinstance(clearance, disclosure.Refusal):
        return
    subject, body = render_email(env, "reporting/employer-update-notice", {}, seat["locale"])
    await outbox.queue_message(
        clearance,
        key=employer_update_key(update_id, user_id),
        to_address=seat["email"],
        subject=subject,
        body_text=body,
        sent_at=at,
    )


def _as_json(content: Any) -> dict[str, Any]:
    """A stored update's content (a dict, or JSON text on SQLite) or an encoded view."""
    value = json.loads(content) if isinstance(content, str | bytes) else content
    return value if isinstance(value, dict) else {}


async def _employer_update(
    episode_id: int, trigger: str, view: Any, contacts: list[int], tz: ZoneInfo
) -> list[int]:
    async with write_tx():
        if await EmployerUpdate.exists().where(
            (EmployerUpdate.episode == episode_id) & (EmployerUpdate.trigger == trigger)
        ):
            return []
        client_id = await client_of(episode_id)
        content = json.loads(msgspec.json.encode(view))
        rows = (
            await EmployerUpdate.insert(
                EmployerUpdate(
                    episode=episode_id,
                    trigger=trigger,
                    content=content,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(EmployerUpdate.id)
        )
        if not rows:
            return []
        update_id = int(rows[0]["id"])
        created = []
        env = make_environment(tz)
        for user in await User.select(User.id, User.email, User.locale).where(
            User.id.is_in(contacts)
        ):
            clearance = await disclosure.clear(
                Sender.EMPLOYER_UPDATE_NOTICE,
                client_id,
                Addressee.account(int(user["id"])),
                datetime.now(UTC),
            )
            if isinstance(clearance, disclosure.Refusal):
                continue
            subject, body = render_email(
                env, "reporting/employer-update-notice", {}, user["locale"]
            )
            message_id = await outbox.queue_message(
                clearance,
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
            client_id=client_id,
        )
    return created
