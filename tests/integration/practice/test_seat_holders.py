"""Who may take a seat on a case team, and whose contact an account may be (issue 14, item 2).

A seat is access: the manager seat lists the employee in that person's employer portal. So a
handover (or a referral) gives a seat only to an active account of the seat's kind, and a
manager or HR seat only to a contact of the episode's own employer; an account is the
contact of one employer only. The rule itself is tabled in tests/unit/practice/test_case_team.py.
"""

import io
import sqlite3
from typing import Any

import asyncpg
import httpx
import pytest
import time_machine
from openpyxl import load_workbook

from practice.accounts import Role
from practice.tables import (
    CaseAssignment,
    EmployerContact,
    Therapist,
    TherapistAffiliation,
    User,
)
from tests.cast import Cast, Member, make_user
from tests.story import ok, refer, setup_parties
from tests.web import api, login

NOW = "2026-04-22 10:00 +0200"  # two days after the story's referral
JSON = {"accept": "application/json"}


async def referred_with_employer_consent(client: httpx.AsyncClient, cast: Cast) -> dict[str, int]:
    """The story's referral, with the client's consent to process updates for the employer,
    so a manager seat really shows the employee (and a wrong one would leak)."""
    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-04-20T10:00:00+02:00",
            },
        ),
        201,
    )
    return {**parties, "episode": episode_id}


async def contact_of(client: httpx.AsyncClient, cast: Cast, employer_id: int, email: str) -> Member:
    """A new employer-contact account, linked to `employer_id` by the administrator."""
    member = await make_user(Role.EMPLOYER_CONTACT, email)
    await login(client, cast.administrator.email)
    await ok(
        await api(
            client,
            "POST",
            f"/api/employers/{employer_id}/contacts",
            {"name": "M. Anders", "email": email, "contact_role": "manager", "user_id": member.id},
        ),
        201,
    )
    return member


async def other_employer(client: httpx.AsyncClient, cast: Cast) -> int:
    await login(client, cast.administrator.email)
    created = await ok(await api(client, "POST", "/api/employers", {"name": "Bouw BV"}), 201)
    return int(created["id"])


async def hand_over(
    client: httpx.AsyncClient, cast: Cast, episode_id: int, role: str, leaving: int, successor: int
) -> httpx.Response:
    await login(client, cast.therapist.email)
    return await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/handovers",
        {
            "role": role,
            "leaving_user_id": leaving,
            "successor_user_id": successor,
            "on": "2026-04-22",
        },
    )


async def employees_seen_by(client: httpx.AsyncClient, member: Member) -> list[Any]:
    await login(client, member.email)
    employees: list[Any] = await ok(await client.get("/api/employer/employees", headers=JSON))
    return employees


