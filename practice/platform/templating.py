"""The one Jinja environment, shared by web pages and documents (PDFs, e-mails).

Autoescape on (except for plain-text .txt templates) and ``StrictUndefined``: a missing
value fails loudly instead of printing an empty string into a report.
"""

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from practice.platform import i18n

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"


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

    def moment(value: datetime, style: str = "medium") -> str:
        return i18n.format_moment(value, time_zone, style)

    def day(value: date, style: str = "medium") -> str:
        return i18n.format_day(value, style)

    filters: dict[str, Callable[..., Any]] = {
        "day": day,
        "moment": moment,
        "number": i18n.format_number,
    }
    env.filters.update(filters)
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["locales"] = i18n.LOCALES
    return env
