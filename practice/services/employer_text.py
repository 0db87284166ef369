"""The employer-text guard as the services use it: the practice's lexicon, loaded once.

The rule is ``practice.employer_text`` (pure); this module only knows where the lexicon
lives: the shipped file plus the practice's own (``EMPLOYER_TEXT_LEXICON``).
"""

from functools import cache

from practice.employer_text import Lexicon, load_lexicon, refuse_medical_text
from practice.platform.settings import Settings


@cache
def lexicon() -> Lexicon:
    """The lexicon of this process (read once; a change of the files needs a restart)."""
    return load_lexicon(Settings.from_env().employer_text_lexicon)


def refuse_medical(**texts: str | None) -> None:
    """Refuse (``MedicalText``, 422) texts bound for an employer that name medical words;
    each keyword is the field the text was typed in."""
    refuse_medical_text(texts, lexicon())
