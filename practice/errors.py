"""Domain errors: what a service refuses, in words a user can act on.

The web layer maps them to 4xx (``practice.web.errors``); nothing here knows HTTP.

Messages are English message ids, translated on the way out (HTML pages). A message with
values is a ``Message``: the id keeps its ``%(name)s`` placeholders for the catalogue, the
values travel beside it, and ``str()`` of it is the English text with the values filled in
(what the JSON answer, the logs and a plain ``str`` comparison see).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any


class Message(str):
    """A message id with its values: a ``str`` (the English text) that still knows its id.

    ``Message("The screening cannot be before the referral (%(day)s).", day=d)`` reads
    "… (2026-03-02)." as a string; a page translates ``id`` first and fills in ``params``
    after, each value in the reader's format (``practice.web.errors.localize``).
    """

    id: str
    params: dict[str, Any]

    def __new__(cls, message_id: str, **params: Any) -> "Message":
        text = message_id % {k: _plain(v) for k, v in params.items()} if params else message_id
        made = super().__new__(cls, text)
        made.id = message_id
        made.params = params
        return made


ONE_OF = "one of %(choices)s"


def one_of(codes: Iterable[object]) -> Message:
    """The field takes one of these codes (a list for API clients; the form offers choices,
    so a page says "choose one of the options" instead: ``practice.web.forms.in_words``)."""
    return Message(ONE_OF, choices=", ".join(str(code) for code in codes))


def between(low: object, high: object) -> Message:
    """The field takes a number from ``low`` to ``high``."""
    return Message("between %(low)s and %(high)s", low=low, high=high)


def _plain(value: Any) -> str:
    """A value in the locale-free form the English text and the JSON carry."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class DomainError(Exception):
    """Base class: a request the service understood but will not carry out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value breaks a rule; ``fields`` maps field name -> what is wrong with it."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields: dict[str, str] = dict(fields)


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The request clashes with the current state; ``allowed`` lists what would be accepted."""

    def __init__(
        self, message: str, allowed: list[str] | None = None, *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.allowed = allowed or []
        # The form field the clash is about (an e-mail address already in use): a page
        # shows the message next to it; the JSON door still answers 409.
        self.field = field


class Gone(DomainError):
    """A single-use or dated link that no longer works (used, expired or replaced): 410."""
