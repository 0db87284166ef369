"""The practice manager's dashboard as it is read: the headline figures first (checked against
a small data set computed by hand), the trends, then the tables with the definitions folded
away; every episode link opens an HTML page; the PDF fits its landscape page.

The data set: the closed episodes of `test_statistics` (HSK's 24 clients and three of another
employer: work resumption at the end (1,960 + 3 x 60) / 27 = 79.3 %, at follow-up 1,643 / 18
= 91.3 %), and eighteen referrals of April to June 2026:

* April: 7 referrals, 7 screened (6 within 10 days), 6 of them started (5 within 10 working
  days of the screening);
* May: 5 referrals, 5 screened (4 within 10 days), 4 started, all on time;
* June (this month): 6 referrals, 2 screened (both on time), none started yet.

So over April to June 12 of 14 screenings were on time (85.7 %) and 9 of 10 starts (90.0 %).
The first ten of them are the main therapist's (capacity 8: over capacity), the other eight
the second therapist's (capacity 25).
"""

import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from practice.audit.trail import Action
from practice.tables import Therapist
from reporting.statistics import headline as headline_module
from reporting.statistics.caseload import CaseloadRow
from reporting.statistics.definitions import HSK_REFERENCE, Moment
from reporting.statistics.export import headline_json
from reporting.statistics.figures import Share
from reporting.statistics.headline import headline_of
from reporting.statistics.suppression import Cell
from reporting.statistics.trends import MonthTrend, Trends
from tests.cast import Cast
from tests.integration.reporting.test_statistics import (
    TZ,
    Spec,
    World,
    build,
    hsk_specs,
    other_employer_specs,
)
from tests.story import ok
from tests.web import assert_audited, login

NOW = "2026-06-17 10:00 +0200"  # a Wednesday


def recent_specs(start: int) -> list[Spec]:
    """(referral day, days to the screening or None, days from it to the start or None)."""
    plan = [
        *[(date(2026, 4, d), 3, 7) for d in (1, 2, 3, 6, 7)],
        (date(2026, 4, 8), 3, 30),  # started late
        (date(2026, 4, 9), 14, None),  # screened late, not started
        *[(date(2026, 5, d), 3, 7) for d in (4, 5, 6, 7)],
        (date(2026, 5, 8), 12, None),  # screened late
        *[(date(2026, 6, d), 3, None) for d in (1, 2)],
        *[(date(2026, 6, d), None, None) for d in (3, 8, 9, 10)],  # not screened yet
    ]
    specs = []
    for k, (referred, to_screening, to_start) in enumerate(plan):
        screened = None if to_screening is None else referred + timedelta(days=to_screening)
        started = (
            None if screened is None or to_start is None else screened + timedelta(days=to_start)
        )
        specs.append(
            Spec(
                index=start + k,
                diagnosis="depressie",
                begin=None,
                end=None,
                follow_up=None,
                referred_at=datetime(referred.year, referred.month, referred.day, 10, tzinfo=TZ),
                screened_on=screened,
                started_on=started,
                first_sick_day=referred - timedelta(days=30),
                therapist="main" if k < 10 else "second",
            )
        )
    return specs


async def dashboard_world(cast: Cast) -> World:
    specs = hsk_specs()[:-1] + other_employer_specs(100) + recent_specs(200)
    world = await build(cast, specs)
    await Therapist.update({Therapist.capacity: 8}).where(
        Therapist.user == world.therapists["main"]
    )
    return world


def _value(cell: dict[str, Any]) -> tuple[str | None, int | None]:
    return cell["value"], cell["n"]


