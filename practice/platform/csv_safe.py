"""CSV that a spreadsheet opens as data, never as a formula (OWASP "CSV injection").

Every CSV the service writes goes through ``csv_text``: a client's name, an agreement, a
user's display name or a label typed as ``=HYPERLINK(...)``, ``+cmd|...``, ``-2+3`` or
``@SUM(...)`` would otherwise run in Excel or LibreOffice when the file is opened.
"""

import csv
import io
import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

# A spreadsheet starts a formula at these; tab and carriage return are on OWASP's list
# because some spreadsheets skip them and read the formula that follows.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_number(value: object) -> bool:
    # Infinity and NaN are not figures; as text, "-Infinity" is neutralised like any text.
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int)


def safe_cell(value: object) -> str:
    """One cell as text; text that a spreadsheet would run gets a leading apostrophe.

    Only text is neutralised. A number written as a number stays as it is: -3 in the
    statistics is a figure, not a formula, and a spreadsheet must still read it as -3.
    (Nobody can type a number into a field that turns into a formula: it has a type.)
    """
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# The media type of every CSV download; Litestar adds "; charset=utf-8" itself (a type
# that names it already got it twice).
CSV_MEDIA_TYPE = "text/csv"


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows (a header row first, if any) as CSV with CRLF line ends, every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
