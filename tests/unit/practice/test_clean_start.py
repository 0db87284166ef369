"""A clean start: where links point, what the migration line says, which loggers speak."""

import logging
from pathlib import Path

import pytest

from practice.composition.cli import migration_summary
from practice.platform.logs import configure_logging, library_level
from practice.platform.mail import build, mail_domain
from practice.platform.settings import Settings, absolute_link, served_url


def settings(tmp_path: Path, **values: str) -> Settings:
    return Settings.from_env({"PRACTICE_DATA_DIR": str(tmp_path), **values})


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 8933, "http://127.0.0.1:8933"),
        ("0.0.0.0", 8000, "http://localhost:8000"),  # noqa: S104 - an address, not a bind
        ("::", 8001, "http://localhost:8001"),
        ("::1", 8002, "http://[::1]:8002"),
        ("praktijk.local", 80, "http://praktijk.local:80"),
    ],
)
def test_the_served_address_is_one_a_browser_on_this_machine_can_open(
    host: str, port: int, address: str
) -> None:
    assert served_url(host, port) == address


def test_base_url_defaults_to_the_address_practice_serve_uses_without_options(
    tmp_path: Path,
) -> None:
    assert settings(tmp_path).base_url == "http://127.0.0.1:8000"
    configured = settings(tmp_path, BASE_URL="https://praktijk.example.nl/")
    assert configured.base_url == "https://praktijk.example.nl"


def test_a_link_is_the_path_under_base_url_with_one_slash(tmp_path: Path) -> None:
    configured = settings(tmp_path, BASE_URL="https://praktijk.example.nl")
    assert (
        configured.link("/monitor#break-glass") == "https://praktijk.example.nl/monitor#break-glass"
    )
    assert configured.link("company-doctor") == "https://praktijk.example.nl/company-doctor"
    assert absolute_link("http://localhost:8933/", "/x") == "http://localhost:8933/x"


def test_a_message_is_dated_and_identified_by_the_practices_mail_domain(tmp_path: Path) -> None:
    named = settings(tmp_path, MAIL_FROM="Praktijk @Work <post@praktijk-atwork.nl>")
    message = build(named, to_address="anna@example.org", subject="Uw afspraak", body_text="Di")
    assert message["Date"]
    assert message["Message-ID"].endswith("@praktijk-atwork.nl>")
    assert mail_domain(settings(tmp_path, MAIL_FROM="praktijk", BASE_URL="https://a.nl")) == "a.nl"


def test_the_migration_line_counts_what_ran_now_and_what_had_run_before() -> None:
    assert migration_summary(0, 7) == "database migrated: 7 migrations run now, 0 had already run"
    assert migration_summary(6, 7) == "database migrated: 1 migration run now, 6 had already run"
    assert migration_summary(7, 7) == "database up to date: all 7 migrations had already run"


def test_libraries_log_warnings_while_the_service_logs_at_log_level() -> None:
    root = logging.getLogger()
    saved = root.level, {n: logging.getLogger(n).level for n in ("practice", "arq", "mail.log")}
    try:
        configure_logging("INFO")
        assert logging.getLogger("practice.start").isEnabledFor(logging.INFO)
        assert logging.getLogger("reporting.jobs").isEnabledFor(logging.INFO)
        for library in ("arq.worker", "mail.log", "weasyprint", "fontTools.ttLib", "asyncio"):
            assert not logging.getLogger(library).isEnabledFor(logging.INFO), library
            assert logging.getLogger(library).isEnabledFor(logging.WARNING), library
        # DEBUG shows the libraries too, except those that would log client data.
        configure_logging("DEBUG")
        assert logging.getLogger("arq.worker").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("mail.log").isEnabledFor(logging.INFO)
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
    assert library_level("INFO") == "WARNING"
    assert library_level("ERROR") == "ERROR"
