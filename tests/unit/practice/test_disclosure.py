"""The sender registry and the gate's seal: every message that leaves is a registered sender,
every writer of mail asks the gate, and a clearance cannot be made anywhere else.

The static half reads the source (no import of what it checks): a call of ``queue_message``
anywhere in practice/, scheduling/ or reporting/ must pass, as its clearance, a name bound in
the same function to ``await disclosure.clear(...)``; a module that queues mail must be a
registered sender's module, and each sender must be named by its module.
"""

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from practice.accounts import Role
from practice.consent import Purpose, Recipient
from practice.disclosure import (
    AUDIENCE_OF_ROLE,
    RULES,
    SENDER_MODULES,
    Addressee,
    Audience,
    NeedsConsent,
    NoConsent,
    Sender,
    consent_pairs,
    need,
    place,
)
from practice.services.disclosure import Clearance, ForgedClearance, genuine

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("practice", "scheduling", "reporting")
OUTBOX = "practice/platform/outbox.py"
GATE = "practice/services/disclosure.py"


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            found.append((relative, ast.parse(path.read_text(encoding="utf-8"), relative)))
    return found


def _queue_calls(tree: ast.Module) -> list[tuple[ast.Call, ast.AST]]:
    """Every call of ``queue_message`` with the function (or module) around it."""
    calls: list[tuple[ast.Call, ast.AST]] = []

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.AsyncFunctionDef | ast.FunctionDef) else scope
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "queue_message":
                    calls.append((child, scope))
            visit(child, inner)

    visit(tree, tree)
    return calls


def _cleared_names(scope: ast.AST) -> set[str]:
    """The names bound in ``scope`` to ``await disclosure.clear(...)``."""
    names = set()
    for node in ast.walk(scope):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        value = node.value
        if not (isinstance(value, ast.Await) and isinstance(value.value, ast.Call)):
            continue
        func = value.value.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "clear"
            and isinstance(func.value, ast.Name)
            and func.value.id == "disclosure"
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _clearance_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "clearance"), None)


def test_every_call_of_queue_message_passes_a_clearance_the_gate_just_gave() -> None:
    checked, bypasses = 0, []
    for path, tree in _modules():
        for call, scope in _queue_calls(tree):
            argument = _clearance_argument(call)
            cleared = _cleared_names(scope)
            if not (isinstance(argument, ast.Name) and argument.id in cleared):
                bypasses.append(f"{path}:{call.lineno}")
            checked += 1
    assert checked >= len(set(SENDER_MODULES.values())), "the scan found too few writers"
    assert not bypasses, f"queue_message without a clearance from disclosure.clear: {bypasses}"


def test_queue_message_is_never_imported_under_another_name() -> None:
    """A renamed import would hide its calls from the scan above."""
    renamed = [
        f"{path}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom | ast.Import)
        for alias in node.names
        if alias.name.rsplit(".", 1)[-1] in {"queue_message", "outbox"}
        and alias.asname not in (None, "queue_message", "outbox")
    ]
    assert not renamed


def test_every_module_that_queues_mail_is_a_registered_senders_module() -> None:
    writers = {path for path, tree in _modules() if _queue_calls(tree)} - {OUTBOX}
    assert writers == set(SENDER_MODULES.values())


def test_every_sender_is_named_by_the_module_registered_for_it() -> None:
    sources = {path: (ROOT / path).read_text(encoding="utf-8") for path in SENDER_MODULES.values()}
    for sender, path in SENDER_MODULES.items():
        assert f"Sender.{sender.name}" in sources[path], f"{sender} is not sent from {path}"


def test_only_the_gate_touches_its_seal() -> None:
    users = [path for path, _ in _modules() if "_SEAL" in (ROOT / path).read_text(encoding="utf-8")]
    assert users == [GATE]


def test_every_sender_has_a_rule_and_a_module() -> None:
    assert set(RULES) == set(Sender) == set(SENDER_MODULES)
    assert all(rule.needs and rule.what for rule in RULES.values())