@time_machine.travel(NOW, tick=False)
async def test_the_headline_figures_are_those_computed_by_hand(client, cast: Cast) -> None:
    await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    data = await ok(
        await client.get("/api/statistics/outcomes", headers={"accept": "application/json"})
    )
    headline = data["headline"]
    assert headline["referrals"]["this_month"]["value"] == "6"
    assert headline["referrals"]["last_month"]["value"] == "5"
    assert _value(headline["screened_within_10_days_percent"]) == ("85.7", 14)
    assert _value(headline["started_within_10_working_days_percent"]) == ("90.0", 10)
    end = headline["work_resumption_percent"]["end"]
    follow_up = headline["work_resumption_percent"]["follow_up"]
    assert _value(end) == ("79.3", 27)
    assert (end["reference_low"], end["reference_high"]) == ("77", "91")
    assert _value(follow_up) == ("91.3", 18)
    assert (follow_up["reference_low"], follow_up["reference_high"]) == ("88", "97")
    loads = {load["capacity"]: load for load in headline["caseload"]}
    assert loads[8]["active"]["value"] == "10" and loads[8]["over_capacity"] is True
    assert loads[25]["active"]["value"] == "8" and loads[25]["over_capacity"] is False

    # With a diagnosis chosen, the cards say whose figure it is and compare with its own HSK
    # figure (depression: 77 % at the end), not "all diagnoses, 77–91 %".
    page = await client.get("/statistics/outcomes?diagnosis=depressie")
    card = page.text.split('data-figure="resumption_end"', 1)[1].split("</div>", 1)[0]
    assert "van de contracturen, depressie" in card and "HSK: 77 %" in card
    assert "alle diagnoses" not in card

    trends = next(t for t in data["tables"] if t["key"] == "trends")
    months = {row["key"]: row["cells"] for row in trends["rows"]}
    assert len(months) == 12 and list(months)[-1] == "2026-06"
    assert [_value(c) for c in months["2026-04"]] == [("7", 7), ("85.7", 7), ("83.3", 6)]
    assert [c["text"] for c in months["2026-05"]] == ["5", "80.0", "< 5"]  # 4 starts: too few
    assert [c["text"] for c in months["2026-06"]] == ["6", "< 5", "–"]


@time_machine.travel(NOW, tick=False)
async def test_the_headline_withholds_what_the_tables_withhold(client, cast: Cast) -> None:
    world = await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    other = world.employers["other"]  # three clients, minimum cell size 10
    data = await ok(
        await client.get(
            f"/api/statistics/outcomes?employer_id={other}", headers={"accept": "application/json"}
        )
    )
    headline = data["headline"]
    cells = [
        headline["referrals"]["this_month"],
        headline["screened_within_10_days_percent"],
        headline["started_within_10_working_days_percent"],
        *headline["work_resumption_percent"].values(),
    ]
    assert headline["work_resumption_percent"]["end"]["text"] == "< 10"
    for cell in cells:
        assert cell["n"] is None or cell["n"] == 0 or cell["n"] >= 10, cell
        assert cell["value"] is None or cell["n"] >= 10, cell


@time_machine.travel(NOW, tick=False)
async def test_a_period_after_today_shows_one_empty_month(client, cast: Cast) -> None:
    await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    data = await ok(
        await client.get(
            "/api/statistics/outcomes?referred_from=2028-01-01",
            headers={"accept": "application/json"},
        )
    )
    trends = next(t for t in data["tables"] if t["key"] == "trends")
    assert [row["key"] for row in trends["rows"]] == ["2026-06"]
    assert [cell["text"] for cell in trends["rows"][0]["cells"]] == ["–", "–", "–"]
    assert data["headline"]["referrals"]["this_month"]["text"] == "–"
    page = await client.get("/statistics/outcomes?referred_from=2026-05-01&referred_to=2026-05-31")
    assert page.status_code == 200
    assert 'data-cell="trends:2026-05:0">5' in page.text


@time_machine.travel(NOW, tick=False)
async def test_the_page_shows_the_figures_before_any_definition(client, cast: Cast) -> None:
    await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    response = await client.get("/statistics/outcomes")
    assert response.status_code == 200, response.text
    page = response.text
    headline = page.index('data-section="headline"')
    trends = page.index('data-section="trends"')
    tables = page.index('data-section="tables"')
    first_definition = page.index('class="definition"')
    assert headline < trends < tables < first_definition
    assert page.count('class="definition"') >= 10
    # Every definition is folded away, one click from its figure.
    opened = 0
    for part in re.split(r"(<details[^>]*>|</details>)", page):
        if part.startswith("<details"):
            opened += 1
        elif part == "</details>":
            opened -= 1
        elif 'class="definition"' in part:
            assert opened > 0, "a definition outside a <details>"
    # The headline's figures, in Dutch: this month's referrals and the on-time shares.
    card = re.search(r'data-figure="referrals">(.*?)</div>', page, re.S)
    assert card and re.search(r'class="big">\s*6\s*<', card.group(1))
    assert "86 %" in page and "90 %" in page  # 85.7 and 90.0 rounded for the card
    assert "Tessa" not in page  # nothing of the demo: the cast's own therapists
    # Accessible tables: a caption each, headers with their scope.
    assert page.count("<caption>") == page.count('<table class="figures"')
    assert '<th scope="row">' in page and '<th scope="col">' in page
    assert page.count('src="data:image/svg+xml;base64,') >= 3  # two trends and HSK's bars


