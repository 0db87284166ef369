"""The client reviews a report before it leaves (issue 20): withheld → not sent, a task for
the therapist, the company doctor sees that it was withheld and nothing of it; agreed →
delivered once; no word in time → delivered once; not asked and no account, or waived → no
review; a contract's 0 days do not take the review from a client who did not agree."""

from datetime import UTC, datetime
from typing import Any

import httpx
import time_machine

from practice.accounts import Role
from practice.client_accounts import ReviewChoice
from practice.platform.settings import Settings
from practice.tables import Client, ClientAccount, Employer, TreatmentEpisode
from reporting import jobs as reporting_jobs
from reporting.tables import Delivery, Document, Report
from tests.cast import Cast, make_user
from tests.integration.reporting.test_reports import (
    TODAY,
    episode_with_ten_held_sessions,
    reports,
)
from tests.story import ok
from tests.web import api, audit_rows, csrf_token, login, post_form

NOW = "2026-06-15 10:00 +0200"  # a Monday: three working days run to Thursday night
CLIENT_EMAIL = "anna-review@cast.test"


async def with_client_account(episode_id: int) -> None:
    """Anna's own account, set up (the login of the cast: password and app)."""
    row = await TreatmentEpisode.select(TreatmentEpisode.client).where(
        TreatmentEpisode.id == episode_id
    )
    login_of = await make_user(Role.CLIENT, CLIENT_EMAIL)
    await ClientAccount.insert(
        ClientAccount(
            client=row[0]["client"],
            user=login_of.id,
            set_up_at=datetime(2026, 6, 1, tzinfo=UTC),
            second_factor="totp",
        )
    )


async def approve(client: httpx.AsyncClient, cast: Cast, report_id: int) -> None:
    await login(client, cast.therapist.email)
    text = {"progress": "GEHEIME-VOORTGANG", "work_participation": "50%", "advice": "Opbouw"}
    await ok(await api(client, "PATCH", f"/api/reports/{report_id}", text))
    await ok(await api(client, "POST", f"/api/reports/{report_id}/approval"))


async def deliver_all(settings: Settings) -> list[str]:
    ctx: dict[str, Any] = {"settings": settings}
    due = await reporting_jobs.due_reports(TODAY, settings)
    return [await reporting_jobs.deliver_report(ctx, *job.args) for job in due]


async def decide(
    client: httpx.AsyncClient, report_id: int, decision: str, comment: str = ""
) -> httpx.Response:
    token = await csrf_token(client, f"/my/reports/{report_id}")
    return await client.post(
        f"/my/reports/{report_id}/review",
        data={"decision": decision, "comment": comment, "_csrf_token": token},
    )


