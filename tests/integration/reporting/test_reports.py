"""Reports to the company doctor: drafted by the sweep, approved by the therapist, delivered
exactly once with consent; the company doctor reads them in the portal."""

import asyncio
import html
import io
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from litestar import Litestar
from pypdf import PdfReader

from practice.audit.trail import Action
from practice.platform.settings import Settings
from reporting import jobs as reporting_jobs
from reporting.tables import Delivery, Document, Report
from tests.cast import Cast
from tests.conftest import make_client
from tests.story import ok, refer, setup_parties
from tests.web import api, audit_rows, csrf_token, login, post_form
from tests.worker import run_burst

JSON = {"accept": "application/json"}
TODAY = date(2026, 6, 15)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SESSION_DAYS = [4, 6, 11, 13, 18, 20, 22, 26, 27, 29]  # May 2026, ten held sessions


async def episode_with_ten_held_sessions(
    client: httpx.AsyncClient,
    cast: Cast,
    parties: dict[str, int] | None = None,
    at: str = "10:00",
) -> int:
    episode_id = await refer(client, cast, parties or await setup_parties(client, cast))
    path = f"/api/episodes/{episode_id}"
    await ok(
        await api(
            client,
            "POST",
            f"{path}/screening",
            {
                "held_on": "2026-04-24",
                "suitable": True,
                "diagnosis_category": "angststoornis",
                "proposal": "atwork_basic",
                "work_factors": "hoge werkdruk",
            },
        ),
        201,
    )
    await ok(
        await api(
            client, "POST", f"{path}/transitions", {"to_status": "in_treatment", "on": "2026-05-04"}
        )
    )
    for day in SESSION_DAYS:
        created = await ok(
            await api(
                client,
                "POST",
                f"{path}/appointments",
                {"kind": "treatment_session", "starts_at": f"2026-05-{day:02d}T{at}:00+02:00"},
            ),
            201,
        )
        await ok(
            await api(
                client,
                "POST",
                f"/api/appointments/{created['id']}/attendance",
                {"attendance": "held"},
            )
        )
    return episode_id


