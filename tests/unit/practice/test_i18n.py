"""Dutch and English: every message in the code and templates is translated into Dutch."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import example, given
from hypothesis import strategies as st

from practice.platform import i18n
from practice.platform.templating import TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[3]
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _message_ids() -> set[str]:
    ids: set[str] = set()
    for folder in (ROOT / "practice", ROOT / "scheduling", ROOT / "reporting", TEMPLATE_DIR):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder),
            METHODS,
            keywords=KEYWORDS,
            options_map={
                "**.html": {"extensions": "jinja2.ext.i18n"},
                "**.txt": {"extensions": "jinja2.ext.i18n"},
            },
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_id_has_a_dutch_translation() -> None:
    po_file = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as handle:
        translated = {
            m.id[0] if isinstance(m.id, tuple) else m.id
            for m in read_po(handle)
            if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
    untranslated = sorted(_message_ids() - translated)
    assert untranslated == [], f"add these to {po_file}"


def test_the_default_locale_is_dutch_and_the_switch_wins() -> None:
    assert i18n.pick_locale(None, None, None) == "nl"
    assert i18n.pick_locale(None, None, "en-GB,en;q=0.9") == "en"
    assert i18n.pick_locale(None, "en", "nl") == "en"
    assert i18n.pick_locale("nl", "en", "en") == "nl"
    assert i18n.pick_locale("fr", None, "de") == "nl"


def test_dates_follow_the_locale() -> None:
    from datetime import date

    token = i18n.current_locale.set("nl")
    try:
        assert i18n.format_day(date(2026, 4, 27), "long") == "27 april 2026"
    finally:
        i18n.current_locale.reset(token)
    token = i18n.current_locale.set("en")
    try:
        assert i18n.format_day(date(2026, 4, 27), "long") == "April 27, 2026"
    finally:
        i18n.current_locale.reset(token)


def test_a_count_in_a_message_is_written_with_the_languages_separator_and_a_year_is_not() -> None:
    from practice.errors import Message

    for locale, written in (
        ("nl", "Houd het bericht onder 1.000 tekens."),
        ("en", "Keep the message under 1,000 characters."),
    ):
        token = i18n.current_locale.set(locale)
        try:
            message = Message(
                "Keep the message under %(count)s characters.", count=i18n.Count(1000)
            )
            assert i18n.gettext(message) == written
            assert str(i18n.gettext(Message("%(count)s", count=2026))) == "2026"
        finally:
            i18n.current_locale.reset(token)


def test_a_number_is_written_as_babel_writes_it_in_each_language_however_often_it_is_asked() -> (
    None
):
    from decimal import Decimal

    from babel.numbers import format_decimal

    values: list[Decimal | float | int] = [0, 7, 1234, 1234567, Decimal("12.5"), Decimal("0.35")]
    values += [0.35, 2.5, Decimal("-3.25"), 1e6]
    for locale in ("nl", "en"):
        token = i18n.current_locale.set(locale)
        try:
            for digits in (0, 1, 2):
                pattern = f"#,##0.{'0' * digits}" if digits else "#,##0"
                for value in values * 2:  # the second time from the kept numbers
                    expected = format_decimal(value, pattern, locale=locale)
                    assert i18n.format_number(value, digits) == expected, (locale, value)
        finally:
            i18n.current_locale.reset(token)
    # Equal values of two types are written as babel writes each: a float as its shortest
    # repr, a Decimal exactly (0.35 as a float is 0.3499999…).
    token = i18n.current_locale.set("en")
    try:
        exact = Decimal.from_float(0.35)
        assert i18n.format_number(exact) == format_decimal(exact, "#,##0.0", locale="en")
        assert i18n.format_number(0.35) == format_decimal(0.35, "#,##0.0", locale="en")
        assert i18n.format_number(exact) != i18n.format_number(0.35)
    finally:
        i18n.current_locale.reset(token)


@given(
    # Hypothesis takes naive bounds and attaches the zone itself.
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2040, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    locale=st.sampled_from(i18n.LOCALES),
    style=st.sampled_from(["short", "medium", "time"]),
)
# The clock hour that happens twice (the night summer time ends), and the night it begins.
@example(moment=datetime(2026, 10, 25, 0, 30, tzinfo=UTC), locale="nl", style="medium")
@example(moment=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), locale="en", style="medium")
@example(moment=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), locale="en", style="short")
def test_a_moment_is_written_as_babel_writes_it_in_each_language_however_often_it_is_asked(
    moment: datetime, locale: str, style: str
) -> None:
    tz = ZoneInfo("Europe/Amsterdam")
    day = format_date(moment.astimezone(tz), "medium", locale=locale)
    clock = format_time(moment, "short", tzinfo=tz, locale=locale)
    expected = clock if style == "time" else f"{day}, {clock}"
    token = i18n.current_locale.set(locale)
    try:
        assert i18n.format_moment(moment, tz, style) == expected
        assert i18n.format_moment(moment, tz, style) == expected
    finally:
        i18n.current_locale.reset(token)


def test_a_stored_iso_date_is_written_as_a_date_and_other_text_as_it_is() -> None:
    from practice.platform.templating import day

    token = i18n.current_locale.set("nl")
    try:
        assert day("2026-11-02") == day(datetime(2026, 11, 2, tzinfo=UTC).date()) == "2 nov 2026"
        assert day("binnenkort") == "binnenkort"
        assert day(None) == "–"
    finally:
        i18n.current_locale.reset(token)
