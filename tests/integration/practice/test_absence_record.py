"""The absence record (issue 19): one absence per sick report however often a client is
referred, links typed as relapse or chain, the law's period with its aggregated first sick
day, leave beside it, kept by the therapist and the company doctor of the case, its cause
never reaching the employer."""

import asyncio
import html

import httpx
import pytest
import time_machine
from litestar import Litestar
from redis.asyncio import Redis

from practice.tables import AbsenceEpisode, LeavePeriod, TreatmentEpisode
from tests.cast import Cast, make_cast
from tests.conftest import make_client
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referred
from tests.story import ok
from tests.web import api, login

CAUSE = "OORZAAK-ALLEEN-VOOR-ARTS-EN-BEHANDELAAR"


async def client_id_of(episode_id: int) -> int:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    return int(row["client"])


def second_referral(client_id: int, **extra: object) -> dict[str, object]:
    return {
        "client_id": client_id,
        "received_at": "2026-06-12T09:00:00+02:00",
        "referrer_type": "company_doctor",
        "requested_offer": "atwork_basic",
        "absence_status": "sickness",
        "first_sick_day": "2026-05-04",  # told a little differently the second time
        **extra,
    }


@time_machine.travel(NOW, tick=False)
async def test_a_second_referral_for_the_same_absence_attaches_to_it_and_makes_no_duplicate(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    first_episode = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    created = await ok(
        await api(
            client,
            "POST",
            "/api/referrals",
            second_referral(await client_id_of(first_episode), follows_episode_id=first_episode),
        ),
        201,
    )
    assert await AbsenceEpisode.count() == 1
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id, TreatmentEpisode.absence, TreatmentEpisode.reopened_from
    ).order_by(TreatmentEpisode.id)
    assert [e["absence"] for e in episodes] == [absence["id"], absence["id"]]
    assert episodes[1]["id"] == created["episode_id"]
    assert episodes[1]["reopened_from"] == first_episode


@pytest.mark.commits
@time_machine.travel(NOW, tick=False)
async def test_two_referrals_at_once_for_a_client_without_an_open_absence_make_one_absence(
    app: Litestar, db: None, redis: Redis
) -> None:
    cast = await make_cast()
    async with make_client(app) as client:
        first_episode = await referred(client, cast)
        [absence] = await AbsenceEpisode.select()
        path = f"/api/episodes/{first_episode}/absences/{absence['id']}/recovery"
        await ok(await api(client, "POST", path, {"full_recovery_on": "2026-05-20"}))
        body = second_referral(await client_id_of(first_episode), first_sick_day="2026-06-08")
        # Both find no open absence; the lock on the employment lets only one open it.
        answers = await asyncio.gather(
            *(api(client, "POST", "/api/referrals", body) for _ in range(4))
        )
    assert [a.status_code for a in answers] == [201] * 4
    assert await AbsenceEpisode.count() == 2
    treated = await TreatmentEpisode.select(TreatmentEpisode.absence).order_by(TreatmentEpisode.id)
    assert len({row["absence"] for row in treated[1:]}) == 1
    assert treated[1]["absence"] != absence["id"]


