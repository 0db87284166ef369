"""Regression (issue 16): hours worked dated before the contract hours start broke the client
page for good.

A client registered today gets contract hours valid from today (the referral form's default).
Hours recorded "at the start" dated yesterday (after the referral, received last week) have no
contract to be a percentage of; the page
answered 500 on every later visit (``format_number`` on ``contract_hours: None``). The page now
shows "–" and why there is no percentage.
"""

import re

import httpx
import time_machine

from tests.cast import Cast
from tests.story import setup_parties
from tests.web import csrf_token, login

TODAY = "2026-06-15"
YESTERDAY = "2026-06-14"
# The referral came in last week: hours dated yesterday are after the referral (the
# timeline check allows them) but before the contract hours registered today start.
RECEIVED = "2026-06-08"
HTML = {"accept": "text/html"}


async def post_page_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """The browser's way: the token from the page the form is on, a URL-encoded body."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token}, headers=HTML)


def default_of(form: str, field: str) -> str:
    match = re.search(rf'name="{field}"[^>]*value="([^"]*)"', form) or re.search(
        rf'value="([^"]*)"[^>]*name="{field}"', form
    )
    assert match, f"no default for {field}"
    return match.group(1)


async def registered_today(client: httpx.AsyncClient, cast: Cast) -> int:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    form = (await client.get("/referrals/new", headers=HTML)).text
    contract_from = default_of(form, "contract_from")
    assert contract_from == TODAY  # the default the therapist leaves as it is
    response = await post_page_form(
        client,
        "/referrals/new",
        "/referrals",
        {
            "name": "Anna Vandaag",
            "employer_id": str(parties["employer"]),
            "contract_hours": "32",
            "contract_from": contract_from,
            "date_of_birth": "",
            "email": "",
            "received_at": f"{RECEIVED}T09:00",
            "referrer_type": "company_doctor",
            "referrer_name": "",
            "company_doctor_id": str(parties["doctor"]),
            "manager_id": str(parties["contact"]),
            "requested_offer": "atwork_basic",
            "absence_status": "sickness",
            "first_sick_day": "2026-05-01",
            "consent_at_referral": "true",
        },
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/episodes/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


@time_machine.travel(f"{TODAY} 10:00 +0200", tick=False)
async def test_hours_dated_before_the_contract_start_keep_the_client_page_open_with_a_reason(
    client, cast: Cast
) -> None:
    episode_id = await registered_today(client, cast)
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client,
        page,
        f"{page}/work-participation",
        {
            "measured_on": YESTERDAY,
            "own_work_hours": "8",
            "adapted_work_hours": "0",
            "moment": "begin",
        },
    )
    assert response.status_code == 303, response.text[:800]
    for _visit in range(2):  # "forever": not only the first visit after the post
        summary = await client.get(page, headers=HTML)
        assert summary.status_code == 200, summary.text[:800]
        work = await client.get(f"{page}?section=work", headers=HTML)
        assert work.status_code == 200, work.text[:800]
        assert "geen contracturen op deze datum" in work.text
    chart = await client.get(f"/api/episodes/{episode_id}/outcome-chart")
    assert chart.status_code == 200
