"""Money: stored as whole euro cents, read and typed as euros (pure).

The one owner of how an amount is written and read. A page shows "€ 125,50" (Dutch) or
"€ 125.50" (English); a form takes what people type: "125,50", "125.50", "€ 125,50",
"1.250", "1.250,50", "1,250.50", "€125". An amount is never negative and has at most two
decimals; anything else is refused with a sentence for the person who typed it.

Reading the separators: when both "." and "," occur, the last one is the decimal sign and
the other groups thousands. A single kind of separator followed by exactly three digits is
a thousands separator ("1.250" is twelve hundred and fifty euros, as a Dutch reader writes
it; nobody types euros to the tenth of a cent), otherwise it is the decimal sign.
"""

import re
from decimal import Decimal

from babel.numbers import format_decimal

from practice.errors import Message
from practice.platform.i18n import N_

MAX_CENTS = 100_000_000_00  # a hundred million euros: beyond any contract figure, a typo

NOT_AN_AMOUNT = N_("Enter an amount in euros, for example 125,50.")
TOO_MANY_DECIMALS = N_("Use at most two decimals (cents).")
NEGATIVE = N_("An amount cannot be negative.")
TOO_LARGE = N_("This amount is too large (at most %(amount)s).")

_DIGITS_AND_SEPARATORS = re.compile(r"^\d[\d.,]*$")


class InvalidAmount(ValueError):
    """Typed text that is not an amount in euros; ``message`` says why (a message id)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_euros(text: str) -> int:
    """The amount in cents of what was typed, e.g. "€ 125,50" -> 12550."""
    cleaned = text.strip().replace("€", "").replace("EUR", "").replace("eur", "")
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)  # spaces and apostrophes group too
    if cleaned.startswith("-"):
        raise InvalidAmount(NEGATIVE)
    cleaned = cleaned.removeprefix("+")
    if cleaned.endswith((",-", ".-")):  # "125,-": whole euros, as a price tag writes it
        cleaned = cleaned[:-2]
    if not _DIGITS_AND_SEPARATORS.match(cleaned) or cleaned[-1] in ".,":
        raise InvalidAmount(NOT_AN_AMOUNT)
    whole, cents = _split(cleaned)
    if len(cents) > 2:
        raise InvalidAmount(TOO_MANY_DECIMALS)
    amount = int(whole) * 100 + int(cents.ljust(2, "0") or "0")
    if amount > MAX_CENTS:
        raise InvalidAmount(Message(TOO_LARGE, amount=format_euros(MAX_CENTS, "nl")))
    return amount


def _split(text: str) -> tuple[str, str]:
    """(whole euros without grouping, decimals) of digits with "." and "," in them."""
    last_dot, last_comma = text.rfind("."), text.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_sign = "." if last_dot > last_comma else ","
        group_sign = "," if decimal_sign == "." else "."
        whole, _, cents = text.rpartition(decimal_sign)
        if decimal_sign in whole:
            raise InvalidAmount(NOT_AN_AMOUNT)
        return _ungrouped(whole, group_sign), cents
    sign = "." if last_dot >= 0 else "," if last_comma >= 0 else None
    if sign is None:
        return text, ""
    parts = text.split(sign)
    if len(parts) > 2 or len(parts[-1]) == 3:
        return _ungrouped(text, sign), ""  # "1.250" and "1.250.000": thousands
    return parts[0], parts[1]


def _ungrouped(text: str, sign: str) -> str:
    """Digits grouped by ``sign`` in threes ("1.250.000"), without the signs; refused when
    the groups are not threes ("12.50.0")."""
    groups = text.split(sign)
    if groups[0].startswith("0") and len(groups) == 2:
        # "0,001" is no thousand: a tenth of a cent (it was read as one euro).
        raise InvalidAmount(TOO_MANY_DECIMALS)
    if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
        raise InvalidAmount(NOT_AN_AMOUNT)
    return "".join(groups)


def format_euros(cents: int, locale: str) -> str:
    """The amount as the reader writes it: "€ 125,50" in Dutch, "€ 125.50" in English (whole
    euros keep their ",00")."""
    amount = Decimal(cents) / 100
    return "€ " + format_decimal(amount, format="#,##0.00", locale=locale)


def euros_for_input(cents: int | None, locale: str) -> str:
    """The amount as a form field shows it for editing: "125,50" (Dutch), no sign, no grouping."""
    if cents is None:
        return ""
    return format_decimal(Decimal(cents) / 100, format="0.00", locale=locale)
