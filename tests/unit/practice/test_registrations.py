"""The professional registration an author signs with: the register named, and its number."""

import pytest

from practice.registrations import normalised, problem


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  big  49012345625 ", "BIG 49012345625"),
        ("NIP 12345", "NIP 12345"),
        ("BIG: 49012345625,  lvvp 3456", "BIG 49012345625, LVVP 3456"),
        ("big49012345625", "BIG 49012345625"),
        ("BIG-490 1234 5625", "BIG 490 1234 5625"),
        ("NIP 12345, ", "NIP 12345"),
        ("BIG-nummer 49012345625", "BIG 49012345625"),
        ("BIG-registratienummer: 49012345625", "BIG 49012345625"),
        ("NIP-lidnummer 12345, LVVP nr. 3456", "NIP 12345, LVVP 3456"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_registration_is_stored_with_the_register_in_capitals_and_single_spaces(
    typed: str | None, stored: str | None
) -> None:
    assert normalised(typed) == stored
    assert problem(normalised(typed)) is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("49012345625", "Write the register and the number"),
        ("GZ-psycholoog", "Write the register and the number"),
        ("KNMG 12345", "Write the register and the number"),
        ("BIG 4901234562", "A BIG number has 11 digits."),
        ("BIG 49012345625, NIP", "Write the register and the number"),
        ("NIP " + "9" * 70, "at most 64 characters"),
        ("NIP \u0661\u0662\u0663", "Write the register and the number"),  # ASCII digits only
        ("BIGGER 49012345625", "Write the register and the number"),
        ("BIG-nummer 4901234562", "A BIG number has 11 digits."),
    ],
)
def test_a_registration_without_its_register_or_with_a_short_big_number_is_refused(
    typed: str, why: str
) -> None:
    found = problem(normalised(typed))
    assert found is not None and why in found