@time_machine.travel(NOW, tick=False)
async def test_every_episode_link_opens_an_html_page_without_client_details(
    client, cast: Cast
) -> None:
    world = await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    listing = await client.get("/statistics/episodes?diagnosis=depressie")
    assert listing.status_code == 200
    links = re.findall(r'href="([^"]*episodes/\d+[^"]*)"', listing.text)
    assert links and all(re.fullmatch(r"/statistics/episodes/\d+", link) for link in links)
    assert "/api/" not in listing.text
    dashboard = await client.get("/statistics/outcomes")
    assert "/api/episodes" not in dashboard.text

    episode_id = world.episode_ids[200]
    # It ended, just before midnight UTC: the page names the day it was in the Netherlands.
    from datetime import UTC, datetime

    from practice.tables import StatusChange

    await StatusChange.insert(
        StatusChange(
            episode=episode_id,
            from_status="in_treatment",
            to_status="dropped_out",
            changed_at=datetime(2026, 6, 10, 22, 30, tzinfo=UTC),
        )
    )
    page = await client.get(f"/statistics/episodes/{episode_id}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert f"Traject {episode_id}" in page.text
    assert "Cliënt 200" not in page.text  # the client's name stays on the therapist's page
    assert "depressie" not in page.text.lower()  # nothing medical
    assert '<span class="muted" data-testid="status-since">(sinds 11 jun 2026)' in page.text
    await assert_audited(
        actor_id=cast.practice_manager.id, action=Action.READ.value, object_id=str(episode_id)
    )


async def test_only_the_practice_manager_opens_the_statistics_episode_page(
    client, cast: Cast
) -> None:
    world = await build(cast, recent_specs(200)[:1])
    await login(client, cast.therapist.email)
    response = await client.get(f"/statistics/episodes/{world.episode_ids[200]}")
    assert response.status_code == 403


def _texts(page: Any) -> list[tuple[float, float, str]]:
    """(left x, estimated right x, text) of every text run of the document's flow on a PDF
    page, in points. WeasyPrint draws the flow at 0.75 pt per CSS px; the charts' text has
    other matrices (each SVG its own) and is left out."""
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip() and round(cm[0], 3) == 0.75:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            width = 0.6 * size * abs(cm[0] or 1) * len(text.strip())
            found.append((x, x + width, text.strip()))

    page.extract_text(visitor_text=visit)
    return found


@time_machine.travel(NOW, tick=False)
async def test_the_management_report_fits_its_landscape_pages(client, cast: Cast) -> None:
    await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    response = await client.get("/statistics/outcomes.pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    headers = []
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width > height  # A4 landscape: 842 x 595 points
        # Short runs (table headers and cells): their width estimate is close enough to
        # catch a column past the edge (the portrait report's "follow-" header ended at 602
        # of 595 points); a paragraph's run would be overestimated.
        for left, right, text in _texts(page):
            if len(text) <= 30:
                assert left >= 0 and right <= width, (text, left, right, width)
            if text.startswith("HSK: follow-up"):
                headers.append(text)
    assert headers, "the HSK table's rightmost column header is on a page"
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    assert "In één oogopslag" in text
    assert re.search(r"Lopende trajecten: Test therapist", text)


# ---------------------------------------------------------------- PRIV-3 for the headline

_counts = st.integers(min_value=0, max_value=15)


@st.composite
def _headline_inputs(draw: Any) -> tuple[Any, int, dict[str, int]]:
    """Results as `headline_of` reads them, with distinctive volume figures (1000.1-9999.9)."""
    min_n = draw(st.integers(min_value=5, max_value=12))  # 5: the floor nothing lowers
    months = tuple(
        MonthTrend(
            date(2026, m, 1),
            draw(_counts),
            Share(0, draw(_counts)),
            Share(0, draw(_counts)),
        )
        for m in (4, 5, 6)
    )
    screened, started = draw(_counts), draw(_counts)
    trends = Trends(months, Share(min(screened, 3), screened), Share(min(started, 2), started))
    figures = draw(st.lists(st.integers(10_001, 99_999), min_size=3, max_size=3, unique=True))
    overall = {
        moment: Cell(Decimal(figure) / 10, draw(_counts))
        for moment, figure in zip(Moment, figures, strict=True)
    }
    loads = [
        CaseloadRow(k, f"Therapeut {k}", Cell(n, n), 25)
        for k, n in enumerate(draw(st.lists(_counts, min_size=1, max_size=3)))
    ]
    results = SimpleNamespace(
        trends=trends, volumes=SimpleNamespace(overall=overall), caseload=loads
    )
    exact = {
        "this_month": months[-1].referrals,
        "screened": screened,
        "started": started,
        "end": overall[Moment.END].n,
        "follow_up": overall[Moment.FOLLOW_UP].n,
    }
    return results, min_n, exact


@settings(max_examples=40, deadline=None)
@given(_headline_inputs())
def test_no_headline_figure_is_counted_over_fewer_than_the_minimum(drawn) -> None:
    results, min_n, exact = drawn
    data = headline_json(headline_of(results, min_n, HSK_REFERENCE))
    shown_cells = {
        "this_month": data["referrals"]["this_month"],
        "screened": data["screened_within_10_days_percent"],
        "started": data["started_within_10_working_days_percent"],
        "end": data["work_resumption_percent"]["end"],
        "follow_up": data["work_resumption_percent"]["follow_up"],
    }
    for name, cell in shown_cells.items():
        if 0 < exact[name] < min_n:
            assert (cell["text"], cell["value"], cell["n"]) == (f"< {min_n}", None, None), name
        else:
            assert cell["n"] == exact[name], name
    for load, row in zip(data["caseload"], results.caseload, strict=True):
        if 0 < row.active.n < min_n:
            assert load["active"]["value"] is None and load["over_capacity"] is False
    text = json.dumps(data)
    for moment in (Moment.END, Moment.FOLLOW_UP):
        cell = results.volumes.overall[moment]
        if 0 < cell.n < min_n:
            assert f"{cell.value}" not in text


@time_machine.travel(NOW, tick=False)
async def test_at_a_glance_the_fullest_caseloads_stand_for_every_therapists_in_the_table(
    client, cast: Cast, monkeypatch: Any
) -> None:
    # Two therapists stand in for a practice of hundreds: one caseload at a glance.
    monkeypatch.setattr(headline_module, "AT_A_GLANCE", 1)
    await dashboard_world(cast)
    await login(client, cast.practice_manager.email)
    data = await ok(
        await client.get("/api/statistics/outcomes", headers={"accept": "application/json"})
    )
    loads = {load["capacity"]: load["therapist"] for load in data["headline"]["caseload"]}
    over, other = loads[8], loads[25]  # the JSON holds every caseload
    page = (await client.get("/statistics/outcomes")).text
    glance = page[page.index('data-section="headline"') : page.index('data-section="trends"')]
    assert "De 1 volste caseloads van 2 behandelaars; 1 boven capaciteit." in glance
    assert re.findall(r'class="who">([^<]*)<', glance) == [over]
    table = page[page.index('id="figure-caseload"') :]
    assert {over, other} <= set(re.findall(r'<th scope="row">([^<]*)</th>', table[:4000]))
    pdf = PdfReader(io.BytesIO((await client.get("/statistics/outcomes.pdf")).content))
    text = " ".join((sheet.extract_text() or "") for sheet in pdf.pages)
    assert "De 1 volste caseloads van 2 behandelaars; 1 boven capaciteit." in " ".join(text.split())
    assert " ".join(text.split()).count("Lopende trajecten:") == 1
