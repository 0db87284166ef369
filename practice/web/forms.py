"""HTML forms on top of the JSON doors: the same request types, the same services.

A browser posts ``application/x-www-form-urlencoded``: every value is a string and an empty
field means "not given". ``form_struct`` turns such a form into the request type the JSON
door already declares, so the rules (lengths, types, unknown fields) are written once.
A form that does not fit answers 400 naming the fields (``InvalidInput``), and the error page
links back to the form, which the browser keeps filled in.
"""

import re
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body

from practice.errors import InvalidInput

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
FormData = Annotated[dict[str, str | list[str]], Form]
S = TypeVar("S", bound=msgspec.Struct)

# What <input type="datetime-local"> sends: a moment without a zone.
_LOCAL_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
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
        if tz is not None and isinstance(value, str) and _LOCAL_MOMENT.match(value):
            value = datetime.fromisoformat(value).replace(tzinfo=tz).isoformat()
        values[name] = value
    values.update(extra)
    try:
        return msgspec.convert(values, struct_type, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidInput({_field_of(str(exc)): str(exc)}) from None


def _field_of(message: str) -> str:
    # msgspec says e.g. "Expected `int`, got `str` - at `$.count`"
    if "at `$." in message:
        return message.rsplit("at `$.", 1)[1].split("`", 1)[0].split("[", 1)[0]
    if "Object missing required field `" in message:
        return message.split("Object missing required field `", 1)[1].split("`", 1)[0]
    if "Object contains unknown field `" in message:
        return message.split("Object contains unknown field `", 1)[1].split("`", 1)[0]
    return "form"
