"""The caseload to steer by: filters, sorting, search by name and the next appointment, as a
plain GET form whose values are kept; a value the page cannot read is ignored, never a 500."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import time_machine

from practice.audit.trail import Action
from practice.caseload_view import most_urgent_days_left
from tests.cast import Cast
from tests.integration.practice.workload import (
    HTML,
    NOW,
    ODD_NAME,
    Workload,
    build_workload,
    names,
)
from tests.story import ok
from tests.web import audit_rows


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def workload(frozen: None, client: httpx.AsyncClient, cast: Cast) -> Workload:
    return await build_workload(client, cast)


async def caseload(client: httpx.AsyncClient, **query: str) -> str:
    response = await client.get(f"/caseload?{urlencode(query)}", headers=HTML)
    assert response.status_code == 200, response.text[:500]
    return response.text


async def entries(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    json = {"accept": "application/json"}
    found: list[dict[str, Any]] = await ok(await client.get("/api/caseload", headers=json))
    return found


async def test_the_caseload_counts_the_therapists_own_clients_and_no_one_elses(
    client, workload: Workload
) -> None:
    page = await caseload(client)
    assert sorted(names(workload, page)) == ["Anna", "Bram", "Carla", "Daan"]
    assert "4 van 4 cliënten" in page
    assert "Eva Ander" not in page
    # The employer filter offers the employers of the caseload.
    zorg = workload.employers["Zorg & Co"]
    assert f'<option value="{zorg}">Zorg &amp; Co</option>' in page


async def test_the_stage_filter_shows_only_clients_in_that_stage_and_stays_chosen(
    client, workload: Workload
) -> None:
    page = await caseload(client, stage="in_treatment")
    assert sorted(names(workload, page)) == ["Carla", "Daan"]
    assert "2 van 4 cliënten" in page
    assert '<option value="in_treatment" selected>' in page
    page = await caseload(client, stage="referred")
    assert sorted(names(workload, page)) == ["Anna", "Bram"]


async def test_the_employer_filter_shows_only_that_employers_clients_and_stays_chosen(
    client, workload: Workload
) -> None:
    bouw = workload.employers["Bouw BV"]
    page = await caseload(client, employer=str(bouw))
    assert sorted(names(workload, page)) == ["Bram", "Daan"]
    assert f'<option value="{bouw}" selected>Bouw BV</option>' in page


async def test_overdue_only_shows_the_clients_with_overdue_work(client, workload: Workload) -> None:
    late = {e["episode_id"] for e in await entries(client) if e["overdue"]}
    assert workload.episodes["Bram"] in late  # the screening is overdue
    assert workload.episodes["Anna"] not in late  # five days left
    page = await caseload(client, overdue="1")
    shown = {workload.episodes[n] for n in names(workload, page)}
    assert shown == late
    assert 'name="overdue" value="1" checked' in page


async def test_filters_combine_and_an_empty_result_says_so(client, workload: Workload) -> None:
    bouw = str(workload.employers["Bouw BV"])
    page = await caseload(client, employer=bouw, stage="in_treatment")
    assert names(workload, page) == ["Daan"]
    page = await caseload(client, employer=bouw, stage="paused")
    assert names(workload, page) == []
    assert "0 van 4 cliënten" in page
    assert "Geen cliënten die aan deze filters voldoen." in page
    assert '<a href="/caseload">Alle cliënten tonen</a>' in page


async def test_the_caseload_sorts_by_name_next_appointment_referral_and_urgency(
    client, workload: Workload
) -> None:
    assert names(workload, await caseload(client, sort="name")) == ["Anna", "Bram", "Carla", "Daan"]
    # Carla today at 14:00, Daan tomorrow; no appointment last, by name.
    by_appointment = names(workload, await caseload(client, sort="next_appointment"))
    assert by_appointment == ["Carla", "Daan", "Anna", "Bram"]
    # The newest referral first: 10 June, 2 June, 1 June, 20 May.
    assert names(workload, await caseload(client, sort="referral")) == [
        "Anna",
        "Daan",
        "Carla",
        "Bram",
    ]
    by_id = {v: k for k, v in workload.episodes.items()}
    urgency = sorted(
        await entries(client),
        key=lambda e: (most_urgent_days_left(e) is None, most_urgent_days_left(e) or 0),
    )
    expected = [by_id[e["episode_id"]] for e in urgency]
    page = await caseload(client, sort="deadline")
    assert names(workload, page) == expected
    assert expected[0] == "Bram"  # the longest-overdue screening leads
    assert names(workload, await caseload(client)) == expected  # the default
    assert '<option value="referral" selected>' in await caseload(client, sort="referral")


async def test_the_search_ignores_case_and_accents(client, workload: Workload) -> None:
    assert names(workload, await caseload(client, q="JANSEN")) == ["Anna"]
    assert names(workload, await caseload(client, q="ozturk")) == ["Bram"]
    assert names(workload, await caseload(client, q="Öz")) == ["Bram"]
    assert names(workload, await caseload(client, q="  de   wit ")) == ["Carla"]
    page = await caseload(client, q="jansen")
    assert "1 van 4 cliënten" in page
    assert 'value="jansen"' in page


async def test_the_search_treats_wildcards_and_quotes_as_plain_text(
    client, workload: Workload
) -> None:
    for term in ("%", "_", "100%_", "%_t", "'", '"', "O'Neil", '"O\'Neil"'):
        assert names(workload, await caseload(client, q=term)) == ["Daan"], term


async def test_a_search_with_a_wildcard_matches_nothing_else(client, workload: Workload) -> None:
    assert names(workload, await caseload(client, q="Anna%")) == []
    assert names(workload, await caseload(client, q="A_na")) == []
    # The typed value goes back into the field escaped, so a quote cannot end the attribute.
    page = await caseload(client, q=ODD_NAME)
    assert names(workload, page) == ["Daan"]
    assert 'value="Daan 100%_Test &#34;O&#39;Neil&#34;"' in page


async def test_a_search_of_ten_thousand_characters_finds_nobody_and_does_not_fail(
    client, workload: Workload
) -> None:
    page = await caseload(client, q="a" * 10_000)
    assert names(workload, page) == []
    assert "0 van 4 cliënten" in page
    assert "Geen cliënten die aan deze filters voldoen." in page
    assert "a" * 201 not in page  # what is kept is cut at the longest name


UNREADABLE = [
    "stage=bogus",
    "stage=declined",  # terminal: never on a caseload, so no filter either
    "employer=abc",
    "employer=-1",
    "employer=99999999999999999999",
    "employer=" + "0" * 10_000 + "1",
    "employer=%C2%B2",  # a superscript two: a digit to Python, not a number
    "employer=999999",  # a number, but no employer of this caseload
    "sort=%3Cscript%3E",
    "overdue=maybe",
    "nonsense=1",
]


async def test_an_unreadable_filter_value_is_ignored_never_an_error(
    client, workload: Workload
) -> None:
    for query in UNREADABLE:
        response = await client.get(f"/caseload?{query}", headers=HTML)
        assert response.status_code == 200, (query, response.text[:500])
        assert "4 van 4 cliënten" in response.text, query
        assert "selected>" not in response.text.split('id="sort"')[0], query
    # A repeated parameter counts once; bytes that are no text are no error either.
    for query in ("stage=referred&stage=in_treatment", "q=%00%FF", "q=%ZZ"):
        response = await client.get(f"/caseload?{query}", headers=HTML)
        assert response.status_code == 200, (query, response.text[:500])


async def test_the_next_appointment_is_the_soonest_planned_one(client, workload: Workload) -> None:
    page = await caseload(client, sort="name")
    rows = {
        name: page.split(f'data-episode="{episode}"', 1)[1].split("</tr>", 1)[0]
        for name, episode in workload.episodes.items()
        if name != "Eva"
    }
    # Not the held one at 09:00 today, not the one on Wednesday.
    assert "<td>15 jun 2026, 14:00</td>" in rows["Carla"]
    assert "<td>16 jun 2026, 09:30</td>" in rows["Daan"]
    assert "–" in rows["Anna"]


async def test_only_the_clients_shown_are_in_the_audit_trail(client, workload: Workload) -> None:
    await caseload(client, q="Anna")
    rows = [
        r for r in await audit_rows(object_type="caseload") if r["action"] == Action.SEARCH.value
    ]
    assert [int(r["object_id"]) for r in rows] == [workload.episodes["Anna"]]


async def test_the_caseload_form_speaks_english_with_the_switch(client, workload: Workload) -> None:
    client.cookies.set("lang", "en")
    page = await caseload(client, stage="paused")
    assert "0 of 4 clients" in page
    assert "No clients match these filters." in page
    assert "Search by name" in page
    assert "Most urgent deadline" in page
