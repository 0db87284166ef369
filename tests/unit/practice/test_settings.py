"""Settings fail loudly on values they cannot trust, and default to the embedded service."""

from pathlib import Path

import pytest

from practice.platform.settings import Settings, SettingsError


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PRACTICE_DATA_DIR": str(tmp_path), **values}


def test_the_default_is_a_sqlite_file_and_an_embedded_redis(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'practice.sqlite'}"
    assert settings.redis_url is None
    assert not settings.is_postgres
    assert settings.time_zone.key == "Europe/Amsterdam"


def test_the_generated_secret_key_is_kept_so_a_second_process_shares_it(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path)).secret_key
    second = Settings.from_env(env(tmp_path)).secret_key
    assert first == second
    assert len(first) >= 32


def test_the_generated_audit_key_is_kept_and_is_not_the_secret_key(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path))
    assert Settings.from_env(env(tmp_path)).audit_key == first.audit_key
    assert len(first.audit_key) >= 32 and first.audit_key != first.secret_key
    assert (tmp_path / "audit_key").read_text().strip() == first.audit_key


def test_postgresql_without_a_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env(env(tmp_path, DATABASE_URL="postgresql://u@h/db"))


def test_postgresql_without_an_audit_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AUDIT_KEY must be set"):
        Settings.from_env(env(tmp_path, DATABASE_URL="postgresql://u@h/db", SECRET_KEY="s" * 32))


@pytest.mark.parametrize("name", ["SECRET_KEY", "AUDIT_KEY"])
def test_a_short_key_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}: use at least 32"):
        Settings.from_env(env(tmp_path, **{name: "short"}))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "unsupported scheme"),
        ("REDIS_URL", "http://x", "REDIS_URL"),
        ("BASE_URL", "ftp://x", "BASE_URL"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE"),
        ("SMTP_PORT", "twenty-five", "SMTP_PORT"),
        ("SMTP_STARTTLS", "maybe", "SMTP_STARTTLS"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("SESSION_IDLE_MINUTES", "0", "minimum"),
    ],
)
def test_a_bad_value_names_the_setting(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env(tmp_path, **{name: value}))


def test_cookies_are_secure_only_behind_https(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path, BASE_URL="https://praktijk.nl")).secure_cookies
    assert not Settings.from_env(env(tmp_path, BASE_URL="http://127.0.0.1:8000")).secure_cookies


def test_audit_rows_are_kept_twenty_years_unless_configured(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path)).audit_retention_years == 20
    configured = Settings.from_env(env(tmp_path, AUDIT_RETENTION_YEARS="7"))
    assert configured.audit_retention_years == 7


@pytest.mark.parametrize("years", ["4", "0", "-1"])
def test_an_audit_retention_below_five_years_is_refused(tmp_path: Path, years: str) -> None:
    with pytest.raises(SettingsError, match=r"AUDIT_RETENTION_YEARS.*minimum 5"):
        Settings.from_env(env(tmp_path, AUDIT_RETENTION_YEARS=years))


def test_an_audit_retention_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AUDIT_RETENTION_YEARS"):
        Settings.from_env(env(tmp_path, AUDIT_RETENTION_YEARS="twenty"))


def test_trusted_proxies_default_to_none_and_a_bad_entry_is_named(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path)).trusted_proxies == ()
    trusted = Settings.from_env(env(tmp_path, TRUSTED_PROXIES="10.0.0.1, 172.16.0.0/12"))
    assert [str(n) for n in trusted.trusted_proxies] == ["10.0.0.1/32", "172.16.0.0/12"]
    with pytest.raises(SettingsError, match=r"TRUSTED_PROXIES: 'proxy\.local'"):
        Settings.from_env(env(tmp_path, TRUSTED_PROXIES="proxy.local"))


def test_metrics_are_off_by_default_and_a_short_token_is_refused(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    assert settings.metrics_token is None and settings.metrics_port is None
    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        Settings.from_env(env(tmp_path, METRICS_TOKEN="short"))
    on = Settings.from_env(env(tmp_path, METRICS_TOKEN="t" * 32, METRICS_PORT="9108"))
    assert (on.metrics_token, on.metrics_port) == ("t" * 32, 9108)
