"""The administrator's last forms: an employer's departments and the therapists behind the
therapist accounts, each written from a page and shown back on it (issue #16)."""

import httpx

from practice.accounts import Role
from practice.tables import Department, Employer, Therapist, TherapistAffiliation
from tests.cast import Cast, make_user
from tests.integration.practice.test_portal_forms import HTML, post_page_form
from tests.web import login


async def _employer(name: str) -> int:
    rows = await Employer.insert(Employer(name=name)).returning(Employer.id)
    return int(rows[0]["id"])


async def _admin(client: httpx.AsyncClient, cast: Cast) -> None:
    await login(client, cast.administrator.email)


async def test_a_department_is_added_to_an_employer_and_listed_under_it(client, cast: Cast) -> None:
    employer_id = await _employer("Bouwbedrijf Noord")
    other_id = await _employer("Zorg & Co")
    await _admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/employers",
        f"/admin/employers/{employer_id}/departments",
        {"name": "Planning"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/employers#employer-{employer_id}"
    departments = await Department.select(Department.employer, Department.name)
    assert departments == [{"employer": employer_id, "name": "Planning"}]
    page = (await client.get("/admin/employers", headers=HTML)).text
    listed = page.split(f'data-testid="departments-{employer_id}"', 1)[1].split("</ul>", 1)[0]
    assert "<li>Planning</li>" in listed
    assert f'data-testid="departments-{other_id}"' not in page  # none there yet
    assert "Nog geen afdelingen." in page


async def test_an_empty_department_name_is_refused_next_to_its_field_on_the_employers_page(
    client, cast: Cast
) -> None:
    employer_id = await _employer("Bouwbedrijf Noord")
    await _admin(client, cast)
    response = await post_page_form(
        client,
        "/admin/employers",
        f"/admin/employers/{employer_id}/departments",
        {"name": "   "},
    )
    assert response.status_code == 400
    assert "Niet opgeslagen." in response.text
    assert f'id="department-name-{employer_id}-problem"' in response.text
    assert await Department.count() == 0


async def test_a_therapist_account_is_registered_with_capacity_backup_and_employer_ties(
    client, cast: Cast
) -> None:
    employer_id = await _employer("Zorg & Co")
    colleague = await make_user(Role.THERAPIST, "collega@cast.test")
    await _admin(client, cast)
    page = (await client.get("/admin/therapists", headers=HTML)).text
    assert f'<option value="{cast.therapist.id}"' in page
    first = await post_page_form(
        client,
        "/admin/therapists",
        "/admin/therapists",
        {"user_id": str(colleague.id), "qualifications": "EMDR", "capacity": "12"},
    )
    assert first.status_code == 303
    backup = await Therapist.select(Therapist.id).where(Therapist.user == colleague.id).first()
    assert backup is not None
    response = await post_page_form(
        client,
        "/admin/therapists",
        "/admin/therapists",
        {
            "user_id": str(cast.therapist.id),
            "qualifications": "CGT",
            "capacity": "20",
            "backup_therapist_id": str(backup["id"]),
            "employer_affiliations": str(employer_id),
        },
    )
    assert response.status_code == 303
    row = await Therapist.select().where(Therapist.user == cast.therapist.id).first()
    assert row is not None
    assert (row["qualifications"], row["capacity"], row["backup"]) == ("CGT", 20, backup["id"])
    ties = await TherapistAffiliation.select(TherapistAffiliation.employer).where(
        TherapistAffiliation.therapist == row["id"]
    )
    assert ties == [{"employer": employer_id}]
    page = (await client.get("/admin/therapists", headers=HTML)).text
    table = page.split('data-testid="therapists"', 1)[1].split("</table>", 1)[0]
    assert "<td>CGT</td><td>20</td><td>Test therapist</td><td>Zorg &amp; Co</td>" in table
    assert "<td>EMDR</td><td>12</td>" in table
    # both accounts registered: nothing left to choose
    assert "Elk behandelaarsaccount is geregistreerd." in page


async def test_registering_a_therapist_twice_is_refused_with_the_ticked_employers_kept(
    client, cast: Cast
) -> None:
    employer_id = await _employer("Zorg & Co")
    await _admin(client, cast)
    form = {"user_id": str(cast.therapist.id), "capacity": "25"}
    first = await post_page_form(client, "/admin/therapists", "/admin/therapists", form)
    assert first.status_code == 303
    response = await post_page_form(
        client,
        "/admin/therapists",
        "/admin/therapists",
        {**form, "capacity": "-1", "employer_affiliations": str(employer_id)},
    )
    assert response.status_code == 400
    assert 'id="capacity-problem"' in response.text
    ticked = f'name="employer_affiliations" value="{employer_id}" checked'
    assert ticked in response.text
    assert await Therapist.count() == 1
    again = await post_page_form(client, "/admin/therapists", "/admin/therapists", form)
    assert again.status_code == 409
    assert "Dit account is al als behandelaar geregistreerd." in again.text