@time_machine.travel(NOW, tick=False)
async def test_a_withheld_report_is_not_sent_and_the_next_one_agreed_is_sent_once(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await with_client_account(episode_id)
    await reporting_jobs.due_reports(TODAY, settings)
    first, second = await reports()
    await approve(client, cast, first["id"])

    assert await deliver_all(settings) == ["awaiting the client's review"]
    assert await Document.count() == 0
    row = await Report.select(Report.review_until).where(Report.id == first["id"]).first()
    assert row is not None and row["review_until"].astimezone(settings.time_zone).day == 18

    await login(client, CLIENT_EMAIL)
    home = await client.get("/my")
    assert f'data-report="{first["id"]}"' in home.text
    page = await client.get(f"/my/reports/{first['id']}")
    assert page.status_code == 200 and "GEHEIME-VOORTGANG" in page.text
    withheld = await decide(client, first["id"], "withheld", "Dit klopt niet: GEHEIM-COMMENTAAR")
    assert withheld.status_code == 303
    # What the client wrote is shown back to them, under what they decided.
    after = (await client.get(f"/my/reports/{first['id']}")).text
    assert 'data-testid="your-comment"' in after and "GEHEIM-COMMENTAAR" in after
    assert await deliver_all(settings) == []
    assert await Document.count() == 0

    # The company doctor sees that it was withheld, nothing of it.
    await login(client, cast.company_doctor.email)
    inbox = await client.get("/company-doctor")
    assert 'data-testid="withheld-reports"' in inbox.text
    assert "GEHEIME-VOORTGANG" not in inbox.text and "GEHEIM-COMMENTAAR" not in inbox.text

    # The therapist: a task, and the client's comment on the report.
    await login(client, cast.therapist.email)
    detail = await ok(
        await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    )
    assert f"report-withheld:{first['id']}" in {t["key"] for t in detail["tasks"]}
    section = await client.get(f"/episodes/{episode_id}?section=reports")
    assert "GEHEIM-COMMENTAAR" in section.text

    # The next one: agreed, delivered once however often the job runs.
    await approve(client, cast, second["id"])
    await login(client, CLIENT_EMAIL)
    assert (await decide(client, second["id"], "agreed")).status_code == 303
    assert await deliver_all(settings) == ["sent"]
    assert await deliver_all(settings) == []
    assert await Delivery.count() == 1
    assert await Document.count() == 1
    again = await decide(client, second["id"], "withheld")
    assert again.status_code == 409
    # Its name in the lists is in the reader's language; the PDF keeps its own title.
    client.cookies.set("lang", "en")
    assert "Interim evaluation after session 10" in (await client.get("/my")).text
    assert "Interim evaluation after session 10" in (await client.get("/my/shared")).text
    await login(client, cast.company_doctor.email)
    listed = (await client.get("/company-doctor")).text
    assert "Interim evaluation after session 10" in listed
    assert "Tussenevaluatie na sessie 10" not in listed


@time_machine.travel(NOW, tick=False)
async def test_a_report_without_a_word_from_the_client_leaves_when_the_time_is_up(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await with_client_account(episode_id)
    await reporting_jobs.due_reports(TODAY, settings)
    first, _ = await reports()
    await approve(client, cast, first["id"])
    assert await deliver_all(settings) == ["awaiting the client's review"]

    with time_machine.travel("2026-06-18 23:58 +0200", tick=False):  # Thursday, still in time
        assert await deliver_all(settings) == ["awaiting the client's review"]
    with time_machine.travel("2026-06-19 00:01 +0200", tick=False):
        assert await deliver_all(settings) == ["sent"]
        assert await deliver_all(settings) == []
        await login(client, CLIENT_EMAIL)
        late = await decide(client, first["id"], "withheld")
    assert late.status_code == 409
    assert await Delivery.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_no_review_for_a_client_not_asked_without_an_account_nor_for_one_who_waived_it(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(TODAY, settings)
    first, second = await reports()
    await approve(client, cast, first["id"])  # no account, not asked: no way to ask them
    await with_client_account(episode_id)
    await Client.update({Client.report_review: ReviewChoice.WAIVED.value}).where(Client.id > 0)
    await approve(client, cast, second["id"])  # an account, but the client agreed to none

    assert sorted(await deliver_all(settings)) == ["sent", "sent"]
    assert await Report.count().where(Report.review_until.is_not_null()) == 0


@time_machine.travel(NOW, tick=False)
async def test_a_contract_of_zero_days_leaves_the_review_to_a_client_who_did_not_agree(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await with_client_account(episode_id)
    await Employer.update({Employer.client_review_days: 0}).where(Employer.id > 0)
    await reporting_jobs.due_reports(TODAY, settings)
    first, _ = await reports()
    await approve(client, cast, first["id"])

    assert await deliver_all(settings) == ["awaiting the client's review"]
    row = await Report.select(Report.review_until).where(Report.id == first["id"]).first()
    assert row is not None  # the default: three working days, to Thursday night
    assert row["review_until"].astimezone(settings.time_zone).date().isoformat() == "2026-06-18"


@time_machine.travel(NOW, tick=False)
async def test_a_decision_that_is_not_one_is_refused_beside_its_field(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await with_client_account(episode_id)
    await reporting_jobs.due_reports(TODAY, settings)
    first, _ = await reports()
    await approve(client, cast, first["id"])
    await login(client, CLIENT_EMAIL)

    odd = await decide(client, first["id"], "maybe", "kept")
    long = await decide(client, first["id"], "agreed", "x" * 2500)

    assert odd.status_code == 400 and 'id="decision-problem"' in odd.text and "kept" in odd.text
    assert long.status_code == 400 and 'id="comment-problem"' in long.text
    row = await Report.select(Report.review_decision).where(Report.id == first["id"]).first()
    assert row == {"review_decision": None}


@time_machine.travel(NOW, tick=False)
async def test_the_client_lets_reports_leave_unread_from_the_portal_and_the_next_one_does(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await with_client_account(episode_id)
    await reporting_jobs.due_reports(TODAY, settings)
    first, _ = await reports()
    await login(client, CLIENT_EMAIL)

    odd = await post_form(
        client, "/my/report-review", {"report_review": "maybe"}, token_from="/my/consents"
    )
    assert odd.status_code == 400 and 'id="report_review-problem"' in odd.text
    waived = await post_form(
        client, "/my/report-review", {"report_review": "waived"}, token_from="/my/consents"
    )
    assert waived.status_code == 303
    assert 'value="waived" required checked' in (await client.get("/my/consents")).text
    await approve(client, cast, first["id"])

    assert await deliver_all(settings) == ["sent"]
    assert await Report.count().where(Report.review_until.is_not_null()) == 0
    changed = await audit_rows(object_type="client", action="update")
    assert any(r["actor_role"] == "client" for r in changed)
