"""Money is stored in cents and read and typed in euros (practice.money)."""

import pytest

from practice.money import (
    MAX_CENTS,
    NEGATIVE,
    NOT_AN_AMOUNT,
    TOO_MANY_DECIMALS,
    InvalidAmount,
    euros_for_input,
    format_euros,
    parse_euros,
)


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("125,50", 12550),
        ("125.50", 12550),
        ("€ 125,50", 12550),
        ("€125,50", 12550),
        ("  125,5 ", 12550),
        ("125", 12500),
        ("125,-", 12500),
        ("0", 0),
        ("0,05", 5),
        ("1.250", 125000),
        ("1.250,50", 125050),
        ("1,250.50", 125050),
        ("1 250,50", 125050),
        ("1.250.000", 125000000),
        ("250 EUR", 25000),
    ],
)
def test_an_amount_is_read_the_way_people_type_euros(typed: str, cents: int) -> None:
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", NOT_AN_AMOUNT),
        ("€", NOT_AN_AMOUNT),
        ("twaalf", NOT_AN_AMOUNT),
        ("12,", NOT_AN_AMOUNT),
        (",50", NOT_AN_AMOUNT),
        ("12.50.0", NOT_AN_AMOUNT),
        ("1,250,50.5.0", NOT_AN_AMOUNT),
        ("1.2,50", NOT_AN_AMOUNT),
        ("1e5", NOT_AN_AMOUNT),
        ("12,505", None),  # three digits after one separator: thousands, so valid
        ("12,5055", TOO_MANY_DECIMALS),
        ("1.250,505", TOO_MANY_DECIMALS),
        ("0,001", TOO_MANY_DECIMALS),  # no thousand: it was read as one euro
        ("0.001", TOO_MANY_DECIMALS),
        ("-5", NEGATIVE),
        ("- 5,00", NEGATIVE),
    ],
)
def test_odd_input_is_refused_with_a_reason(typed: str, problem: str | None) -> None:
    if problem is None:
        parse_euros(typed)
        return
    with pytest.raises(InvalidAmount) as refused:
        parse_euros(typed)
    assert refused.value.message == problem


def test_an_absurdly_large_amount_is_refused_as_a_typing_error() -> None:
    with pytest.raises(InvalidAmount, match="too large"):
        parse_euros("1.000.000.000")
    assert parse_euros("100.000.000") == MAX_CENTS


def test_an_amount_is_written_with_the_euro_sign_and_the_reader_s_decimal_sign() -> None:
    assert format_euros(12550, "nl") == "€ 125,50"
    assert format_euros(12550, "en") == "€ 125.50"
    assert format_euros(125000, "nl") == "€ 1.250,00"
    assert format_euros(5, "nl") == "€ 0,05"


def test_a_form_field_shows_the_amount_so_that_it_reads_back_the_same() -> None:
    for cents in (0, 5, 12550, 125000, 99999999):
        for locale in ("nl", "en"):
            assert parse_euros(euros_for_input(cents, locale)) == cents
    assert euros_for_input(None, "nl") == ""
    assert euros_for_input(25000, "nl") == "250,00"
