"""Reads behind reporting's part of the client page and its report pages: the employer
updates that went out (what, to whom, when), whether the employer-update consent holds, the
held alignment meetings with their minutes, and whom a report goes to."""

import json
from datetime import datetime
from typing import Any

from practice.consent import Purpose, Recipient
from practice.tables import CompanyDoctor, OutboundMessage, User
from reporting.employer_updates import employer_update_key
from reporting.queries.records import client_of, consent_problem, team_members
from reporting.tables import EmployerUpdate, MeetingMinutes
from scheduling.appointments import AppointmentKind, Attendance
from scheduling.tables import Appointment


async def employer_updates(episode_id: int) -> list[dict[str, Any]]:
    """The episode's employer updates, newest first: the content as sent (the employer's
    non-medical view), why it went out, and each recipient with the e-mail's address and
    send time."""
    rows = (
        await EmployerUpdate.select(
            EmployerUpdate.id,
            EmployerUpdate.trigger,
            EmployerUpdate.content,
            EmployerUpdate.created_at,
        )
        .where(EmployerUpdate.episode == episode_id)
        .order_by(EmployerUpdate.created_at, ascending=False)
        .order_by(EmployerUpdate.id, ascending=False)
    )
    updates: list[dict[str, Any]] = []
    for row in rows:
        messages = await OutboundMessage.select(
            OutboundMessage.key, OutboundMessage.to_address, OutboundMessage.sent_at
        ).where(OutboundMessage.key.like(employer_update_key(int(row["id"]), "%")))
        user_ids = [int(m["key"].rsplit(":", 1)[1]) for m in messages]
        names = (
            {
                int(u["id"]): u["display_name"]
                for u in await User.select(User.id, User.display_name).where(
                    User.id.is_in(user_ids)
                )
            }
            if user_ids
            else {}
        )
        updates.append(
            {
                "id": row["id"],
                "created_at": row["created_at"],
                "reason": reason_of(str(row["trigger"])),
                "content": content_of(row["content"]),
                "recipients": [
                    {
                        "name": names.get(user_id, ""),
                        "address": m["to_address"],
                        "sent_at": m["sent_at"],
                    }
                    for user_id, m in zip(user_ids, messages, strict=True)
                ],
            }
        )
    return updates


def content_of(stored: object) -> dict[str, Any]:
    """An update's content as sent (the EmployerView's JSON; SQLite hands back the text)."""
    content = json.loads(stored) if isinstance(stored, str | bytes) else stored
    return content if isinstance(content, dict) else {}


def reason_of(trigger: str) -> dict[str, Any]:
    """A trigger as a kind and its number: interim_report:5, agreements:<hash>, periodic:<day>."""
    kind, _, rest = trigger.partition(":")
    return {
        "kind": kind,
        "ordinal": int(rest) if kind == "interim_report" and rest.isdigit() else None,
    }


async def employer_update_consent_problem(episode_id: int, at: datetime) -> str | None:
    """None when the client consents to process updates to the employer; else why not."""
    return await consent_problem(
        await client_of(episode_id), Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, at, None
    )


async def alignment_meetings(episode_id: int) -> list[dict[str, Any]]:
    """The episode's held alignment meetings (afstemmingsoverleg), each with its minutes."""
    meetings = (
        await Appointment.select(Appointment.id, Appointment.starts_at)
        .where(
            (Appointment.episode == episode_id)
            & (Appointment.kind == AppointmentKind.ALIGNMENT_MEETING.value)
            & (Appointment.attendance == Attendance.HELD.value)
        )
        .order_by(Appointment.starts_at)
    )
    if not meetings:
        return []
    minutes = {
        int(m["appointment"]): m
        for m in await MeetingMinutes.select(
            MeetingMinutes.appointment,
            MeetingMinutes.shared_text,
            MeetingMinutes.internal_text,
            MeetingMinutes.updated_at,
            exclude_secrets=False,
        ).where(MeetingMinutes.appointment.is_in([int(m["id"]) for m in meetings]))
    }
    return [{**meeting, "minutes": minutes.get(int(meeting["id"]))} for meeting in meetings]


async def report_recipient(episode_id: int, on: Any) -> dict[str, Any] | None:
    """The company doctor of record on ``on``, whom a report of the episode goes to: their
    name and organisation as registered, else the account's name; None when there is none."""
    doctors = await team_members(episode_id, "company_doctor", on)
    if not doctors:
        return None
    registered = (
        await CompanyDoctor.select(CompanyDoctor.name, CompanyDoctor.organisation)
        .where(CompanyDoctor.user == doctors[0])
        .first()
    )
    if registered is not None:
        return {"user_id": doctors[0], **registered}
    account = await User.select(User.display_name).where(User.id == doctors[0]).first()
    return {
        "user_id": doctors[0],
        "name": account["display_name"] if account else "",
        "organisation": None,
    }
