"""A workbook (.xlsx) that Excel opens as data in any language, never as a formula.

A CSV is read by a spreadsheet in the reader's locale: Dutch Excel splits on ";" and reads
"49.5" as text or a date, so the practice manager's comma-separated figures landed in one
column. An .xlsx holds numbers as numbers and text as text, whatever the locale.

Written with XlsxWriter, with every automatic conversion off: a client's name or a label
typed as ``=HYPERLINK(...)`` stays text (the CSV's rule, ``practice.platform.csv_safe``),
and so does an address or a number typed as text.
"""

import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import xlsxwriter

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses a sheet name longer than 31 characters or holding any of these.
_NAME_LIMIT = 31
_NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    rows: Sequence[Sequence[object]]  # the first row is the header, in bold


def _number(value: object) -> float | int | None:
    """A finite number as Excel stores it; anything else None (written as text)."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value if isinstance(value, int) else None


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A moment as the practice's clock read it, for a cell (Excel keeps no zone)."""
    return moment.astimezone(tz).replace(tzinfo=None)


def sheet_names(names: Iterable[str]) -> list[str]:
    """Names Excel takes: at most 31 characters, none of []:*?/\\, each once."""
    taken: set[str] = set()
    found = []
    for name in names:
        base = _NOT_IN_NAMES.sub(" ", name).strip() or "Sheet"
        candidate, n = base[:_NAME_LIMIT], 1
        while candidate.casefold() in taken:  # Excel compares sheet names case-blind
            n += 1
            suffix = f" ({n})"
            candidate = base[: _NAME_LIMIT - len(suffix)] + suffix
        taken.add(candidate.casefold())
        found.append(candidate)
    return found


def workbook(sheets: Sequence[Sheet]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    lines = book.add_format({"text_wrap": True, "valign": "top"})
    for sheet, name in zip(sheets, sheet_names(s.name for s in sheets), strict=True):
        page = book.add_worksheet(name)
        widths: dict[int, int] = {}
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                widths[c] = max(widths.get(c, 0), *map(len, str(value or "").split("\n")))
                if value is None or value == "":
                    continue
                if isinstance(value, bool):  # would read True/False in English
                    raise TypeError("a yes or no goes in as words of the reader's language")
                number = _number(value)
                if number is not None:
                    page.write_number(r, c, number, bold if r == 0 else None)
                elif isinstance(value, datetime):
                    if value.tzinfo is not None:  # Excel has no zones: the reader's local time
                        raise TypeError("a moment goes in as the practice's local time")
                    page.write_datetime(r, c, value, moment)
                elif isinstance(value, date):
                    page.write_datetime(r, c, value, day)  # a calendar day: no time, no zone
                else:
                    text = str(value)
                    format_ = bold if r == 0 else lines if "\n" in text else None
                    page.write_string(r, c, text, format_)
        for c, width in widths.items():
            page.set_column(c, c, min(60, max(8, width + 2)))
    book.close()
    return buffer.getvalue()
