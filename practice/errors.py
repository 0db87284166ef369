"""Domain errors: what a service refuses, in words a user can act on.

The web layer maps them to 4xx (``practice.web.errors``); nothing here knows HTTP.
"""


class DomainError(Exception):
    """Base class: a request the service understood but will not carry out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value breaks a rule; ``fields`` maps field name -> what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The request clashes with the current state; ``allowed`` lists what would be accepted."""

    def __init__(self, message: str, allowed: list[str] | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed or []
