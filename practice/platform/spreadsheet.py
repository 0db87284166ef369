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
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value if isinstance(value, int) else None


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
    for sheet, name in zip(sheets, sheet_names(s.name for s in sheets), strict=True):
        page = book.add_worksheet(name)
        widths: dict[int, int] = {}
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                widths[c] = max(widths.get(c, 0), len(str(value or "")))
                number = _number(value)
                if value is None or value == "":
                    continue
                if number is not None:
                    page.write_number(r, c, number, bold if r == 0 else None)
                elif isinstance(value, date) and not isinstance(value, datetime):
                    page.write_datetime(r, c, value, day)  # a calendar day: no time, no zone
                else:
                    text = value.isoformat() if isinstance(value, datetime) else str(value)
                    page.write_string(r, c, text, bold if r == 0 else None)
        for c, width in widths.items():
            page.set_column(c, c, min(60, max(8, width + 2)))
    book.close()
    return buffer.getvalue()
