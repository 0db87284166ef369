"""The client's review of a report as pure rules: until the end of the n-th working day; how
many days, and whether in the portal or by a mailed link."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from practice.client_accounts import DEFAULT_REVIEW_DAYS
from practice.working_days import WorkingDays
from reporting.report_review import Channel, awaiting, review_channel, review_days, review_until

TZ = ZoneInfo("Europe/Amsterdam")


def test_three_working_days_from_a_friday_end_on_wednesday_night() -> None:
    approved = datetime(2026, 6, 12, 14, 0, tzinfo=TZ)  # a Friday
    until = review_until(approved, 3, WorkingDays(), TZ)
    assert until is not None
    assert until.date() == date(2026, 6, 17) and (until.hour, until.minute) == (23, 59)


def test_a_closing_day_of_the_practice_does_not_count() -> None:
    approved = datetime(2026, 6, 12, 14, 0, tzinfo=TZ)
    calendar = WorkingDays(extra_closing_days=frozenset({date(2026, 6, 15)}))
    until = review_until(approved, 3, calendar, TZ)
    assert until is not None and until.date() == date(2026, 6, 18)


def test_zero_days_is_no_review() -> None:
    assert review_until(datetime(2026, 6, 12, tzinfo=UTC), 0, WorkingDays(), TZ) is None


def test_a_report_awaits_only_while_undecided_and_in_time() -> None:
    until = datetime(2026, 6, 17, 23, 59, tzinfo=TZ)
    before, after = datetime(2026, 6, 17, 12, tzinfo=TZ), datetime(2026, 6, 18, tzinfo=TZ)
    assert awaiting(until, None, before)
    assert not awaiting(until, None, after)
    assert not awaiting(until, "agreed", before)
    assert not awaiting(None, None, before)


@pytest.mark.parametrize(
    ("contract", "choice", "days"),
    [
        (None, None, DEFAULT_REVIEW_DAYS),  # no contract setting: the default
        (5, None, 5),
        (5, "wanted", 5),
        (0, None, DEFAULT_REVIEW_DAYS),  # the contract cannot take the right away
        (0, "wanted", DEFAULT_REVIEW_DAYS),
        (5, "waived", 0),  # only the client's agreement turns it off
        (0, "waived", 0),
    ],
)
def test_the_review_lasts_the_contract_s_days_and_only_the_client_can_waive_it(
    contract: int | None, choice: str | None, days: int
) -> None:
    assert review_days(contract, choice) == days


@pytest.mark.parametrize(
    ("choice", "account", "email", "channel"),
    [
        (None, True, True, Channel.PORTAL),
        ("wanted", True, False, Channel.PORTAL),
        ("wanted", False, True, Channel.LINK),
        ("wanted", False, False, None),  # no way to reach them
        (None, False, True, None),  # not asked, no account: not asked
        ("waived", True, True, None),
        ("waived", False, True, None),
    ],
)
def test_the_client_reviews_in_the_portal_or_by_a_mailed_link_when_they_want_to(
    choice: str | None, account: bool, email: bool, channel: Channel | None
) -> None:
    assert review_channel(choice, account, email) is channel
