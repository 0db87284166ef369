"""A practice's past, recorded afterwards (the demo's history): reports approved and
delivered months ago, employer updates sent then. Nothing of it is e-mailed now; the
document of the past is the record as it stood that day, made on its first reading."""

import io
import json
from datetime import UTC, date, datetime, timedelta

import httpx
import time_machine
from pypdf import PdfReader

from practice.platform import outbox
from practice.platform.settings import Settings
from practice.tables import OutboundMessage
from reporting.services import employer_updates
from reporting.services import reports as services
from reporting.tables import Delivery, Document, EmployerUpdate, Report
from tests.cast import Cast
from tests.integration.reporting.test_reports import AMSTERDAM, episode_with_ten_held_sessions
from tests.story import ok
from tests.web import api, login

TODAY = date(2026, 6, 15)
# Session 5 was held on 18 May, session 10 on 29 May: the report after session 5, sent on
# 20 May, knows of five sessions, not ten.
SENT_AT = datetime(2026, 5, 20, 15, 0, tzinfo=AMSTERDAM)


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_report_of_the_past_is_delivered_then_without_mail_and_made_on_first_reading(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    messages_before = await OutboundMessage.count()

    report = {"id": await _sent_in_the_past(episode_id, cast, settings)}
    past = services.PastReport(report["id"], cast.therapist.id, SENT_AT, SENT_AT)
    assert await services.record_past_reports(settings, [past]) == {report["id"]: "nothing to do"}

    assert await OutboundMessage.count() == messages_before  # nobody told now
    document = await Document.select().where(Document.report == report["id"]).first()
    assert document is not None
    assert document["created_at"] == SENT_AT.astimezone(UTC)
    assert bytes(document["pdf"]) == services.PENDING
    delivery = await Delivery.select().where(Delivery.document == document["id"]).first()
    assert delivery is not None
    assert delivery["delivered_at"] == SENT_AT.astimezone(UTC)
    detail = await ok(
        await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    )
    done = {t["key"]: t["done_on"] for t in detail["tasks"]}
    assert done["interim_report:5"] == "2026-05-20"  # the work is dated by its approval

    await login(client, cast.company_doctor.email)
    first = await client.get(f"/documents/{document['id']}")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(first.content)).pages)
    assert "Tussenevaluatie na sessie 5" in text
    assert "29 mei 2026" not in text  # session 10 came after: the record as it stood
    stored = (
        await Document.select(Document.pdf, Document.sha256)
        .where(Document.id == document["id"])
        .first()
    )
    assert stored is not None and bytes(stored["pdf"]) == first.content and stored["sha256"]
    again = await client.get(f"/documents/{document['id']}")
    assert again.content == first.content  # made once, never changed


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_an_employer_update_of_the_past_is_recorded_then_as_the_view_stood_without_mail(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-04-24T09:00:00+02:00",
            },
        ),
        201,
    )
    report_id = await _sent_in_the_past(episode_id, cast, settings)  # the update's trigger
    messages_before = await OutboundMessage.count()
    told_at = SENT_AT + timedelta(days=1)

    recorded = await employer_updates.record_past_employer_updates(episode_id, [told_at], AMSTERDAM)
    again = await employer_updates.record_past_employer_updates(episode_id, [told_at], AMSTERDAM)

    assert (recorded, again) == (1, 0)
    update = await EmployerUpdate.select().where(EmployerUpdate.episode == episode_id).first()
    assert update is not None
    # Its notice to the case's manager is recorded as sent then, so the update says whom it
    # went to (it said "nobody"), and nothing is left for the outbox to send today.
    notices = await OutboundMessage.select().where(
        OutboundMessage.key.like(f"employer-update:{update['id']}:%")
    )
    assert [(n["to_address"], n["sent_at"]) for n in notices] == [
        (cast.employer_contact.email, told_at.astimezone(UTC))
    ]
    assert await OutboundMessage.count() == messages_before + 1
    due = {job.args[0] for job in await outbox.due_messages()}
    assert not due & {int(n["id"]) for n in notices}  # the sweep never sends it
    section = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert "Verstuurd aan" in section and cast.employer_contact.email in section
    assert update["trigger"] == "interim_report:5", report_id
    assert update["created_at"] == told_at.astimezone(UTC)
    content = update["content"]
    if isinstance(content, str):  # SQLite hands JSON back as text
        content = json.loads(content)
    assert content["sessions_held"] == 6  # by 21 May: 4, 6, 11, 13, 18 and 20 May


async def _sent_in_the_past(episode_id: int, cast: Cast, settings: Settings) -> int:
    """The report after session 5, approved and delivered on 20 May."""
    await services.draft_due_reports(TODAY, settings.time_zone)
    report = (
        await Report.select(Report.id)
        .where((Report.episode == episode_id) & (Report.ordinal == 5))
        .first()
    )
    assert report is not None
    past = services.PastReport(report["id"], cast.therapist.id, SENT_AT, SENT_AT)
    assert await services.record_past_reports(settings, [past]) == {report["id"]: "sent"}
    return int(report["id"])


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_draft_of_the_past_tells_the_record_of_its_day_as_its_document_does(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await services.draft_due_reports(TODAY, settings.time_zone)
    report = (
        await Report.select(Report.id, Report.progress)
        .where((Report.episode == episode_id) & (Report.ordinal == 5))
        .first()
    )
    assert report is not None
    assert "10" in report["progress"].splitlines()[0]  # drafted today: ten held

    await services.redraft_as_of(report["id"], episode_id, "interim_report", 5, date(2026, 5, 20))

    redrafted = await Report.select(Report.progress).where(Report.id == report["id"]).first()
    assert redrafted is not None
    # By 20 May: 4, 6, 11, 13, 18 and 20 May.
    assert redrafted["progress"].splitlines()[0] == "Gehouden sessies: 6."
