"""The demo practice: a living caseload in every stage, loaded once."""

from datetime import date

from practice.composition.demo import load_demo
from practice.episodes import EpisodeStatus
from practice.platform.settings import Settings
from practice.tables import TreatmentEpisode
from tests.web import login


async def test_the_demo_has_an_episode_in_every_status_and_loads_once(
    db, settings: Settings
) -> None:
    assert await load_demo(today=date(2026, 11, 23), tz=settings.time_zone) == 13
    statuses = {r["status"] for r in await TreatmentEpisode.select(TreatmentEpisode.status)}
    assert statuses == {s.value for s in EpisodeStatus}
    assert await load_demo(today=date(2026, 11, 23), tz=settings.time_zone) == 0
    assert await TreatmentEpisode.count() == 13


async def test_the_demo_therapist_sees_a_caseload_with_overdue_deadlines_first(
    client, db, settings: Settings
) -> None:
    await load_demo(tz=settings.time_zone)
    await login(client, "therapeut@demo.atwork.nl", "werkgericht-demo")
    page = await client.get("/caseload")
    assert page.status_code == 200
    assert "Bram Bijna-te-laat" in page.text
    assert "te laat" in page.text  # the overdue screening, in Dutch
    first_row = page.text.index("<tbody>")
    # below the new-referrals list, the table lists overdue clients first
    assert page.text.index('class="overdue"', first_row) < page.text.index(
        "Anna Aanmelding", first_row
    )


async def test_the_practice_manager_monitor_lists_overdue_deadlines_of_every_therapist(
    client, db, settings: Settings
) -> None:
    await load_demo(tz=settings.time_zone)
    await login(client, "praktijkmanager@demo.atwork.nl", "werkgericht-demo")
    response = await client.get("/api/monitor", headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    items = response.json()
    overdue = [i for i in items if i["overdue"]]
    assert any(
        i["client_name"] == "Bram Bijna-te-laat" and i["kind"] == "screening" for i in overdue
    )
    assert all(i["therapist"] == "Tessa de Therapeut" for i in items)
    assert items.index(overdue[-1]) < len(overdue)  # overdue first