async def reports(kind: str = "interim_report") -> list[dict[str, Any]]:
    return (
        await Report.select(Report.id, Report.ordinal, Report.status)
        .where(Report.kind == kind)
        .order_by(Report.ordinal)
    )


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_ten_held_sessions_give_two_reports_sent_once_each_after_approval(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    assert await reporting_jobs.due_reports(TODAY, settings) == []  # nothing approved yet
    assert await reporting_jobs.due_reports(TODAY, settings) == []  # the sweep runs twice
    drafted = await reports()
    assert [(r["ordinal"], r["status"]) for r in drafted] == [(5, "draft"), (10, "draft")]
    assert await Document.count() == 0  # nothing leaves before approval

    listed = await ok(await client.get(f"/api/episodes/{episode_id}/reports", headers=JSON))
    assert {r["kind"] for r in listed} == {"briefing", "interim_report"}
    for report in drafted:
        await ok(
            await api(
                client,
                "PATCH",
                f"/api/reports/{report['id']}",
                {
                    "progress": f"Goede voortgang na sessie {report['ordinal']}.",
                    "work_participation": "50% eigen werk",
                    "advice": "Opbouw voortzetten",
                },
            )
        )
        await ok(await api(client, "POST", f"/api/reports/{report['id']}/approval"))
    due = await reporting_jobs.due_reports(TODAY, settings)
    assert sorted(job.args[0] for job in due) == [r["id"] for r in drafted]
    ctx = {"settings": settings}
    for job in due + due:  # every job runs twice
        await reporting_jobs.deliver_report(ctx, *job.args)
    assert [(r["ordinal"], r["status"]) for r in await reports()] == [(5, "sent"), (10, "sent")]
    assert await Document.count() == 2
    assert await Delivery.count() == 2
    assert await reporting_jobs.due_reports(TODAY, settings) == []

    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    report_tasks = [t for t in detail["tasks"] if t["key"].startswith("interim_report")]
    assert all(t["done_on"] for t in report_tasks)

    await login(client, cast.company_doctor.email)
    inbox = await client.get("/company-doctor")
    assert inbox.status_code == 200, inbox.text[:2000]
    assert inbox.text.count("Tussenevaluatie na sessie") == 4  # new, and on the timeline
    assert inbox.text.count("data-document=") == 2
    document = await Document.select(Document.id).where(Document.report == drafted[0]["id"]).first()
    assert document is not None
    pdf = await client.get(f"/documents/{document['id']}")
    assert pdf.status_code == 200
    assert pdf.headers["cache-control"] == "no-store"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Tussenevaluatie na sessie 5" in text
    assert "Goede voortgang na sessie 5." in text
    assert "Anna Jansen" in text
    root: Any = reader.trailer["/Root"]
    assert "/OutputIntents" in root  # PDF/A


async def approvals(report_id: int) -> list[dict[str, Any]]:
    return await audit_rows(
        action=Action.UPDATE.value, object_type="report", object_id=str(report_id)
    )


@pytest.mark.commits  # two requests at once need two transactions, not the test's one
@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_two_approvals_of_one_report_at_once_give_one_approval_and_one_409(
    app: Litestar, db, redis: Any, settings: Settings
) -> None:
    from tests.cast import make_cast

    cast = await make_cast()
    async with make_client(app) as client:
        await episode_with_ten_held_sessions(client, cast)
        await reporting_jobs.due_reports(TODAY, settings)
        first = (await reports())[0]
        path = f"/api/reports/{first['id']}/approval"
        responses = await asyncio.gather(api(client, "POST", path), api(client, "POST", path))
    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["detail"] == "This report is approved, not a draft."
    assert refused["allowed"] == ["draft"]
    assert len(await approvals(first["id"])) == 1
    queued = [job for job in await redis.zrange("arq:queue", 0, -1) if b"deliver-report" in job]
    assert queued == [f"deliver-report:{first['id']}".encode()]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_approving_twice_from_the_client_page_says_why_with_a_409_page(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    first = (await reports())[0]
    token = await csrf_token(client, f"/episodes/{episode_id}")
    path = f"/reports/{first['id']}/approval"
    assert (await client.post(path, data={"_csrf_token": token})).status_code == 303
    again = await client.post(path, data={"_csrf_token": token})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")
    assert "Dat kan nu niet" in again.text
    assert "geen concept" in again.text
    assert len(await approvals(first["id"])) == 1


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_withdrawn_consent_blocks_the_send_and_says_why(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    for consent in detail["consents"]:
        await ok(
            await api(
                client,
                "POST",
                f"/api/episodes/{episode_id}/consents/{consent['id']}/withdrawal",
                {"withdrawn_at": "2026-06-14T12:00:00+02:00"},
            )
        )
    first = (await reports())[0]
    await ok(await api(client, "POST", f"/api/reports/{first['id']}/approval"))
    await reporting_jobs.deliver_report({"settings": settings}, first["id"])
    row = (
        await Report.select(Report.status, Report.blocked_reason)
        .where(Report.id == first["id"])
        .first()
    )
    assert row is not None
    assert row["status"] == "blocked"
    assert "withdrawn" in row["blocked_reason"]
    assert await Document.count() == 0


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_company_doctor_sees_only_documents_delivered_to_them(
    client, cast: Cast, settings: Settings
) -> None:
    from practice.accounts import Role
    from tests.cast import make_user

    await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    first = (await reports())[0]
    await ok(await api(client, "POST", f"/api/reports/{first['id']}/approval"))
    await reporting_jobs.deliver_report({"settings": settings}, first["id"])
    document = await Document.select(Document.id).first()
    assert document is not None
    other = await make_user(Role.COMPANY_DOCTOR, "other-doctor@cast.test")
    await login(client, other.email)
    response = await client.get(f"/documents/{document['id']}")
    assert response.status_code == 404
    assert "Anna" not in response.text
    await login(client, cast.employer_contact.email)
    assert (await client.get(f"/documents/{document['id']}")).status_code == 403


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_flushed_queue_loses_no_report(
    client, cast: Cast, settings: Settings, redis: Any
) -> None:
    from arq.connections import ArqRedis
    from redis.asyncio import ConnectionPool

    from practice.composition import worker
    from practice.platform import redis_conn

    await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    first = (await reports())[0]
    await ok(await api(client, "POST", f"/api/reports/{first['id']}/approval"))  # enqueued
    await redis.flushdb()  # Redis lost the job
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    try:
        counts = await worker.sweep_due_work({"settings": settings, "redis": pool})
        assert counts["deliver_report"] == 1  # the database knew it was due
        await run_burst(
            settings,
            pool,
            # One job at a time: every job shares this test's (rolled-back) connection.
            # Only the delivery runs; the e-mails are another test's subject.
            max_jobs=1,
            functions=[reporting_jobs.deliver_report],
        )
    finally:
        await pool.aclose(close_connection_pool=True)
    assert (await reports())[0]["status"] == "sent"


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_html_in_a_report_is_printed_as_text_and_fetches_nothing(
    client, cast: Cast, settings: Settings
) -> None:
    await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    first = (await reports())[0]
    payload = (
        '<img src="file:///etc/passwd"> <link rel="stylesheet" '
        'href="http://127.0.0.1:9/x.css"> einde'
    )
    await ok(
        await api(
            client,
            "PATCH",
            f"/api/reports/{first['id']}",
            {"progress": payload, "work_participation": "", "advice": ""},
        )
    )
    await ok(await api(client, "POST", f"/api/reports/{first['id']}/approval"))
    await reporting_jobs.deliver_report({"settings": settings}, first["id"])
    document = await Document.select(Document.pdf).first()
    assert document is not None
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document["pdf"])).pages)
    assert "file:///etc/passwd" in text  # shown as the text it is
    assert "root:" not in text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_relapse_prevention_plan_becomes_a_pdf_for_the_client(client, cast: Cast) -> None:
    from practice.audit.trail import Action
    from tests.web import assert_audited

    episode_id = await episode_with_ten_held_sessions(client, cast)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/relapse-prevention-plan",
            {
                "drawn_up_on": "2026-06-12",
                "warning_signs": "Slecht slapen",
                "actions": "Bellen met mijn leidinggevende",
                "work_situation": "Taken afbakenen",
            },
        )
    )
    created = await ok(
        await api(client, "POST", f"/api/episodes/{episode_id}/relapse-prevention-plan/document"),
        201,
    )
    pdf = await client.get(f"/documents/{created['document_id']}")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Terugvalpreventieplan" in text
    assert "Slecht slapen" in text
    assert "12 juni 2026" in text
    await assert_audited(
        action=Action.PRINT.value, object_type="document", object_id=str(created["document_id"])
    )


