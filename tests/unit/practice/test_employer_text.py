"""The employer-text guard: medical words are found as typed, innocent words are not, and
the two corpora written for it hold (0 false refusals, 0 misses)."""

import types
import typing
from pathlib import Path

import msgspec
import pytest

from practice import employer_text
from practice.employer_text import (
    GUARDED_FIELDS,
    UNGUARDED_FIELDS,
    MedicalText,
    compile_term,
    load_lexicon,
    medical_words,
    parse_lexicon,
    refuse_medical_text,
)
from practice.errors import InvalidInput
from practice.privacy import EmployerView
from tests.unit.practice.employer_text_corpus import ALLOWED, MEDICAL

LEXICON = load_lexicon()


def words(text: str) -> list[str]:
    return [hit.word for hit in medical_words(text, LEXICON)]


def test_the_corpora_are_large_enough_and_in_both_languages() -> None:
    assert len(ALLOWED) >= 200
    assert len(MEDICAL) >= 200
    assert len(set(ALLOWED)) == len(ALLOWED)
    assert len(set(MEDICAL)) == len(MEDICAL)


def test_no_allowed_agreement_or_minutes_text_is_refused() -> None:
    refused = {text: words(text) for text in ALLOWED if words(text)}
    assert refused == {}


def test_every_medical_text_is_refused() -> None:
    missed = [text for text in MEDICAL if not words(text)]
    assert missed == []


def test_the_issues_example_names_each_medical_word_as_typed() -> None:
    text = "Vanwege zijn depressie en paniekstoornis (EMDR) eerst 2 uur per dag"
    assert words(text) == ["depressie", "paniekstoornis", "EMDR"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("depressieve gevoelens", ["depressieve"]),
        ("is depressief", ["depressief"]),
        ("paniekaanvallen", ["paniekaanvallen"]),
        ("angstklachten", ["angstklachten"]),
        ("angstig", ["angstig"]),
        ("faalangst", ["faalangst"]),
        ("winterdepressie", ["winterdepressie"]),
        ("antidepressiva", ["antidepressiva"]),
        ("claustrofobie", ["claustrofobie"]),
        ("overspannenheid", ["overspannenheid"]),
        ("psychiaters", ["psychiaters"]),
        ("SSRI's", ["SSRI's"]),
    ],
)
def test_inflections_and_compounds_are_found(text: str, found: list[str]) -> None:
    assert words(text) == found


@pytest.mark.parametrize(
    "text",
    ["burnout", "burn-out", "burn out", "Burn-Out", "burn-out-klachten", "burnoutklachten"],
)
def test_a_terms_hyphen_may_be_written_left_out_or_a_space(text: str) -> None:
    assert words(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "contact",
        "klantcontact",
        "actief",
        "actie",
        "Act on the plan",
        "exact",
        "impact",
        "ontvangst",
        "in ontvangst nemen",
        "vangst",
        "het langst",
        "belangstelling",
        "angstvallig",
        "paniekvoetbal",
        "poho",
        "gegezond",
        "address",
        "add the hours",
        "bedrijfsarts",
        "arbeidsdeskundige",
        "stress",
        "werkdruk",
        "overwerk",
        "lithium-ion",
        "gadget",
        "spvv",
    ],
)
def test_innocent_words_that_hold_a_term_are_not_refused(text: str) -> None:
    assert words(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ACT op donderdag", ["ACT"]),
        ("ACT-training", ["ACT-training"]),
        ("naar de GGZ", ["GGZ"]),
        ("basis-ggz", ["basis-ggz"]),
        ("POH-GGZ", ["POH-GGZ"]),
        ("ggz-instelling", ["ggz-instelling"]),
        ("OCD", ["OCD"]),
        ("de GP", ["GP"]),
    ],
)
def test_short_terms_match_only_as_whole_words(text: str, found: list[str]) -> None:
    assert words(text) == found


def test_exact_case_terms_leave_the_everyday_word_alone() -> None:
    assert words("act now, gp appointment? no: the GP") == ["GP"]
    assert words("ACT and act") == ["ACT"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("DEPRESSIE", ["DEPRESSIE"]),
        ("Suïcidale gedachten", ["Suïcidale"]),
        ("Sui\u0308cidale gedachten", ["Sui\u0308cidale"]),  # a decomposed accent
        ("de\u200bpressie", ["depressie"]),  # a zero-width space, named without it
        ("angst\u00adklachten", ["angstklachten"]),  # a soft hyphen
        ("d\u0435pressie", ["d\u0435pressie"]),  # a Cyrillic е
        ("d3pr3ss1e", ["d3pr3ss1e"]),
        ("\uff25\uff2d\uff24\uff32", ["\uff25\uff2d\uff24\uff32"]),  # full-width EMDR
        ("burn\u2011out", ["burn\u2011out"]),  # a non-breaking hyphen
        ("\ufb01ne depressie", ["depressie"]),  # a ligature before it
    ],
)
def test_the_text_is_folded_before_it_is_compared(text: str, found: list[str]) -> None:
    assert words(text) == found