@time_machine.travel(NOW, tick=False)
async def test_a_referral_after_full_recovery_opens_a_new_absence_and_one_naming_it_attaches(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    first_episode = await referred(client, cast)
    client_id = await client_id_of(first_episode)
    [absence] = await AbsenceEpisode.select()
    path = f"/api/episodes/{first_episode}/absences/{absence['id']}/recovery"
    await ok(await api(client, "POST", path, {"full_recovery_on": "2026-05-20"}))
    # Sick again: a new absence. The same referral again names it: no third one.
    later = second_referral(client_id, first_sick_day="2026-06-08")
    await ok(await api(client, "POST", "/api/referrals", later), 201)
    assert await AbsenceEpisode.count() == 2
    newest = await AbsenceEpisode.select().order_by(AbsenceEpisode.id, ascending=False).first()
    assert newest is not None
    again = second_referral(client_id, absence_id=newest["id"], first_sick_day="2026-06-09")
    await ok(await api(client, "POST", "/api/referrals", again), 201)
    assert await AbsenceEpisode.count() == 2


@time_machine.travel(NOW, tick=False)
async def test_a_referral_naming_an_absence_of_another_employment_is_refused_naming_the_field(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    first_episode = await referred(client, cast)
    response = await api(
        client,
        "POST",
        "/api/referrals",
        second_referral(await client_id_of(first_episode), absence_id=999999),
    )
    assert response.status_code == 400
    assert "absence_id" in response.text
    assert await TreatmentEpisode.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_the_re_referral_form_picks_the_absence_and_links_the_episode_it_follows(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    first_episode = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    page = f"/episodes/{first_episode}?section=work"
    response = await post_page_form(
        client,
        page,
        f"/episodes/{first_episode}/re-referrals",
        {
            "received_at": "2026-06-12T09:00",
            "referrer_type": "company_doctor",
            "requested_offer": "atwork_basic",
            "absence_id": str(absence["id"]),
        },
    )
    assert response.status_code == 303, response.text[:1500]
    newest = await TreatmentEpisode.select().order_by(TreatmentEpisode.id, ascending=False).first()
    assert newest is not None
    assert response.headers["location"] == f"/episodes/{newest['id']}"
    assert (newest["absence"], newest["reopened_from"]) == (absence["id"], first_episode)
    assert await AbsenceEpisode.count() == 1
    shown = html.unescape(
        (await client.get(f"/episodes/{newest['id']}?section=work", headers=HTML)).text
    )
    assert 'data-testid="follows-episode"' in shown
    assert "(dit traject)" in shown  # the absence it treats is marked


@time_machine.travel(NOW, tick=False)
async def test_a_relapse_seven_weeks_after_recovery_starts_a_new_period_and_a_chain_is_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    base = f"/api/episodes/{episode_id}/absences"
    # Sick from 2 March, fully back on 20 April; seven weeks later the complaints return.
    edit = {"first_sick_day": "2026-03-02", "full_recovery_on": "2026-04-20"}
    await ok(await api(client, "POST", f"{base}/{absence['id']}", edit))
    chain = {
        "absence_type": "sickness",
        "first_sick_day": "2026-06-08",
        "previous_id": absence["id"],
        "link_kind": "chain",
    }
    refused = await api(client, "POST", base, chain)
    assert refused.status_code == 400
    assert "link_kind" in refused.text
    assert await AbsenceEpisode.count() == 1
    await ok(await api(client, "POST", base, chain | {"link_kind": "relapse"}), 201)
    record = await ok(await api(client, "GET", base))
    assert [a["link_kind"] for a in record["absences"]] == [None, "relapse"]
    assert [p["aggregated_first_sick_day"] for p in record["absence_periods"]] == [
        "2026-03-02",
        "2026-06-08",
    ]
    assert record["absence_period"]["aggregated_first_sick_day"] == "2026-06-08"


@time_machine.travel(NOW, tick=False)
async def test_a_chain_within_four_weeks_is_counted_from_the_first_sick_day_moved_on_by_the_gap(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    base = f"/api/episodes/{episode_id}/absences"
    await ok(
        await api(
            client, "POST", f"{base}/{absence['id']}/recovery", {"full_recovery_on": "2026-05-29"}
        )
    )
    new = {"absence_type": "sickness", "first_sick_day": "2026-06-08", "previous_id": absence["id"]}
    await ok(await api(client, "POST", base, new), 201)
    record = await ok(await api(client, "GET", base))
    assert record["absences"][1]["link_kind"] == "chain"  # the kind the dates give
    [period] = record["absence_periods"]
    assert period["interruption_days"] == 10
    assert period["aggregated_first_sick_day"] == "2026-05-11"  # 1 May + 10 days fit
    page = html.unescape(
        (await client.get(f"/episodes/{episode_id}?section=work", headers=HTML)).text
    )
    assert "Ziekteperiode geteld vanaf 11 mei 2026" in page
    assert "ketenverzuim (binnen vier weken)" in page


@time_machine.travel(NOW, tick=False)
async def test_the_form_refuses_a_manager_informed_before_the_first_sick_day_beside_its_field(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    response = await post_page_form(
        client,
        f"/episodes/{episode_id}?section=work",
        f"/episodes/{episode_id}/absences/{absence['id']}",
        {"first_sick_day": "2026-05-01", "manager_informed_on": "2026-04-28", "cause": CAUSE},
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert f'id="manager_informed_on_{absence["id"]}-problem"' in text
    assert (
        "De leidinggevende kan niet vóór de eerste ziektedag op de hoogte zijn (1 mei 2026)."
        in text
    )
    assert CAUSE in text  # what was typed is kept
    assert (await AbsenceEpisode.select().first() or {})["cause"] is None


@time_machine.travel(NOW, tick=False)
async def test_the_company_doctor_reads_the_cause_and_records_leave_and_recovery_on_the_record_page(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/absences/{absence['id']}",
            {
                "first_sick_day": "2026-05-01",
                "reported_on": "2026-05-01",
                "reported_to": "colleague",
                "cause": CAUSE,
            },
        )
    )
    await login(client, cast.company_doctor.email)
    page = f"/episodes/{episode_id}/absence-record"
    shown = await client.get(page, headers=HTML)
    assert shown.status_code == 200
    assert CAUSE in shown.text
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/leave",
        {"kind": "care", "starts_on": "2026-04-20", "ends_on": "2026-04-30"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == page
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/absences/{absence['id']}/recovery",
        {"partial_recovery_on": "2026-06-01"},
    )
    assert response.status_code == 303
    assert (await LeavePeriod.select().first() or {})["kind"] == "care"
    assert (await AbsenceEpisode.select().first() or {})[
        "partial_recovery_on"
    ].isoformat() == "2026-06-01"
    text = html.unescape((await client.get(page, headers=HTML)).text)
    assert "zorgverlof" in text and "gedeeltelijk vanaf 1 jun 2026" in text
    assert "bij een collega" in text


@time_machine.travel(NOW, tick=False)
async def test_an_employer_contact_never_reads_the_absence_record_or_its_cause(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    [absence] = await AbsenceEpisode.select()
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/absences/{absence['id']}",
            {"first_sick_day": "2026-05-01", "cause": CAUSE},
        )
    )
    await login(client, cast.employer_contact.email)
    for path in (f"/api/episodes/{episode_id}/absences", f"/episodes/{episode_id}/absence-record"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert CAUSE not in response.text
    for path in ("/employer", "/api/employer/employees", "/api/employer/employees.csv"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert CAUSE not in response.text, path
