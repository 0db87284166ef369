"""The retention rule (WGBO 7:454): a record is kept 20 years after its last change, and
destroyed from the day after, never earlier (DATA-4)."""

from datetime import date
from pathlib import Path

import pytest

from practice.platform.settings import Settings, SettingsError
from practice.retention import add_years, decide, destroy_from

LAST_CHANGE = date(2006, 3, 14)


def test_a_record_is_kept_on_the_last_day_of_its_twenty_years() -> None:
    decision = decide([date(2001, 1, 1), LAST_CHANGE], date(2026, 3, 14), years=20)
    assert not decision.expired
    assert decision.reason == "kept"
    assert decision.last_change == LAST_CHANGE


def test_a_record_expires_the_day_after_twenty_years_from_its_last_change() -> None:
    decision = decide([LAST_CHANGE], date(2026, 3, 15), years=20)
    assert decision.expired
    assert decision.destroy_from == date(2026, 3, 15)


def test_a_record_changed_a_day_later_is_kept_a_day_longer() -> None:
    changes = [LAST_CHANGE, date(2006, 3, 15)]
    assert not decide(changes, date(2026, 3, 15), years=20).expired
    assert decide(changes, date(2026, 3, 16), years=20).expired


def test_the_latest_change_counts_whatever_order_the_dates_come_in() -> None:
    changes = [date(2010, 5, 1), date(1999, 1, 1), date(2004, 7, 7)]
    assert decide(changes, date(2030, 5, 1), years=20).last_change == date(2010, 5, 1)
    assert not decide(changes, date(2030, 5, 1), years=20).expired


def test_a_record_with_an_open_episode_is_never_expired() -> None:
    decision = decide([date(1990, 1, 1)], date(2026, 1, 1), years=20, open_episode=True)
    assert not decision.expired
    assert decision.reason == "open"


def test_a_record_without_any_date_is_kept() -> None:
    decision = decide([], date(2026, 1, 1), years=20)
    assert not decision.expired
    assert decision.last_change is None


def test_a_longer_period_keeps_the_record_longer() -> None:
    assert not decide([LAST_CHANGE], date(2026, 3, 15), years=25).expired
    assert decide([LAST_CHANGE], date(2031, 3, 15), years=25).expired


def test_a_period_below_twenty_years_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        decide([LAST_CHANGE], date(2026, 3, 15), years=19)


def test_twenty_years_after_29_february_ends_on_1_march_not_earlier() -> None:
    assert add_years(date(2004, 2, 29), 20) == date(2024, 2, 29)
    assert add_years(date(2004, 2, 29), 21) == date(2025, 3, 1)
    assert destroy_from(date(2004, 2, 29), 21) == date(2025, 3, 2)


def test_the_retention_setting_defaults_to_twenty_years(tmp_path: Path) -> None:
    settings = Settings.from_env({"PRACTICE_DATA_DIR": str(tmp_path)})
    assert settings.record_retention_years == 20


def test_a_retention_setting_below_twenty_years_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="RECORD_RETENTION_YEARS"):
        Settings.from_env({"PRACTICE_DATA_DIR": str(tmp_path), "RECORD_RETENTION_YEARS": "19"})
