"""The FHIR export cannot skip a client-data holding silently.

Every holding registered with ``practice.client_data`` (the registry behind the full client
export and the erasure) is either mapped by the FHIR export (``EXPORTED_HOLDINGS``) or listed
here, deliberately not exported, with the reason. A new holding fails this test until it is
given a place in one of the two.
"""

import dataclasses

from piccolo.table import Table

from practice import client_data
from practice.composition.wiring import connect
from practice.tables import (
    AbsenceEpisode,
    Advice,
    AdviceConflictResolution,
    BreakGlass,
    ClientAccount,
    CompanyDoctorConsultation,
    FollowUp,
    LeavePeriod,
    ManagerConsultation,
    OfferChange,
    OutboundMessage,
    Screening,
    Setback,
    TaskOverride,
)
from reporting.fhir.export import EXPORTED_HOLDINGS, ClientRecord
from reporting.tables import (
    EmployerUpdate,
    MeetingMinutes,
    QuestionnaireInvitation,
    Report,
    StatisticsAbsence,
    StatisticsFact,
)
from scheduling.tables import AppointmentRequest, MeetingProposal, Participant

# Not part of the record a FHIR receiver needs, or carried by another resource already.
_BY_DESIGN = "by design: "
# No resource in this project's FHIR profile yet; the full client export (reporting.client_export,
# GDPR art. 15) does carry these rows. Mapping one moves it to EXPORTED_HOLDINGS.
_NOT_YET = "not yet mapped to a FHIR resource: "

NOT_EXPORTED: dict[type[Table], str] = {
    AppointmentRequest: _BY_DESIGN + "the client's request to cancel or move an appointment is "
    "workflow; the appointment and what became of it are exported, the request is in the "
    "client's own ZIP and the access log",
    ClientAccount: _BY_DESIGN + "the client's login to the portal (its states and dates) is "
    "access to the record, not the record; its uses are in the access log (AuditEvent)",
    OutboundMessage: _BY_DESIGN + "the outbox's e-mails are delivery mechanics; what was sent "
    "is exported as DocumentReference with its deliveries",
    Report: _BY_DESIGN + "a report's drafts and approval are the writing workflow; a sent report "
    "is exported as its Document (DocumentReference)",
    TaskOverride: _BY_DESIGN + "the therapist's reason to take a task off the overdue list is "
    "workflow, not record",
    BreakGlass: _BY_DESIGN + "each break-glass read is in the client's access log, exported as "
    "AuditEvent",
    QuestionnaireInvitation: _BY_DESIGN + "an invitation is the link that asked for a "
    "questionnaire; the answers are exported as QuestionnaireResponse",
    MeetingProposal: _BY_DESIGN + "a proposal is a step before booking; the booked meeting is "
    "exported as its Appointment",
    StatisticsFact: _BY_DESIGN + "an episode's statistics facts are computed from the record "
    "(the episode, its sessions, measurements and contracts), which is exported; the row is in "
    "the client's own ZIP",
    StatisticsAbsence: _BY_DESIGN + "where an episode's absence stands in the statistics is "
    "computed from the record (the referral, the absence records), which is exported; the row "
    "is in the client's own ZIP",
    OfferChange: _NOT_YET + "the history of offer changes (the episode carries its current offer)",
    Participant: _NOT_YET + "an appointment's participants besides the client and the therapist",
    MeetingMinutes: _NOT_YET + "the alignment meeting's minutes (shared and internal text)",
    EmployerUpdate: _NOT_YET + "what the employer was told (procesinformatie)",
    Screening: _NOT_YET + "the screening's findings",
    ManagerConsultation: _NOT_YET + "the consultation with the manager",
    Advice: _NOT_YET + "advice given by the company doctor, the GP or others",
    AdviceConflictResolution: _NOT_YET + "how a conflict with the capacity advice was resolved",
    CompanyDoctorConsultation: _NOT_YET + "the consultations between therapist and company doctor",
    FollowUp: _NOT_YET + "the follow-up conversation and measurement",
    AbsenceEpisode: _NOT_YET + "absence episodes (the referral carries the first sick day)",
    LeavePeriod: _NOT_YET + "leave of the employment (not sickness)",
    Setback: _NOT_YET + "setbacks in work resumption (a day, a kind and a note)",
}


def _registered() -> set[type[Table]]:
    connect()  # registers scheduling's and reporting's holdings, as at start-up
    return set(client_data.tables())


def test_every_client_data_holding_is_exported_or_deliberately_left_out_with_a_reason() -> None:
    registered = _registered()
    silent = sorted(
        t.__name__ for t in registered if t not in EXPORTED_HOLDINGS and t not in NOT_EXPORTED
    )
    assert not silent, (
        f"holdings neither exported as FHIR nor listed as not exported: {silent}; map them in "
        "reporting.fhir.export (EXPORTED_HOLDINGS) or list them here with the reason"
    )
    assert all(reason.strip() for reason in NOT_EXPORTED.values())


def test_a_holding_is_never_both_exported_and_listed_as_left_out() -> None:
    both = sorted(t.__name__ for t in EXPORTED_HOLDINGS.keys() & NOT_EXPORTED.keys())
    assert not both, both


def test_every_table_named_on_either_side_is_a_registered_holding() -> None:
    registered = _registered()
    stale = sorted(
        t.__name__ for t in (EXPORTED_HOLDINGS.keys() | NOT_EXPORTED.keys()) - registered
    )
    assert not stale, f"not client-data holdings (any more): {stale}"


def test_every_exported_holding_names_a_field_of_the_loaded_record() -> None:
    fields = {f.name for f in dataclasses.fields(ClientRecord)}
    unknown = {t.__name__: name for t, name in EXPORTED_HOLDINGS.items() if name not in fields}
    assert not unknown, unknown
