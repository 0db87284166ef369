"""The practice's locations and rooms from a page: added by the practice manager or the
administrator, listed back with their rooms (issue #16: no JSON client needed)."""

import pytest

from practice.accounts import Role
from scheduling.tables import Location, Room
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, post_page_form
from tests.web import login


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.ADMINISTRATOR])
async def test_a_location_with_its_rooms_is_added_and_listed_back(
    client, cast: Cast, role: Role
) -> None:
    await login(client, cast.by_role(role).email)
    empty = await client.get("/admin/locations", headers=HTML)
    assert empty.status_code == 200 and "Nog geen locaties." in empty.text
    response = await post_page_form(
        client,
        "/admin/locations",
        "/admin/locations",
        {
            "name": "Utrecht Centrum",
            "address": "Oudegracht 1",
            "rooms": "Kamer 1\r\n\r\n Kamer 2 \r\n",
        },
    )
    assert response.status_code == 303
    location = await Location.select().first()
    assert location is not None and location["address"] == "Oudegracht 1"
    rooms = await Room.select(Room.name).where(Room.location == location["id"]).order_by(Room.id)
    assert [r["name"] for r in rooms] == ["Kamer 1", "Kamer 2"]
    page = (await client.get("/admin/locations", headers=HTML)).text
    table = page.split('data-testid="locations"', 1)[1].split("</table>", 1)[0]
    assert "<td>Utrecht Centrum</td><td>Oudegracht 1</td><td>Kamer 1, Kamer 2</td>" in table


async def test_a_second_location_of_the_same_name_is_refused_with_what_was_typed_kept(
    client, cast: Cast
) -> None:
    await login(client, cast.practice_manager.email)
    form = {"name": "Utrecht Centrum", "address": "", "rooms": ""}
    first = await post_page_form(client, "/admin/locations", "/admin/locations", form)
    assert first.status_code == 303
    again = await post_page_form(
        client, "/admin/locations", "/admin/locations", {**form, "rooms": "Kamer 9"}
    )
    assert again.status_code == 409
    assert "Niet opgeslagen." in again.text
    assert ">Kamer 9</textarea>" in again.text
    assert await Location.count() == 1 and await Room.count() == 0


async def test_a_room_name_longer_than_the_room_table_holds_is_refused_next_to_the_rooms(
    client, cast: Cast
) -> None:
    await login(client, cast.administrator.email)
    response = await post_page_form(
        client, "/admin/locations", "/admin/locations", {"name": "Zeist", "rooms": "K" * 101}
    )
    assert response.status_code == 400
    assert 'id="rooms-problem"' in response.text and "hoogstens 100 tekens" in response.text
    assert await Location.count() == 0


async def test_the_locations_page_is_not_for_a_therapist(client, cast: Cast) -> None:
    await login(client, cast.therapist.email)
    assert (await client.get("/admin/locations", headers=HTML)).status_code == 403