def test_nothing_reaches_a_company_doctor_or_an_employer_contact_without_consent() -> None:
    """The one way to the employer without a consent is the invoice, to the billing address
    (no person on the case), and it carries nothing of the treatment (issue 22's canary)."""
    assert [s for s, r in RULES.items() if Audience.EMPLOYER_BILLING in r.needs] == [Sender.INVOICE]
    assert set(RULES[Sender.INVOICE].needs) == {Audience.EMPLOYER_BILLING}
    for sender, rule in RULES.items():
        for audience, needed in rule.needs.items():
            if audience in (Audience.COMPANY_DOCTOR, Audience.EMPLOYER_CONTACT):
                assert isinstance(needed, NeedsConsent), (sender, audience)
            else:
                assert isinstance(needed, NoConsent) and needed.reason, (sender, audience)


def test_the_employer_side_needs_process_updates_and_the_doctor_interim_reports() -> None:
    for audience, expected in (
        (Audience.EMPLOYER_CONTACT, NeedsConsent(Recipient.EMPLOYER, Purpose.PROCESS_UPDATES)),
        (Audience.COMPANY_DOCTOR, NeedsConsent(Recipient.COMPANY_DOCTOR, Purpose.INTERIM_REPORTS)),
    ):
        assert need(Sender.APPOINTMENT_REMINDER, audience) == expected
        assert need(Sender.HANDOVER_NOTICE, audience) == expected
    assert need(Sender.BRIEFING_NOTICE, Audience.COMPANY_DOCTOR) == NeedsConsent(
        Recipient.COMPANY_DOCTOR, Purpose.BRIEFING
    )


def test_a_sender_never_reaches_an_audience_its_rule_does_not_name() -> None:
    assert need(Sender.APPOINTMENT_CONFIRMATION, Audience.EMPLOYER_CONTACT) is None
    assert need(Sender.BREAK_GLASS_NOTICE, Audience.CLIENT) is None
    assert (Sender.HANDOVER_NOTICE, Audience.EMPLOYER_CONTACT) in consent_pairs()
    assert (Sender.APPOINTMENT_CONFIRMATION, Audience.CLIENT) not in consent_pairs()


@pytest.mark.parametrize("role", list(Role))
def test_an_account_is_placed_by_its_role_and_a_contradicting_audience_is_refused(
    role: Role,
) -> None:
    placed = AUDIENCE_OF_ROLE[role]
    assert place(Addressee.account(7), role.value) is placed
    assert place(Addressee(placed, 7), role.value) is placed
    for other in set(Audience) - {placed}:
        refusal = place(Addressee(other, 7), role.value)
        assert not isinstance(refusal, Audience) and "account 7" in refusal


def test_an_addressee_without_an_account_keeps_its_audience_and_a_missing_account_is_refused() -> (
    None
):
    assert place(Addressee.seat("manager", None), None) is Audience.EMPLOYER_CONTACT
    assert place(Addressee.seat("company_doctor", None), None) is Audience.COMPANY_DOCTOR
    assert place(Addressee.client(), None) is Audience.CLIENT
    assert not isinstance(place(Addressee.account(9), None), Audience)
    assert not isinstance(place(Addressee.seat("neighbour", None), None), Audience)
    assert place(Addressee.seat("neighbour", 9), Role.COMPANY_DOCTOR.value) is (
        Audience.COMPANY_DOCTOR
    )


def test_a_clearance_made_outside_the_gate_is_refused_on_construction() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(ForgedClearance):
        Clearance(Sender.APPOINTMENT_REMINDER, 1, Audience.EMPLOYER_CONTACT, 2, at)
    with pytest.raises(ForgedClearance):
        Clearance(Sender.APPOINTMENT_REMINDER, 1, Audience.CLIENT, None, at, seal=object())
    forged = object.__new__(Clearance)  # past __post_init__: still no seal
    assert not genuine(forged)
    assert not genuine(None)
