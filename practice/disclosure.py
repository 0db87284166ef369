"""Every kind of message that leaves the practice, who may receive it and on what consent.

The registry of senders (issue 18, "consent as the only door out"). A message is queued only
with a clearance from the gate (``practice.services.disclosure.clear``), and the gate reads
its rule here: per sender, the audiences it may reach and, per audience, the consent
(recipient, purpose) that must be in force on the send date, or the reason none is needed.
An audience a sender does not name is refused. ``practice.platform.outbox`` stores the
sender, the client and the addressee with the message, and checks the consent again when
it sends: a withdrawal between queueing and sending blocks the message.

The purposes are those the client already gives (``practice.consent.Purpose``), so that a
yes keeps meaning what it meant when it was asked:

- An employer contact (manager, HR adviser) hears about the treatment only on the client's
  consent to process updates (EMPLOYER, PROCESS_UPDATES): that an alignment meeting is
  coming, or who the practice's contact person now is, is process information about the
  treatment, the same kind the employer updates carry.
- A company doctor hears about the treatment only on the consent to interim reports
  (COMPANY_DOCTOR, INTERIM_REPORTS): the ongoing exchange about the treatment, of which a
  meeting reminder or a new contact person is part. The notice of the briefing asks the
  briefing's own consent (BRIEFING), as the briefing itself does.
- The client needs no consent to be told about their own treatment.
- Practice staff (therapists, practice managers) hear only what their role may see already,
  under their professional secrecy and the access policy; no consent is asked.

Pure: no I/O; ``SENDER_MODULES`` names the modules that queue each sender's messages, so a
static test can hold every writer of mail to this registry.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from practice.accounts import Role
from practice.consent import Purpose, Recipient


class Sender(StrEnum):
    """A kind of message that leaves the practice (stored on the outbox row)."""

    BREAK_GLASS_NOTICE = "break_glass_notice"
    HANDOVER_NOTICE = "handover_notice"
    APPOINTMENT_CONFIRMATION = "appointment_confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder"
    APPOINTMENT_CANCELLATION = "appointment_cancellation"
    PARTICIPANT_INVITATION = "participant_invitation"
    PARTICIPANT_CANCELLATION = "participant_cancellation"
    BRIEFING_NOTICE = "briefing_notice"
    INTERIM_REPORT_NOTICE = "interim_report_notice"
    EMPLOYER_UPDATE_NOTICE = "employer_update_notice"
    REINTEGRATION_EXTRACT_NOTICE = "reintegration_extract_notice"
    FOLLOW_UP_INVITATION = "follow_up_invitation"
    ESCALATION_DIGEST = "escalation_digest"
    ADVICE_CONFLICT_NOTICE = "advice_conflict_notice"
    QUESTIONNAIRE_INVITATION = "questionnaire_invitation"
    SAFETY_NOTICE = "safety_notice"
    CLIENT_ACCOUNT = "client_account"
    APPOINTMENT_REQUEST_NOTICE = "appointment_request_notice"
    APPOINTMENT_REQUEST_ANSWER = "appointment_request_answer"
    REPORT_REVIEW_INVITATION = "report_review_invitation"
    INVOICE = "invoice"


class Audience(StrEnum):
    """Who a message is addressed to, as far as the consent is concerned."""

    CLIENT = "client"
    COMPANY_DOCTOR = "company_doctor"
    EMPLOYER_CONTACT = "employer_contact"
    PRACTICE_STAFF = "practice_staff"
    # The employer's accounts-payable address on its billing terms: no person on the case,
    # no account; only invoices go there (issue 22).
    EMPLOYER_BILLING = "employer_billing"


@dataclass(frozen=True, slots=True)
class NeedsConsent:
    """The client's consent for ``purpose`` to ``recipient`` must be in force on the send date."""

    recipient: Recipient
    purpose: Purpose


@dataclass(frozen=True, slots=True)
class NoConsent:
    """No consent is asked, for the reason given."""

    reason: str


Need = NeedsConsent | NoConsent

