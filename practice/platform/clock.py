"""Today, in the practice's time zone: deadlines are Dutch calendar dates (pitfall 22)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today_in(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()
