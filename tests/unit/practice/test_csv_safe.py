"""CSV cells a spreadsheet would run as a formula are written as text (OWASP CSV injection)."""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from practice.platform.csv_safe import FORMULA_PREFIXES, csv_text, safe_cell

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","klik")',
        "+31 6 1234",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-3",  # typed as text, so treated as text
    ],
)
def test_a_text_cell_starting_a_formula_gets_a_leading_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Anna Jansen", "Anna Jansen"),
        ("", ""),
        (" =1", " =1"),
        ("a=b", "a=b"),
        ("'=1", "'=1"),
        ("– (none)", "– (none)"),
        (None, ""),
        (5, "5"),
        (-3, "-3"),
        (Decimal("-2.5"), "-2.5"),
        (-1.5, "-1.5"),
        (date(2026, 6, 15), "2026-06-15"),
        (datetime(2026, 6, 15, 8, 0, tzinfo=UTC), "2026-06-15T08:00:00+00:00"),
    ],
)
def test_harmless_text_and_numbers_are_written_as_they_are(value: object, written: str) -> None:
    assert safe_cell(value) == written


def test_infinity_is_not_a_figure_and_is_neutralised_as_text() -> None:
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(Decimal("-Infinity")) == "'-Infinity"


def test_csv_text_writes_every_cell_safe_with_crlf_line_ends() -> None:
    text = csv_text([["name", "count"], ["=1+1", -3], ['a,"b"', None]])
    assert text == 'name,count\r\n\'=1+1,-3\r\n"a,""b""",\r\n'
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(FORMULA_PREFIXES[:1]) for cell in cells)


def test_no_module_but_csv_safe_writes_csv() -> None:
    # One owner: a new CSV export that used the csv module directly would skip the check.
    writers = [
        path.relative_to(ROOT).as_posix()
        for package in ("practice", "scheduling", "reporting")
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"^\s*(import csv|from csv import)", path.read_text(), re.MULTILINE)
    ]
    assert writers == ["practice/platform/csv_safe.py"]
