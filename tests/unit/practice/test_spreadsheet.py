"""The workbook download: numbers stay numbers, text stays text, never a formula."""

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from practice.platform.spreadsheet import Sheet, sheet_names, workbook


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
        ["https://example.test", date(2026, 12, 7), True],
    ]
    read = _read(workbook([Sheet("Uitkomsten", rows)]))["Uitkomsten"]

    assert read[0] == ["Figure", "%", "n"]
    assert read[1] == ['=HYPERLINK("http://x")', 49.5, 12]  # the formula as its text
    assert read[2] == ["+31 6 1234", "007", -3]
    assert read[3] == ["@SUM(A1)", "NaN", None]  # not a number: its text
    assert read[4][0] == "https://example.test"
    assert isinstance(read[4][1], datetime) and read[4][1].date() == date(2026, 12, 7)
    assert read[4][2] == "True"


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
