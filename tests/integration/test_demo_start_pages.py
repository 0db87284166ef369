"""The acceptance of issue 17: the demo practice's start page of every role shows content,
whatever the day of the week it is loaded on.

The demo is loaded as the quick start loads it (``_load_demo``), as of each day of one week,
with the clock set to that day; each role then logs in with its demo account and its start
page is read over HTTP, by what it shows:

- employer contact: at least 3 employees with sessions held and agreements;
- company doctor: at least 3 documents, some of them unread;
- practice manager: at least 80 % of the cells of the HSK table (work resumption in volume
  %, by diagnosis) show a figure, not the small-cell marker "< 5";
- therapist: at most 3 tasks more than 14 days overdue.

One load per day is shared by the four roles (loading the demo is the cost: seven loads, not
twenty-eight); each role's check reports apart, so one failing role never hides another.
"""

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta

import httpx
import pytest
import time_machine
from litestar import Litestar

from practice.composition.cli import _load_demo
from practice.composition.demo import DEMO_PASSWORD
from practice.platform.settings import Settings
from reporting.statistics.suppression import suppressed_text
from tests.conftest import make_client
from tests.web import login

MONDAY = date(2026, 12, 7)
WEEK = [MONDAY + timedelta(days=n) for n in range(7)]

THERAPIST = "therapeut@demo.atwork.nl"
COMPANY_DOCTOR = "bedrijfsarts@demo.atwork.nl"
EMPLOYER_CONTACT = "leidinggevende@demo.atwork.nl"
PRACTICE_MANAGER = "praktijkmanager@demo.atwork.nl"

JSON = {"accept": "application/json"}
LONG_OVERDUE_DAYS = 14


async def _start_page(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Log in as ``email`` and follow to the role's start page."""
    response = await login(client, email, DEMO_PASSWORD)
    assert response.status_code == 303, f"{email} could not log in ({response.status_code})"
    page = await client.get(response.headers["location"], follow_redirects=True)
    assert page.status_code == 200, f"{email}'s start page answered {page.status_code}"
    return page


async def _employer(client: httpx.AsyncClient, today: date) -> None:
    page = await _start_page(client, EMPLOYER_CONTACT)
    employees = (await client.get("/api/employer/employees", headers=JSON)).json()
    shown = [
        e
        for e in employees
        if e["sessions_held"] > 0 and e["agreements"] and e["employee_name"] in page.text
    ]
    assert len(shown) >= 3, (
        f"the employer portal shows {len(shown)} employees with sessions and agreements "
        f"(of {len(employees)} listed)"
    )


async def _company_doctor(client: httpx.AsyncClient, today: date) -> None:
    page = await _start_page(client, COMPANY_DOCTOR)
    documents = (await client.get("/api/company-doctor/documents", headers=JSON)).json()
    unread = [d for d in documents if d["read_at"] is None]
    on_page = [d for d in documents if f"/documents/{d['document']}" in page.text]
    assert len(on_page) >= 3, (
        f"the inbox shows {len(on_page)} documents (of {len(documents)} delivered)"
    )
    assert unread, f"none of the inbox's {len(documents)} documents is unread"
    assert len(unread) < len(documents), "every document in the inbox is unread"


async def _practice_manager(client: httpx.AsyncClient, today: date) -> None:
    page = await _start_page(client, PRACTICE_MANAGER)
    board = (await client.get("/api/statistics/outcomes", headers=JSON)).json()
    table = board.get("hsk") or next(t for t in board["tables"] if t["key"] == "volume")
    marker = suppressed_text(board["min_n"])
    cells = [cell for row in table["rows"] for cell in row["cells"]]
    suppressed = [cell for cell in cells if cell["suppressed"] or cell["text"] == marker]
    shown = len(cells) - len(suppressed)
    assert cells, "the HSK table has no cells"
    assert shown >= 0.8 * len(cells), (
        f"the HSK table shows {shown} of {len(cells)} cells; {len(suppressed)} are '{marker}'"
    )
    assert table["title"] in page.text or "HSK" in page.text, "the page does not show the table"


async def _therapist(client: httpx.AsyncClient, today: date) -> None:
    page = await _start_page(client, THERAPIST)
    # The demo client asked from the portal to move their last coming session.
    assert 'data-testid="client-request"' in page.text, "Vandaag shows no client's request"
    caseload = (await client.get("/api/caseload", headers=JSON)).json()
    long_overdue = [
        f"{entry['client_name']}: {task['kind']} due {task['due_on']}"
        for entry in caseload
        for task in entry["tasks"]
        if task["overdue"]
        and task["due_on"] is not None
        and date.fromisoformat(str(task["due_on"])) < today - timedelta(days=LONG_OVERDUE_DAYS)
    ]
    assert len(long_overdue) <= 3, (
        f"{len(long_overdue)} tasks are more than {LONG_OVERDUE_DAYS} days overdue: "
        + "; ".join(long_overdue[:10])
    )


ROLES: dict[str, Callable[[httpx.AsyncClient, date], Awaitable[None]]] = {
    "employer contact": _employer,
    "company doctor": _company_doctor,
    "practice manager": _practice_manager,
    "therapist": _therapist,
}


@pytest.mark.parametrize("today", WEEK, ids=[f"{d:%a}-{d.isoformat()}" for d in WEEK])
async def test_every_role_finds_content_on_its_demo_start_page_whatever_the_weekday(
    today: date, settings: Settings, app: Litestar, db: None
) -> None:
    failures: dict[str, str] = {}
    moment = datetime.combine(today, time(9, 30), settings.time_zone)
    with time_machine.travel(moment, tick=True):
        assert await _load_demo(settings, today) > 0
        if mismatched := await _screening_scores_the_documents_contradict():
            failures["company doctor"] = f"documents contradict the screening: {mismatched[:3]}"
        for number, (role, check) in enumerate(ROLES.items(), start=1):
            async with make_client(app, ip=f"10.17.0.{number}") as client:
                try:
                    await check(client, today)
                except AssertionError as failure:
                    failures[role] = _first_line(failure)
    assert not failures, f"on {today:%A %d %B %Y}: " + " | ".join(
        f"{role}: {why}" for role, why in failures.items()
    )


async def _screening_scores_the_documents_contradict() -> list[tuple[int, str, int, int]]:
    """(episode, instrument, written, answered) where the score the therapist wrote on the
    screening and the questionnaire's total that day differ (a briefing prints the latter)."""
    from practice.tables import Screening
    from reporting.tables import QuestionnaireResponse

    written = {
        (int(r["episode"]), str(r["complaint_instrument"])): int(r["complaint_score"])
        for r in await Screening.select(
            Screening.episode, Screening.complaint_instrument, Screening.complaint_score
        ).where(Screening.complaint_score.is_not_null())
    }
    answered = await QuestionnaireResponse.select(
        QuestionnaireResponse.episode, QuestionnaireResponse.instrument, QuestionnaireResponse.total
    ).where(QuestionnaireResponse.moment == "screening")
    assert answered, "the demo has no questionnaire at a screening"
    return [
        (key[0], key[1], written[key], int(r["total"]))
        for r in answered
        if (key := (int(r["episode"]), str(r["instrument"]))) in written
        and written[key] != int(r["total"])
    ]


def _first_line(failure: AssertionError) -> str:
    return re.split(r"\nassert ", str(failure), maxsplit=1)[0]
