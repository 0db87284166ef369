"""The administrator's pages: employers and their contract settings, company doctors, handovers."""

import httpx
import time_machine

from practice.accounts import Role
from practice.tables import CaseAssignment, CompanyDoctor, Employer, EmployerContact
from tests.cast import Cast, make_user
from tests.integration.practice.test_portal_forms import HTML, post_page_form, referred
from tests.web import login

NOW = "2026-06-15 10:00 +0200"


async def admin(client: httpx.AsyncClient, cast: Cast) -> None:
    await login(client, cast.administrator.email)


async def test_an_employer_is_registered_with_its_contract_settings_and_a_contact(
    client, cast: Cast
) -> None:
    await admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/employers",
        "/admin/employers",
        {
            "name": "Bouwbedrijf Noord",
            "default_offer": "atwork_compleet",
            "report_every": "4",
            "employer_update_every_days": "",
            "cost_per_absence_day": "€ 300,50",
            "min_cell_size": "5",
            "screening_day_unit": "working",
        },
    )
    assert response.status_code == 303
    employer = await Employer.select().where(Employer.name == "Bouwbedrijf Noord").first()
    assert employer is not None
    assert (employer["report_every"], employer["employer_update_every_days"]) == (4, None)
    assert employer["cost_per_absence_day_cents"] == 30050
    response = await post_page_form(
        client,
        "/admin/employers",
        f"/admin/employers/{employer['id']}/contacts",
        {"name": "Henk HR", "email": "henk@noord.nl", "contact_role": "hr_adviser"},
    )
    assert response.status_code == 303
    assert await EmployerContact.count() == 1
    page = await client.get("/admin/employers", headers=HTML)
    assert "Bouwbedrijf Noord" in page.text and "Henk HR" in page.text
    assert "na elke" in page.text and "4 gehouden sessies" in page.text
    assert "€ 300,50" in page.text


async def test_an_employer_form_with_a_bad_cadence_names_the_field_and_writes_nothing(
    client, cast: Cast
) -> None:
    await admin(client, cast)
    response = await post_page_form(
        client, "/admin/employers", "/admin/employers", {"name": "X", "report_every": "often"}
    )
    assert response.status_code == 400
    # the problem in Dutch next to its field, what was typed kept
    assert 'id="report_every-problem"' in response.text
    assert "Vul een geheel getal in." in response.text and 'value="often"' in response.text
    assert await Employer.count() == 0


async def test_a_company_doctor_is_registered_from_the_admin_page(client, cast: Cast) -> None:
    await admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/company-doctors",
        "/admin/company-doctors",
        {"name": "Dr. Vos", "email": "vos@arbo.nl", "organisation": "Arbo Zuid"},
    )
    assert response.status_code == 303
    assert await CompanyDoctor.count() == 1
    assert "Dr. Vos" in (await client.get("/admin/company-doctors", headers=HTML)).text


@time_machine.travel(NOW, tick=False)
async def test_a_case_is_handed_to_another_therapist_who_then_sees_it(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await admin(client, cast)
    page = await client.get("/admin/handovers", headers=HTML)
    assert "Anna Formulier" in page.text
    response = await post_page_form(
        client,
        "/admin/handovers",
        "/admin/handovers",
        {
            "episode_id": str(episode_id),
            "leaving_user_id": str(cast.therapist.id),
            "successor_user_id": str(successor.id),
            "on": "2026-06-15",
            "note": "",
        },
    )
    assert response.status_code == 303, response.text[:500]
    current = await CaseAssignment.select().where(
        (CaseAssignment.episode == episode_id) & CaseAssignment.valid_to.is_null()
    )
    assert [c["user"] for c in current if c["team_role"] == "therapist"] == [successor.id]
    await login(client, successor.email)
    assert (await client.get(f"/episodes/{episode_id}", headers=HTML)).status_code == 200


@time_machine.travel(NOW, tick=False)
async def test_the_handover_form_refuses_a_successor_who_is_no_therapist_with_a_400_page(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/handovers",
        "/admin/handovers",
        {
            "episode_id": str(episode_id),
            "leaving_user_id": str(cast.therapist.id),
            "successor_user_id": str(cast.employer_contact.id),
            "on": "2026-06-15",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    row = response.text.split(f'id="case-{episode_id}"', 1)[1].split("</tr>", 1)[0]
    assert "de plek van behandelaar moet naar een behandelaar" in row
    assert await CaseAssignment.count().where(CaseAssignment.user == cast.employer_contact.id) == 1


async def test_the_contact_form_refuses_an_account_of_another_employer_with_a_409_page(
    client, cast: Cast
) -> None:
    await admin(client, cast)
    first, second = [
        (await Employer.insert(Employer(name=name)).returning(Employer.id))[0]["id"]
        for name in ("Zorg & Co", "Bouw BV")
    ]
    await EmployerContact.insert(
        EmployerContact(
            employer=first,
            user=cast.employer_contact.id,
            name="L. Leiding",
            email="l@zorg.nl",
            contact_role="manager",
        )
    )
    response = await post_page_form(
        client,
        "/admin/employers",
        f"/admin/employers/{second}/contacts",
        {
            "name": "L. Leiding",
            "email": "l@bouw.nl",
            "contact_role": "manager",
            "user_id": str(cast.employer_contact.id),
        },
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/html")
    assert "al contactpersoon van een andere werkgever" in response.text
    assert await EmployerContact.count() == 1


async def test_a_refused_company_doctor_comes_back_with_the_problem_beside_the_field(
    client, cast: Cast
) -> None:
    await admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/company-doctors",
        "/admin/company-doctors",
        {"name": "Dr. Vos", "email": "geen adres", "organisation": "Arbo Zuid"},
    )
    assert response.status_code == 400
    assert 'id="email-problem"' in response.text and 'value="Dr. Vos"' in response.text
    assert await CompanyDoctor.count() == 0
