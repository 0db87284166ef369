"""Employer updates: process information for the case's managers and HR advisers, sent
per trigger (agreements changed, interim report sent, period passed) with consent only.

Apart from the reports because the recipients, the consent and the content (the employer's
non-medical view) differ; the triggers themselves are `reporting.employer_updates`.
"""

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.consent import Purpose, Recipient
from practice.episodes import REPORTING_STATUSES
from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.templating import make_environment, render_email
from practice.tables import Employer, TreatmentEpisode, User
from reporting.employer_updates import agreements_trigger, periodic_trigger
from reporting.interim_reports import INTERIM_REPORT, ReportStatus
from reporting.queries.records import build_employer_view, client_of, consent_problem, team_members
from reporting.tables import EmployerUpdate, Report

PURPOSE = "reporting"
SYSTEM = Actor.system(Channel.WORKER)


def employer_update_key(update_id: int, user_id: int | str) -> str:
    """The outbox key of the notice of one employer update to one contact;
    ``user_id="%"`` gives the LIKE pattern of all notices of that update."""
    return f"employer-update:{update_id}:{user_id}"


async def send_due_employer_updates(today: date, tz: ZoneInfo) -> list[int]:
    """An update per change of agreements, per interim report sent and per period, to the
    current managers / HR advisers of the case, only with the client's consent."""
    now = datetime.now(UTC)
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id,
        TreatmentEpisode.client,
        TreatmentEpisode.referral._.employer.as_alias("employer_id"),
    ).where(TreatmentEpisode.status.is_in([s.value for s in REPORTING_STATUSES]))
    employers = {
        int(e["id"]): e
        for e in await Employer.select(Employer.id, Employer.employer_update_every_days)
    }
    sent_reports = await Report.select(Report.episode, Report.ordinal).where(
        (Report.status == ReportStatus.SENT.value) & (Report.kind == INTERIM_REPORT)
    )
    messages: list[int] = []
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
        view = await build_employer_view(episode_id, now, tz)
        triggers = [
            f"interim_report:{r['ordinal']}"
            for r in sent_reports
            if int(r["episode"]) == episode_id
        ]
        triggers.append(agreements_trigger(view.agreements) or "")
        every = employers[int(episode["employer_id"])]["employer_update_every_days"]
        triggers.append(periodic_trigger(view.last_update_on, every, today) or "")
        for trigger in filter(None, triggers):
            messages.extend(await _employer_update(episode_id, trigger, view, contacts, tz))
    return messages


async def _employer_update(
    episode_id: int, trigger: str, view: Any, contacts: list[int], tz: ZoneInfo
) -> list[int]:
    async with write_tx():
        if await EmployerUpdate.exists().where(
            (EmployerUpdate.episode == episode_id) & (EmployerUpdate.trigger == trigger)
        ):
            return []
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
