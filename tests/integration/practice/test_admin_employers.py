"""The administrator edits an employer's contract settings, types money in euros, and
deactivates an employer: no new referrals for it, its episodes stay (issue 17)."""

import httpx
import pytest
import time_machine

from practice.tables import Employer, TreatmentEpisode
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referral_form
from tests.story import setup_parties
from tests.web import audit_rows, login

PAGE = "/admin/employers"


async def _employer(name: str = "Zorg & Co", cents: int = 25000) -> int:
    rows = await Employer.insert(Employer(name=name, cost_per_absence_day_cents=cents)).returning(
        Employer.id
    )
    return int(rows[0]["id"])


def _settings(**overrides: str) -> dict[str, str]:
    return {
        "name": "Zorg & Co",
        "default_offer": "atwork_compleet",
        "report_every": "3",
        "employer_update_every_days": "30",
        "cost_per_absence_day": "312,75",
        "min_cell_size": "10",
        "screening_day_unit": "working",
    } | overrides


async def _edit(client: httpx.AsyncClient, employer_id: int, **overrides: str) -> httpx.Response:
    return await post_page_form(client, PAGE, f"{PAGE}/{employer_id}", _settings(**overrides))


async def test_the_contract_settings_of_an_employer_are_changed_and_audited(
    client, cast: Cast
) -> None:
    employer_id = await _employer()
    await login(client, cast.administrator.email)
    page = await client.get(PAGE, headers=HTML)
    assert "€ 250,00" in page.text  # shown the Dutch way
    assert f'id="cost_per_absence_day-{employer_id}"' in page.text and 'value="250,00"' in page.text
    response = await _edit(client, employer_id, name="Zorg & Co Noord")
    assert response.status_code == 303
    row = await Employer.select().where(Employer.id == employer_id).first()
    assert row is not None
    assert (
        row["name"],
        row["default_offer"],
        row["report_every"],
        row["employer_update_every_days"],
        row["cost_per_absence_day_cents"],
        row["min_cell_size"],
        row["screening_day_unit"],
    ) == ("Zorg & Co Noord", "atwork_compleet", 3, 30, 31275, 10, "working")
    rows = await audit_rows(action="update", object_type="employer")
    assert [r["object_id"] for r in rows] == [str(employer_id)]
    client.cookies.set("lang", "en")
    english = await client.get(PAGE, headers=HTML)
    assert "€ 312.75" in english.text


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("twaalf", "Vul een bedrag in euro's in, bijvoorbeeld 125,50."),
        ("1,345", None),  # three digits after the separator: thousands (1.345 euros)
        ("12.345", "Dit bedrag is te groot (hoogstens € 10.000,00)."),  # a day, not a year
        ("12,3456", "Gebruik hoogstens twee decimalen (centen)."),
        ("-5", "Een bedrag kan niet negatief zijn."),
        ("", "Vul dit veld in."),
    ],
)
async def test_an_odd_amount_is_refused_next_to_its_field_with_what_was_typed_kept(
    client, cast: Cast, typed: str, problem: str | None
) -> None:
    employer_id = await _employer()
    await login(client, cast.administrator.email)
    response = await _edit(client, employer_id, cost_per_absence_day=typed, report_every="4")
    if problem is None:
        assert response.status_code == 303
        return
    assert response.status_code == 400
    assert f'id="cost_per_absence_day-{employer_id}-problem"' in response.text
    assert problem in response.text.replace("&#39;", "'")
    assert f'value="{typed}"' in response.text and 'value="4"' in response.text
    row = await Employer.select(Employer.report_every).where(Employer.id == employer_id).first()
    assert row == {"report_every": 5}  # nothing written


async def test_a_second_employer_cannot_take_an_existing_name(client, cast: Cast) -> None:
    await _employer("Bouw BV")
    second = await _employer("Zorg & Co")
    await login(client, cast.administrator.email)
    response = await _edit(client, second, name="Bouw BV")
    assert response.status_code == 409
    assert 'value="Bouw BV"' in response.text
    row = await Employer.select(Employer.name).where(Employer.id == second).first()
    assert row == {"name": "Zorg & Co"}


@time_machine.travel(NOW, tick=False)
async def test_a_deactivated_employer_takes_no_new_referrals_and_its_episodes_stay(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    first = await post_page_form(client, "/referrals/new", "/referrals", referral_form(parties))
    assert first.status_code == 303
    episode_id = int(first.headers["location"].rsplit("/", 1)[1])
    employer_id = parties["employer"]
    await login(client, cast.administrator.email)
    response = await post_page_form(
        client, PAGE, f"{PAGE}/{employer_id}/activation", {"active": "false"}
    )
    assert response.status_code == 303
    page = await client.get(PAGE, headers=HTML)
    assert "nee, gedeactiveerd" in page.text
    await login(client, cast.therapist.email)
    form = await client.get("/referrals/new", headers=HTML)
    employers = form.text.split('id="employer_id"', 1)[1].split("</select>", 1)[0]
    assert "Zorg &amp; Co" not in employers
    refused = await post_page_form(client, "/referrals/new", "/referrals", referral_form(parties))
    assert refused.status_code == 400
    assert "gedeactiveerd" in refused.text
    assert await TreatmentEpisode.count() == 1
    # the running episode is still there for its therapist
    assert (await client.get(f"/episodes/{episode_id}", headers=HTML)).status_code == 200
    await login(client, cast.administrator.email)
    back = await post_page_form(
        client, PAGE, f"{PAGE}/{employer_id}/activation", {"active": "true"}
    )
    assert back.status_code == 303
    row = await Employer.select(Employer.active).where(Employer.id == employer_id).first()
    assert row == {"active": True}
