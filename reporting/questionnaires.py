"""Automatic scoring of questionnaires, with PHQ-9 and GAD-7 built in.

The wording of an instrument (title, instruction, items, options) is the instrument's own,
validated text. It is deliberately *not* marked for the message catalogue: a Dutch PHQ-9 must
be the official validated translation, added as its own instrument (`from_data`), never an
ad-hoc translation in a .po file. The severity band labels are ours and are translated.
"""

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from practice.platform.i18n import N_
from reporting.questionnaire_model import (
    Band,
    Item,
    Option,
    Questionnaire,
    ScoringRule,
    from_data,
    to_data,
)

__all__ = [
    "GAD7",
    "INSTRUMENTS",
    "PHQ9",
    "Band",
    "IncompleteQuestionnaire",
    "InvalidAnswer",
    "Item",
    "Option",
    "Questionnaire",
    "Result",
    "ScoringRule",
    "from_data",
    "score",
    "to_data",
    "with_instruments",
]


class IncompleteQuestionnaire(ValueError):
    """Some items have no answer; scoring them as 0 would understate the severity."""

    def __init__(self, code: str, missing: Sequence[str]) -> None:
        self.code = code
        self.missing = tuple(missing)
        super().__init__(f"{code} is incomplete; no answer for: {', '.join(self.missing)}")


class InvalidAnswer(ValueError):
    """An answer is not one of the instrument's options (or names an unknown item)."""

    def __init__(self, code: str, problems: Mapping[str, object], allowed: Sequence[int]) -> None:
        self.code = code
        self.items = tuple(problems)
        self.allowed = tuple(allowed)
        listed = ", ".join(f"{item}={value!r}" for item, value in problems.items())
        choices = ", ".join(str(value) for value in self.allowed)
        super().__init__(f"{code}: invalid answers {listed}; allowed values are {choices}")


class Result(NamedTuple):
    """The total score and the label of the band it falls in."""

    total: int
    band_label: str


def score(questionnaire: Questionnaire, answers: Mapping[str, int]) -> Result:
    """Total and severity band of a completed questionnaire.

    Each error names every item of its kind, so a form can mark all of them in one go:
    missing items first (`IncompleteQuestionnaire`), then invalid values and answers to items
    the instrument does not have (`InvalidAnswer`; an unknown item means the wrong form).
    """
    missing = [item.id for item in questionnaire.items if item.id not in answers]
    if missing:
        raise IncompleteQuestionnaire(questionnaire.code, missing)
    allowed = [option.value for option in questionnaire.options]
    known = {item.id for item in questionnaire.items}
    problems: dict[str, object] = {}
    for item_id, value in answers.items():
        # bool is an int in Python; a checkbox's True must not score as 1.
        valid = type(value) is int and value in allowed
        if item_id not in known or not valid:
            problems[item_id] = value
    if problems:
        raise InvalidAnswer(questionnaire.code, problems, allowed)
    total = sum(answers[item.id] for item in questionnaire.items)
    return Result(total, questionnaire.band_for(total).label)


_FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)

# PHQ-9 and GAD-7 by Drs. Spitzer, Williams, Kroenke et al.; no permission required to
# reproduce, translate, display or distribute. The unscored "how difficult" question is left
# out: it has no part in the total.
PHQ9 = Questionnaire(
    code="PHQ-9",
    title="Patient Health Questionnaire (PHQ-9)",
    instruction=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=tuple(
        Item(f"phq9_{number}", text)
        for number, text in enumerate(
            (
                "Little interest or pleasure in doing things",
                "Feeling down, depressed, or hopeless",
                "Trouble falling or staying asleep, or sleeping too much",
                "Feeling tired or having little energy",
                "Poor appetite or overeating",
                "Feeling bad about yourself - or that you are a failure or have let yourself "
                "or your family down",
                "Trouble concentrating on things, such as reading the newspaper or watching "
                "television",
                "Moving or speaking so slowly that other people could have noticed? Or the "
                "opposite - being so fidgety or restless that you have been moving around a lot "
                "more than usual",
                "Thoughts that you would be better off dead or of hurting yourself in some way",
            ),
            start=1,
        )
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, 4, N_("minimal")),
        Band(5, 9, N_("mild")),
        Band(10, 14, N_("moderate")),
        Band(15, 19, N_("moderately severe")),
        Band(20, 27, N_("severe")),
    ),
    loinc="44261-6",
)

GAD7 = Questionnaire(
    code="GAD-7",
    title="Generalized Anxiety Disorder 7-item scale (GAD-7)",
    instruction=(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    items=tuple(
        Item(f"gad7_{number}", text)
        for number, text in enumerate(
            (
                "Feeling nervous, anxious or on edge",
                "Not being able to stop or control worrying",
                "Worrying too much about different things",
                "Trouble relaxing",
                "Being so restless that it is hard to sit still",
                "Becoming easily annoyed or irritable",
                "Feeling afraid as if something awful might happen",
            ),
            start=1,
        )
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, 4, N_("minimal")),
        Band(5, 9, N_("mild")),
        Band(10, 14, N_("moderate")),
        Band(15, 21, N_("severe")),
    ),
    loinc="70274-6",
)

INSTRUMENTS: Mapping[str, Questionnaire] = MappingProxyType({q.code: q for q in (PHQ9, GAD7)})


def with_instruments(
    base: Mapping[str, Questionnaire], extra: Iterable[Questionnaire]
) -> Mapping[str, Questionnaire]:
    """A new read-only registry: `base` plus `extra`, refusing to replace a code silently."""
    merged = dict(base)
    for questionnaire in extra:
        if questionnaire.code in merged:
            raise ValueError(f"an instrument with code {questionnaire.code} already exists")
        merged[questionnaire.code] = questionnaire
    return MappingProxyType(merged)
