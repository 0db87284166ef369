"""The one Jinja environment, shared by web pages and documents (PDFs, e-mails).

Autoescape on (except for plain-text .txt templates) and ``StrictUndefined``: a missing
value fails loudly instead of printing an empty string into a report.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from practice import money
from practice.platform import i18n

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

# What the UI calls each kind of code (kind -> code -> English message id). Every package owns
# its kinds in its ``labels`` module; the composition root registers them at start-up, so
# practice never imports the packages downstream of it.
_LABELS: dict[str, Mapping[str, str]] = {}


def register_labels(kinds: Mapping[str, Mapping[str, str]]) -> None:
    """Add a package's label kinds; registering the same map again is harmless."""
    for kind, labels in kinds.items():
        known = _LABELS.get(kind)
        if known is not None and known != labels:
            raise ValueError(f"label kind {kind!r} is registered twice with different labels")
        _LABELS[kind] = labels


# Functions a package lends every template (where a task is done, say), registered at
# start-up like the labels, before the first environment is made.
_GLOBALS: dict[str, Callable[..., Any]] = {}


def register_global(name: str, function: Callable[..., Any]) -> None:
    _GLOBALS[name] = function


def label(kind: str, code: str) -> str:
    """The translated label of a code; an unknown kind fails loudly, an unknown code (an old
    or free-text value) is shown as it is rather than hidden."""
    labels = _LABELS[kind]
    message = labels.get(code)
    return code if message is None else i18n.gettext(message)


def label_codes(kind: str) -> list[str]:
    """The codes of a kind in their declared order, for a form's options."""
    return [str(code) for code in _LABELS[kind]]


# What a filter prints for a value the database may leave empty: a page shows the gap
# instead of failing on it (every nullable column reaches some template).
MISSING = "–"


def day(value: date | str | None, style: str = "medium") -> str:
    """A calendar date in the current language; "–" when there is none. A stored JSON's date
    arrives as ISO text (a process update as sent); text that is no date is shown as it is."""
    if isinstance(value, str):
        try:
            return i18n.format_day(date.fromisoformat(value), style)
        except ValueError:
            return value
    return MISSING if value is None else i18n.format_day(value, style)


def number(value: Decimal | float | int | None, digits: int = 1) -> str:
    """A number in the current language; "–" when there is none (or it is not finite)."""
    if value is None:
        return MISSING
    if isinstance(value, Decimal | float) and not Decimal(value).is_finite():
        return MISSING
    return i18n.format_number(value, digits)


def euros(cents: int | None) -> str:
    """An amount stored in cents as the reader writes euros ("€ 125,50"); "–" when there is
    none (``practice.money`` owns the format)."""
    return MISSING if cents is None else money.format_euros(cents, i18n.current_locale.get())


def euros_for_input(cents: int | None) -> str:
    """An amount in cents as a form field shows it for editing ("125,50")."""
    return money.euros_for_input(cents, i18n.current_locale.get())


def option_tags(choices: Iterable[tuple[object, object]], chosen: object | None) -> Markup:
    """A select's options, (value, text) each, the one whose value reads as `chosen`
    selected (values and the choice compared as text; None chooses none): the forms'
    ``select`` macro and the dashboard's filter. Python, not a Jinja loop: a filter over a
    practice's thousands of employers is rendered on every view, and the loop took 10 ms
    of it where this takes 2."""
    picked = None if chosen is None else str(chosen)
    return Markup(  # noqa: S704 - every value and text in it is escaped
        "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == picked else ""}>'
            f"{escape(text)}</option>"
            for value, text in choices
        )
    )


# A query longer than any the pages make (a pasted 10,000-character search) is left out of
# the language switch rather than echoed into every page.
LONGEST_RETURN_QUERY = 200


def return_path(request: Any) -> str:
    """Where the language switch returns to: the page as it is, with its query (a month, a
    section, a filter). A page that answers a refused form (a POST shown again with its
    problems) returns to the page the form was on, from the Referer when it is this site's:
    the POST's own path would answer a GET with 405."""
    url = request.url
    if getattr(request, "method", "GET") in ("GET", "HEAD"):
        path, query = str(url.path), str(getattr(url, "query", "") or "")
    else:
        referer = urlsplit(str(request.headers.get("referer", "")))
        own = referer.netloc == getattr(url, "netloc", referer.netloc)
        path, query = (referer.path, referer.query) if own and referer.path else ("/", "")
    if query and len(query) <= LONGEST_RETURN_QUERY:
        return f"{path}?{query}"
    return path


def make_environment(time_zone: ZoneInfo) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        # HTML is escaped; plain-text e-mail templates (.txt) are not, or "&" became "&amp;".
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )

    def moment(value: datetime | str | None, style: str = "medium") -> str:
        # A stored JSON's moment arrives as ISO text (a process update as sent), as its days do.
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return MISSING if value is None else i18n.format_moment(value, time_zone, style)

    filters: dict[str, Callable[..., Any]] = {
        "day": day,
        "moment": moment,
        "number": number,
        "euros": euros,
        "euros_for_input": euros_for_input,
    }
    env.filters.update(filters)
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["locales"] = i18n.LOCALES
    env.globals["label"] = label
    env.globals.update(_GLOBALS)
    env.globals["label_codes"] = label_codes
    env.globals["option_tags"] = option_tags
    env.globals["return_path"] = return_path
    return env


def render_email(
    env: jinja2.Environment, folder: str, context: dict[str, Any], locale: str | None
) -> tuple[str, str]:
    """An e-mail's subject and body from its folder (``subject.txt``, ``body.txt``), in the
    recipient's language when their account names one, else in the practice's default."""
    token = i18n.current_locale.set(locale if locale in i18n.LOCALES else i18n.DEFAULT_LOCALE)
    try:
        subject = env.get_template(f"{folder}/subject.txt").render(context).strip()
        body = env.get_template(f"{folder}/body.txt").render(context)
    finally:
        i18n.current_locale.reset(token)
    return subject, body + "\n"