async def test_a_client_is_invited_once_when_the_follow_up_window_opens(
    client, cast: Cast, settings: Settings
) -> None:
    from practice.tables import OutboundMessage
    from reporting.services import follow_ups as services

    with time_machine.travel("2026-06-15 10:00 +0200", tick=False):
        episode_id = await episode_with_ten_held_sessions(client, cast)
        await ok(
            await api(
                client,
                "POST",
                f"/api/episodes/{episode_id}/transitions",
                {"to_status": "closed", "on": "2026-05-29"},
            )
        )
    assert await services.invite_due_follow_ups(date(2026, 11, 28), settings) == []  # not yet open
    first = await services.invite_due_follow_ups(date(2026, 11, 29), settings)
    again = await services.invite_due_follow_ups(date(2026, 12, 5), settings)
    assert len(first) == 1
    assert again == []
    message = await OutboundMessage.select().where(OutboundMessage.id == first[0]).first()
    assert message is not None
    assert message["to_address"] == "anna.jansen@example.org"
    assert "werk" in message["body_text"]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_held_session_drafts_its_episodes_reports_at_once_and_sweeps_no_other_episode(
    client, cast: Cast, settings: Settings, redis: Any
) -> None:
    from arq.connections import ArqRedis
    from arq.constants import default_queue_name
    from arq.worker import func
    from redis.asyncio import ConnectionPool

    from practice.composition import worker
    from practice.platform import redis_conn
    from practice.platform.queue import SWEEP_EPISODE

    parties = await setup_parties(client, cast)
    other = await episode_with_ten_held_sessions(client, cast, parties)
    # The other episode's sweeps lost (the login's session kept): it waits for the sweep.
    await redis.delete(default_queue_name, *await redis.keys("arq:job:*"))
    episode_id = await episode_with_ten_held_sessions(client, cast, parties, at="14:00")
    queued = await redis.keys("arq:job:sweep:held:*")
    assert len(queued) == len(SESSION_DAYS)  # one per held session, named after it
    assert await redis.keys("arq:job:sweep:screened:*") == [
        f"arq:job:sweep:screened:{episode_id}".encode()  # and the screening's
    ]
    assert await reports() == []
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    try:
        await run_burst(
            settings,
            pool,
            max_jobs=1,  # every job shares this test's (rolled-back) connection
            functions=[func(worker.sweep_episode, name=SWEEP_EPISODE)],
        )
    finally:
        await pool.aclose(close_connection_pool=True)
    drafted = await Report.select(Report.episode, Report.ordinal).where(
        Report.kind == "interim_report"
    )
    assert sorted((r["episode"], r["ordinal"]) for r in drafted) == [
        (episode_id, 5),  # after the 5th and the 10th held session
        (episode_id, 10),
    ]
    await reporting_jobs.due_reports(TODAY, settings)  # the sweep of every episode
    assert len(await reports()) == 4
    assert {r["episode"] for r in await Report.select(Report.episode)} == {episode_id, other}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_screening_recorded_on_the_client_page_drafts_the_briefing_at_once(
    client, cast: Cast, settings: Settings, redis: Any
) -> None:
    from arq.connections import ArqRedis
    from arq.worker import func
    from redis.asyncio import ConnectionPool

    from practice.composition import worker
    from practice.platform import redis_conn
    from practice.platform.queue import SWEEP_EPISODE

    episode_id = await refer(client, cast, await setup_parties(client, cast))
    page = f"/episodes/{episode_id}"
    answered = await post_form(
        client,
        f"{page}/screening",
        {
            "held_on": "2026-06-12",
            "suitable": "true",
            "diagnosis_category": "angststoornis",
            "complaint_instrument": "GAD-7",
            "complaint_score": "19",
            "work_factors": "Hoge werkdruk na een reorganisatie",
            "proposal": "atwork_basic",
        },
        token_from=page,
    )
    assert answered.status_code == 303, answered.text[:500]
    assert await redis.keys("arq:job:sweep:*") == [f"arq:job:sweep:screened:{episode_id}".encode()]
    assert await reports("briefing") == []
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    try:
        await run_burst(
            settings, pool, max_jobs=1, functions=[func(worker.sweep_episode, name=SWEEP_EPISODE)]
        )
    finally:
        await pool.aclose(close_connection_pool=True)
    assert [(r["ordinal"], r["status"]) for r in await reports("briefing")] == [(0, "draft")]
    shown = await client.get(page, params={"section": "reports"})
    assert shown.status_code == 200
    assert "Concept bewerken" in shown.text  # the draft waits for the therapist there
    # The briefing tells what the screening found and advises: the diagnosis, the score the
    # therapist wrote, the proposal; the draft names each finding; no count of no sessions.
    [draft] = await Report.select(Report.id, Report.progress, exclude_secrets=False).where(
        Report.kind == "briefing"
    )
    assert draft["progress"] == "Werkfactoren: Hoge werkdruk na een reorganisatie"
    preview = html.unescape((await client.get(f"/reports/{draft['id']}/preview")).text)
    findings = preview.split('data-testid="screening-findings"', 1)[1].split("</table>", 1)[0]
    for shown_fact in ("12 juni 2026", "Angststoornis", "GAD-7: 19", "Voorstel</th><td>@Work"):
        assert shown_fact in findings, shown_fact
    assert "Er zijn nog geen sessies gehouden" not in preview


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_blocks_the_report_sweep_has_no_time_for_are_drafted_by_jobs_each_queued_once(
    client, cast: Cast, settings: Settings, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arq.connections import ArqRedis
    from arq.constants import default_queue_name
    from redis.asyncio import ConnectionPool

    from practice.composition import worker
    from practice.platform import redis_conn
    from practice.platform.queue import ArqQueue

    parties = await setup_parties(client, cast)
    episodes = [
        await episode_with_ten_held_sessions(client, cast, parties, at=at)
        for at in ("10:00", "14:00")
    ]
    await redis.delete(default_queue_name, *await redis.keys("arq:job:*"))  # the held sweeps
    monkeypatch.setattr(reporting_jobs, "DRAFT_BLOCK", 1)  # an episode a block
    # A sweep with no time of its own: every block is left to a job, none drafted here.
    left = await reporting_jobs.due_reports(TODAY, settings, seconds=0)
    assert [(job.name, job.args) for job in left] == [
        ("draft_reports", (episode, episode)) for episode in sorted(episodes)
    ]
    assert await reports() == []
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    try:
        queue = ArqQueue(pool)
        assert [await queue.enqueue(job) for job in left] == [True, True]
        again = await reporting_jobs.due_reports(TODAY, settings, seconds=0)
        assert [await queue.enqueue(job) for job in again] == [False, False]  # still waiting
        await run_burst(
            settings,
            pool,
            max_jobs=1,  # every job shares this test's (rolled-back) connection
            # The job as the worker registers it.
            functions=[f for f in worker.JOBS if f.name == reporting_jobs.DRAFT_REPORTS],
        )
    finally:
        await pool.aclose(close_connection_pool=True)
    drafted = await Report.select(Report.episode, Report.ordinal).where(
        Report.kind == "interim_report"
    )
    assert sorted((r["episode"], r["ordinal"]) for r in drafted) == sorted(
        (episode, ordinal) for episode in episodes for ordinal in (5, 10)
    )
    # With its time, the sweep drafts every block itself and leaves nothing to a job.
    assert await reporting_jobs.due_reports(TODAY, settings) == []
