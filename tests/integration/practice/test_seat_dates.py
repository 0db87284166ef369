"""The database and the pure rule agree on who is on the case team on a date.

``practice.case_team.active_on`` is the rule (both ends included, no end open-ended); every
query asks it of the database through ``practice.queries.access.seat_active_on``. Here both
answer for seats around their first and last day, on SQLite and PostgreSQL alike.
"""

from datetime import date, timedelta

import httpx

from practice.case_team import active_on
from practice.queries.access import seat_active_on
from practice.tables import CaseAssignment
from tests.cast import Cast
from tests.story import refer, setup_parties

FIRST = date(2026, 5, 4)
LAST = date(2026, 5, 8)
SEATS = [(FIRST, LAST), (FIRST, FIRST), (FIRST, None), (LAST, None)]


async def test_the_seat_query_holds_the_seats_the_pure_rule_holds_on_every_day_around_them(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    ids: dict[int, tuple[date, date | None]] = {}
    for valid_from, valid_to in SEATS:
        rows = await CaseAssignment.insert(
            CaseAssignment(
                episode=episode_id,
                user=cast.company_doctor.id,
                team_role="company_doctor",
                valid_from=valid_from,
                valid_to=valid_to,
            )
        ).returning(CaseAssignment.id)
        ids[int(rows[0]["id"])] = (valid_from, valid_to)
    for on in (FIRST + timedelta(days=offset) for offset in range(-1, 7)):
        found = await CaseAssignment.select(CaseAssignment.id).where(
            CaseAssignment.id.is_in(list(ids)) & seat_active_on(on)
        )
        expected = {seat for seat, (start, end) in ids.items() if active_on(start, end, on)}
        assert {int(row["id"]) for row in found} == expected, on
