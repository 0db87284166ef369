"""The employer-text guard: which words of a text bound for an employer are medical (pure).

``EmployerView`` keeps medical *fields* away from an employer, but three of its fields are
free text a therapist types: a work agreement, the shared minutes of the alignment meeting
and the shared work section of the relapse-prevention plan. "Vanwege zijn depressie (EMDR)
eerst 2 uur per dag" in one of them would reach the employer verbatim. So every such text
is checked when it is written (``medical_words``) against a lexicon kept as data
(``practice/lexicon/employer_text.toml``, its syntax is explained there), and a hit refuses
the write (``refuse_medical_text``): there is no override, the therapist rephrases as the
NVAB guideline asks, in capacities, limitations, hours and agreements.

Matching, and why:

* The text is folded before it is compared: Unicode compatibility forms (ligatures,
  full-width letters), zero-width characters and soft hyphens dropped, accents and case
  folded, look-alike letters of other scripts read as Latin, every dash read as "-". A
  hurried therapist does not hide words, but a pasted text carries all of these.
* A second reading takes the digits inside a word as the letters they imitate
  ("d3pr3ss1e"); a word of digits only ("2 x 4 uur") is left alone.
* A term matches at a word start ("angst*": angstklachten), a word end ("*fobie":
  claustrofobie), anywhere ("*depressi*": winterdepressie) or as a whole word ("ggz"),
  so a short term never matches inside an innocent word ("act" in "contact"). A
  hyphen ends a word in the text ("basis-ggz"); a term's own hyphen or space may be
  written, left out or swapped ("burn-out*": burnout, burn out, burn-out-klachten).
* A hit inside an innocent word (``[innocent]`` of the lexicon: "paniekvoetbal",
  "ontvangst") is dropped; any other hit stands.

The words are named as the therapist typed them, so the message can say what to rephrase.
"""

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from practice.errors import InvalidInput, Message

# The lexicon that ships with the service; a practice adds its own file to it.
LEXICON_FILE = Path(__file__).resolve().parent / "lexicon" / "employer_text.toml"
INNOCENT = "innocent"

_ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Letters of other scripts that look like Latin ones (the common confusables).
_LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁӏАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdlABEKMHOPCTXIJSabeiknoptuxABEZHIKMNOPTYX",
)
# Digits and signs that stand in for letters inside a word.
_LEET = str.maketrans("0134578@$", "oieastbas")
_WORD = r"[^\W_]"
_NOT_WORD_BEFORE = rf"(?<!{_WORD})"
_NOT_WORD_AFTER = rf"(?!{_WORD})"


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry, compiled: ``pattern`` finds it in a folded text."""

    text: str  # as written in the lexicon, e.g. "angst*"
    category: str
    pattern: re.Pattern[str]
    exact_case: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    terms: tuple[Term, ...]
    innocent: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A medical word of the text: as typed, and the lexicon term it matched."""

    word: str
    term: str
    category: str


def compile_term(text: str, category: str) -> Term:
    """A term in the lexicon's syntax as a pattern over a folded text."""
    exact_case = text.startswith("=")
    body = text.removeprefix("=").strip()
    head, tail = body.startswith("*"), body.endswith("*")
    core = body.strip("*").strip("-")
    if not core:
        raise ValueError(f"empty lexicon term {text!r}")
    # A word inside a term may end in "*" too ("behaviour* therap*"): it runs on.
    words = [word for word in re.split(r"[\s-]+", core.strip()) if word.strip("*")]
    if not words:
        raise ValueError(f"lexicon term {text!r} has no letters")
    pieces = [
        re.escape(word.rstrip("*") if exact_case else _fold_plain(word.rstrip("*")).strip())
        + (f"{_WORD}*" if word.endswith("*") else "")
        for word in words
    ]
    regex = "(" + r"[\s-]?".join(pieces) + ")"
    if not head:
        regex = _NOT_WORD_BEFORE + regex
    if not tail:
        regex = regex + _NOT_WORD_AFTER
    return Term(text, category, re.compile(regex), exact_case)


def parse_lexicon(tables: Iterable[Mapping[str, object]]) -> Lexicon:
    """The lexicon of one or more parsed TOML files: ``[category] terms = [...]`` each."""
    terms: list[Term] = []
    innocent: list[Term] = []
    for table in tables:
        for category, section in table.items():
            if not isinstance(section, Mapping) or not isinstance(section.get("terms"), list):
                raise ValueError(f"[{category}] needs a list 'terms'")
            for entry in section["terms"]:
                if not isinstance(entry, str):
                    raise ValueError(f"[{category}] holds a term that is not text: {entry!r}")
                term = compile_term(entry, category)
                (innocent if category == INNOCENT else terms).append(term)
    return Lexicon(tuple(terms), tuple(innocent))


def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The shipped lexicon, plus the practice's own file when there is one."""
    files = [LEXICON_FILE, *([extra] if extra is not None else [])]
    tables = []
    for path in files:
        with path.open("rb") as handle:
            tables.append(tomllib.load(handle))
    return parse_lexicon(tables)


# ---------------------------------------------------------------- folding


def _fold_char(char: str, *, case: bool) -> str:
    """One character as it is compared: "" for an invisible one, letters without accents."""
    if char in _ZERO_WIDTH:
        return ""
    if char in _DASHES:
        return "-"
    char = char.translate(_LOOK_ALIKES)
    plain = "".join(
        c
        for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char))
        if not unicodedata.combining(c)
    ).translate(_LOOK_ALIKES)
    if not case:
        plain = plain.casefold()
    # Anything that is neither a letter, a digit, "-", nor a stand-in for a letter
    # separates words.
    return "".join(c if c.isalnum() or c in "-@$" else " " for c in plain)


