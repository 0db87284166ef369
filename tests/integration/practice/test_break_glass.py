"""Breaking the glass, end to end: a therapist without a seat reads an episode for one day,
with a reason, an audit row in the client's access log and a notice to every practice manager."""

import re
from datetime import date, timedelta
from typing import Any

import httpx
import time_machine

from practice.accounts import Role
from practice.services import erasure
from practice.tables import (
    AuditEvent,
    BreakGlass,
    OutboundMessage,
    TreatmentEpisode,
    User,
    WorkResumptionAgreement,
)
from tests.cast import Cast, Member, make_user
from tests.integration.reporting.test_privacy_canary import (
    DIAGNOSIS_WORDS,
    MARKERS,
    seed_medical_markers,
)
from tests.story import ok, refer, setup_parties
from tests.web import api, assert_audited, csrf_token, login, whole_record

NOW = "2026-06-15 10:00 +0200"
TODAY = date(2026, 6, 15)
JSON = {"accept": "application/json"}
HTML = {"accept": "text/html"}
REASON = "Crisis call tonight; the treating therapist is away"
NOTICES = OutboundMessage.key.like("break-glass:%")


async def outsider() -> Member:
    """A therapist of the practice with no seat on the story's episode."""
    member = await make_user(Role.THERAPIST, "outsider@cast.test")
    await User.update({User.display_name: "Olga Buiten"}).where(User.id == member.id)
    return member


async def story(client: httpx.AsyncClient, cast: Cast) -> tuple[int, int]:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    episode = await TreatmentEpisode.select(TreatmentEpisode.client).where(
        TreatmentEpisode.id == episode_id
    )
    return episode_id, int(episode[0]["client"])


async def break_glass(
    client: httpx.AsyncClient, episode_id: int, reason: str = REASON
) -> httpx.Response:
    return await api(client, "POST", f"/api/episodes/{episode_id}/break-glass", {"reason": reason})


async def agreement(client: httpx.AsyncClient, episode_id: int) -> httpx.Response:
    body = {"agreed_on": "2026-06-15", "description": "Twee ochtenden eigen werk"}
    return await api(client, "POST", f"/api/episodes/{episode_id}/agreements", body)