_CLIENT = NoConsent("the client is the recipient: it is their own treatment")
_STAFF = NoConsent(
    "practice staff only, with nothing about the client beyond what their role may see"
)
_EMPLOYER = NeedsConsent(Recipient.EMPLOYER, Purpose.PROCESS_UPDATES)
_DOCTOR = NeedsConsent(Recipient.COMPANY_DOCTOR, Purpose.INTERIM_REPORTS)


@dataclass(frozen=True, slots=True)
class Rule:
    """What a sender sends and, per audience it may reach, what it needs."""

    what: str
    needs: Mapping[Audience, Need]


RULES: Mapping[Sender, Rule] = MappingProxyType(
    {
        Sender.BREAK_GLASS_NOTICE: Rule(
            "a practice manager is told that a therapist opened an episode without a seat "
            "(who, which episode by id, the day, the reason given); nothing medical",
            {Audience.PRACTICE_STAFF: _STAFF},
        ),
        Sender.HANDOVER_NOTICE: Rule(
            "the other members of the case team hear who their contact person at the practice "
            "is from the handover day (the client by initials). The team holds therapists, but "
            "also the company doctor, the manager and the HR adviser: they are told only with "
            "the consent they would need for any news about the treatment",
            {
                Audience.PRACTICE_STAFF: _STAFF,
                Audience.COMPANY_DOCTOR: _DOCTOR,
                Audience.EMPLOYER_CONTACT: _EMPLOYER,
            },
        ),
        Sender.APPOINTMENT_CONFIRMATION: Rule(
            "the client's confirmation of a booked appointment with its .ics invitation",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.APPOINTMENT_REMINDER: Rule(
            "a reminder of a coming appointment: to the client, and to the participants of a "
            "meeting (the manager, HR adviser or company doctor invited to the alignment "
            "meeting), who are reminded only with the client's consent to share with them",
            {
                Audience.CLIENT: _CLIENT,
                Audience.COMPANY_DOCTOR: _DOCTOR,
                Audience.EMPLOYER_CONTACT: _EMPLOYER,
            },
        ),
        Sender.APPOINTMENT_CANCELLATION: Rule(
            "the client's notice that the practice cancelled an appointment",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.PARTICIPANT_INVITATION: Rule(
            "an invitation with its .ics to a participant of a meeting (the manager, HR "
            "adviser or company doctor at the afstemmingsoverleg) when they are added to it: "
            "the moment, the client's initials, never the location; only with the client's "
            "consent to share with them, as the reminder",
            {Audience.COMPANY_DOCTOR: _DOCTOR, Audience.EMPLOYER_CONTACT: _EMPLOYER},
        ),
        Sender.PARTICIPANT_CANCELLATION: Rule(
            "the notice to an invited participant of a meeting that it is cancelled or moved",
            {Audience.COMPANY_DOCTOR: _DOCTOR, Audience.EMPLOYER_CONTACT: _EMPLOYER},
        ),
        Sender.BRIEFING_NOTICE: Rule(
            "the company doctor is told a briefing waits in their portal",
            {Audience.COMPANY_DOCTOR: NeedsConsent(Recipient.COMPANY_DOCTOR, Purpose.BRIEFING)},
        ),
        Sender.INTERIM_REPORT_NOTICE: Rule(
            "the company doctor is told an interim report (or another medical document) "
            "waits in their portal",
            {Audience.COMPANY_DOCTOR: _DOCTOR},
        ),
        Sender.EMPLOYER_UPDATE_NOTICE: Rule(
            "a manager or HR adviser is told a process update waits in their portal",
            {Audience.EMPLOYER_CONTACT: _EMPLOYER},
        ),
        Sender.REINTEGRATION_EXTRACT_NOTICE: Rule(
            "a manager or HR adviser is told the treatment's contribution to the "
            "re-integration report (sessions held, agreements, hours worked, milestones; "
            "nothing medical) waits in their portal; the same non-medical process information "
            "as the process updates, so on the same consent",
            {Audience.EMPLOYER_CONTACT: _EMPLOYER},
        ),
        Sender.FOLLOW_UP_INVITATION: Rule(
            "the client's invitation to the follow-up measurement",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.APPOINTMENT_REQUEST_NOTICE: Rule(
            "the therapist of an appointment hears that the client asks in the portal to cancel "
            "or move it (initials, the kind of request, the moment; the client's words stay "
            "on the appointment's page)",
            {Audience.PRACTICE_STAFF: _STAFF},
        ),
        Sender.APPOINTMENT_REQUEST_ANSWER: Rule(
            "the client hears that their request to cancel or move an appointment was answered "
            "by keeping it (the moment only; the therapist's words are in the portal)",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.CLIENT_ACCOUNT: Rule(
            "the client's own account: the invitation to set it up (a single-use link) and "
            "the login code by e-mail; nothing about the treatment",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.QUESTIONNAIRE_INVITATION: Rule(
            "the client's secure link to the questionnaires of a moment of outcome monitoring",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.REPORT_REVIEW_INVITATION: Rule(
            "a client without an account gets a secure link to read a report the therapist "
            "approved for the company doctor, and agree or withhold it, before it leaves; "
            "the mail names the report's kind and the last day, nothing of its content",
            {Audience.CLIENT: _CLIENT},
        ),
        Sender.INVOICE: Rule(
            "an invoice or credit note (the PDF with its e-invoice) to the employer's "
            "accounts-payable address, and a reminder of an unpaid one: clients by initials "
            "and the employer's own reference, the service, its date and the amount; never "
            "the kind of session, a diagnosis or a note (reporting.billing)",
            {
                Audience.EMPLOYER_BILLING: NoConsent(
                    "billing the employer that pays for the treatment under its contract "
                    "(AVG art. 6 lid 1 sub b and c, the tax law's invoice rules): nothing "
                    "about the treatment beyond that it was given"
                )
            },
        ),
        Sender.SAFETY_NOTICE: Rule(
            "the treating therapist is told that a questionnaire the client answered through "
            "the link asks for contact today: the client by initials and a link to the client "
            "page; no answers, no scores",
            {Audience.PRACTICE_STAFF: _STAFF},
        ),
        Sender.ESCALATION_DIGEST: Rule(
            "a therapist's or practice manager's daily digest of screening and treatment-start "
            "deadlines due on the next working day or lapsed: the client by initials and "
            "episode number, the kind of deadline and its date; nothing medical. A therapist "
            "hears of the episodes whose seat they hold, a practice manager of all lapsed ones",
            {Audience.PRACTICE_STAFF: _STAFF},
        ),
        Sender.ADVICE_CONFLICT_NOTICE: Rule(
            "the company doctor of the case is told that an agreement, the hours worked or the "
            "therapist's advice do not fit their capacity advice (the client by initials, what "
            "kind of conflict and its date; the rest on their portal page): part of the "
            "ongoing exchange about the treatment, so on the consent to interim reports",
            {Audience.COMPANY_DOCTOR: _DOCTOR},
        ),
    }
)

# The modules that queue each sender's messages (the static test holds every module that
# calls ``queue_message`` to this list, and each sender to a module that names it).
SENDER_MODULES: Mapping[Sender, str] = MappingProxyType(
    {
        Sender.BREAK_GLASS_NOTICE: "practice/services/break_glass.py",
        Sender.HANDOVER_NOTICE: "practice/services/case_team.py",
        Sender.APPOINTMENT_CONFIRMATION: "scheduling/services/notices.py",
        Sender.APPOINTMENT_REMINDER: "scheduling/services/notices.py",
        Sender.APPOINTMENT_CANCELLATION: "scheduling/services/attendance.py",
        Sender.PARTICIPANT_INVITATION: "scheduling/services/invitations.py",
        Sender.PARTICIPANT_CANCELLATION: "scheduling/services/invitations.py",
        Sender.BRIEFING_NOTICE: "reporting/services/reports.py",
        Sender.INTERIM_REPORT_NOTICE: "reporting/services/reports.py",
        Sender.EMPLOYER_UPDATE_NOTICE: "reporting/services/employer_updates.py",
        Sender.REINTEGRATION_EXTRACT_NOTICE: "reporting/services/reintegration.py",
        Sender.FOLLOW_UP_INVITATION: "reporting/services/follow_ups.py",
        Sender.ESCALATION_DIGEST: "practice/services/escalation.py",
        Sender.ADVICE_CONFLICT_NOTICE: "practice/services/capacity.py",
        Sender.QUESTIONNAIRE_INVITATION: "reporting/services/monitoring.py",
        Sender.SAFETY_NOTICE: "reporting/services/safety_notice.py",
        Sender.CLIENT_ACCOUNT: "practice/services/client_accounts.py",
        Sender.APPOINTMENT_REQUEST_NOTICE: "scheduling/services/requests.py",
        Sender.APPOINTMENT_REQUEST_ANSWER: "scheduling/services/requests.py",
        Sender.REPORT_REVIEW_INVITATION: "reporting/services/report_review.py",
        Sender.INVOICE: "reporting/services/invoice_sending.py",
    }
)

# An account's role decides its audience; the caller cannot call a company doctor "staff".
AUDIENCE_OF_ROLE: Mapping[Role, Audience] = MappingProxyType(
    {
        Role.THERAPIST: Audience.PRACTICE_STAFF,
        Role.PRACTICE_MANAGER: Audience.PRACTICE_STAFF,
        Role.ADMINISTRATOR: Audience.PRACTICE_STAFF,
        Role.COMPANY_DOCTOR: Audience.COMPANY_DOCTOR,
        Role.EMPLOYER_CONTACT: Audience.EMPLOYER_CONTACT,
        Role.CLIENT: Audience.CLIENT,
    }
)

# A participant of a meeting without an account is placed by the seat they take.
AUDIENCE_OF_SEAT: Mapping[str, Audience] = MappingProxyType(
    {
        "manager": Audience.EMPLOYER_CONTACT,
        "hr_adviser": Audience.EMPLOYER_CONTACT,
        "company_doctor": Audience.COMPANY_DOCTOR,
        "therapist": Audience.PRACTICE_STAFF,
        "client": Audience.CLIENT,
    }
)


@dataclass(frozen=True, slots=True)
class Addressee:
    """Who a message goes to: an audience and, when they have one, their account.

    With an account, the gate places them by the account's role (``AUDIENCE_OF_ROLE``):
    ``audience`` None asks it to, and a stated audience the role contradicts is refused. A
    consent narrowed to one person then matches that account only.
    """

    audience: Audience | None
    user_id: int | None = None

    @classmethod
    def client(cls) -> "Addressee":
        return cls(Audience.CLIENT)

    @classmethod
    def account(cls, user_id: int) -> "Addressee":
        """Someone with an account, placed by its role (a case-team member, a manager)."""
        return cls(None, user_id)

    @classmethod
    def seat(cls, seat: str, user_id: int | None) -> "Addressee":
        """A meeting participant, by the seat they take (and their account, if any); a seat
        this registry does not know leaves them to their account, or to no one."""
        return cls(AUDIENCE_OF_SEAT.get(seat), user_id)


def need(sender: Sender, audience: Audience) -> Need | None:
    """What ``sender`` needs to reach ``audience``; None when it never goes there."""
    return RULES[sender].needs.get(audience)


def place(addressee: Addressee, account_role: str | None) -> Audience | str:
    """The addressee's audience, or why it cannot be placed.

    ``account_role`` is the role of ``addressee.user_id`` (None: no such account, and a
    message to an account that does not exist is refused too).
    """
    if addressee.user_id is None:
        return addressee.audience or "no audience and no account to address"
    if account_role is None or account_role not in {role.value for role in Role}:
        return f"no account {addressee.user_id} to address"
    placed = AUDIENCE_OF_ROLE[Role(account_role)]
    if addressee.audience not in (None, placed):
        return f"account {addressee.user_id} is not a {addressee.audience} recipient"
    return placed


def consent_pairs() -> list[tuple[Sender, Audience]]:
    """Every (sender, audience) whose message needs the client's consent."""
    return [
        (sender, audience)
        for sender, rule in RULES.items()
        for audience, needed in rule.needs.items()
        if isinstance(needed, NeedsConsent)
    ]
