"""A posted form read into its request type: every field that does not fit is named at once,
not one per submit."""

from collections.abc import Iterator
from datetime import date
from typing import Annotated

import msgspec
import pytest

from practice.errors import InvalidInput
from practice.platform.i18n import current_locale
from practice.web.forms import form_struct


class Referral(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=5)]
    hours: Annotated[int, msgspec.Meta(ge=0, le=80)]
    first_sick_day: date
    note: str = ""


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


def _problems(form: dict[str, str]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        form_struct(Referral, dict(form))
    return refused.value.fields


def test_an_empty_form_names_every_required_field_at_once() -> None:
    problems = _problems({"name": "", "hours": "", "first_sick_day": "", "note": ""})

    assert problems == {
        "name": "Fill in this field.",
        "hours": "Fill in this field.",
        "first_sick_day": "Fill in this field.",
    }


def test_values_that_do_not_fit_are_each_named_with_their_limit() -> None:
    problems = _problems({"name": "Annemarie", "hours": "abc", "first_sick_day": "2026-02-30"})

    assert problems == {
        "name": "Use at most 5 characters.",
        "hours": "Enter a whole number.",
        "first_sick_day": "Enter a valid date.",
    }


def test_a_field_the_form_does_not_have_is_named_beside_the_others() -> None:
    problems = _problems({"name": "Anna", "hours": "90", "first_sick_day": "2026-01-05", "x": "1"})

    assert problems == {
        "x": "This field is not part of the form.",
        "hours": "Enter a number of at most 80.",
    }


def test_a_form_that_fits_is_read_into_its_type() -> None:
    read = form_struct(Referral, {"name": "Anna", "hours": "32", "first_sick_day": "2026-01-05"})

    assert read == Referral("Anna", 32, date(2026, 1, 5))
