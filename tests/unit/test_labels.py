"""Labels: every code of every kind the UI shows has a label, and each label a Dutch one."""

from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from practice import labels as practice_labels
from practice.accounts import Role
from practice.consent import Purpose, Recipient
from practice.deadlines import DayUnit
from practice.episodes import EpisodeStatus, Offer
from practice.platform import i18n
from practice.platform.templating import label, label_codes, make_environment, register_labels
from practice.poortwachter import MilestoneKind, MilestoneStatus
from practice.screening import Proposal
from practice.services.parties import CONTACT_ROLES
from practice.services.referrals import REFERRER_TYPES
from practice.services.treatment_plan import FOLLOW_UP_KINDS, FOLLOW_UP_RESPONSES
from practice.services.work import AGREEMENT_STATUSES, MOMENTS, SOURCES
from practice.setbacks import SetbackKind
from practice.tasks import TaskKind
from practice.work_participation import AbsenceType, ContractBasis, CountedHours, NoVolume
from reporting import labels as reporting_labels
from reporting.interim_reports import ReportStatus
from scheduling import labels as scheduling_labels
from scheduling.appointments import AppointmentKind, Attendance

ALL: Mapping[str, Mapping[str, str]] = {
    **practice_labels.LABELS,
    **scheduling_labels.LABELS,
    **reporting_labels.LABELS,
}

# Each kind and the codes the domain can hold for it (an enum or the service's list).
CODES: Mapping[str, Iterable[str]] = {
    "episode_status": EpisodeStatus,
    "offer": Offer,
    "task": TaskKind,
    "proposal": Proposal,
    "referrer": REFERRER_TYPES,
    "absence": AbsenceType,
    "recipient": Recipient,
    "purpose": Purpose,
    "contact_role": CONTACT_ROLES,
    "day_unit": DayUnit,
    "moment": MOMENTS,
    "follow_up": (*FOLLOW_UP_KINDS, *FOLLOW_UP_RESPONSES),
    "role": Role,
    "no_volume": NoVolume,
    "contract_basis": ContractBasis,
    "counted_hours": CountedHours,
    "agreement_status": AGREEMENT_STATUSES,
    "participation_source": SOURCES,
    "appointment_kind": AppointmentKind,
    "attendance": Attendance,
    "report_status": ReportStatus,
    "milestone": MilestoneKind,
    "milestone_status": MilestoneStatus,
    "milestone_reason": MilestoneKind,
    "setback_kind": SetbackKind,
}


def _dutch() -> dict[str, str]:
    po_file = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}


def test_no_two_packages_name_the_same_kind() -> None:
    kinds = [*practice_labels.LABELS, *scheduling_labels.LABELS, *reporting_labels.LABELS]
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize("kind", sorted(CODES))
def test_every_code_of_a_kind_has_a_label_and_no_label_names_an_unknown_code(kind: str) -> None:
    codes = {str(code) for code in CODES[kind]}
    assert codes == {str(code) for code in ALL[kind]}


@pytest.mark.parametrize("kind", sorted(ALL))
def test_every_label_has_a_dutch_translation(kind: str) -> None:
    dutch = _dutch()
    missing = sorted(message for message in ALL[kind].values() if message not in dutch)
    assert missing == []


def test_a_template_shows_the_label_in_the_current_language_and_an_unknown_code_as_it_is() -> None:
    for package in (practice_labels, scheduling_labels, reporting_labels):
        register_labels(package.LABELS)
    env = make_environment(ZoneInfo("UTC"))
    template = env.from_string('{{ label("episode_status", code) }}')
    token = i18n.current_locale.set("nl")
    try:
        assert template.render(code=EpisodeStatus.IN_TREATMENT.value) == _dutch()["in treatment"]
        assert template.render(code="no_such_status") == "no_such_status"
    finally:
        i18n.current_locale.reset(token)
    token = i18n.current_locale.set("en")
    try:
        assert label("attendance", "no_show") == "no-show"
        assert label_codes("report_status") == [s.value for s in ReportStatus]
    finally:
        i18n.current_locale.reset(token)


def test_an_unknown_kind_fails_loudly() -> None:
    with pytest.raises(KeyError):
        label("no_such_kind", "x")


def test_registering_another_map_under_a_taken_kind_is_refused() -> None:
    register_labels(practice_labels.LABELS)
    with pytest.raises(ValueError, match="episode_status"):
        register_labels({"episode_status": {"referred": "something else"}})
