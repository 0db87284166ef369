"""Held sessions: the dates that count toward reports and the alignment meeting."""

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.platform.db import engine, ids_in
from scheduling.appointments import AppointmentKind, Attendance, counts_toward_reporting
from scheduling.tables import Appointment


async def held_counting_dates(
    episode_ids: Sequence[int], tz: ZoneInfo
) -> dict[int, tuple[date, ...]]:
    """Dates (local to ``tz``, the practice's TIME_ZONE) of held sessions that count toward
    reports and the alignment meeting."""
    if not episode_ids:
        return {}
    # A long treatment has a thousand held sessions, and this runs for every client page
    # and caseload (P-1, P-2): one row per episode, not one per session. PostgreSQL makes
    # the array of local dates itself; SQLite has no time zones, so it hands over the UTC
    # times (stored as ISO text) in one string, made local dates here.
    counting = [kind.value for kind in AppointmentKind if counts_toward_reporting(kind)]
    postgres = engine().engine_type == "postgres"
    aggregate = (
        "array_agg((starts_at AT TIME ZONE {})::date ORDER BY starts_at)"
        if postgres
        else "group_concat(starts_at, ',')"
    )
    rows = await Appointment.raw(
        f"SELECT episode, {aggregate} AS held FROM appointment"  # noqa: S608 (no user input)
        " WHERE {} AND attendance = {} AND kind IN ({}) GROUP BY episode",
        *([tz.key] if postgres else []),
        ids_in("episode", episode_ids),
        Attendance.HELD.value,
        QueryString(", ".join("{}" for _ in counting), *counting),
    )
    if postgres:
        return {int(r["episode"]): tuple(r["held"]) for r in rows}
    return {
        int(r["episode"]): tuple(
            # Same-format UTC text sorts in time order; Piccolo stores Timestamptz in UTC.
            _local_day(moment, tz)
            for moment in sorted(r["held"].split(","))
        )
        for r in rows
    }


# Sessions start at a few times of day, and every caseload and client page asks again for
# the same ones (a long treatment's thousand sessions: 6 ms of parsing per page on SQLite,
# P-1). A few thousand recent moments are kept (about a megabyte).
@functools.lru_cache(maxsize=4096)
def _local_day(moment: str, tz: ZoneInfo) -> date:
    """The local date in ``tz`` of a UTC time as SQLite stores it (ISO text)."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC).astimezone(tz).date()
