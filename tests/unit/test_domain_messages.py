"""Domain refusals speak the user's language: every message a service raises (InvalidInput,
Conflict, NotFound) has a Dutch translation, none is an f-string (values travel as a Message's
params), and every field a service names has a label for the error page.

The messages are collected from the source by AST: the literal first argument of a refusal,
each value of the dict an InvalidInput gets, and each value put into a ``problems`` dict.
"""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from practice.errors import Message, between, one_of
from practice.platform import i18n
from practice.web.field_labels import FIELD_LABELS, field_label

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("practice", "scheduling", "reporting")
REFUSALS = {"InvalidInput", "Conflict", "NotFound", "DomainError"}
PROBLEM_DICTS = {"problems", "fields", "timing"}
HELPERS = {"one_of": "one of %(choices)s", "between": "between %(low)s and %(high)s"}


class Found:
    def __init__(self) -> None:
        self.messages: dict[str, str] = {}  # message id -> where
        self.formatted: list[str] = []  # f-strings and %-formatting: untranslatable
        self.fields: dict[str, str] = {}  # field name -> where


def _message(node: ast.expr, where: str, found: Found) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        found.messages.setdefault(node.value, where)
    elif isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
    ):
        found.formatted.append(f"{where}: {ast.unparse(node)}")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in HELPERS:
            found.messages.setdefault(HELPERS[node.func.id], where)
        elif node.func.id in {"Message", "N_", "_"} and node.args:
            _message(node.args[0], where, found)


def _problems(node: ast.expr, where: str, found: Found) -> None:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.fields.setdefault(key.value, where)
            _message(value, where, found)
    elif isinstance(node, ast.DictComp):
        _message(node.value, where, found)


def _collect() -> Found:
    found = Found()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
                    if node.func.id == "InvalidInput":
                        _problems(node.args[0], where, found)
                    elif node.func.id in REFUSALS:
                        _message(node.args[0], where, found)
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if (
                            isinstance(target, ast.Subscript)
                            and isinstance(target.value, ast.Name)
                            and target.value.id in PROBLEM_DICTS
                        ):
                            if isinstance(target.slice, ast.Constant):
                                found.fields.setdefault(str(target.slice.value), where)
                            _message(node.value, where, found)
                        elif isinstance(target, ast.Name) and target.id in PROBLEM_DICTS:
                            _problems(node.value, where, found)
    return found


FOUND = _collect()


def _dutch() -> dict[str, str]:
    po_file = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}


def test_the_collector_finds_the_domain_messages() -> None:
    assert "This episode already has a screening." in FOUND.messages
    assert "one of %(choices)s" in FOUND.messages
    assert "No such episode." in FOUND.messages
    assert len(FOUND.messages) > 60
    assert {"to_status", "starts_at", "first_sick_day"} <= set(FOUND.fields)


def test_no_domain_message_is_formatted_before_it_is_translated() -> None:
    assert FOUND.formatted == [], "use practice.errors.Message(id, name=value) instead"


def test_every_domain_error_message_has_a_dutch_translation() -> None:
    dutch = _dutch()
    missing = sorted(f"{where}: {m!r}" for m, where in FOUND.messages.items() if m not in dutch)
    assert missing == [], "add these to practice/locale/nl/LC_MESSAGES/messages.po"


def test_every_field_a_service_names_has_a_label_with_a_dutch_translation() -> None:
    unlabelled = sorted(
        f"{where}: {f}" for f, where in FOUND.fields.items() if f not in FIELD_LABELS
    )
    assert unlabelled == [], "add a label to practice.web.field_labels.FIELD_LABELS"
    dutch = _dutch()
    assert sorted(m for m in FIELD_LABELS.values() if m not in dutch) == []


@pytest.fixture
def dutch_locale() -> object:
    token = i18n.current_locale.set("nl")
    yield
    i18n.current_locale.reset(token)


@pytest.mark.usefixtures("dutch_locale")
def test_a_message_with_a_date_is_translated_by_its_id_then_filled_in_in_dutch() -> None:
    message = Message(
        "The screening cannot be before the referral (%(day)s).", day=date(2026, 3, 2)
    )
    assert message == "The screening cannot be before the referral (2026-03-02)."
    assert i18n.gettext(message) == "De screening kan niet vóór de aanmelding liggen (2 mrt 2026)."


@pytest.mark.usefixtures("dutch_locale")
def test_numbers_and_labels_in_a_message_are_written_the_dutch_way() -> None:
    message = Message(
        "Own and adapted work together are more than %(factor)s times the contract hours "
        "(%(hours)s a week).",
        factor=Decimal("1.5"),
        hours=Decimal("22.80"),
    )
    assert "1,5 keer de contracturen (22,8 per week)" in i18n.gettext(message)
    status = Message(
        "An episode that is %(current)s cannot become %(target)s.",
        current=Message("closed"),
        target=Message("screening planned"),
    )
    assert i18n.gettext(status) == (
        "Een traject met de status afgesloten kan niet screening gepland worden."
    )


@pytest.mark.usefixtures("dutch_locale")
def test_choices_and_ranges_are_translated_with_their_values() -> None:
    assert i18n.gettext(one_of(["nl", "en"])) == "een van nl, en"
    assert i18n.gettext(between(1, 8)) == "tussen 1 en 8"
    assert str(between(1, 8)) == "between 1 and 8"


def test_a_translation_that_does_not_fit_its_values_falls_back_to_the_english_text() -> None:
    message = Message("A %(missing)s message id that is not in the catalogue", missing="x")
    assert i18n.gettext(message) == "A x message id that is not in the catalogue"


@pytest.mark.usefixtures("dutch_locale")
def test_a_field_reads_as_its_label_in_the_users_language() -> None:
    assert field_label("date_of_birth") == "geboortedatum"
    assert field_label("some_new_field") == "some new field"
