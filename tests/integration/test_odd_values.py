"""Odd but possible values typed into the forms and the JSON doors: a 400 beside the field,
never a 500, never a record that later breaks a page (found by probing every form with
impossible dates, NaN, huge numbers and decimal commas)."""

from datetime import UTC, datetime

import httpx
import time_machine

from practice.tables import Employer, TreatmentEpisode
from tests.cast import Cast
from tests.integration.scheduling.test_booking import _compleet_in_treatment
from tests.integration.scheduling.test_calendar_pages import HTML, post_page_form
from tests.story import ok
from tests.web import api, login

NOW = "2026-06-01 10:00 +0200"  # a Monday


@time_machine.travel(NOW, tick=False)
async def test_an_impossible_moment_in_a_date_and_time_field_is_refused_beside_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    page = f"/episodes/{episode_id}?section=sessions"
    refused = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/appointments",
        {"kind": "treatment_session", "starts_at": "2027-02-29T10:00"},
    )
    assert refused.status_code == 400  # it answered 500
    assert "Vul een geldige datum en tijd in." in refused.text
    assert 'value="2027-02-29T10:00"' in refused.text  # kept as typed


@time_machine.travel(NOW, tick=False)
async def test_nan_hours_are_refused_as_not_a_number_in_the_json_doors(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    advice = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/capacity-advice",
        {"given_on": "2026-05-20", "hours_per_day": "NaN"},
    )
    assert advice.status_code == 400, advice.text  # it answered 500
    assert "hours_per_day" in advice.text
    contract = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/contract-hours",
        {"valid_from": "2026-05-01", "hours": "32", "days_per_week": "NaN"},
    )
    assert contract.status_code == 400, contract.text
    assert "days_per_week" in contract.text


@time_machine.travel(NOW, tick=False)
async def test_a_decimal_comma_is_read_in_the_hours_fields_of_a_form(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    saved = await post_page_form(
        client,
        f"/episodes/{episode_id}?section=work",
        f"/episodes/{episode_id}/contract-hours",
        {"valid_from": "2026-05-01", "hours": "30,5", "days_per_week": "4,5"},
    )
    assert saved.status_code == 303, saved.text[:800]  # it said "Deze waarde past niet."
    shown = (await client.get(f"/episodes/{episode_id}?section=work", headers=HTML)).text
    assert "30,5" in shown


@time_machine.travel(NOW, tick=False)
async def test_a_session_budget_or_a_briefing_day_that_cannot_be_is_refused_beside_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    page = f"/episodes/{episode_id}?section=plan"
    huge = await post_page_form(
        client, page, f"/episodes/{episode_id}/plan", {"sessions_authorised": "1000000000"}
    )
    assert huge.status_code == 400
    assert 'id="plan_sessions_authorised-problem"' in huge.text
    overflow = await post_page_form(
        client, page, f"/episodes/{episode_id}/plan", {"sessions_authorised": "9" * 20}
    )
    assert overflow.status_code == 400  # it answered 404 "Niet gevonden"
    ahead = await post_page_form(
        client, page, f"/episodes/{episode_id}/plan", {"briefing_sent_on": "2026-06-05"}
    )
    assert ahead.status_code == 400
    assert "de datum kan niet na vandaag liggen" in ahead.text
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.sessions_authorised, TreatmentEpisode.briefing_sent_on
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None and row["sessions_authorised"] != 1000000000
    assert row["briefing_sent_on"] is None or row["briefing_sent_on"].isoformat() < "2026-06-02"


@time_machine.travel(NOW, tick=False)
async def test_an_employer_setting_far_out_of_range_is_refused_and_the_caseload_still_opens(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await _compleet_in_treatment(client, cast, "atwork_basic")
    employer = await Employer.select(Employer.id, Employer.name).first()
    assert employer is not None
    await login(client, cast.administrator.email)
    page = "/admin/employers"
    refused = await post_page_form(
        client,
        page,
        f"/admin/employers/{employer['id']}",
        {
            "name": str(employer["name"]),
            "default_offer": "atwork_basic",
            "cost_per_absence_day": "250,00",
            "report_every": "5",
            "employer_update_every_days": "1000000000",
            "min_cell_size": "5",
            "screening_day_unit": "calendar",
        },
    )
    assert refused.status_code == 400
    assert "tussen 1 en 365" in refused.text
    stored = await Employer.select(Employer.employer_update_every_days).first()
    assert stored is not None and stored["employer_update_every_days"] != 1000000000
    await login(client, cast.therapist.email)
    assert (await client.get("/caseload", headers=HTML)).status_code == 200


@time_machine.travel(NOW, tick=False)
async def test_a_screening_dated_after_today_is_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    from tests.story import refer, setup_parties

    episode_id = await refer(client, cast, await setup_parties(client, cast))
    response = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/screening",
        {
            "held_on": "2026-06-04",
            "suitable": True,
            "diagnosis_category": "depressie",
            "proposal": "atwork_basic",
        },
    )
    assert response.status_code == 400, response.text
    assert "held_on" in response.text
    assert datetime.now(UTC).date().isoformat() == "2026-06-01"
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/screening",
            {
                "held_on": "2026-06-01",
                "suitable": True,
                "diagnosis_category": "depressie",
                "proposal": "atwork_basic",
            },
        ),
        201,
    )


@time_machine.travel(NOW, tick=False)
async def test_dates_of_1900_or_2099_are_refused_where_they_were_taken(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    path = f"/api/episodes/{episode_id}"
    refusals = {
        "advice": {"author_role": "therapist", "given_on": "2099-12-31", "content": "Opbouwen"},
        "consents": {
            "recipient": "employer",
            "purpose": "process_updates",
            "given_at": "2099-12-31T09:00:00+01:00",
        },
        "questionnaires": {
            "instrument": "PHQ-9",
            "moment": "interim",
            "administered_on": "1900-01-01",
            "answers": {f"phq9_{i}": 1 for i in range(1, 10)},
        },
        "leave": {"kind": "care", "starts_on": "1900-01-01"},
    }
    dated = {
        "advice": "given_on",
        "consents": "given_at",
        "questionnaires": "administered_on",
        "leave": "starts_on",
    }
    for door, body in refusals.items():
        response = await api(client, "POST", f"{path}/{door}", body)
        assert response.status_code == 400, (door, response.text)
        assert set(response.json()["fields"]) == {dated[door]}, (door, response.text)
    fine = await api(
        client,
        "POST",
        f"{path}/advice",
        {"author_role": "therapist", "given_on": "2026-05-20", "content": "Opbouwen"},
    )
    assert fine.status_code == 201, fine.text


@time_machine.travel(NOW, tick=False)
async def test_the_practices_own_dates_of_1900_or_2099_are_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await _compleet_in_treatment(client, cast, "atwork_basic")  # the therapist logged in
    absence = await api(
        client,
        "POST",
        "/api/absences",
        {
            "starts_at": "2026-06-08T09:00:00+02:00",
            "ends_at": "2099-12-31T17:00:00+01:00",
            "reason": "leave",
        },
    )
    assert absence.status_code == 400, absence.text
    assert set(absence.json()["fields"]) == {"ends_at"}
    await login(client, cast.practice_manager.email)
    closing = await api(client, "POST", "/api/closing-days", {"day": "1900-01-01"})
    assert closing.status_code == 400, closing.text
    fine = await api(client, "POST", "/api/closing-days", {"day": "2026-12-24"})
    assert fine.status_code == 200, fine.text
