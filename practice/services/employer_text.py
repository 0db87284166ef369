"""The employer-text guard as the services use it: the practice's lexicon, loaded once.

The rule is ``practice.employer_text`` (pure); where the lexicon lives (the shipped file
plus the practice's own, ``EMPLOYER_TEXT_LEXICON``) and its one compiled copy per process
belong to ``practice.queries.employer_text``, which also rechecks stored texts as they are
read.
"""

from practice.employer_text import refuse_medical_text
from practice.queries.employer_text import lexicon as lexicon  # the tests read it here too


def refuse_medical(**texts: str | None) -> None:
    """Refuse (``MedicalText``, 422) texts bound for an employer that name medical words;
    each keyword is the field the text was typed in."""
    refuse_medical_text(texts, lexicon())
