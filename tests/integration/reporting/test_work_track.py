"""Work not on track, on the real database: the practice's own curve from its completed
episodes (else HSK's), the warning in the task list and the expected against the actual
volume % on the therapist's work section, in Dutch and English."""

import html
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import time_machine

from practice.tables import Employer
from practice.work_track import DEFAULT_TREATMENT_WEEKS, CurveSource
from reporting.queries.work_track import episode_facts, expected_curves, own_figures
from reporting.statistics.definitions import HSK_REFERENCE, Moment
from reporting.tables import QuestionnaireResponse
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    post_page_form,
    post_steps,
    referred,
)
from tests.integration.reporting.test_statistics import VOLUMES, build, hsk_specs
from tests.web import api, login

TZ = ZoneInfo("Europe/Amsterdam")
NOW = "2026-07-16 10:00 +0200"  # five weeks after the start on 11 June
# A year of referrals back from here covers every completed episode of the HSK data set.
AFTER_THE_DATA_SET = date(2026, 1, 1)


def hours(measured_on: str, own: str, moment: str) -> tuple[str, dict[str, str]]:
    return (
        "/work-participation",
        {"measured_on": measured_on, "own_work_hours": own, "moment": moment},
    )


async def work_section(client: httpx.AsyncClient, episode_id: int) -> str:
    response = await client.get(f"/episodes/{episode_id}?section=work", headers=HTML)
    assert response.status_code == 200
    return html.unescape(response.text)


async def in_treatment_with_hours(
    client: httpx.AsyncClient, cast: Cast, *later: tuple[str, dict[str, str]]
) -> int:
    """Depression, 32 contract hours, 8 of them worked at the start (25 %)."""
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, [*IN_TREATMENT, hours("2026-06-11", "8", "begin"), *later])
    return episode_id


@time_machine.travel(NOW, tick=False)
async def test_a_client_behind_the_hsk_curve_gets_a_task_and_the_work_section_says_why(
    client, cast: Cast
) -> None:
    episode_id = await in_treatment_with_hours(client, cast, hours("2026-07-16", "8", "interim"))
    await QuestionnaireResponse.insert(
        QuestionnaireResponse(
            episode=episode_id,
            instrument="PHQ-9",
            moment="interim",
            administered_on=date(2026, 7, 9),
            answers=[2, 2, 2, 2, 2, 2, 2, 2, 1],
            total=17,
            band="moderately_severe",
        )
    )

    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    tasks = [t for t in detail["tasks"] if t["kind"] == "work_behind"]
    assert [t["key"] for t in tasks] == ["work_behind:2026-07-16"]
    assert tasks[0]["due_on"] == "2026-07-23"
    assert "PHQ-9 17 on 2026-07-09" in tasks[0]["reason"]
    # From 25 %, HSK's depression row (36 -> 77) closes 64 % of the way to full work over
    # the placeholder's twelve weeks: 45.0 % expected in week 6, 20 points above the 25 %.
    track = detail["work_track"]
    assert (Decimal(track["expected"]), Decimal(track["actual"])) == (Decimal(45), Decimal(25))
    assert Decimal(track["gap"]) == Decimal(20) and track["behind"] is True
    assert track["curve"]["source"] == "hsk"
    assert Decimal(track["curve"]["weeks"]) == DEFAULT_TREATMENT_WEEKS

    dutch = await work_section(client, episode_id)
    assert "Week 6 van de behandeling: 25,0 % op 16 jul 2026, waar 45,0 % werd verwacht" in dutch
    assert "20,0 procentpunt achter (een waarschuwing vanaf 15,0)" in dutch
    assert "Stel een afstemmingsoverleg voor" in dutch
    assert "de HSK-referentie voor" in dutch and "36,0 % bij de start" in dutch
    assert "PHQ-9 17" in dutch
    overview = await client.get(f"/episodes/{episode_id}", headers=HTML)
    assert "Werkhervatting achter op de verwachte curve" in overview.text

    client.cookies.set("lang", "en")
    english = await work_section(client, episode_id)
    assert "20.0 percentage points behind (a warning from 15.0)" in english
    assert "Propose an alignment meeting with the manager and the company doctor." in english

    # The employer never sees it: not the episode, not a word of it on their own page.
    await login(client, cast.employer_contact.email)
    assert (await client.get(f"/api/episodes/{episode_id}")).status_code in {403, 404}
    employer_page = html.unescape((await client.get("/employer", headers=HTML)).text)
    assert "curve" not in employer_page and "PHQ-9" not in employer_page


@time_machine.travel(NOW, tick=False)
async def test_a_client_on_track_gets_no_task_and_the_section_says_so(client, cast: Cast) -> None:
    episode_id = await in_treatment_with_hours(client, cast, hours("2026-07-16", "16", "interim"))

    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    assert [t for t in detail["tasks"] if t["kind"] == "work_behind"] == []
    assert detail["work_track"]["behind"] is False
    assert "Op koers: minder dan 15,0 procentpunt achter." in await work_section(client, episode_id)


