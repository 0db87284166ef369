"""Dutch (default) and English: message catalogues, the request's locale, dates and numbers.

Catalogues are the ``.po`` files under ``practice/locale``; they are compiled in memory at
start-up, so no build step and no binary files in git. Message ids are English.
"""

import contextvars
import functools
import io
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern
from babel.support import Translations

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LOCALE_DIR = Path(__file__).parents[1] / "locale"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "practice_locale", default=DEFAULT_LOCALE
)


def _load(locale: str) -> Translations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


_translations: dict[str, Translations] = {}


def translations(locale: str) -> Translations:
    if locale not in _translations:
        _translations[locale] = _load(locale)
    return _translations[locale]


def pick_locale(cookie: str | None, user_locale: str | None, accept_language: str | None) -> str:
    """The language switch wins, then the account's preference, then the browser's."""
    for candidate in (cookie, user_locale):
        if candidate in LOCALES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return DEFAULT_LOCALE


def N_(message: str) -> str:  # noqa: N802 - the conventional marker name
    """Mark a message for extraction where it is translated later (tables of labels)."""
    return message


def gettext(message: str) -> str:
    """The message in the current language. A message with values (``practice.errors.Message``)
    is translated by its id and filled in after, each value in this language's format; a
    translation whose placeholders do not fit its values falls back to the English text."""
    catalogue = translations(current_locale.get())
    params: Mapping[str, Any] | None = getattr(message, "params", None)
    if params is None:
        return catalogue.gettext(message)
    try:
        return catalogue.gettext(getattr(message, "id")) % {  # noqa: B009
            name: _in_locale(value) for name, value in params.items()
        }
    except (KeyError, TypeError, ValueError):
        return str.__str__(message)


class Count(int):
    """A number of things in a message (``Message(…, count=Count(1000))``), written as this
    language writes numbers: "1.000 tekens", "1,000 characters". A plain int stays as given:
    it may be a year, a week or an ordinal, which take no separator."""

    __slots__ = ()


def _in_locale(value: Any) -> Any:
    """A message's value as this language writes it: a message (a label) translated, dates
    and numbers formatted; the rest as given."""
    if getattr(value, "params", None) is not None:
        return gettext(value)
    if isinstance(value, datetime):
        return format_datetime(value, "medium", locale=current_locale.get())
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, Count):
        return format_number(int(value), 0)
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        exact = Decimal(value).normalize()
        digits = max(0, -int(exact.as_tuple().exponent))
        return format_number(value, min(digits, 2))
    return value


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def format_day(value: date, style: str = "medium") -> str:
    return _day(value, style, current_locale.get())


# Days and clock times written are kept: a page writes the same few again and again (a
# client page with 60 appointments wrote 120 through babel, 2 ms of P-2's heavy page), and
# babel looks the locale and pattern up again on every call.
@functools.lru_cache(maxsize=4096)
def _day(value: date, style: str, locale: str) -> str:
    return str(format_date(value, style, locale=locale))


@functools.lru_cache(maxsize=2048)
def _clock(hour: int, minute: int, locale: str) -> str:
    """Hours and minutes in the language's short time style ("14:05", "2:05 PM"): that
    style names nothing but the hour, the minute and the half of the day, so the local
    clock time decides it."""
    return str(format_time(time(hour, minute), "short", locale=locale))


def format_moment(value: datetime, tz: ZoneInfo, style: str = "medium") -> str:
    """A moment as this language writes it. The short and medium styles are the day as
    ``format_day`` writes it and the time in hours and minutes ("3 dec 2026, 14:05"), so a
    page shows one date format beside its days (babel's own short style is "03-12-2026")."""
    # babel treats naive datetimes as UTC; ours are always aware (Timestamptz).
    locale = current_locale.get()
    if style == "date":  # the local day alone, as ``format_day`` writes it
        return _day(value.astimezone(tz).date(), "medium", locale)
    if style in ("short", "medium", "time"):
        local = value.astimezone(tz)
        clock = _clock(local.hour, local.minute, locale)
        if style == "time":  # the hours and minutes alone (an appointment's end)
            return clock
        return f"{_day(local.date(), 'medium', locale)}, {clock}"
    return format_datetime(value, style, tzinfo=tz, locale=locale)


@functools.cache
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern(f"#,##0.{'0' * digits}" if digits else "#,##0")


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: Decimal | float | int, digits: int = 1) -> str:
    """The number as this language writes it (``1.234,5``) to `digits` decimals, as babel's
    ``format_decimal`` writes it (exactly, for a Decimal). The parsed pattern and locale
    are kept: babel parses both again on every call; and so are the numbers written, which
    repeat (the dashboard writes some 300 a view, most of them counts and shares: P-4)."""
    return _formatted(type(value).__name__, value, digits, current_locale.get())


@functools.lru_cache(maxsize=4096)
def _formatted(kind: str, value: Decimal | float | int, digits: int, locale: str) -> str:
    # The type is part of the key: 0.35 == Decimal(0.35), but babel writes a float as its
    # shortest repr ("0.35", rounded up) and the Decimal as its exact value (rounded down).
    return str(_number_pattern(digits).apply(value, _locale(locale)))