def _fold_plain(text: str) -> str:
    return "".join(_fold_char(c, case=False) for c in text).replace("@", " ").replace("$", " ")


@dataclass(frozen=True, slots=True)
class _Reading:
    """A folded text and, per folded character, the index of the character it came from."""

    text: str
    origin: tuple[int, ...]


def _readings(text: str) -> Iterator[tuple[_Reading, bool]]:
    """The readings of ``text`` a term is looked for in: (reading, is the exact-case one)."""
    for case in (False, True):
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            folded = _fold_char(char, case=case)
            chars.extend(folded)
            origin.extend([index] * len(folded))
        raw = "".join(chars)
        plain = raw.replace("@", " ").replace("$", " ")
        yield _Reading(plain, tuple(origin)), case
        if not case:
            leet = re.sub(r"[\w@$]+", _de_leet, raw)
            if leet != plain:
                yield _Reading(leet, tuple(origin)), case


def _de_leet(match: re.Match[str]) -> str:
    word = match.group(0)
    if not any(c.isalpha() for c in word):
        return word.replace("@", " ").replace("$", " ")
    return word.translate(_LEET)


# ---------------------------------------------------------------- matching


def _spans(term: Term, reading: str) -> Iterator[tuple[int, int]]:
    position = 0
    while (match := term.pattern.search(reading, position)) is not None:
        yield match.span(1)
        position = match.start(1) + 1


def _word_around(text: str, start: int, end: int) -> str:
    """The word of the original text that holds [start, end), as the therapist typed it."""

    def inside(char: str) -> bool:
        return char.isalnum() or char in "-'’@$" or char in _ZERO_WIDTH or char in _DASHES

    while start > 0 and inside(text[start - 1]):
        start -= 1
    while end < len(text) and inside(text[end]):
        end += 1
    word = "".join(c for c in text[start:end] if c not in _ZERO_WIDTH)
    return word.strip("-'’")


def medical_words(text: str, lexicon: Lexicon) -> list[Hit]:
    """The medical words of ``text``, each once (as first typed), in the order they appear."""
    found: dict[int, Hit] = {}
    for reading, exact_case in _readings(text):
        if not reading.text.strip():
            continue
        innocent = [
            span
            for term in lexicon.innocent
            if term.exact_case == exact_case
            for span in _spans(term, reading.text)
        ]
        for term in lexicon.terms:
            if term.exact_case != exact_case:
                continue
            for start, end in _spans(term, reading.text):
                if any(low <= start and end <= high for low, high in innocent):
                    continue
                first, last = reading.origin[start], reading.origin[end - 1] + 1
                found.setdefault(
                    first, Hit(_word_around(text, first, last), term.text, term.category)
                )
    unique: dict[str, Hit] = {}
    for _start, hit in sorted(found.items()):
        unique.setdefault(hit.word.casefold(), hit)
    return list(unique.values())


# ---------------------------------------------------------------- refusing

# The message beside a refused field (translated in the catalogues). It names the words and
# offers the NVAB guideline's way of saying it.
REFUSAL = (
    "An employer may not read this: %(words)s. Describe what the employee can do, the "
    "limitations for the work, hours and agreements instead, without diagnosis, complaints, "
    "medication or treatment (e.g. 'Starts with 2 x 4 hours of own work; no customer "
    "contact for the first month; evaluation in two weeks')."
)


class MedicalText(InvalidInput):
    """A text bound for an employer names medical matters: refused, never overridden.

    An ``InvalidInput`` (the form shows each problem beside its field), answered with 422
    because the request is well-formed and its content is what cannot be processed.
    ``words`` maps each refused field to the words found in it.
    """

    def __init__(self, fields: Mapping[str, str], words: Mapping[str, tuple[str, ...]]) -> None:
        super().__init__(fields)
        self.words: dict[str, tuple[str, ...]] = dict(words)


def refuse_medical_text(texts: Mapping[str, str | None], lexicon: Lexicon) -> None:
    """Raise ``MedicalText`` naming, per field, the medical words in the texts given."""
    words = {
        field: tuple(hit.word for hit in hits)
        for field, text in texts.items()
        if text and (hits := medical_words(text, lexicon))
    }
    if words:
        raise MedicalText(
            {field: Message(REFUSAL, words=", ".join(found)) for field, found in words.items()},
            words,
        )


# ---------------------------------------------------------------- which texts are guarded

# Every text field of the employer's view (``practice.privacy.EmployerView``, walked
# recursively), and where it is checked when it is written. A text field added to the view
# fails ``tests/unit/practice/test_employer_text.py`` until it is listed here, guarded.
GUARDED_FIELDS: Mapping[str, str] = {
    "agreements[].description": "practice.services.work.record_agreement",
    "shared_minutes": "reporting.services.documents.record_minutes (shared_text)",
    "relapse_plan_work_section": (
        "practice.services.treatment_plan.record_relapse_prevention_plan "
        "(work_situation, when shared with the employer)"
    ),
}
# Text fields that are not free text about the employee's health, and why.
UNGUARDED_FIELDS: Mapping[str, str] = {
    "employee_name": "the employee's own name, which the employer already knows",
}
