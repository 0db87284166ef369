"""The work track, consents and follow-up from the client page, as a browser posts them:
each form goes back to its section (303), stores its row and is shown back there; a refused
form answers 400 with the Dutch message beside the field and what was typed kept."""

import html
import sqlite3
from datetime import date

import asyncpg
import httpx
import pytest
import time_machine

from practice.tables import (
    AbsenceEpisode,
    Consent,
    ContractHours,
    FollowUp,
    WorkParticipation,
    WorkResumptionAgreement,
)
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    NOW,
    post_page_form,
    post_steps,
    referred,
)


async def posted(
    client: httpx.AsyncClient, episode_id: int, section: str, path: str, data: dict[str, str]
) -> httpx.Response:
    """Post a form of a section the way the browser does; the token from that section."""
    page = f"/episodes/{episode_id}?section={section}"
    return await post_page_form(client, page, f"/episodes/{episode_id}{path}", data)


async def section(client: httpx.AsyncClient, episode_id: int, name: str) -> str:
    response = await client.get(f"/episodes/{episode_id}?section={name}", headers=HTML)
    assert response.status_code == 200
    return html.unescape(response.text)


def back_to(response: httpx.Response, episode_id: int, name: str) -> None:
    assert response.status_code == 303, response.text[:1500]
    assert response.headers["location"] == f"/episodes/{episode_id}?section={name}"


