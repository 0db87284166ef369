"""Dutch and English: every message in the code and templates is translated into Dutch."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from practice.platform import i18n
from practice.platform.templating import TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[3]
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _message_ids() -> set[str]:
    ids: set[str] = set()
    for folder in (ROOT / "practice", ROOT / "scheduling", ROOT / "reporting", TEMPLATE_DIR):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder),
            METHODS,
            keywords=KEYWORDS,
            options_map={
                "**.html": {"extensions": "jinja2.ext.i18n"},
                "**.txt": {"extensions": "jinja2.ext.i18n"},
            },
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_id_has_a_dutch_translation() -> None:
    po_file = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as handle:
        translated = {
            m.id[0] if isinstance(m.id, tuple) else m.id
            for m in read_po(handle)
            if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
    untranslated = sorted(_message_ids() - translated)
    assert untranslated == [], f"add these to {po_file}"


def test_the_default_locale_is_dutch_and_the_switch_wins() -> None:
    assert i18n.pick_locale(None, None, None) == "nl"
    assert i18n.pick_locale(None, None, "en-GB,en;q=0.9") == "en"
    assert i18n.pick_locale(None, "en", "nl") == "en"
    assert i18n.pick_locale("nl", "en", "en") == "nl"
    assert i18n.pick_locale("fr", None, "de") == "nl"


def test_dates_follow_the_locale() -> None:
    from datetime import date

    token = i18n.current_locale.set("nl")
    try:
        assert i18n.format_day(date(2026, 4, 27), "long") == "27 april 2026"
    finally:
        i18n.current_locale.reset(token)
    token = i18n.current_locale.set("en")
    try:
        assert i18n.format_day(date(2026, 4, 27), "long") == "April 27, 2026"
    finally:
        i18n.current_locale.reset(token)
