"""Automatic scoring of questionnaires, with PHQ-9, GAD-7 and the Work Ability Score built in.

The wording of an instrument (title, instruction, items, options) is the instrument's own,
validated text. It is deliberately *not* marked for the message catalogue: a Dutch PHQ-9 is
the published translation, kept with the instrument as data (`translations`, with its source),
never an ad-hoc translation in a .po file. The band labels are ours and are translated.
"""

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
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
from reporting.reliable_change import Change, classify

__all__ = [
    "GAD7",
    "INSTRUMENTS",
    "PHQ9",
    "WAS",
    "Band",
    "Change",
    "IncompleteQuestionnaire",
    "InvalidAnswer",
    "Item",
    "Option",
    "Questionnaire",
    "Result",
    "ScoringRule",
    "changes_since_first",
    "from_data",
    "safety_hits",
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


def changes_since_first(
    scores: Sequence[tuple[str, int]],
    instruments: Mapping[str, Questionnaire] | None = None,
) -> list[Change | None]:
    """Per score (instrument code, total), oldest first: its change since the client's first
    score on that instrument, by the instrument's reliability (``reporting.reliable_change``);
    None for a first score and for an instrument without norms."""
    instruments = INSTRUMENTS if instruments is None else instruments
    first: dict[str, int] = {}
    changes: list[Change | None] = []
    for code, total in scores:
        questionnaire = instruments.get(code)
        reliability = questionnaire.reliability if questionnaire else None
        if code not in first or questionnaire is None or reliability is None:
            first.setdefault(code, total)
            changes.append(None)
            continue
        changes.append(
            classify(
                first[code], total, reliability, higher_is_better=questionnaire.higher_is_better
            )
        )
    return changes


def safety_hits(questionnaire: Questionnaire, answers: Mapping[str, int]) -> tuple[str, ...]:
    """The safety items answered above their lowest option: each asks the therapist to act
    today (PHQ-9 item 9, thoughts of being better off dead or of self-harm)."""
    lowest = min(option.value for option in questionnaire.options)
    return tuple(
        item
        for item in questionnaire.safety_items
        if type(value := answers.get(item, lowest)) is int and value > lowest
    )


# The severity band labels of the built-in instruments are ours and translated: marked here
# so the message catalogue keeps them (the instruments themselves are data, below).
_BAND_LABELS = (
    N_("minimal"), N_("mild"), N_("moderate"), N_("moderately severe"), N_("severe"),
    N_("poor"), N_("good"), N_("excellent"),
)  # fmt: skip


def _built_in(name: str) -> Questionnaire:
    """An instrument shipped as data in ``reporting/instruments`` (one engine scores all)."""
    text = resources.files("reporting.instruments").joinpath(f"{name}.toml").read_text("utf-8")
    return from_data(tomllib.loads(text))


PHQ9 = _built_in("phq9")
GAD7 = _built_in("gad7")
WAS = _built_in("was")  # the work instrument: work ability now against its lifetime best

INSTRUMENTS: Mapping[str, Questionnaire] = MappingProxyType({q.code: q for q in (PHQ9, GAD7, WAS)})


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
