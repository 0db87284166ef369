"""A client without an account who wants to read reports first gets each one by a mailed
link (issue 20): the mail says nothing of the report; the page behind the link shows it and
takes the decision once; a spent or late link shows nothing; agreed or late → delivered once."""

import re

import httpx
import time_machine

from practice.audit.trail import Action
from practice.platform.settings import Settings
from practice.tables import Client, OutboundMessage, TreatmentEpisode
from reporting.services.report_review import review_key
from reporting.tables import Delivery, Report
from tests.cast import Cast
from tests.integration.reporting.test_report_review import NOW, approve, deliver_all
from tests.integration.reporting.test_reports import (
    episode_with_ten_held_sessions,
    reports,
)
from tests.web import audit_rows, csrf_token, login, post_form

CLIENT_ADDRESS = "anna-link@client.test"


async def wants_to_read_first(client: httpx.AsyncClient, cast: Cast, episode_id: int) -> None:
    """The therapist records the client's answer on the client page's consents section."""
    row = await TreatmentEpisode.select(TreatmentEpisode.client).where(
        TreatmentEpisode.id == episode_id
    )
    await Client.update({Client.email: CLIENT_ADDRESS}).where(Client.id == row[0]["client"])
    await login(client, cast.therapist.email)
    page = f"/episodes/{episode_id}?section=consents"
    answer = await post_form(
        client, f"/episodes/{episode_id}/report-review", {"report_review": "wanted"},
        token_from=page,
    )  # fmt: skip
    assert answer.status_code == 303
    shown = await client.get(page)
    assert 'data-testid="report-review-choice"' in shown.text
    assert 'value="wanted" required checked' in shown.text


async def link_of(report_id: int) -> str:
    message = await OutboundMessage.select().where(OutboundMessage.key == review_key(report_id))
    assert len(message) == 1
    assert message[0]["to_address"] == CLIENT_ADDRESS
    assert "GEHEIME-VOORTGANG" not in message[0]["body_text"]  # the mail holds no content
    found = re.search(r"https?://\S+(/report-review/\S+)", message[0]["body_text"])
    assert found, message[0]["body_text"]
    return found.group(1)


async def a_link_out(client: httpx.AsyncClient, cast: Cast, settings: Settings) -> tuple[int, str]:
    """The first interim report approved for a client who wants to read it first, its link
    mailed; the therapist logged out, so the page is opened as the client would."""
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await wants_to_read_first(client, cast, episode_id)
    await deliver_all(settings)  # drafts the reports
    first, _ = await reports()
    await approve(client, cast, first["id"])
    path = await link_of(first["id"])
    await client.get("/logout")
    client.cookies.clear()
    return int(first["id"]), path


async def post_decision(
    client: httpx.AsyncClient, path: str, decision: str, comment: str = ""
) -> httpx.Response:
    token = await csrf_token(client, path)
    return await client.post(
        path, data={"decision": decision, "comment": comment, "_csrf_token": token}
    )


@time_machine.travel(NOW, tick=False)
async def test_the_client_without_an_account_withholds_a_report_by_the_mailed_link(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    report_id, path = await a_link_out(client, cast, settings)

    page = await client.get(path)
    assert page.status_code == 200 and "GEHEIME-VOORTGANG" in page.text
    assert 'class="portal-nav"' not in page.text  # no account: no portal menu
    reads = await audit_rows(object_type="report", object_id=str(report_id))
    assert any(r["action"] == Action.READ and r["actor_role"] == "client" for r in reads)
    assert await deliver_all(settings) == ["awaiting the client's review"]

    withheld = await post_decision(client, path, "withheld", "Eerst bespreken")
    assert withheld.status_code == 200 and 'data-testid="review-state"' in withheld.text
    row = await Report.select(Report.status, Report.review_comment).where(Report.id == report_id)
    assert row[0] == {"status": "blocked", "review_comment": "Eerst bespreken"}
    assert await deliver_all(settings) == []
    assert await Delivery.count() == 0
    spent = await client.get(path)
    assert spent.status_code == 410 and "GEHEIME-VOORTGANG" not in spent.text


@time_machine.travel(NOW, tick=False)
async def test_an_odd_decision_keeps_the_link_and_agreeing_delivers_the_report_once(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    _, path = await a_link_out(client, cast, settings)

    odd = await post_decision(client, path, "maybe", "bewaard")
    assert odd.status_code == 400 and 'id="decision-problem"' in odd.text
    assert "bewaard" in odd.text
    agreed = await post_decision(client, path, "agreed")
    assert agreed.status_code == 200

    assert await deliver_all(settings) == ["sent"]
    assert await deliver_all(settings) == []
    assert await Delivery.count() == 1
    assert (await client.get(path)).status_code == 410
    assert (await post_decision(client, path, "withheld")).status_code == 410


async def test_a_link_past_its_day_shows_nothing_and_the_report_leaves_once(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    with time_machine.travel(NOW, tick=False):
        _, path = await a_link_out(client, cast, settings)
    with time_machine.travel("2026-06-19 00:01 +0200", tick=False):  # after Thursday night
        late = await client.get(path)
        assert late.status_code == 410 and "GEHEIME-VOORTGANG" not in late.text
        assert await deliver_all(settings) == ["sent"]
        assert await deliver_all(settings) == []
    unknown = await client.get("/report-review/" + "x" * 43)
    assert unknown.status_code == 410
