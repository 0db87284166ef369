"""The shape of a questionnaire: items, answer options, scoring rule, severity bands.

A questionnaire is plain data, so a practice adds an instrument with `from_data` instead of
code. Its text in another language is a `Wording` of the same items and options (the
instrument's published translation, with its source): one instrument, one score, whatever
language the client reads it in. Everything is checked when the instrument is built: a band
table with a gap would leave some totals without a severity, and that would only show up when
a client happens to score in the gap. The built-in instruments and the scoring live in
`reporting.questionnaires`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple

from reporting.reliable_change import Reliability


class ScoringRule(StrEnum):
    """How answers become a total; a closed list so stored data cannot name unknown code."""

    SUM = "sum"  # the total is the sum of the chosen option values (PHQ-9, GAD-7)


@dataclass(frozen=True, slots=True)
class Item:
    """One question; `id` is stable across versions of the text (it keys stored answers)."""

    id: str
    text: str


class Option(NamedTuple):
    """One answer option: the stored value (scored) and its printed label."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band, both ends inclusive; `label` is an English message id."""

    min: int
    max: int
    label: str


@dataclass(frozen=True, slots=True)
class Wording:
    """The instrument's text in one more language: every item and option, nothing left out
    (a half-translated questionnaire would mix languages in front of the client).
    `source` says which published translation this is and how it was checked."""

    title: str
    instruction: str
    items: tuple[tuple[str, str], ...]  # (item id, text)
    options: tuple[tuple[int, str], ...]  # (option value, label)
    source: str = ""


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A scored instrument, validated when built so every possible total has one band.

    `loinc` is the LOINC code of the *total score* observation, kept for the FHIR export.
    `reliability` holds the norms for the reliable change index (`reporting.reliable_change`);
    `safety_items` are items whose answer above the lowest option asks the therapist to act
    the same day (PHQ-9 item 9); `licence` records on what terms the text may be used.
    `language` is the language of the text above; `translations` hold it in others
    (`in_language`).
    """

    code: str
    title: str
    items: tuple[Item, ...]
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    instruction: str = ""
    scoring: ScoringRule = ScoringRule.SUM
    loinc: str | None = None
    reliability: Reliability | None = None
    higher_is_better: bool = False
    safety_items: tuple[str, ...] = ()
    licence: str = ""
    language: str = "en"
    translations: tuple[tuple[str, Wording], ...] = ()

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise ValueError("a questionnaire needs a code")
        if not self.items:
            raise ValueError(f"{self.code} has no items")
        _refuse_duplicates(self.code, "item id", (item.id for item in self.items))
        if not self.options:
            raise ValueError(f"{self.code} has no answer options")
        _refuse_duplicates(self.code, "option value", (str(o.value) for o in self.options))
        _check_bands(self.code, self.bands, self.min_total, self.max_total)
        unknown = sorted(set(self.safety_items) - {item.id for item in self.items})
        if unknown:
            raise ValueError(f"{self.code}: safety items {', '.join(unknown)} are not items")
        for language, wording in self.translations:
            _check_wording(self, language, wording)

    def in_language(self, language: str) -> "Questionnaire":
        """The same instrument worded in `language`, or as it is when it has no such text."""
        wording = dict(self.translations).get(language)
        if wording is None or language == self.language:
            return self
        items, labels = dict(wording.items), dict(wording.options)
        own = Wording(
            title=self.title,
            instruction=self.instruction,
            items=tuple((item.id, item.text) for item in self.items),
            options=tuple((o.value, o.label) for o in self.options),
        )
        # The worded copy keeps every text, its former own one among the translations.
        others = tuple((lang, w) for lang, w in self.translations if lang != language)
        return replace(
            self,
            title=wording.title,
            instruction=wording.instruction,
            items=tuple(Item(item.id, items[item.id]) for item in self.items),
            options=tuple(Option(o.value, labels[o.value]) for o in self.options),
            language=language,
            translations=((self.language, own), *others),
        )

    @property
    def min_total(self) -> int:
        """The lowest possible total: every item at the lowest option."""
        return len(self.items) * min(option.value for option in self.options)

    @property
    def max_total(self) -> int:
        """The highest possible total: every item at the highest option."""
        return len(self.items) * max(option.value for option in self.options)

    def band_for(self, total: int) -> Band:
        """The band containing `total`; construction guarantees there is exactly one."""
        for band in self.bands:
            if band.min <= total <= band.max:
                return band
        raise ValueError(f"{self.code}: {total} is outside {self.min_total}-{self.max_total}")


def _check_wording(questionnaire: Questionnaire, language: str, wording: Wording) -> None:
    code = questionnaire.code
    if language == questionnaire.language:
        raise ValueError(f"{code}: a translation into its own language {language!r}")
    items = [item_id for item_id, _ in wording.items]
    _refuse_duplicates(code, f"{language} item", items)
    if set(items) != {item.id for item in questionnaire.items}:
        raise ValueError(f"{code}: the {language} text must word every item, and only those")
    values = [value for value, _ in wording.options]
    _refuse_duplicates(code, f"{language} option", (str(v) for v in values))
    if set(values) != {option.value for option in questionnaire.options}:
        raise ValueError(f"{code}: the {language} text must label every option, and only those")
    if not wording.title.strip():
        raise ValueError(f"{code}: the {language} text has no title")


def _refuse_duplicates(code: str, what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{code}: duplicate {what} {value!r}")
        seen.add(value)


def _check_bands(code: str, bands: Sequence[Band], low: int, high: int) -> None:
    """Bands must tile [low, high] in ascending order: no gap, no overlap, nothing outside."""
    if not bands:
        raise ValueError(f"{code} has no severity bands")
    if bands[0].min != low:
        raise ValueError(f"{code}: bands start at {bands[0].min}, the lowest total is {low}")
    expected = low
    for band in bands:
        if band.min > band.max:
            raise ValueError(f"{code}: band {band.label!r} runs from {band.min} down to {band.max}")
        if band.min > expected:
            raise ValueError(f"{code}: bands leave {expected}-{band.min - 1} uncovered")
        if band.min < expected:
            raise ValueError(f"{code}: band {band.label!r} overlaps at {band.min}-{expected - 1}")
        expected = band.max + 1
    if expected - 1 != high:
        raise ValueError(f"{code}: bands end at {expected - 1}, the highest total is {high}")


_KEYS = frozenset(
    {
        "code", "title", "instruction", "items", "options", "bands", "scoring", "loinc",
        "reliability", "higher_is_better", "safety_items", "licence", "language",
        "translations",
    }
)  # fmt: skip


def from_data(data: Mapping[str, object]) -> Questionnaire:
    """Build (and so validate) an instrument from plain data, e.g. parsed JSON or TOML.

    Unknown keys are refused rather than ignored: a misspelt "band" would otherwise vanish
    and leave the instrument to fail later with a less helpful message.
    """
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ValueError(f"unknown questionnaire keys: {', '.join(unknown)}")
    loinc = data.get("loinc")
    if loinc is not None and not isinstance(loinc, str):
        raise ValueError("loinc must be text")
    return Questionnaire(
        code=_text(data, "code", "questionnaire"),
        title=_text(data, "title", "questionnaire"),
        instruction=_text(data, "instruction", "questionnaire", default=""),
        items=tuple(Item(_text(r, "id", w), _text(r, "text", w)) for w, r in _rows(data, "items")),
        options=tuple(
            Option(_integer(r, "value", w), _text(r, "label", w)) for w, r in _rows(data, "options")
        ),
        bands=tuple(
            Band(_integer(r, "min", w), _integer(r, "max", w), _text(r, "label", w))
            for w, r in _rows(data, "bands")
        ),
        scoring=ScoringRule(_text(data, "scoring", "questionnaire", default=ScoringRule.SUM)),
        loinc=loinc,
        reliability=_reliability(data.get("reliability")),
        higher_is_better=_flag(data, "higher_is_better"),
        safety_items=tuple(_texts(data, "safety_items")),
        licence=_text(data, "licence", "questionnaire", default=""),
        language=_text(data, "language", "questionnaire", default="en"),
        translations=_translations(data.get("translations", {})),
    )


def to_data(questionnaire: Questionnaire) -> dict[str, object]:
    """The plain-data form that `from_data` reads back into an equal instrument."""
    return {
        "code": questionnaire.code,
        "title": questionnaire.title,
        "instruction": questionnaire.instruction,
        "items": [{"id": item.id, "text": item.text} for item in questionnaire.items],
        "options": [{"value": o.value, "label": o.label} for o in questionnaire.options],
        "bands": [{"min": b.min, "max": b.max, "label": b.label} for b in questionnaire.bands],
        "scoring": questionnaire.scoring.value,
        "loinc": questionnaire.loinc,
        "reliability": None if (r := questionnaire.reliability) is None else {
            key: value
            for key, value in (("source", r.source), ("sd", r.sd), ("r", r.r),
                               ("criterion_points", r.criterion_points))
            if value is not None
        },
        "higher_is_better": questionnaire.higher_is_better,
        "safety_items": list(questionnaire.safety_items),
        "licence": questionnaire.licence,
        "language": questionnaire.language,
        "translations": {
            language: {
                "title": w.title,
                "instruction": w.instruction,
                "source": w.source,
                "items": dict(w.items),
                "options": {str(value): label for value, label in w.options},
            }
            for language, w in questionnaire.translations
        },
    }  # fmt: skip


def _translations(value: object) -> tuple[tuple[str, Wording], ...]:
    """`{language: {title, instruction, source, items: {id: text}, options: {value: label}}}`;
    option values are keys, so text in TOML and JSON ("0"), read back as whole numbers."""
    if not isinstance(value, Mapping):
        raise ValueError("translations must be a mapping of language to text")
    found: list[tuple[str, Wording]] = []
    for language, row in value.items():
        where = f"translations.{language}"
        if not isinstance(row, Mapping):
            raise ValueError(f"{where} must be a mapping")
        unknown = sorted(set(row) - {"title", "instruction", "source", "items", "options"})
        if unknown:
            raise ValueError(f"unknown {where} keys: {', '.join(unknown)}")
        items, options = row.get("items"), row.get("options")
        if not isinstance(items, Mapping) or not all(isinstance(t, str) for t in items.values()):
            raise ValueError(f"{where}.items must map item ids to text")
        if not isinstance(options, Mapping) or not all(
            isinstance(t, str) for t in options.values()
        ):
            raise ValueError(f"{where}.options must map option values to labels")
        labels: list[tuple[int, str]] = []
        for key, label in options.items():
            try:
                labels.append((int(key), label))
            except ValueError:
                raise ValueError(f"{where}.options: {key!r} is not a whole number") from None
        found.append(
            (
                str(language),
                Wording(
                    title=_text(row, "title", where),
                    instruction=_text(row, "instruction", where, default=""),
                    items=tuple((str(k), t) for k, t in items.items()),
                    options=tuple(labels),
                    source=_text(row, "source", where, default=""),
                ),
            )
        )
    return tuple(found)


def _reliability(value: object) -> Reliability | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("reliability must be a mapping: source, and sd and r or criterion_points")
    unknown = sorted(set(value) - {"source", "sd", "r", "criterion_points"})
    if unknown:
        raise ValueError(f"unknown reliability keys: {', '.join(unknown)}")
    sd, r, points = value.get("sd"), value.get("r"), value.get("criterion_points")
    for key, number in (("sd", sd), ("r", r)):
        if number is not None and type(number) not in (int, float):
            raise ValueError(f"reliability.{key} must be a number")
    if points is not None and type(points) is not int:
        raise ValueError("reliability.criterion_points must be a whole number")
    return Reliability(
        source=_text(value, "source", "reliability"),
        sd=None if sd is None else float(sd),
        r=None if r is None else float(r),
        criterion_points=points,
    )


def _flag(data: Mapping[str, object], key: str) -> bool:
    value = data.get(key, False)
    if type(value) is not bool:
        raise ValueError(f"questionnaire.{key} must be true or false")
    return value


def _texts(data: Mapping[str, object], key: str) -> list[str]:
    values = data.get(key, [])
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"questionnaire.{key} must be a list of texts")
    return list(values)


def _rows(data: Mapping[str, object], key: str) -> list[tuple[str, Mapping[str, object]]]:
    """The records under `key`, each with its place ("items[2]") for error messages."""
    rows = data.get(key)
    if not isinstance(rows, list | tuple):
        raise ValueError(f"{key} must be a list")
    found: list[tuple[str, Mapping[str, object]]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(f"{key}[{index}] must be a mapping")
        found.append((f"{key}[{index}]", row))
    return found


def _text(row: Mapping[str, object], key: str, where: str, default: str | None = None) -> str:
    value = row.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{where}.{key} must be text")
    return value


def _integer(row: Mapping[str, object], key: str, where: str) -> int:
    value = row.get(key)
    if type(value) is not int:  # not bool, not float: 2.0 points is a data error
        raise ValueError(f"{where}.{key} must be a whole number")
    return value
