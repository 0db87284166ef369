"""Dutch (default) and English: message catalogues, the request's locale, dates and numbers.

Catalogues are the ``.po`` files under ``practice/locale``; they are compiled in memory at
start-up, so no build step and no binary files in git. Message ids are English.
"""

import contextvars
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
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
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def format_day(value: date, style: str = "medium") -> str:
    return format_date(value, style, locale=current_locale.get())


def format_moment(value: datetime, tz: ZoneInfo, style: str = "medium") -> str:
    # babel treats naive datetimes as UTC; ours are always aware (Timestamptz).
    return format_datetime(value, style, tzinfo=tz, locale=current_locale.get())


def format_number(value: Decimal | float | int, digits: int = 1) -> str:
    return format_decimal(
        value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=current_locale.get()
    )