def test_numbers_stay_numbers() -> None:
    assert words("2 x 4 uur, 3e week, 1e evaluatie, 24-uursdienst, 5x per week") == []


def test_each_word_is_named_once_in_the_order_typed() -> None:
    assert words("EMDR, depressie, en weer EMDR en Depressie") == ["EMDR", "depressie"]


def test_a_refusal_names_each_field_and_its_words_and_offers_the_neutral_phrasing() -> None:
    with pytest.raises(MedicalText) as refused:
        refuse_medical_text({"description": "Na de burn-out (CGT) 4 uur", "x": None}, LEXICON)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.words == {"description": ("burn-out", "CGT")}
    problem = refused.value.fields["description"]
    assert "burn-out, CGT" in problem
    assert "hours and agreements" in problem
    assert getattr(problem, "id") == employer_text.REFUSAL  # noqa: B009 - translated by id


def test_a_clean_text_passes() -> None:
    refuse_medical_text({"description": "Start met 2 x 4 uur", "shared_text": ""}, LEXICON)


def test_a_practice_extends_the_lexicon_with_its_own_file(tmp_path: Path) -> None:
    extra = tmp_path / "ours.toml"
    extra.write_text(
        '[diagnosis]\nterms = ["hooglandziekte*"]\n[innocent]\nterms = ["paniekknop*"]\n',
        encoding="utf-8",
    )
    ours = load_lexicon(extra)
    assert [h.word for h in medical_words("hooglandziekte in mei", ours)] == ["hooglandziekte"]
    assert medical_words("hooglandziekte", LEXICON) == []
    assert medical_words("de paniekknop bij de balie", ours) == []
    assert [h.word for h in medical_words("paniek", ours)] == ["paniek"]


def test_a_malformed_lexicon_is_refused_when_it_is_read() -> None:
    with pytest.raises(ValueError, match="needs a list"):
        parse_lexicon([{"diagnosis": {"words": ["x"]}}])
    with pytest.raises(ValueError, match="empty"):
        compile_term("*", "diagnosis")
    with pytest.raises(ValueError, match="no letters"):
        compile_term("- *", "diagnosis")


def test_the_shipped_lexicon_covers_each_category() -> None:
    categories = {term.category for term in LEXICON.terms}
    assert categories == {"diagnosis", "symptom", "medication", "therapy", "care_provider"}
    assert len(LEXICON.terms) >= 400


def _text_fields(annotation: object, path: str) -> set[str]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_text_fields(a, path) for a in typing.get_args(annotation)))
    if origin is tuple:
        return set().union(
            *(_text_fields(a, f"{path}[]") for a in typing.get_args(annotation) if a is not ...)
        )
    if annotation is str:
        return {path}
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        prefix = f"{path}." if path else ""
        return set().union(
            *(
                _text_fields(field.type, prefix + field.name)
                for field in msgspec.structs.fields(annotation)
            )
        )
    return set()


def test_every_text_field_of_the_employer_view_is_guarded_or_named_as_not_free_text() -> None:
    fields = _text_fields(EmployerView, "")
    assert fields == set(GUARDED_FIELDS) | set(UNGUARDED_FIELDS)
    assert not set(GUARDED_FIELDS) & set(UNGUARDED_FIELDS)


def test_the_practices_lexicon_file_is_a_setting_that_must_exist(tmp_path: Path) -> None:
    from practice.platform.settings import Settings, SettingsError

    extra = tmp_path / "ours.toml"
    extra.write_text('[symptom]\nterms = ["x-woord"]\n', encoding="utf-8")
    env = {"PRACTICE_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).employer_text_lexicon is None
    chosen = Settings.from_env({**env, "EMPLOYER_TEXT_LEXICON": str(extra)})
    assert chosen.employer_text_lexicon == extra.resolve()
    with pytest.raises(SettingsError, match="EMPLOYER_TEXT_LEXICON"):
        Settings.from_env({**env, "EMPLOYER_TEXT_LEXICON": str(tmp_path / "missing.toml")})


def test_every_term_of_the_lexicon_written_plainly_is_found() -> None:
    """A term the matcher cannot find (a typo in its syntax, an innocent word that covers
    it) would be a hole nobody sees; each one, written as its plain letters, is a hit."""
    missed = [
        term.text
        for term in LEXICON.terms
        if not medical_words(term.text.lstrip("=").replace("*", ""), LEXICON)
    ]
    assert missed == []
