"""The workbook download: numbers stay numbers, text stays text, never a formula."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from practice.platform.spreadsheet import Sheet, local, sheet_names, workbook

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


def _read(content: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def test_numbers_are_numbers_and_text_that_looks_like_a_formula_or_a_number_stays_text() -> None:
    rows: list[list[object]] = [
        ["Figure", "%", "n"],
        ['=HYPERLINK("http://x")', Decimal("49.5"), 12],
        ["+31 6 1234", "007", -3],
        ["@SUM(A1)", Decimal("NaN"), None],
        ["https://example.test", date(2026, 12, 7), local(AT, AMSTERDAM)],
    ]
    read = _read(workbook([Sheet("Uitkomsten", rows)]))["Uitkomsten"]

    assert read[0] == ["Figure", "%", "n"]
    assert read[1] == ['=HYPERLINK("http://x")', 49.5, 12]  # the formula as its text
    assert read[2] == ["+31 6 1234", "007", -3]
    assert read[3] == ["@SUM(A1)", "NaN", None]  # not a number: its text
    assert read[4][0] == "https://example.test"
    assert isinstance(read[4][1], datetime) and read[4][1].date() == date(2026, 12, 7)
    assert read[4][2] == local(AT, AMSTERDAM)  # 09:30 in Amsterdam, not 08:30 UTC


def test_a_moment_with_a_zone_or_a_yes_or_no_is_refused_not_written_as_english_or_utc() -> None:
    for value in (True, datetime(2026, 12, 7, 9, 30, tzinfo=UTC)):
        with pytest.raises(TypeError):
            workbook([Sheet("x", [["a"], [value]])])


def test_sheet_names_are_cut_to_excels_31_characters_cleaned_and_made_unique() -> None:
    names = sheet_names(
        [
            "Werkhervatting in % van de contracturen bij begin/einde",
            "Werkhervatting in % van de contracturen bij begin/einde",
            "a[b]:c*d?",
            "",
        ]
    )

    assert all(len(name) <= 31 for name in names)
    assert names[0] == "Werkhervatting in % van de cont"
    assert names[1].endswith(" (2)") and names[1] != names[0]
    assert names[2] == "a b  c d"
    assert names[3] == "Sheet"
