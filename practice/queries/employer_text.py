"""The employer-text guard at read time: a stored text it refuses now is withheld.

The guard (``practice.employer_text``) refuses medical words when a text bound for an
employer is written. A text stored before the guard, or before the practice extended its
lexicon, was never checked; so every employer surface asks ``withheld`` again as it reads
the text, and shows a neutral placeholder instead of a text the guard refuses now. The check
is cheap: the lexicon is compiled once per process (``lexicon``), and the words of a text are
remembered (``refused_words``), since the same few texts are read again on every page.
"""

from functools import cache, lru_cache

from practice.employer_text import Lexicon, load_lexicon, medical_words
from practice.platform.i18n import N_, gettext
from practice.platform.settings import Settings

# What an employer reads in place of a withheld text, in the reader's language (the request's;
# the worker's default, Dutch, in an update it stores).
WITHHELD = N_("Under review by the therapist")
# Texts remembered with their words: the employer texts of a few thousand episodes.
REMEMBERED_TEXTS = 4096


@cache
def lexicon() -> Lexicon:
    """The lexicon of this process: the shipped file plus the practice's own
    (``EMPLOYER_TEXT_LEXICON``), read and compiled once; a change of the files needs a
    restart."""
    return load_lexicon(Settings.from_env().employer_text_lexicon)


@lru_cache(maxsize=REMEMBERED_TEXTS)
def refused_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` that the guard refuses now, as typed; () for a text it passes."""
    return tuple(hit.word for hit in medical_words(text, lexicon()))


def withheld(text: str) -> str:
    """``text`` when the guard passes it now, else the placeholder ``WITHHELD`` in the current
    language."""
    return gettext(WITHHELD) if text and refused_words(text) else text


def withheld_or_none(text: str | None) -> str | None:
    return None if text is None else withheld(text)