async def workbook_names_seen_by(client: httpx.AsyncClient, member: Member) -> list[Any]:
    """The employees in the contact's workbook download, by name (its first column)."""
    await login(client, member.email)
    response = await client.get("/employer/employees.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]


async def seats_of(user_id: int) -> list[dict[str, Any]]:
    return await CaseAssignment.select().where(CaseAssignment.user == user_id)


def refusal(response: httpx.Response, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert words in body["detail"], body
    return body


@time_machine.travel(NOW, tick=False)
async def test_a_manager_seat_handed_to_another_companys_contact_is_refused_and_shows_nothing(
    client, cast: Cast
) -> None:
    case = await referred_with_employer_consent(client, cast)
    assert [v["episode_id"] for v in await employees_seen_by(client, cast.employer_contact)] == [
        case["episode"]
    ]
    stranger = await contact_of(
        client, cast, await other_employer(client, cast), "manager@bouw.test"
    )

    response = await hand_over(
        client, cast, case["episode"], "manager", cast.employer_contact.id, stranger.id
    )

    body = refusal(response, 400, "must go to a contact of this episode's employer")
    assert "another employer" in body["fields"]["successor_user_id"]
    assert await seats_of(stranger.id) == []
    assert await employees_seen_by(client, stranger) == []
    # nothing half-done: the manager keeps the seat and still sees the employee
    assert len(await employees_seen_by(client, cast.employer_contact)) == 1


@time_machine.travel(NOW, tick=False)
async def test_a_manager_seat_goes_to_another_contact_of_the_same_employer(
    client, cast: Cast
) -> None:
    case = await referred_with_employer_consent(client, cast)
    colleague = await contact_of(client, cast, case["employer"], "hr@zorg.test")

    response = await hand_over(
        client, cast, case["episode"], "manager", cast.employer_contact.id, colleague.id
    )

    assert response.status_code == 201, response.text
    assert [v["episode_id"] for v in await employees_seen_by(client, colleague)] == [
        case["episode"]
    ]
    assert await employees_seen_by(client, cast.employer_contact) == []
    # The workbook follows the seat as the list does.
    assert len(await workbook_names_seen_by(client, colleague)) == 1
    assert await workbook_names_seen_by(client, cast.employer_contact) == []


@time_machine.travel(NOW, tick=False)
async def test_a_company_doctor_seat_handed_to_an_employer_contact_is_refused(
    client, cast: Cast
) -> None:
    case = await referred_with_employer_consent(client, cast)

    response = await hand_over(
        client,
        cast,
        case["episode"],
        "company_doctor",
        cast.company_doctor.id,
        cast.employer_contact.id,
    )

    refusal(response, 400, "the company doctor seat must go to a company doctor")
    assert {s["team_role"] for s in await seats_of(cast.employer_contact.id)} == {"manager"}


@time_machine.travel(NOW, tick=False)
async def test_a_company_doctor_seat_goes_to_another_company_doctor(client, cast: Cast) -> None:
    case = await referred_with_employer_consent(client, cast)
    doctor = await make_user(Role.COMPANY_DOCTOR, "tweede-arts@cast.test")

    response = await hand_over(
        client, cast, case["episode"], "company_doctor", cast.company_doctor.id, doctor.id
    )

    assert response.status_code == 201, response.text
    assert [s["team_role"] for s in await seats_of(doctor.id)] == ["company_doctor"]


@time_machine.travel(NOW, tick=False)
async def test_a_therapist_seat_handed_to_a_non_therapist_is_refused(client, cast: Cast) -> None:
    case = await referred_with_employer_consent(client, cast)

    for member in (cast.practice_manager, cast.employer_contact, cast.company_doctor):
        response = await hand_over(
            client, cast, case["episode"], "therapist", cast.therapist.id, member.id
        )
        refusal(response, 400, "the therapist seat must go to a therapist")
        assert "therapist" not in {s["team_role"] for s in await seats_of(member.id)}


@time_machine.travel(NOW, tick=False)
async def test_a_therapist_seat_is_not_handed_to_a_therapist_of_the_clients_employer(
    client, cast: Cast
) -> None:
    case = await referred_with_employer_consent(client, cast)
    colleague = await make_user(Role.THERAPIST, "in-dienst@cast.test")
    rows = await Therapist.insert(Therapist(user=colleague.id)).returning(Therapist.id)
    await TherapistAffiliation.insert(
        TherapistAffiliation(therapist=rows[0]["id"], employer=case["employer"])
    )

    response = await hand_over(
        client, cast, case["episode"], "therapist", cast.therapist.id, colleague.id
    )

    refusal(response, 400, "conflict of interest")
    assert await seats_of(colleague.id) == []


@time_machine.travel(NOW, tick=False)
async def test_a_deactivated_account_takes_no_seat(client, cast: Cast) -> None:
    case = await referred_with_employer_consent(client, cast)
    leaver = await make_user(Role.THERAPIST, "vertrokken@cast.test")
    await User.update({User.active: False}).where(User.id == leaver.id)

    response = await hand_over(
        client, cast, case["episode"], "therapist", cast.therapist.id, leaver.id
    )

    refusal(response, 400, "must go to an active account")
    assert await seats_of(leaver.id) == []


@time_machine.travel(NOW, tick=False)
async def test_a_handover_to_an_account_that_does_not_exist_is_a_400(client, cast: Cast) -> None:
    case = await referred_with_employer_consent(client, cast)

    response = await hand_over(
        client, cast, case["episode"], "therapist", cast.therapist.id, 999999
    )

    assert refusal(response, 400, "no such account")["fields"] == {
        "successor_user_id": "no such account"
    }


@time_machine.travel(NOW, tick=False)
async def test_a_referral_does_not_seat_a_deactivated_manager(client, cast: Cast) -> None:
    parties = await setup_parties(client, cast)
    await User.update({User.active: False}).where(User.id == cast.employer_contact.id)

    await login(client, cast.therapist.email)
    created = await ok(
        await api(
            client,
            "POST",
            "/api/clients",
            {
                "name": "Bert Bos",
                "employer_id": parties["employer"],
                "contract_hours": "36",
                "contract_from": "2020-01-01",
            },
        ),
        201,
    )
    response = await api(
        client,
        "POST",
        "/api/referrals",
        {
            "client_id": created["client_id"],
            "received_at": "2026-04-20T09:00:00+02:00",
            "referrer_type": "employer",
            "requested_offer": "atwork_basic",
            "absence_status": "not_absent",
            "manager_id": parties["contact"],
        },
    )

    assert refusal(response, 400, "must go to an active account")["fields"].keys() == {"manager_id"}
    assert await seats_of(cast.employer_contact.id) == []


async def test_an_account_that_is_another_employers_contact_is_refused_as_a_contact(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    second = await other_employer(client, cast)

    response = await api(
        client,
        "POST",
        f"/api/employers/{second}/contacts",
        {
            "name": "L. Leiding",
            "email": "l@bouw.nl",
            "contact_role": "manager",
            "user_id": cast.employer_contact.id,
        },
    )

    refusal(response, 409, "already a contact of another employer")
    contacts = await EmployerContact.select(EmployerContact.employer).where(
        EmployerContact.user == cast.employer_contact.id
    )
    assert contacts == [{"employer": parties["employer"]}]


async def test_the_same_account_added_twice_to_one_employer_is_refused(client, cast: Cast) -> None:
    parties = await setup_parties(client, cast)

    response = await api(
        client,
        "POST",
        f"/api/employers/{parties['employer']}/contacts",
        {
            "name": "L. Leiding (HR)",
            "email": "l@zorg.nl",
            "contact_role": "hr_adviser",
            "user_id": cast.employer_contact.id,
        },
    )

    refusal(response, 409, "already a contact of this employer")
    assert (
        await EmployerContact.count().where(EmployerContact.user == cast.employer_contact.id) == 1
    )


async def test_contacts_without_an_account_are_allowed_in_any_number(client, cast: Cast) -> None:
    parties = await setup_parties(client, cast)
    for name in ("A. Een", "B. Twee"):
        await ok(
            await api(
                client,
                "POST",
                f"/api/employers/{parties['employer']}/contacts",
                {"name": name, "email": "hr@zorg.nl", "contact_role": "hr_adviser"},
            ),
            201,
        )
    assert await EmployerContact.count().where(EmployerContact.user.is_null()) == 2


async def test_the_database_refuses_one_account_as_contact_of_two_employers(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    second = await other_employer(client, cast)
    # Straight to the table, past the service's check: the unique index is the last line.
    with pytest.raises((asyncpg.exceptions.UniqueViolationError, sqlite3.IntegrityError)):
        await EmployerContact.insert(
            EmployerContact(
                employer=second,
                user=cast.employer_contact.id,
                name="L. Leiding",
                email="l@bouw.nl",
                contact_role="manager",
            )
        )
    assert parties["employer"] != second