@time_machine.travel(NOW, tick=False)
async def test_changed_contract_hours_are_kept_beside_the_first_and_shown_on_the_work_section(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    response = await posted(
        client, episode_id, "work", "/contract-hours", {"hours": "24", "valid_from": "2026-06-12"}
    )
    back_to(response, episode_id, "work")
    periods = await ContractHours.select().order_by(ContractHours.valid_from)
    assert [p["minutes_per_week"] for p in periods] == [32 * 60, 24 * 60]
    shown = await section(client, episode_id, "work")
    table = shown.split('data-testid="contract-periods"', 1)[1].split("</table>", 1)[0]
    assert "32" in table and "24" in table and "12 jun 2026" in table


@time_machine.travel(NOW, tick=False)
async def test_a_second_contract_period_on_the_same_day_is_refused_and_the_table_holds_one(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    fields = {"hours": "24", "valid_from": "2026-06-12"}
    back_to(await posted(client, episode_id, "work", "/contract-hours", fields), episode_id, "work")
    again = await posted(client, episode_id, "work", "/contract-hours", {**fields, "hours": "20"})
    assert again.status_code == 409
    assert "Op die datum begint al een contractperiode" in html.unescape(again.text)
    assert 'value="20"' in again.text  # what was typed, kept
    [period] = await ContractHours.select().where(ContractHours.valid_from == date(2026, 6, 12))
    # Straight to the table, past the service's check: the unique index is the last line when
    # two requests race (neither sees the other's row before it commits).
    with pytest.raises((asyncpg.exceptions.UniqueViolationError, sqlite3.IntegrityError)):
        await ContractHours.insert(
            ContractHours(
                employment=period["employment"], valid_from=date(2026, 6, 12), minutes_per_week=1
            )
        )


@time_machine.travel(NOW, tick=False)
async def test_contract_days_per_week_are_kept_in_half_days_and_an_eighth_day_is_refused(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    response = await posted(
        client,
        episode_id,
        "work",
        "/contract-hours",
        {"hours": "32", "days_per_week": "4.5", "valid_from": "2026-06-12"},
    )
    back_to(response, episode_id, "work")
    latest = (
        await ContractHours.select().order_by(ContractHours.valid_from, ascending=False).first()
    )
    assert latest is not None and latest["half_days_per_week"] == 9
    shown = await section(client, episode_id, "work")
    assert "4,5" in shown.split('data-testid="contract-periods"', 1)[1].split("</table>", 1)[0]
    response = await posted(
        client,
        episode_id,
        "work",
        "/contract-hours",
        {"hours": "32", "days_per_week": "8", "valid_from": "2026-06-13"},
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert 'id="days_per_week-problem"' in text
    assert "halve dagen" in text


@time_machine.travel(NOW, tick=False)
async def test_a_refused_contract_change_names_the_problem_in_dutch_and_keeps_the_hours(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    response = await posted(
        client, episode_id, "work", "/contract-hours", {"hours": "-4", "valid_from": "2026-06-12"}
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert 'class="field-problem" id="hours-problem"' in text
    assert "negatief" in text
    assert 'value="-4"' in text
    assert await ContractHours.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_hours_worked_are_recorded_by_kind_with_their_source_and_shown_back(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    form = (await section(client, episode_id, "work")).split('action="/episodes/', 1)[0]
    assert form  # the page renders before anything is measured
    response = await posted(
        client,
        episode_id,
        "work",
        "/work-participation",
        {
            "measured_on": "2026-06-12",
            "own_work_hours": "8",
            "adapted_work_hours": "4",
            "therapeutic_hours": "2",
            "productive_hours": "1",
            "source": "employer",
            "moment": "begin",
        },
    )
    back_to(response, episode_id, "work")
    row = await WorkParticipation.select().first()
    assert row is not None
    assert (row["own_work_minutes"], row["adapted_work_minutes"]) == (480, 240)
    assert (row["therapeutic_minutes"], row["productive_minutes"]) == (120, 60)
    assert row["source"] == "employer"
    shown = await section(client, episode_id, "work")
    assert "de werkgever" in shown  # told by
    assert "Arbeidstherapeutisch (AT)" in shown
    assert "40,6 %" in shown  # 8 + 4 + 1 = 13 of 32 hours; the AT hours do not count
    assert "telt niet als productief werk" in shown  # the hint in plain words


@time_machine.travel(NOW, tick=False)
async def test_full_recovery_and_a_relapse_are_recorded_on_the_absences_and_shown_back(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    first = await AbsenceEpisode.select().first()
    assert first is not None  # the referral's absence, from 1 May
    response = await posted(
        client,
        episode_id,
        "work",
        f"/absences/{first['id']}/recovery",
        {"full_recovery_on": "2026-06-10"},
    )
    back_to(response, episode_id, "work")
    response = await posted(
        client,
        episode_id,
        "work",
        "/absences",
        {
            "absence_type": "sickness",
            "first_sick_day": "2026-06-13",
            "reported_on": "2026-06-13",
            "previous_id": str(first["id"]),
        },
    )
    back_to(response, episode_id, "work")
    rows = await AbsenceEpisode.select().order_by(AbsenceEpisode.id)
    assert rows[0]["full_recovery_on"].isoformat() == "2026-06-10"
    assert rows[1]["previous"] == first["id"]
    shown = await section(client, episode_id, "work")
    table = shown.split('data-testid="absences"', 1)[1].split("</table>", 1)[0]
    assert "volledig vanaf 10 jun 2026" in table  # full recovery
    assert "van het verzuim vanaf 1 mei 2026" in table  # the link, with its kind:
    assert "ketenverzuim (binnen vier weken)" in table  # sick again three days later
    assert rows[1]["link_kind"] == "chain"
    # only the open absence still offers a recovery form
    assert f"/absences/{first['id']}/recovery" not in shown
    assert f"/absences/{rows[1]['id']}/recovery" in shown


@time_machine.travel(NOW, tick=False)
async def test_a_recovery_before_the_first_sick_day_is_refused_beside_its_field_in_dutch(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    first = await AbsenceEpisode.select().first()
    assert first is not None
    path = f"/absences/{first['id']}/recovery"
    response = await posted(client, episode_id, "work", path, {"full_recovery_on": "2026-04-01"})
    assert response.status_code == 400
    text = html.unescape(response.text)
    problem = f'id="full_recovery_on_{first["id"]}-problem"'
    assert problem in text
    assert "Volledig herstel komt na de eerste ziektedag (1 mei 2026)." in text
    assert 'value="2026-04-01"' in text
    assert (await AbsenceEpisode.select().first() or {})["full_recovery_on"] is None
    # Months ahead: a guess or a typing error, refused beside the field.
    ahead = await posted(client, episode_id, "work", path, {"full_recovery_on": "2027-05-01"})
    assert ahead.status_code == 400
    assert "hoogstens 14 dagen vooruit" in html.unescape(ahead.text)
    assert (await AbsenceEpisode.select().first() or {})["full_recovery_on"] is None


@time_machine.travel(NOW, tick=False)
async def test_a_relapse_cannot_link_to_an_absence_of_another_employment(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    response = await posted(
        client,
        episode_id,
        "work",
        "/absences",
        {"absence_type": "sickness", "first_sick_day": "2026-06-13", "previous_id": "999999"},
    )
    assert response.status_code == 400
    assert "Kies een eerder verzuim van het dienstverband van deze cliënt." in html.unescape(
        response.text
    )
    assert await AbsenceEpisode.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_an_agreement_status_is_changed_on_its_row_and_shown(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(
        client, page, [("/agreements", {"agreed_on": "2026-06-12", "description": "2 x 4 uur"})]
    )
    agreement = await WorkResumptionAgreement.select().first()
    assert agreement is not None and agreement["status"] == "agreed"
    shown = await section(client, episode_id, "work")
    assert "afgesproken" in shown
    assert f'id="agreement_status_{agreement["id"]}"' in shown
    response = await posted(
        client, episode_id, "work", f"/agreements/{agreement['id']}", {"status": "met"}
    )
    back_to(response, episode_id, "work")
    assert (await WorkResumptionAgreement.select().first() or {})["status"] == "met"
    shown = await section(client, episode_id, "work")
    assert '<span data-testid="agreement-status">nagekomen</span>' in shown


@time_machine.travel(NOW, tick=False)
async def test_withdrawing_a_consent_needs_the_confirmation_and_then_shows_when(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    consent = await Consent.select().order_by(Consent.id).first()
    assert consent is not None and consent["withdrawn_at"] is None
    path = f"/consents/{consent['id']}/withdrawal"
    shown = await section(client, episode_id, "consents")
    assert f'action="/episodes/{episode_id}{path}"' in shown
    refused = await posted(client, episode_id, "consents", path, {})
    assert refused.status_code == 400
    assert "Vink het vakje aan om te bevestigen" in html.unescape(refused.text)
    assert (await Consent.select().where(Consent.id == consent["id"]).first() or {})[
        "withdrawn_at"
    ] is None
    response = await posted(client, episode_id, "consents", path, {"confirmed": "true"})
    back_to(response, episode_id, "consents")
    row = await Consent.select().where(Consent.id == consent["id"]).first()
    assert row is not None and row["withdrawn_at"] is not None
    shown = await section(client, episode_id, "consents")
    assert f'action="/episodes/{episode_id}{path}"' not in shown  # withdrawn: no button
    assert "15-06-2026" in shown or "15 jun" in shown  # when it was withdrawn
    again = await posted(client, episode_id, "consents", path, {"confirmed": "true"})
    assert again.status_code in {400, 409}  # the form is gone; a replayed post is refused


@time_machine.travel(NOW, tick=False)
async def test_a_follow_up_records_relapse_and_complaint_score_and_shows_them(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(
        client,
        page,
        [
            *IN_TREATMENT,
            ("/transitions", {"to_status": "closed", "on": "2026-06-14"}),
            (
                "/follow-ups",
                {
                    "kind": "measurement",
                    "held_on": "2026-06-15",
                    "response": "done",
                    "relapse": "false",
                    "complaint_score": "12",
                },
            ),
        ],
    )
    row = await FollowUp.select().first()
    assert row is not None
    assert (row["relapse"], row["complaint_score"]) == (False, 12)
    shown = await section(client, episode_id, "end")
    assert "Terugval: nee" in shown
    assert "12" in shown
