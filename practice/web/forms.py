"""HTML forms on top of the JSON doors: the same request types, the same services.

A browser posts ``application/x-www-form-urlencoded``: every value is a string and an empty
field means "not given". ``form_struct`` turns such a form into the request type the JSON
door already declares, so the rules (lengths, types, unknown fields) are written once.
A form that does not fit answers 400 naming the fields (``InvalidInput``) in the user's
language. A page that can show the form again does so (``FormState``): the typed values kept
and each problem next to its field; other forms fall back to the error page.
"""

import contextlib
import functools
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from practice.errors import ONE_OF, Conflict, InvalidInput
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
FormData = Annotated[dict[str, str | list[str]], Form]
S = TypeVar("S", bound=msgspec.Struct)

# What <input type="datetime-local"> sends: a moment without a zone.
_LOCAL_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
# A number typed with a decimal comma, as Dutch writes it ("7,5"): the request types read
# a decimal point. Only a lone comma between digits: "1,250" stays as typed (and is refused).
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d{1,2}\s*$")
# Fields a form carries besides the request type's own: the CSRF token.
_FORM_ONLY = frozenset({"_csrf_token"})


def form_struct(
    struct_type: type[S], data: dict[str, Any], *, tz: ZoneInfo | None = None, **extra: Any
) -> S:
    """The request type from a posted form; 400 naming the field when a value does not fit.

    ``tz``: the zone of a ``datetime-local`` field's value (the browser sends none).
    """
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in _FORM_ONLY:
            continue
        if isinstance(value, list):  # a repeated field: the last one wins, as in a browser
            value = value[-1] if value else ""
        if isinstance(value, str) and not value.strip():
            continue  # an empty field: the type's default applies
        if isinstance(value, str) and _DECIMAL_COMMA.match(value) and name in _numbers(struct_type):
            value = value.replace(",", ".")
        if tz is not None and isinstance(value, str) and _LOCAL_MOMENT.match(value):
            # 29 February 2027 at 10:00 is left as typed, and refused beside its field.
            with contextlib.suppress(ValueError):
                value = datetime.fromisoformat(value).replace(tzinfo=tz).isoformat()
        values[name] = value
    values.update(extra)
    try:
        return msgspec.convert(values, struct_type, strict=False)
    except msgspec.ValidationError as exc:
        first = {field_of(str(exc)): problem_of(str(exc))}
        raise InvalidInput(every_problem(struct_type, values) or first) from None


@functools.cache
def _numbers(struct_type: type[msgspec.Struct]) -> frozenset[str]:
    """The fields of ``struct_type`` that take a fractional number (Decimal or float)."""
    return frozenset(
        f.encode_name
        for f in msgspec.structs.fields(struct_type)
        if any(t in (Decimal, float) for t in (f.type, *typing.get_args(f.type)))
    )


def every_problem(struct_type: type[msgspec.Struct], values: Mapping[str, Any]) -> dict[str, str]:
    """Every field of the form that does not fit, where msgspec names only the first it
    meets (an empty form took one submit per missing field): each value converted alone to
    its field's type and limits, each required field that is missing, each unknown one.
    Empty when only the whole says what is wrong (a rule across fields)."""
    problems: dict[str, str] = {}
    declared = msgspec.structs.fields(struct_type)
    if struct_type.__struct_config__.forbid_unknown_fields:
        known = {f.encode_name for f in declared}
        for name in values:
            if name not in known:
                problems[name] = problem_of("Object contains unknown field")
    for f in declared:
        if f.encode_name not in values:
            if f.required:
                problems[f.encode_name] = problem_of("Object missing required field")
            continue
        try:
            msgspec.convert(values[f.encode_name], f.type, strict=False)
        except msgspec.ValidationError as exc:
            problems[f.encode_name] = problem_of(str(exc))
    return problems


# What msgspec says, in words a user can act on: (pattern, message id). The first match wins.
_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Object missing required field"), N_("Fill in this field.")),
    (re.compile(r"Object contains unknown field"), N_("This field is not part of the form.")),
    (re.compile(r"Invalid enum value"), N_("Choose one of the options.")),
    (re.compile(r"RFC3339 encoded date\b(?!time)|Expected `date`"), N_("Enter a valid date.")),
    (
        re.compile(r"RFC3339 encoded datetime|Expected `datetime`"),
        N_("Enter a valid date and time."),
    ),
    (re.compile(r"Expected `str` of length >= (?P<limit>\d+)"), N_("Fill in this field.")),
    (
        re.compile(r"Expected `str` of length <= (?P<limit>\d+)"),
        N_("Use at most %(limit)s characters."),
    ),
    (
        re.compile(r"Expected `(int|float)` >= (?P<limit>-?[\d.]+)"),
        N_("Enter a number of at least %(limit)s."),
    ),
    (
        re.compile(r"Expected `(int|float)` <= (?P<limit>-?[\d.]+)"),
        N_("Enter a number of at most %(limit)s."),
    ),
    (re.compile(r"Expected `int`"), N_("Enter a whole number.")),
    (re.compile(r"Expected `float`|Expected `decimal`"), N_("Enter a number.")),
    (re.compile(r"Expected `bool`"), N_("Choose yes or no.")),
]
_PROBLEM_ELSE = N_("This value does not fit.")


