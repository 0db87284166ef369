"""A seat of the case team handed over from the client page's overview: the team with the
dates of each seat is shown there, each seat still held has its handover form, and the
successors offered are the accounts that may hold that seat (issue #16)."""

import time_machine

from practice.accounts import Role
from practice.tables import CaseAssignment, CompanyDoctor
from tests.cast import Cast, make_user
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referred
from tests.web import login


async def _new_doctor() -> int:
    doctor = await make_user(Role.COMPANY_DOCTOR, "opvolger@arbo.test")
    await CompanyDoctor.insert(
        CompanyDoctor(name="C. Vervanger", email="opvolger@arbo.test", user=doctor.id)
    )
    return doctor.id


@time_machine.travel(NOW, tick=False)
async def test_the_company_doctor_seat_is_handed_to_a_successor_and_the_team_shows_both_dates(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    successor = await _new_doctor()
    page = f"/episodes/{episode_id}"
    overview = (await client.get(page, headers=HTML)).text
    team = overview.split('data-testid="case-team"', 1)[1].split("</table>", 1)[0]
    assert "bedrijfsarts" in team and "Test company_doctor" in team
    # the company doctor seat offers the company doctors with an account, not its holder
    assert f'<option value="{successor}">C. Vervanger</option>' in overview
    response = await post_page_form(
        client,
        page,
        page + "/handovers",
        {
            "role": "company_doctor",
            "leaving_user_id": str(cast.company_doctor.id),
            "successor_user_id": str(successor),
            "on": "2026-06-20",
            "note": "B. Arts met pensioen",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == page
    seats = await CaseAssignment.select(
        CaseAssignment.user, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where((CaseAssignment.episode == episode_id) & (CaseAssignment.team_role == "company_doctor"))
    by_user = {s["user"]: (str(s["valid_from"]), str(s["valid_to"])) for s in seats}
    assert by_user[cast.company_doctor.id][1] == "2026-06-19"
    assert by_user[successor] == ("2026-06-20", "None")
    overview = (await client.get(page, headers=HTML)).text
    team = overview.split('data-testid="case-team"', 1)[1].split("</table>", 1)[0]
    # the leaver through the day before, the successor from the handover day on
    assert (
        "<td>bedrijfsarts</td><td>Test company_doctor</td><td>10 jun 2026</td><td>19 jun 2026</td>"
        in team
    )
    assert "<td>bedrijfsarts</td><td>Test company_doctor</td><td>20 jun 2026</td><td>–</td>" in team


@time_machine.travel(NOW, tick=False)
async def test_a_successor_who_may_not_hold_the_seat_is_refused_next_to_the_field(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client,
        page,
        page + "/handovers",
        {
            "role": "company_doctor",
            "leaving_user_id": str(cast.company_doctor.id),
            "successor_user_id": str(cast.therapist.id),
            "on": "2026-06-20",
            "note": "typed note",
        },
    )
    assert response.status_code == 400
    assert "Niet opgeslagen." in response.text
    assert 'class="field-problem" id="successor_' in response.text
    assert ">typed note</textarea>" in response.text
    assert await CaseAssignment.count().where(CaseAssignment.valid_to.is_not_null()) == 0


@time_machine.travel(NOW, tick=False)
async def test_a_therapist_who_hands_their_own_seat_over_today_goes_back_to_the_caseload(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    colleague = await make_user(Role.THERAPIST, "collega@cast.test")
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client,
        page,
        page + "/handovers",
        {
            "role": "therapist",
            "leaving_user_id": str(cast.therapist.id),
            "successor_user_id": str(colleague.id),
            "on": "2026-06-15",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/caseload"
    await login(client, colleague.email)
    overview = (await client.get(page, headers=HTML)).text
    assert "Test therapist" in overview.split('data-testid="case-team"', 1)[1]
