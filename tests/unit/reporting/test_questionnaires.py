from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice.screening import COMPLAINT_INSTRUMENTS
from reporting.questionnaire_model import Wording
from reporting.questionnaires import (
    GAD7,
    INSTRUMENTS,
    PHQ9,
    WAS,
    Band,
    IncompleteQuestionnaire,
    InvalidAnswer,
    Questionnaire,
    Result,
    from_data,
    score,
    to_data,
    with_instruments,
)


def answers_totalling(questionnaire: Questionnaire, total: int) -> dict[str, int]:
    """Fill items with 3s from the top until `total` is reached (the spread is irrelevant)."""
    answers: dict[str, int] = {}
    remaining = total
    for item in questionnaire.items:
        answers[item.id] = min(3, remaining)
        remaining -= answers[item.id]
    assert remaining == 0
    return answers


def two_item_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "TEST-2",
        "title": "Two-item test instrument",
        "items": [{"id": "a", "text": "First"}, {"id": "b", "text": "Second"}],
        "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
        "bands": [{"min": 0, "max": 0, "label": "none"}, {"min": 1, "max": 2, "label": "some"}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_scores_fall_in_the_right_band_on_both_sides_of_every_boundary(
    total: int, band: str
) -> None:
    assert score(PHQ9, answers_totalling(PHQ9, total)) == Result(total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_scores_fall_in_the_right_band_on_both_sides_of_every_boundary(
    total: int, band: str
) -> None:
    assert score(GAD7, answers_totalling(GAD7, total)) == Result(total, band)


def test_phq9_has_nine_and_gad7_seven_items_answered_from_0_to_3() -> None:
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7
    for questionnaire in (PHQ9, GAD7):
        assert [option.value for option in questionnaire.options] == [0, 1, 2, 3]
    assert PHQ9.items[0].text == "Little interest or pleasure in doing things"
    assert GAD7.items[0].text == "Feeling nervous, anxious or on edge"


def test_the_total_score_loinc_codes_are_kept_for_the_fhir_export() -> None:
    assert PHQ9.loinc == "44261-6"
    assert GAD7.loinc == "70274-6"


def test_the_score_ranges_agree_with_the_screening_form() -> None:
    # The screening form names complaint instruments only; the work instrument is not one.
    shared = COMPLAINT_INSTRUMENTS.keys() & INSTRUMENTS.keys()
    assert shared == {"PHQ-9", "GAD-7"}
    for code in shared:
        questionnaire = INSTRUMENTS[code]
        assert COMPLAINT_INSTRUMENTS[code] == (questionnaire.min_total, questionnaire.max_total)


@given(st.sampled_from([PHQ9, GAD7]), st.data())
def test_any_complete_answer_set_scores_its_sum_inside_its_band(
    questionnaire: Questionnaire, data: st.DataObject
) -> None:
    answers = {item.id: data.draw(st.integers(0, 3)) for item in questionnaire.items}
    result = score(questionnaire, answers)
    band = questionnaire.band_for(result.total)
    assert result.total == sum(answers.values())
    assert band.min <= result.total <= band.max and band.label == result.band_label


def test_an_incomplete_questionnaire_is_rejected_naming_every_missing_item() -> None:
    answers = answers_totalling(PHQ9, 0)
    del answers["phq9_2"], answers["phq9_9"]
    with pytest.raises(IncompleteQuestionnaire, match="phq9_2, phq9_9") as caught:
        score(PHQ9, answers)
    assert caught.value.missing == ("phq9_2", "phq9_9")
    assert isinstance(caught.value, ValueError)


def test_an_empty_questionnaire_names_all_items() -> None:
    with pytest.raises(IncompleteQuestionnaire) as caught:
        score(GAD7, {})
    assert caught.value.missing == tuple(item.id for item in GAD7.items)


def test_an_answer_outside_the_options_is_rejected_naming_the_item_and_the_allowed_values() -> None:
    answers = answers_totalling(GAD7, 0) | {"gad7_3": 4, "gad7_6": -1}
    with pytest.raises(InvalidAnswer, match="allowed values are 0, 1, 2, 3") as caught:
        score(GAD7, answers)
    assert caught.value.items == ("gad7_3", "gad7_6")
    assert caught.value.allowed == (0, 1, 2, 3)
    assert "gad7_3=4" in str(caught.value)


def test_a_true_is_not_accepted_as_the_answer_1() -> None:
    answers: dict[str, int] = answers_totalling(GAD7, 0) | {"gad7_1": True}
    with pytest.raises(InvalidAnswer, match="gad7_1"):
        score(GAD7, answers)


def test_an_answer_to_an_item_the_instrument_lacks_is_rejected_as_the_wrong_form() -> None:
    with pytest.raises(InvalidAnswer, match="phq9_1"):
        score(GAD7, answers_totalling(GAD7, 0) | {"phq9_1": 0})


def test_a_new_instrument_can_be_added_as_data_and_scored() -> None:
    instrument = from_data(two_item_data())
    registry = with_instruments(INSTRUMENTS, [instrument])
    assert set(registry) == {*INSTRUMENTS, "TEST-2"}
    assert score(registry["TEST-2"], {"a": 1, "b": 0}) == Result(1, "some")


def test_the_built_in_instruments_survive_a_round_trip_through_data() -> None:
    for questionnaire in (PHQ9, GAD7):
        assert from_data(to_data(questionnaire)) == questionnaire


def test_the_registry_is_read_only_and_refuses_a_second_instrument_with_the_same_code() -> None:
    with pytest.raises(TypeError):
        INSTRUMENTS["X"] = PHQ9  # type: ignore[index]
    with pytest.raises(ValueError, match="PHQ-9 already exists"):
        with_instruments(INSTRUMENTS, [PHQ9])


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([(0, 0, "none"), (2, 2, "some")], "leave 1-1 uncovered"),
        ([(0, 1, "none"), (1, 2, "some")], "overlaps at 1-1"),
        ([(0, 0, "none"), (1, 3, "some")], "bands end at 3"),
        ([(0, 0, "none"), (1, 1, "some")], "bands end at 1"),
        ([(1, 2, "some")], "bands start at 1, the lowest total is 0"),
        ([(-1, 0, "none"), (1, 2, "some")], "bands start at -1"),
        ([(0, 2, "all"), (3, 2, "odd")], "runs from 3 down to 2"),
        ([], "no severity bands"),
    ],
)
def test_bands_must_cover_the_score_range_without_gaps_or_overlap(
    bands: list[tuple[int, int, str]], message: str
) -> None:
    rows = [{"min": low, "max": high, "label": label} for low, high, label in bands]
    with pytest.raises(ValueError, match=message):
        from_data(two_item_data(bands=rows))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"band": []}, "unknown questionnaire keys: band"),
        ({"items": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]}, "duplicate item"),
        ({"items": []}, "has no items"),
        ({"options": [{"value": 0.0, "label": "No"}]}, r"options\[0\].value"),
        ({"options": "0-1"}, "options must be a list"),
        ({"scoring": "weighted"}, "weighted"),
        ({"code": " "}, "needs a code"),
        ({"loinc": 44261}, "loinc must be text"),
    ],
)
def test_malformed_instrument_data_is_refused_with_a_message_naming_the_problem(
    changes: Mapping[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        from_data(two_item_data(**changes))


def test_a_band_lookup_outside_the_range_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="28 is outside 0-27"):
        PHQ9.band_for(28)
    assert PHQ9.bands[0] == Band(0, 4, "minimal")


@pytest.mark.parametrize("questionnaire", list(INSTRUMENTS.values()), ids=list(INSTRUMENTS))
def test_every_built_in_instrument_is_worded_in_dutch_with_the_source_of_its_text(
    questionnaire: Questionnaire,
) -> None:
    dutch = questionnaire.in_language("nl")
    assert dutch.language == "nl"
    assert dutch.title != questionnaire.title
    assert [i.id for i in dutch.items] == [i.id for i in questionnaire.items]
    assert all(d.text != e.text for d, e in zip(dutch.items, questionnaire.items, strict=True))
    assert [o.value for o in dutch.options] == [o.value for o in questionnaire.options]
    assert dict(questionnaire.translations)["nl"].source
    assert questionnaire.licence


def test_the_dutch_phq9_scores_as_the_english_one_and_keeps_its_safety_item() -> None:
    dutch = PHQ9.in_language("nl")
    answers = {item.id: 2 for item in PHQ9.items}
    assert score(dutch, answers) == score(PHQ9, answers) == Result(18, "moderately severe")
    assert dutch.safety_items == ("phq9_9",)
    assert dutch.items[0].text == "Weinig interesse of plezier in het doen van dingen"
    assert dutch.options[3].label == "Bijna elke dag"


def test_a_language_without_a_text_gets_the_instrument_as_it_is() -> None:
    assert PHQ9.in_language("en") is PHQ9
    assert PHQ9.in_language("de") is PHQ9


def test_a_translation_must_word_every_item_and_label_every_option() -> None:
    data = to_data(GAD7)
    translations = data["translations"]
    assert isinstance(translations, dict)
    del translations["nl"]["items"]["gad7_7"]
    with pytest.raises(ValueError, match="every item"):
        from_data(data)
    data = to_data(GAD7)
    data["translations"]["nl"]["options"]["4"] = "Altijd"  # type: ignore[index]
    with pytest.raises(ValueError, match="every option"):
        from_data(data)
    with pytest.raises(ValueError, match="own language"):
        Questionnaire(
            code="X", title="X", items=GAD7.items, options=GAD7.options, bands=GAD7.bands,
            translations=(("en", Wording("X", "", (), ())),),
        )  # fmt: skip


def test_the_translations_survive_the_round_trip_through_plain_data() -> None:
    for questionnaire in INSTRUMENTS.values():
        assert from_data(to_data(questionnaire)) == questionnaire


@pytest.mark.parametrize(
    ("points", "band"),
    [(0, "poor"), (5, "poor"), (6, "moderate"), (7, "moderate"), (8, "good"), (9, "good"),
     (10, "excellent")],
)  # fmt: skip
def test_the_work_ability_score_is_banded_as_published(points: int, band: str) -> None:
    # El Fassi et al. 2013 (BMC Public Health 13:305): poor 0-5, moderate 6-7, good 8-9,
    # excellent 10.
    assert score(WAS, {"was_1": points}) == Result(points, band)


def test_the_work_ability_score_counts_a_rise_as_better_and_has_no_change_norms() -> None:
    assert WAS.higher_is_better
    assert WAS.reliability is None
    assert (WAS.min_total, WAS.max_total) == (0, 10)
    assert "FIOH" in WAS.licence