@time_machine.travel(NOW, tick=False)
async def test_without_a_measurement_after_the_start_there_is_nothing_to_judge(
    client, cast: Cast
) -> None:
    episode_id = await in_treatment_with_hours(client, cast)

    assert await episode_facts([episode_id], TZ) == {}
    assert 'data-testid="work-track"' not in await work_section(client, episode_id)


@time_machine.travel(NOW, tick=False)
async def test_a_paused_episode_is_not_judged(client, cast: Cast) -> None:
    episode_id = await in_treatment_with_hours(client, cast, hours("2026-07-16", "8", "interim"))
    assert (await episode_facts([episode_id], TZ))[episode_id]["work_track"] is not None
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, [("/transitions", {"to_status": "paused", "on": "2026-07-16"})])

    assert await episode_facts([episode_id], TZ) == {}


async def test_the_practices_own_curve_is_the_s2_figure_of_its_completed_episodes(
    cast: Cast,
) -> None:
    world = await build(cast, hsk_specs())
    figures = await own_figures(AFTER_THE_DATA_SET, TZ)
    # Closed and absent at referral only: the preventive client at 100 % is left out.
    assert {d: f.n for d, f in figures.items()} == {d: len(v) for d, v in VOLUMES.items()}

    curves = await expected_curves(["depressie", "angststoornis"], AFTER_THE_DATA_SET, TZ, 10)
    own = curves["depressie"]
    assert (own.source, own.n, own.begin, own.end) == (
        CurveSource.PRACTICE,
        10,
        Decimal(36),
        Decimal(77),
    )
    depression = [s for s in world.specs if s.diagnosis == "depressie" and s.absent]
    days = sum(
        (s.closed_on - s.started_on).days for s in depression if s.closed_on and s.started_on
    )
    assert own.weeks == round(Decimal(days) / len(depression) / 7, 1)
    # Eight anxiety episodes are fewer than ten: HSK's row, imported, not retyped.
    hsk = curves["angststoornis"]
    reference = HSK_REFERENCE["angststoornis"]
    assert hsk.source is CurveSource.HSK and hsk.n is None
    assert (hsk.begin, hsk.end, hsk.follow_up) == tuple(
        reference[moment].value for moment in (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)
    )
    # ... with the practice's own treatment length over all its 24 completed episodes.
    assert hsk.weeks != DEFAULT_TREATMENT_WEEKS


async def test_twenty_episodes_are_needed_before_the_practices_own_curve_counts(
    cast: Cast,
) -> None:
    await build(cast, hsk_specs())

    curves = await expected_curves(["depressie"], AFTER_THE_DATA_SET, TZ)
    assert curves["depressie"].source is CurveSource.HSK
    # A year later the data set is out of the window: the placeholder length again.
    later = await expected_curves(["depressie"], date(2027, 3, 1), TZ)
    assert later["depressie"].weeks == DEFAULT_TREATMENT_WEEKS


async def test_a_diagnosis_without_a_reference_gets_no_curve(cast: Cast) -> None:
    await build(cast, hsk_specs())

    assert await expected_curves(["other"], AFTER_THE_DATA_SET, TZ, 1) == {}


@time_machine.travel(NOW, tick=False)
async def test_the_employers_contract_sets_its_own_margin_behind_the_curve(
    client, cast: Cast
) -> None:
    episode_id = await in_treatment_with_hours(client, cast, hours("2026-07-16", "8", "interim"))
    await Employer.update({Employer.work_behind_margin: 25}).where(Employer.id > 0)

    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    assert [t for t in detail["tasks"] if t["kind"] == "work_behind"] == []  # 20 of 25 points
    assert "Op koers: minder dan 25,0 procentpunt achter." in await work_section(client, episode_id)


async def test_the_administrator_sets_the_margin_on_the_contract_and_a_bad_one_is_refused(
    client, cast: Cast
) -> None:
    rows = await Employer.insert(Employer(name="Zorg & Co")).returning(Employer.id)
    employer_id = int(rows[0]["id"])
    await login(client, cast.administrator.email)
    page = "/admin/employers"
    settings = {
        "name": "Zorg & Co",
        "default_offer": "atwork_basic",
        "report_every": "5",
        "cost_per_absence_day": "250,00",
        "min_cell_size": "5",
        "screening_day_unit": "calendar",
    }
    shown = html.unescape((await client.get(page, headers=HTML)).text)
    assert "15 procentpunten (de standaard van de praktijk)" in shown

    refused = await post_page_form(
        client, page, f"{page}/{employer_id}", settings | {"work_behind_margin": "0"}
    )
    assert refused.status_code == 400
    assert "van 1 tot 100" in html.unescape(refused.text)
    assert (await Employer.select(Employer.work_behind_margin).first()) == {
        "work_behind_margin": None
    }

    done = await post_page_form(
        client, page, f"{page}/{employer_id}", settings | {"work_behind_margin": "20"}
    )
    assert done.status_code == 303
    assert "20 procentpunten" in (await client.get(page, headers=HTML)).text
    row = await Employer.select(Employer.work_behind_margin).first()
    assert row == {"work_behind_margin": 20}
