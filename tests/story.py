"""The shared opening of the story tests: parties registered, a client referred, over HTTP."""

from typing import Any

import httpx

from tests.cast import Cast
from tests.web import api, login


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def setup_parties(client: httpx.AsyncClient, cast: Cast) -> dict[str, int]:
    """The administrator registers the employer, the therapist and the company doctor."""
    await login(client, cast.administrator.email)
    employer = await ok(
        await api(
            client, "POST", "/api/employers", {"name": "Zorg & Co", "default_offer": "atwork_basic"}
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            "/api/therapists",
            {"user_id": cast.therapist.id, "qualifications": "CBT"},
        ),
        201,
    )
    doctor = await ok(
        await api(
            client,
            "POST",
            "/api/company-doctors",
            {
                "name": "B. Arts",
                "email": "arts@arbo.nl",
                "organisation": "Arbo Noord",
                "user_id": cast.company_doctor.id,
            },
        ),
        201,
    )
    contact = await ok(
        await api(
            client,
            "POST",
            f"/api/employers/{employer['id']}/contacts",
            {
                "name": "L. Leiding",
                "email": "l@zorg.nl",
                "contact_role": "manager",
                "user_id": cast.employer_contact.id,
            },
        ),
        201,
    )
    return {"employer": employer["id"], "doctor": doctor["id"], "contact": contact["id"]}


async def refer(
    client: httpx.AsyncClient, cast: Cast, parties: dict[str, int], **overrides: Any
) -> int:
    await login(client, cast.therapist.email)
    created = await ok(
        await api(
            client,
            "POST",
            "/api/clients",
            {
                "name": "Anna Jansen",
                "employer_id": parties["employer"],
                "contract_hours": "32",
                "contract_from": "2020-01-01",
                "date_of_birth": "1985-06-01",
                "email": "anna.jansen@example.org",
            },
        ),
        201,
    )
    referral = {
        "client_id": created["client_id"],
        "received_at": "2026-04-20T09:00:00+02:00",
        "referrer_type": "company_doctor",
        "requested_offer": "atwork_basic",
        "absence_status": "sickness",
        "first_sick_day": "2026-04-01",
        "company_doctor_id": parties["doctor"],
        "manager_id": parties["contact"],
        "consent_at_referral": True,
        **overrides,
    }
    episode = await ok(await api(client, "POST", "/api/referrals", referral), 201)
    return int(episode["episode_id"])


def task(detail: dict[str, Any], key: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [t for t in detail["tasks"] if t["key"] == key]
    assert found, f"no task {key} in {[t['key'] for t in detail['tasks']]}"
    return found[0]