@time_machine.travel(NOW, tick=False)
async def test_a_therapist_without_a_seat_reads_an_episode_only_on_the_day_they_break_the_glass(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    other = await outsider()
    await login(client, other.email)
    path = f"/api/episodes/{episode_id}"
    assert (await client.get(path, headers=JSON)).status_code == 404

    opened = await ok(await break_glass(client, episode_id), 201)
    assert opened == {"id": opened["id"], "episode_id": episode_id, "opened_on": "2026-06-15"}
    assert (await client.get(path, headers=JSON)).status_code == 200

    # Reading, never writing: the record stays the treating therapist's to change.
    agreements = await WorkResumptionAgreement.count()
    assert (await agreement(client, episode_id)).status_code == 404
    assert await WorkResumptionAgreement.count() == agreements

    with time_machine.travel("2026-06-16 08:00 +0200", tick=False):
        await login(client, other.email)
        assert (await client.get(path, headers=JSON)).status_code == 404


@time_machine.travel(NOW, tick=False)
async def test_breaking_the_glass_is_audited_naming_the_client_and_is_in_the_access_log(
    client, cast: Cast
) -> None:
    episode_id, client_id = await story(client, cast)
    other = await outsider()
    await login(client, other.email)
    opened = await ok(await break_glass(client, episode_id), 201)

    row = await assert_audited(object_type="break_glass", actor_id=other.id)
    assert row["object_id"] == str(opened["id"])
    assert (row["action"], row["purpose"], row["outcome"]) == ("read", "break_glass", "success")
    assert row["client_id"] == client_id

    await login(client, cast.practice_manager.email)
    log = await ok(await api(client, "GET", f"/api/clients/{client_id}/access-log"))
    entries = [e for e in log if e["object_type"] == "break_glass"]
    assert [(e["actor_id"], e["actor_name"], e["object_id"]) for e in entries] == [
        (other.id, "Olga Buiten", str(opened["id"]))
    ]

    # the monitor's link opens the same log as a page, not JSON
    monitor = await client.get("/monitor")
    assert f'href="/clients/{client_id}/access-log"' in monitor.text
    page = await client.get(f"/clients/{client_id}/access-log")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Olga Buiten" in page.text
    assert f'href="/api/clients/{client_id}/access-log.csv"' in page.text


@time_machine.travel(NOW, tick=False)
async def test_each_active_practice_manager_is_told_once_in_their_language_with_no_medical_content(
    client, cast: Cast
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    client_id = row["client"]
    english = await make_user(Role.PRACTICE_MANAGER, "pm-en@cast.test", locale="en")
    gone = await make_user(Role.PRACTICE_MANAGER, "pm-gone@cast.test")
    await User.update({User.active: False}).where(User.id == gone.id)
    other = await outsider()
    await login(client, other.email)
    opened = await ok(await break_glass(client, episode_id), 201)

    notices = await OutboundMessage.select().where(NOTICES).order_by(OutboundMessage.id)
    assert sorted(n["to_address"] for n in notices) == sorted(
        [cast.practice_manager.email, english.email]
    )
    assert {n["key"] for n in notices} == {
        f"break-glass:{opened['id']}:{cast.practice_manager.id}",
        f"break-glass:{opened['id']}:{english.id}",
    }
    by_address = {n["to_address"]: n for n in notices}
    dutch, in_english = by_address[cast.practice_manager.email], by_address[english.email]
    assert dutch["subject"] == f"Noodtoegang: traject {episode_id} geopend door Olga Buiten"
    assert in_english["subject"] == f"Break the glass: episode {episode_id} opened by Olga Buiten"
    assert "15 juni 2026" in dutch["body_text"]
    assert "June 15, 2026" in in_english["body_text"]
    for notice in notices:
        body = notice["body_text"]
        assert REASON in body
        assert f"https://testserver/clients/{client_id}/access-log" in body
        assert "https://testserver/monitor#break-glass" in body
        text = notice["subject"] + body
        for marker in [*MARKERS.values(), *DIAGNOSIS_WORDS, "Anna", "Jansen"]:
            assert marker not in text, marker


@time_machine.travel(NOW, tick=False)
async def test_breaking_the_glass_again_the_same_day_returns_the_first_opening_and_writes_nothing(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    other = await outsider()
    await login(client, other.email)
    first = await ok(await break_glass(client, episode_id), 201)
    audits, notices = await AuditEvent.count(), await OutboundMessage.count().where(NOTICES)

    again = await ok(await break_glass(client, episode_id, "Another reason, a second look"), 200)

    assert again == first
    assert await BreakGlass.count() == 1
    assert await OutboundMessage.count().where(NOTICES) == notices == 1
    assert await AuditEvent.count() == audits
    reasons = await BreakGlass.select(BreakGlass.reason)
    assert reasons == [{"reason": REASON}]


@time_machine.travel(NOW, tick=False)
async def test_a_too_short_reason_is_refused_with_400_naming_the_field_and_nothing_is_written(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    await login(client, (await outsider()).email)
    for reason in ["  kort  ", "", "x" * 501, "Crisis\x00call tonight"]:
        response = await break_glass(client, episode_id, reason)
        assert response.status_code == 400, reason
        assert list(response.json()["fields"]) == ["reason"]
    response = await api(client, "POST", f"/api/episodes/{episode_id}/break-glass", {})
    assert response.status_code == 400
    assert await BreakGlass.count() == 0
    assert await OutboundMessage.count().where(NOTICES) == 0
    assert await AuditEvent.count().where(AuditEvent.object_type == "break_glass") == 0


@time_machine.travel(NOW, tick=False)
async def test_the_therapist_of_record_has_no_glass_to_break_and_an_unknown_episode_is_404(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    await login(client, cast.therapist.email)
    response = await break_glass(client, episode_id)
    assert response.status_code == 409
    assert "case team" in response.json()["detail"] or "behandelteam" in response.json()["detail"]
    assert (await break_glass(client, 999999)).status_code == 404
    assert await BreakGlass.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_other_roles_may_not_break_the_glass(client, cast: Cast) -> None:
    episode_id, _ = await story(client, cast)
    for role in (Role.COMPANY_DOCTOR, Role.EMPLOYER_CONTACT, Role.PRACTICE_MANAGER):
        await login(client, cast.by_role(role).email)
        assert (await break_glass(client, episode_id)).status_code == 403, role
    assert await BreakGlass.count() == 0


def _same_for_any_id(page: str, episode_id: int) -> str:
    return page.replace(f"/episodes/{episode_id}", "/episodes/ID")


@time_machine.travel(NOW, tick=False)
async def test_a_therapists_not_found_page_offers_the_form_the_same_way_whether_the_episode_exists(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    await login(client, (await outsider()).email)
    real = await client.get(f"/episodes/{episode_id}", headers=HTML)
    unknown = await client.get("/episodes/987654", headers=HTML)
    assert real.status_code == unknown.status_code == 404
    assert f'href="/episodes/{episode_id}/break-glass"' in real.text
    assert 'href="/episodes/987654/break-glass"' in unknown.text
    # The same page but for the id (the CSRF token differs per response).
    token = re.compile(r'name="_csrf_token" value="[^"]+"')
    assert token.sub("", _same_for_any_id(real.text, episode_id)) == token.sub(
        "", _same_for_any_id(unknown.text, 987654)
    )
    assert "Anna" not in real.text

    await login(client, cast.practice_manager.email)
    managers = await client.get("/episodes/987654", headers=HTML)
    assert "break-glass" not in managers.text  # only a therapist may break the glass


@time_machine.travel(NOW, tick=False)
async def test_the_form_breaks_the_glass_and_the_client_page_shows_the_record_read_only(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    await login(client, (await outsider()).email)
    form = f"/episodes/{episode_id}/break-glass"
    page = await client.get(form, headers=HTML)
    assert page.status_code == 200
    assert 'name="reason"' in page.text
    assert "Anna" not in page.text  # nothing of the client before the glass is broken

    token = await csrf_token(client, form)
    refused = await client.post(form, data={"reason": "kort", "_csrf_token": token}, headers=HTML)
    assert refused.status_code == 400
    assert 'id="reason-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert ">kort</textarea>" in refused.text  # what was typed stays
    assert await BreakGlass.count() == 0

    token = await csrf_token(client, form)
    done = await client.post(form, data={"reason": REASON, "_csrf_token": token}, headers=HTML)
    assert done.status_code == 303
    assert done.headers["location"] == f"/episodes/{episode_id}"

    client_page = await whole_record(client, f"/episodes/{episode_id}")
    assert "Anna Jansen" in client_page
    assert 'data-testid="read-only"' in client_page
    assert "15 juni 2026" in client_page and REASON in client_page
    for action in ('action="/episodes/', 'action="/appointments/', 'action="/reports/'):
        assert action not in client_page, action

    # The form a page would have shown is refused by its door too.
    token = await csrf_token(client, f"/episodes/{episode_id}")
    write = await client.post(
        f"/episodes/{episode_id}/agreements",
        data={"agreed_on": "2026-06-15", "description": "x", "_csrf_token": token},
        headers=HTML,
    )
    assert write.status_code == 404

    # Back on the form the same day: it says the record is open already.
    again = await client.get(form, headers=HTML)
    assert 'name="reason"' not in again.text
    assert f'href="/episodes/{episode_id}"' in again.text


@time_machine.travel(NOW, tick=False)
async def test_the_client_page_of_the_therapist_of_record_has_its_forms_and_no_notice(
    client, cast: Cast
) -> None:
    episode_id, _ = await story(client, cast)
    await login(client, cast.therapist.email)
    page = await whole_record(client, f"/episodes/{episode_id}")
    assert 'data-testid="read-only"' not in page
    assert f'action="/episodes/{episode_id}/agreements"' in page


async def _opened_earlier(episode_id: int, user_id: int, days_ago: int, reason: str) -> None:
    await BreakGlass.insert(
        BreakGlass(
            episode=episode_id,
            user=user_id,
            reason=reason,
            opened_on=TODAY - timedelta(days=days_ago),
        )
    )


@time_machine.travel(NOW, tick=False)
async def test_the_monitor_lists_the_break_glass_events_of_the_last_thirty_days_audited(
    client, cast: Cast
) -> None:
    episode_id, client_id = await story(client, cast)
    other = await outsider()
    await _opened_earlier(episode_id, other.id, 29, "Weekend crisis, first day of window")
    await _opened_earlier(episode_id, other.id, 30, "Older than the window, not listed")
    await login(client, other.email)
    opened = await ok(await break_glass(client, episode_id), 201)

    await login(client, cast.practice_manager.email)
    page = await client.get("/monitor", headers=HTML)
    assert page.status_code == 200
    rows = re.findall(r'<tr data-testid="break-glass-event">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 2
    assert REASON in rows[0] and "Olga Buiten" in rows[0]
    assert f"<td>{episode_id}</td>" in rows[0] and f">{client_id}</a>" in rows[0]
    assert "15 jun 2026" in rows[0]
    assert "Weekend crisis, first day of window" in rows[1]
    assert "Older than the window" not in page.text

    seen = await AuditEvent.select().where(
        (AuditEvent.actor_id == cast.practice_manager.id)
        & (AuditEvent.object_type == "break_glass")
    )
    assert len(seen) == 2
    assert {r["client_id"] for r in seen} == {client_id}
    assert {r["purpose"] for r in seen} == {"access_log_review"}
    assert str(opened["id"]) in {r["object_id"] for r in seen}


@time_machine.travel(NOW, tick=False)
async def test_the_clients_export_and_erasure_cover_break_glass_rows_and_their_notices(
    client, cast: Cast
) -> None:
    from practice import client_data

    episode_id, client_id = await story(client, cast)
    await login(client, (await outsider()).email)
    opened = await ok(await break_glass(client, episode_id), 201)
    found = await client_data.load_client_rows(client_id)
    assert found.ids(BreakGlass) == [opened["id"]]
    held: dict[int, dict[str, Any]] = found.rows[OutboundMessage]
    assert {m["key"] for m in held.values() if m["key"].startswith("break-glass:")} == {
        f"break-glass:{opened['id']}:{cast.practice_manager.id}"
    }

    await erasure.erase_on_request(
        client_id,
        request_ref="AVG-2026-099",
        by_email=cast.practice_manager.email,
        requested_on=TODAY,
    )
    assert await BreakGlass.count() == 0
    assert await OutboundMessage.count().where(NOTICES) == 0
