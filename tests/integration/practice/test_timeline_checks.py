"""Dates checked against the episode's own timeline, through the JSON doors and the forms:
a 400 naming the field, in the user's language on a page, and nothing written."""

import httpx
import time_machine

from practice.accounts import Role
from tests.cast import Cast
from tests.story import ok, refer, setup_parties
from tests.web import api, csrf_token, login

# The story's referral arrives on 2026-04-20; today is two weeks later.
TODAY = "2026-05-04 10:00 +0200"
HTML = {"accept": "text/html"}


async def _episode(client: httpx.AsyncClient, cast: Cast) -> int:
    return await refer(client, cast, await setup_parties(client, cast))


def _problem(response: httpx.Response, field: str) -> str:
    assert response.status_code == 400, response.text
    problem: str = response.json()["fields"][field]
    return problem


@time_machine.travel(TODAY, tick=False)
async def test_a_screening_planned_in_1990_or_2090_is_refused_and_not_stored(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    path = f"/api/episodes/{episode}/screening-plan"
    before = await api(client, "POST", path, {"planned_on": "1990-05-06"})
    assert _problem(before, "planned_on") == (
        "The screening cannot be before the referral (2026-04-20)."
    )
    ahead = await api(client, "POST", path, {"planned_on": "2090-05-06"})
    assert _problem(ahead, "planned_on").startswith("This date is too far in the future")
    detail = await ok(await api(client, "GET", f"/api/episodes/{episode}"))
    assert detail["status"] == "referred"
    await ok(await api(client, "POST", path, {"planned_on": "2026-05-06"}))


@time_machine.travel(TODAY, tick=False)
async def test_a_screening_held_before_the_referral_is_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    screening = {
        "held_on": "2026-04-19",
        "suitable": True,
        "diagnosis_category": "depressie",
        "proposal": "atwork_basic",
    }
    response = await api(client, "POST", f"/api/episodes/{episode}/screening", screening)
    assert "held_on" in _problem_fields(response)


def _problem_fields(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    fields: dict[str, str] = response.json()["fields"]
    return fields


@time_machine.travel(TODAY, tick=False)
async def test_no_session_before_the_referral_and_none_at_three_in_the_night(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    path = f"/api/episodes/{episode}/appointments"
    session = {"kind": "treatment_session", "duration_minutes": 45}
    before = await api(client, "POST", path, {**session, "starts_at": "2026-04-14T10:00:00+02:00"})
    assert _problem(before, "starts_at") == (
        "A session cannot be before the referral (2026-04-20)."
    )
    night = await api(client, "POST", path, {**session, "starts_at": "2026-05-06T03:00:00+02:00"})
    assert _problem(night, "starts_at") == "A session takes place between 07:00 and 22:00."
    series = await api(
        client,
        "POST",
        f"/api/episodes/{episode}/appointment-series",
        {**session, "first_starts_at": "2026-05-06T03:00:00+02:00", "count": 3},
    )
    assert "starts_at" in _problem_fields(series)
    await ok(
        await api(client, "POST", path, {**session, "starts_at": "2026-05-06T10:00:00+02:00"}), 201
    )


@time_machine.travel(TODAY, tick=False)
async def test_hours_worked_far_over_the_contract_or_before_the_referral_are_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)  # a contract of 32 hours a week
    path = f"/api/episodes/{episode}/work-participation"
    over = await api(client, "POST", path, {"measured_on": "2026-05-01", "own_work_hours": "60"})
    assert _problem(over, "own_work_hours") == (
        "Own and adapted work together are more than 1.5 times the contract hours (32 a week)."
    )
    early = await api(client, "POST", path, {"measured_on": "2026-04-01", "own_work_hours": "8"})
    assert "measured_on" in _problem_fields(early)
    contract = await api(
        client,
        "POST",
        f"/api/episodes/{episode}/contract-hours",
        {"valid_from": "2026-05-01", "hours": "90"},
    )
    assert "hours" in _problem_fields(contract)
    await ok(
        await api(client, "POST", path, {"measured_on": "2026-05-01", "own_work_hours": "12"}), 201
    )


@time_machine.travel(TODAY, tick=False)
async def test_an_agreement_before_the_referral_is_refused(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    response = await api(
        client,
        "POST",
        f"/api/episodes/{episode}/agreements",
        {"agreed_on": "2026-03-01", "description": "Two mornings a week"},
    )
    assert "agreed_on" in _problem_fields(response)


@time_machine.travel(TODAY, tick=False)
async def test_a_client_born_in_2030_is_refused(client: httpx.AsyncClient, cast: Cast) -> None:
    parties = await setup_parties(client, cast)
    from tests.web import login

    await login(client, cast.therapist.email)
    response = await api(
        client,
        "POST",
        "/api/clients",
        {
            "name": "Bram Toekomst",
            "employer_id": parties["employer"],
            "contract_hours": "32",
            "contract_from": "2026-01-01",
            "date_of_birth": "2030-01-01",
        },
    )
    assert _problem(response, "date_of_birth") == "A birth date cannot be in the future."


@time_machine.travel(TODAY, tick=False)
async def test_treatment_cannot_start_before_the_screening(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    screening = {
        "held_on": "2026-04-28",
        "suitable": True,
        "diagnosis_category": "depressie",
        "proposal": "atwork_basic",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode}/screening", screening), 201)
    early = await api(
        client,
        "POST",
        f"/api/episodes/{episode}/transitions",
        {"to_status": "in_treatment", "on": "2026-04-27"},
    )
    assert _problem(early, "on") == "Treatment cannot start before the screening (2026-04-28)."


@time_machine.travel(TODAY, tick=False)
async def test_the_screening_form_refuses_1990_in_dutch_and_keeps_nothing(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode = await _episode(client, cast)
    page = f"/episodes/{episode}"
    token = await csrf_token(client, page)
    response = await client.post(
        f"{page}/screening-plan",
        data={"planned_on": "1990-05-06", "_csrf_token": token},
        headers=HTML,
    )
    assert response.status_code == 400
    assert "De screening kan niet vóór de aanmelding liggen (20 apr 2026)." in response.text
    detail = await ok(await api(client, "GET", f"/api/episodes/{episode}"))
    assert detail["status"] == "referred"


@time_machine.travel(TODAY, tick=False)
async def test_the_error_page_names_the_field_by_its_dutch_label(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    """A refusal that no form of a page shows again gets the error page: the field by its
    label and the problem in Dutch, never the raw field name. (The forms a person fills in
    come back themselves, the problem next to the field: the client page, the appointment
    page and the calendar in tests/integration/scheduling/test_booking_form.py and
    test_calendar_pages.py, an account's registration in test_report_pages.py.) Here an
    employer's activation switch sent with a value no browser sends."""
    parties = await setup_parties(client, cast)
    await login(client, cast.by_role(Role.ADMINISTRATOR).email)
    token = await csrf_token(client, "/admin/employers")
    response = await client.post(
        f"/admin/employers/{parties['employer']}/activation",
        data={"active": "misschien", "_csrf_token": token},
        headers=HTML,
    )
    assert response.status_code == 400
    main = response.text.split("<main")[1]
    assert "active" not in main
    assert "Kies ja of nee." in main
    assert "<strong>actief</strong>" in response.text
