"""A floor for small-cell suppression: an employer's smallest statistics cell is never below
5, at the API (400 naming the field), the administrator's form (400 beside the field) and
the database (a CHECK on PostgreSQL, triggers on SQLite); a value may go up, never below."""

import sqlite3
from datetime import date
from typing import Any

import asyncpg
import pytest
import time_machine

from practice.platform.db import engine
from practice.tables import Employer
from reporting.services.employer_statistics import publish_month
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import post_page_form
from tests.integration.reporting.test_statistics import TZ, consent_to_the_employer
from tests.integration.reporting.test_statistics import world as world  # a fixture
from tests.story import ok
from tests.web import api, login

JSON = "application/json"

REFUSED_BY_THE_DATABASE = (asyncpg.exceptions.CheckViolationError, sqlite3.IntegrityError)


@pytest.mark.parametrize("small", [1, 4])
async def test_an_employer_with_a_smallest_cell_below_five_is_refused_at_the_api(
    client, cast: Cast, small: int
) -> None:
    await login(client, cast.administrator.email)
    response = await api(
        client, "POST", "/api/employers", {"name": "Klein BV", "min_cell_size": small}
    )
    assert response.status_code == 400, response.text
    problem = response.json()["fields"]["min_cell_size"]
    assert problem == "at least 5: a smaller group can identify an employee"
    assert await Employer.count() == 0
    response = await api(client, "POST", "/api/employers", {"name": "Klein BV", "min_cell_size": 5})
    assert response.status_code == 201
    response = await api(
        client, "POST", "/api/employers", {"name": "Groot BV", "min_cell_size": 20}
    )
    assert response.status_code == 201


async def test_the_employer_form_names_the_floor_beside_the_field_and_writes_nothing(
    client, cast: Cast
) -> None:
    await login(client, cast.administrator.email)
    response = await post_page_form(
        client,
        "/admin/employers",
        "/admin/employers",
        {
            "name": "Klein BV",
            "default_offer": "atwork_basic",
            "report_every": "5",
            "min_cell_size": "2",
            "screening_day_unit": "calendar",
        },
    )
    assert response.status_code == 400
    assert "ten minste 5: een kleinere groep kan een werknemer herkenbaar maken" in response.text
    assert await Employer.count() == 0


async def _refused(statement: Any) -> None:
    """The statement fails in the database; the test's transaction goes on (a savepoint:
    PostgreSQL would otherwise refuse every later statement of the aborted transaction)."""
    transaction = engine().current_transaction.get()
    assert transaction is not None, "the test runs inside the db fixture's transaction"
    savepoint = await transaction.savepoint()
    try:
        with pytest.raises(REFUSED_BY_THE_DATABASE):
            await statement
    finally:
        await savepoint.rollback_to()
        await savepoint.release()


async def test_the_database_refuses_a_smallest_cell_below_five_whoever_writes_it(db) -> None:
    await _refused(Employer.insert(Employer(name="Klein BV", min_cell_size=1)))
    rows = await Employer.insert(Employer(name="Zorg & Co", min_cell_size=5)).returning(Employer.id)
    employer_id = rows[0]["id"]
    await _refused(Employer.update({Employer.min_cell_size: 4}).where(Employer.id == employer_id))
    await Employer.update({Employer.min_cell_size: 8}).where(Employer.id == employer_id)
    row = await Employer.select(Employer.min_cell_size).where(Employer.id == employer_id).first()
    assert row == {"min_cell_size": 8}
    assert await Employer.count().where(Employer.name == "Klein BV") == 0


def _figures_rest_on_the_floor(tables: list[dict[str, Any]], min_n: int) -> list[str]:
    """Every problem of a dashboard's JSON: a shown figure over fewer than ``min_n`` records,
    or a column whose total is shown beside exactly one hidden cell (recomputable)."""
    problems = []
    for table in tables:
        for row in table["rows"]:
            for column, cell in enumerate(row["cells"]):
                if cell["value"] is not None and (cell["n"] is None or cell["n"] < min_n):
                    problems.append(f"{table['key']}:{row['key']}:{column} n={cell['n']}")
        total = next((row for row in table["rows"] if row["key"] == "all"), None)
        if total is None:
            continue
        for column, cell in enumerate(total["cells"]):
            hidden = [
                row["key"]
                for row in table["rows"]
                if row is not total and row["cells"][column]["n"] is None
            ]
            if cell["n"] is not None and len(hidden) == 1:
                problems.append(f"{table['key']}:{hidden[0]}:{column} recomputable from the total")
    return problems


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_no_figure_the_practice_manager_or_an_employer_sees_rests_on_fewer_than_five(
    client, cast: Cast, world
) -> None:
    await login(client, cast.practice_manager.email)
    for query in ("", f"?employer_id={world.employers['main']}"):
        data = await ok(
            await client.get(f"/api/statistics/outcomes{query}", headers={"accept": JSON})
        )
        assert data["min_n"] >= 5
        assert _figures_rest_on_the_floor(data["tables"], data["min_n"]) == [], query
    await consent_to_the_employer()
    await publish_month(world.employers["main"], date(2026, 5, 1), TZ)
    await login(client, cast.employer_contact.email)
    data = await ok(await client.get("/api/employer/statistics", headers={"accept": JSON}))
    assert all(employer["published"] for employer in data["employers"])
    for employer in data["employers"]:
        assert employer["min_n"] >= 5
        cells = [
            *(employer[key] for key in ("employees_referred", "episodes", "sessions_held")),
            employer["with_resumption_agreements_percent"],
            *employer["volume_percent"].values(),
        ]
        for cell in cells:
            assert cell["value"] is None or cell["n"] >= 5, cell
