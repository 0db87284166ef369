"""The local day of a held session as SQLite hands its time over (UTC text)."""

from datetime import date
from zoneinfo import ZoneInfo

from scheduling.queries.sessions import _local_day

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_a_late_utc_evening_session_falls_on_the_next_local_day_in_winter_and_summer() -> None:
    # 23:30 UTC is 00:30 the next day in winter (+1); in summer 22:30 UTC already is (+2).
    assert _local_day("2026-03-28 23:30:00+00:00", AMSTERDAM) == date(2026, 3, 29)
    assert _local_day("2026-03-29 22:30:00+00:00", AMSTERDAM) == date(2026, 3, 30)
    assert _local_day("2026-03-29 21:30:00+00:00", AMSTERDAM) == date(2026, 3, 29)


def test_the_same_time_asked_again_or_in_another_zone_gets_its_own_answer() -> None:
    moment = "2026-07-01 22:30:00+00:00"
    assert _local_day(moment, AMSTERDAM) == date(2026, 7, 2)
    assert _local_day(moment, AMSTERDAM) == date(2026, 7, 2)
    assert _local_day(moment, ZoneInfo("America/New_York")) == date(2026, 7, 1)
