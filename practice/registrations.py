"""A professional registration, the number an author signs documents with: BIG (the
register of the Wet BIG, eleven digits), NIP or LVVP (the psychologists' associations). Pure.

Written as the register's name and its number ("BIG 49012345625"), several separated by a
comma: a document names both, and a number alone does not say where to look it up."""

import re

from practice.errors import Message
from practice.platform.i18n import N_

REGISTERS = ("BIG", "NIP", "LVVP")
MAX_LENGTH = 64
BIG_DIGITS = 11

TOO_LONG = N_("at most %(count)s characters")
UNREADABLE = N_("Write the register and the number, e.g. BIG 49012345625 (BIG, NIP or LVVP).")
BIG_LENGTH = N_("A BIG number has %(count)s digits.")

# "BIG 49012345625", "BIG: …", "BIG-…", "big49012345625", and the register's word for its
# number as people write it ("BIG-nummer …", "BIG-registratienummer …", "NIP-lidnummer …",
# "LVVP nr. …"); ASCII digits only.
_ONE = re.compile(
    rf"(?P<register>{'|'.join(REGISTERS)})"
    r"(?:[ -]?(?:registratie|lid)?(?:nummer|number|nr\.?|no\.?))?"
    r"\s*[:-]?\s*(?P<number>[0-9][0-9 .-]*)",
    re.IGNORECASE,
)


def normalised(text: str | None) -> str | None:
    """Runs of spaces made one, the registers' names in capitals; empty is None (cleared)."""
    value = " ".join((text or "").split())
    if not value:
        return None
    return ", ".join(_tidy(part) for part in value.split(",") if part.strip()) or None


def problem(value: str | None) -> Message | None:
    """What is wrong with a normalised registration, or None (empty clears it)."""
    if value is None:
        return None
    if len(value) > MAX_LENGTH:
        return Message(TOO_LONG, count=MAX_LENGTH)
    for part in value.split(","):
        found = _parsed(part)
        if found is None:
            return Message(UNREADABLE)
        register, number = found
        if register == "BIG" and len(re.sub(r"[^0-9]", "", number)) != BIG_DIGITS:
            return Message(BIG_LENGTH, count=BIG_DIGITS)
    return None


def _tidy(part: str) -> str:
    found = _parsed(part)
    return part.strip() if found is None else f"{found[0]} {found[1]}"


def _parsed(part: str) -> tuple[str, str] | None:
    """A part's register (in capitals) and number, or None when it is not one of ours."""
    found = _ONE.fullmatch(part.strip())
    if found is None or found["register"].upper() not in REGISTERS:
        return None
    return found["register"].upper(), found["number"].strip()