def problem_of(message: str) -> str:
    """msgspec's developer English as a sentence in the user's language, limit filled in."""
    for pattern, problem in _PROBLEMS:
        match = pattern.search(message)
        if match:
            limit = match.groupdict().get("limit")
            return _(problem) % {"limit": limit} if limit else _(problem)
    return _(_PROBLEM_ELSE)


def flat(data: Mapping[str, Any]) -> dict[str, str]:
    """A posted form as one string per field (the last of a repeated one, as a browser does)."""
    values: dict[str, str] = {}
    for name, value in data.items():
        if name in _FORM_ONLY:
            continue
        if isinstance(value, list):
            value = value[-1] if value else ""
        values[name] = str(value)
    return values


@dataclass
class FormState:
    """What a page's forms show after a refused post: the one form that was posted keeps what
    was typed and names each problem next to its field; every other form starts afresh.

    The form macros (``templates/practice/_fields.html``) call ``open`` as a form begins, so
    a field knows which form it is in without repeating the form's path.
    """

    action: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    _current: str | None = None
    _shown: set[str] = field(default_factory=set)

    def open(self, action: str) -> str:
        self._current = action
        self._shown = set()
        return ""

    def mark(self, name: str) -> str:
        """A field of the open form is on the page (its problem is shown beside it)."""
        self._shown.add(name)
        return ""

    def unplaced(self) -> list[tuple[str, str]]:
        """Problems of the posted form with no field of their own on the page."""
        if not self.here:
            return []
        return [(name, text) for name, text in self.problems.items() if name not in self._shown]

    @property
    def here(self) -> bool:
        return self.action is not None and self._current == self.action

    def value(self, name: str, default: Any = "") -> Any:
        if self.here and name in self.values:
            return self.values[name]
        return "" if default is None else default

    def checked(self, name: str, default: bool = False) -> bool:
        if self.here:
            return self.values.get(name) in {"true", "on", "1"}
        return default

    def problem(self, name: str) -> str | None:
        return self.problems.get(name) if self.here else None


CHOOSE_AN_OPTION = N_("Choose one of the options offered.")


def in_words(problem: str) -> str:
    """A field's problem in the user's language, for a person: the codes a field takes
    (``practice.errors.one_of``) are the API's, and a person chooses from the form's options."""
    if getattr(problem, "id", None) == ONE_OF:
        return _(CHOOSE_AN_OPTION)
    return _(problem)


def refused(
    action: str, data: Mapping[str, Any], problems: Mapping[str, str], message: str = ""
) -> FormState:
    """The state of a page whose form at ``action`` was refused; messages are message ids or
    sentences already in the user's language (translating a sentence twice is harmless)."""
    return FormState(
        action=action,
        values=flat(data),
        problems={name: in_words(problem) for name, problem in problems.items()},
        message=_(message) if message else "",
    )


def field_of(message: str) -> str:
    # msgspec says e.g. "Expected `int`, got `str` - at `$.count`"
    if "at `$." in message:
        return message.rsplit("at `$.", 1)[1].split("`", 1)[0].split("[", 1)[0]
    if "Object missing required field `" in message:
        return message.split("Object missing required field `", 1)[1].split("`", 1)[0]
    if "Object contains unknown field `" in message:
        return message.split("Object contains unknown field `", 1)[1].split("`", 1)[0]
    return "form"


def refusal_state(action: str, data: Mapping[str, Any], exc: InvalidInput | Conflict) -> FormState:
    """The page's state after a service refused the form at ``action``: a bad value (each
    problem beside its field) or a state conflict (the message above the form, or beside
    the field it names)."""
    if isinstance(exc, InvalidInput):
        return refused(action, data, exc.fields)
    if exc.field is not None:
        return refused(action, data, {exc.field: exc.message})
    return refused(action, data, {}, exc.message)


def refusal_status(exc: InvalidInput | Conflict) -> int:
    """400 for a bad value, 409 for a state conflict."""
    return HTTP_400_BAD_REQUEST if isinstance(exc, InvalidInput) else HTTP_409_CONFLICT
