"""Tables of the clinical core.

Medical columns are also marked ``secret=True`` as a second fence: Piccolo leaves them out
of ``select(exclude_secrets=True)``. Foreign keys to clinical records restrict deletes
(Piccolo's default is CASCADE). Nullable columns pass ``default=None``: Piccolo would
otherwise default a nullable Varchar to '' and a nullable Date to today (stack-notes §1.6).
"""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


def _fk(table: type[Table] | str, *, null: bool = False) -> ForeignKey:  # type: ignore[type-arg]
    """Clinical records are never deleted by cascade: deleting a parent must fail loudly."""
    return ForeignKey(references=table, on_delete=OnDelete.restrict, null=null, index=True)


def _date(*, null: bool = True) -> Date:
    # Piccolo's nullable Date defaults to today; a missing date must stay missing.
    return Date(null=null, default=None) if null else Date()


def _text(*, secret: bool = False) -> Text:
    return Text(null=True, default=None, secret=secret)


class User(Table, tablename="app_user"):
    """A person who logs in. ``user`` is reserved in PostgreSQL, hence the table name."""

    id: Serial
    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=200)
    role = Varchar(length=32)  # practice.accounts.Role
    password_hash = Varchar(length=200, secret=True)
    active = Boolean(default=True)
    locale = Varchar(length=5, default="nl")
    created_at = Timestamptz(default=TimestamptzNow())
    # The professional registration a document's author signs with (BIG, NIP or LVVP
    # number, e.g. "BIG 49012345625"); set by an administrator, shown under the author.
    registration = Varchar(length=64, null=True, default=None)
    # Second factor (practice.totp): the secret, when enrolment was confirmed, the last
    # time step accepted (a code works once), and the demo accounts' exemption.
    totp_secret = Varchar(length=64, null=True, default=None, secret=True)
    totp_enabled_at = Timestamptz(null=True, default=None)
    totp_last_step = Integer(null=True, default=None)
    totp_exempt = Boolean(default=False)  # set by the demo loader only; no route sets it


class TotpRecoveryCode(Table):
    """A one-time recovery code for the second factor, stored as salt$sha256, never plain."""

    id: Serial
    user = _fk(User)
    code_hash = Varchar(length=100, secret=True)
    used_at = Timestamptz(null=True, default=None)


class AuditEvent(Table):
    """NEN 7513 access log: one append-only row per access to client data or account event.

    Holds identifiers and categories only, never medical content. ``actor_id`` and
    ``client_id`` are plain integers, not foreign keys: the log outlives what it names.
    """

    id: Serial
    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None, index=True)
    actor_role = Varchar(length=32, null=True, default=None)
    action = Varchar(length=16)
    object_type = Varchar(length=48)
    object_id = Varchar(length=64, null=True, default=None)
    client_id = Integer(null=True, default=None, index=True)
    purpose = Varchar(length=48)
    source = Varchar(length=64, null=True, default=None)
    channel = Varchar(length=16)
    outcome = Varchar(length=16)
    # The hash chain (practice.audit.chain): each row's hash covers its fields and the hash
    # of the row before it, so a changed, deleted or reordered row breaks the chain.
    prev_hash = Varchar(length=64, null=True, default=None)
    row_hash = Varchar(length=64, null=True, default=None)
    # Which of the hash chains the row links into (practice.audit.trail: several on
    # PostgreSQL, so writers need not queue behind one lock; always 0 on SQLite). The chains
    # are walked along the index on (chain, id) a migration adds; the number is not hashed.
    chain = SmallInt(default=0)


# ---------------------------------------------------------------- parties


class Employer(Table):
    """An organisation whose employees are referred; its contract settings live here."""

    id: Serial
    name = Varchar(length=200, unique=True)
    default_offer = Varchar(length=32, default="atwork_basic")  # practice.episodes.Offer
    cost_per_absence_day_cents = Integer(default=25000)  # €250: the brochure's figure
    report_every = Integer(default=5)  # interim report after every n-th held session
    employer_update_every_days = Integer(null=True, default=None)  # None: with each report
    # An interim report this many working days before each Poortwachter evaluation, the
    # first-year evaluation and the WIA application; None: not in the contract (the default,
    # practice.milestone_reports says why).
    milestone_report_days_before = Integer(null=True, default=None)
    # Percentage points behind the expected return-to-work curve that raise a warning;
    # None: the practice's default (practice.work_track.DEFAULT_BEHIND_MARGIN).
    work_behind_margin = Integer(null=True, default=None)
    # The held session by which a questionnaire should show a reliable improvement, else a
    # "not on track" alert; None: the practice's default (practice.tasks, 5).
    symptoms_checked_at_session = Integer(null=True, default=None)
    # The client's working days to review a briefing or interim report before it leaves
    # (reporting.report_review); None: the practice's default; 0: no review (only where the
    # client agreed to that).
    client_review_days = Integer(null=True, default=None)
    min_cell_size = Integer(default=5)  # statistics below this n are suppressed
    screening_day_unit = Varchar(length=16, default="calendar")  # practice.deadlines.DayUnit
    # A deactivated employer takes no new referrals; its episodes stay visible as they are.
    active = Boolean(default=True)


class Department(Table):
    id: Serial
    employer = _fk(Employer)
    name = Varchar(length=200)


class EmployerContact(Table):
    """A manager (leidinggevende) or HR adviser; may have an account to see progress."""

    id: Serial
    employer = _fk(Employer)
    user = _fk(User, null=True)
    name = Varchar(length=200)
    email = Varchar(length=254)
    contact_role = Varchar(length=32)  # manager | hr_adviser | other


class CompanyDoctor(Table):
    """A bedrijfsarts, of an arbodienst or organisation."""

    id: Serial
    user = _fk(User, null=True)
    name = Varchar(length=200)
    email = Varchar(length=254)
    organisation = Varchar(length=200, null=True, default=None)


class Therapist(Table):
    """A behandelaar: the staff record behind a therapist account."""

    id: Serial
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False, unique=True)
    qualifications = Varchar(length=200, default="")  # e.g. "CBT, EMDR"; never shown to employers
    capacity = Integer(default=25)  # active episodes
    backup = _fk("Therapist", null=True)


class TherapistAffiliation(Table):
    """A therapist's tie to an employer: treating its staff is a conflict of interest."""

    id: Serial
    therapist = _fk(Therapist)
    employer = _fk(Employer)


class Client(Table):
    """The employee in care. Not medical in itself, but being a client is sensitive."""

    id: Serial
    name = Varchar(length=200)
    date_of_birth = _date()
    email = Varchar(length=254, null=True, default=None)
    phone = Varchar(length=40, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Whether they want to read reports before they leave (practice.client_accounts.ReviewChoice)
    report_review = Varchar(length=8, null=True, default=None)


class Employment(Table):
    id: Serial
    client = _fk(Client)
    employer = _fk(Employer)
    department = _fk(Department, null=True)
    job_title = Varchar(length=200, default="")
    started_on = _date()
    ended_on = _date()
    # The employer's own reference for the employee (a personnel number), if it gave one:
    # an invoice names the client by initials and this, never by name.
    personnel_number = Varchar(length=32, null=True, default=None)


class ContractHours(Table):
    """Contracted hours per week from a date on; history kept (contracts change in absence)."""

    id: Serial
    employment = _fk(Employment)
    valid_from = Date()
    minutes_per_week = Integer()  # integer minutes: exact on SQLite and PostgreSQL alike
    # Contract days a week in half days (4.5 days = 9): a four-day week of 32 hours and a
    # five-day week of 32 hours spread the same hours differently. None: not known.
    half_days_per_week = Integer(null=True, default=None)


# ---------------------------------------------------------------- the absence record


class AbsenceEpisode(Table):
    """One absence of an employment (verzuim); the law's periods are counted from these
    by ``practice.absences`` (less than four weeks apart: one period)."""

    id: Serial
    employment = _fk(Employment)
    absence_type = Varchar(length=16)  # sickness | leave | not_absent
    first_sick_day = _date()
    reported_on = _date()  # the sick report, to whom ``reported_to`` says
    known_to_practice_on = _date()
    full_recovery_on = _date()
    previous = _fk("AbsenceEpisode", null=True)  # the earlier absence this one follows
    # How it follows ``previous``: practice.absences.AbsenceLink (relapse | chain).
    link_kind = Varchar(length=16, null=True, default=None)
    # Why the client is sick, in the company doctor's or therapist's words: medical, never
    # on an employer surface (practice.privacy.MEDICAL_FIELD_NAMES names it).
    cause = _text(secret=True)
    reported_to = Varchar(length=32, null=True, default=None)  # practice.absences.ReportedTo
    manager_informed_on = _date()  # the day the manager knew (not always the sick report)
    partial_recovery_on = _date()  # the first day back part-time (the period runs on)


class LeavePeriod(Table):
    """Leave of an employment (zorgverlof, vakantie, ouderschapsverlof…): not sickness.

    Kept beside the absences because leave often comes before or during sickness (a sick
    report after care leave, TNO case 5) and must not be counted as sickness."""

    id: Serial
    employment = _fk(Employment)
    kind = Varchar(length=32)  # practice.absences.LeaveKind
    starts_on = Date()
    ends_on = _date()  # the last day of leave; None while it runs


# ---------------------------------------------------------------- referral and episode


class Referral(Table):
    """The aanmelding: its receipt starts the screening clock."""

    id: Serial
    client = _fk(Client)
    employer = _fk(Employer)
    received_at = Timestamptz()
    referrer_type = Varchar(length=32)  # company_doctor | employer | gp | self | other
    referrer_name = Varchar(length=200, null=True, default=None)
    manager = _fk(EmployerContact, null=True)
    company_doctor = _fk(CompanyDoctor, null=True)
    requested_offer = Varchar(length=32)
    priority = Boolean(default=False)
    participation_basis = Varchar(length=64, default="voluntary")
    absence_status = Varchar(length=16)  # practice.work_participation.AbsenceType
    first_sick_day = _date()
    known_to_practice_on = _date()
    consent_at_referral = Boolean(default=False)
    outcome = Varchar(length=32, null=True, default=None)  # practice.episodes.ReferralOutcome
    outcome_note = _text()


class TreatmentEpisode(Table):
    """One behandeltraject: the treatment track; the work track hangs off the employment."""

    id: Serial
    referral = ForeignKey(references=Referral, on_delete=OnDelete.restrict, null=False, unique=True)
    client = _fk(Client)
    employment = _fk(Employment, null=True)
    status = Varchar(length=32, index=True)  # practice.episodes.EpisodeStatus
    offer = Varchar(length=32, null=True, default=None)
    screening_planned_on = _date()
    screening_held_on = _date()
    briefing_sent_on = _date()
    planned_start_on = _date()
    started_on = _date()  # first held treatment session
    closed_on = _date()  # last held treatment session
    sessions_authorised = Integer(null=True, default=None)
    reopened_from = _fk("TreatmentEpisode", null=True)  # re-referral: the episode it follows
    absence = _fk(AbsenceEpisode, null=True)  # the absence treated (several episodes: one)


class StatusChange(Table):
    """Every move on the treatment track, with who and why (the state machine's history)."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    from_status = Varchar(length=32, null=True, default=None)
    to_status = Varchar(length=32)
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by = _fk(User, null=True)
    reason = _text()


class OfferChange(Table):
    id: Serial
    episode = _fk(TreatmentEpisode)
    from_offer = Varchar(length=32, null=True, default=None)
    to_offer = Varchar(length=32)
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by = _fk(User, null=True)
    reason = _text()


class CaseAssignment(Table):
    """Who is on the case team, and when: access follows assignment, not a mailbox."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    user = _fk(User)
    team_role = Varchar(length=32)  # practice.case_team.TeamRole
    valid_from = Date()
    valid_to = _date()
    handover_note = _text()


class BreakGlass(Table):
    """A therapist's emergency read of an episode they hold no seat on ("break the glass").

    Grants reading, that calendar day only (``practice.access_policy``); the reason is
    shown to the practice manager and in the client's access log, so it may hold only what
    the need was, never clinical content.
    """

    id: Serial
    episode = _fk(TreatmentEpisode)
    user = _fk(User)
    reason = Text()
    opened_on = Date()
    opened_at = Timestamptz(default=TimestamptzNow())


class TaskOverride(Table):
    """A therapist's reasoned override of a deadline: a warning silenced, never a block."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    task_key = Varchar(length=64)
    reason = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = _fk(User, null=True)


# ---------------------------------------------------------------- clinical records (medical)


class Screening(Table):
    """The Screening's findings. Medical: never reaches an employer."""

    id: Serial
    episode = ForeignKey(
        references=TreatmentEpisode, on_delete=OnDelete.restrict, null=False, unique=True
    )
    held_on = Date()
    suitable = Boolean()  # for work-focused CBT
    work_factors = _text(secret=True)
    functioning_impact = _text(secret=True)
    diagnosis_category = Varchar(length=48, secret=True)
    complaint_instrument = Varchar(length=32, null=True, default=None, secret=True)
    complaint_score = Integer(null=True, default=None, secret=True)
    intervention_need = _text(secret=True)
    proposal = Varchar(length=32)
    discussed_with_client_on = _date()
    late_reason = _text()


class ManagerConsultation(Table):
    """The manager's view (HSK's four questions) and the advice given to the manager."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    contact = _fk(EmployerContact, null=True)
    held_on = Date()
    recovery_view = _text()
    functioning_before = _text()
    future_view = _text()
    existing_agreements = _text()
    advice_to_manager = _text()


class WorkGoal(Table):
    """A goal from the @Work gesprek; an easy first goal is e.g. a weekly call with the manager."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    description = Text(secret=True)
    easy_first_goal = Boolean(default=False)
    set_on = Date()
    achieved_on = _date()


class Advice(Table):
    """Advice of one party (capacity advice, treatment advice), with a conflict flag (TNO C4)."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    author_role = Varchar(length=32)  # company_doctor | therapist | gp | other
    given_on = Date()
    content = Text(secret=True)
    conflicts_with_other_advice = Boolean(default=False)
    conflict_note = _text(secret=True)
    # The structured part (practice.capacity): the company doctor's capacity advice, or the
    # hours another party advises, dated; non-medical, kept among the professionals.
    valid_until = _date()
    hours_per_day_minutes = Integer(null=True, default=None)
    hours_per_week_minutes = Integer(null=True, default=None)
    task_limits = _text()


class AdviceConflictResolution(Table):
    """How a conflict with the capacity advice was resolved (``practice.capacity`` keys)."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    conflict_key = Varchar(length=64)
    resolved_on = Date()
    note = Text(secret=True)
    resolved_by = _fk(User, null=True)


class CompanyDoctorConsultation(Table):
    """A consultation between the therapist and the company doctor about the client; its note
    is medical, never shown to the employer."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    held_on = Date()
    participants = Text()
    note = Text(secret=True)
    recorded_by = _fk(User, null=True)


class Setback(Table):
    """A setback (terugval) during the episode: its day, its kind (practice.setbacks) and the
    therapist's note, which is medical: never shown to the employer."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    occurred_on = Date()
    kind = Varchar(length=32)  # practice.setbacks.SetbackKind
    note = Text(secret=True)
    recorded_by = _fk(User, null=True)
    recorded_at = Timestamptz(default=TimestamptzNow())


class RelapsePreventionPlan(Table):
    id: Serial
    episode = ForeignKey(
        references=TreatmentEpisode, on_delete=OnDelete.restrict, null=False, unique=True
    )
    drawn_up_on = Date()
    warning_signs = Text(secret=True)
    actions = Text(secret=True)
    work_situation = Text(secret=True)
    share_work_section_with_employer = Boolean(default=False)  # the client's explicit choice


class FollowUp(Table):
    """The follow-up-gesprek (Compleet) or the follow-up-meting (every offer)."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    kind = Varchar(length=32)  # conversation | measurement
    held_on = Date()
    response = Varchar(length=16)  # done | unreachable | declined
    relapse = Boolean(null=True, default=None)
    complaint_score = Integer(null=True, default=None, secret=True)


# ---------------------------------------------------------------- work track (non-medical)


class WorkParticipation(Table):
    """Hours worked per week on a date, by kind; volume % is computed, never stored."""

    id: Serial
    employment = _fk(Employment)
    episode = _fk(TreatmentEpisode, null=True)
    measured_on = Date()
    own_work_minutes = Integer(default=0)
    adapted_work_minutes = Integer(default=0)
    therapeutic_minutes = Integer(default=0)
    productive_minutes = Integer(default=0)
    source = Varchar(length=32, default="client")
    moment = Varchar(length=16, default="interim")  # begin | interim | end | follow_up


class WorkResumptionAgreement(Table):
    """An agreement about work resumption: the employer-visible part of the episode."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    agreed_on = Date()
    description = Text()
    hours_per_week_minutes = Integer(null=True, default=None)
    starts_on = _date()
    status = Varchar(length=16, default="agreed")  # agreed|in_progress|met|revised|abandoned


class ClientAccount(Table):
    """The client's own login to the client portal (``practice.client_accounts``): one per
    client, with its ``User`` of role client. The invitation's token and the last e-mail
    code are stored as SHA-256 only."""

    id: Serial
    client = ForeignKey(references=Client, on_delete=OnDelete.restrict, unique=True, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, unique=True, index=True)
    invited_at = Timestamptz(null=True, default=None)
    invited_until = Timestamptz(null=True, default=None)
    token_hash = Varchar(length=64, null=True, default=None, secret=True, unique=True)
    set_up_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    second_factor = Varchar(length=8, default="")  # practice.client_accounts.FactorChoice
    code_hash = Varchar(length=64, null=True, default=None, secret=True)
    code_until = Timestamptz(null=True, default=None)


class Consent(Table):
    """The client's consent per recipient and purpose; withdrawal stops future sends."""

    id: Serial
    client = _fk(Client)
    recipient = Varchar(length=32)  # practice.consent.Recipient
    purpose = Varchar(length=32)  # practice.consent.Purpose
    recipient_user = _fk(User, null=True)
    given_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)


# ---------------------------------------------------------------- outbound messages


class OutboundMessage(Table):
    """An e-mail to send, exactly once per key (e.g. "reminder:42:client").

    Written in the same transaction as the event that causes it; a job sends it and stamps
    ``sent_at``. A unique key makes a second creation impossible; the sweep re-drives rows
    that a crashed or lost job left unsent. Bodies are built from non-medical templates.
    """

    id: Serial
    key = Varchar(length=128, unique=True)
    to_address = Varchar(length=254)
    subject = Varchar(length=200)
    body_text = Text()
    ics = Text(null=True, default=None)  # a calendar invitation to attach
    created_at = Timestamptz(default=TimestamptzNow())
    send_after = Timestamptz(default=TimestamptzNow(), index=True)
    sent_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)
    last_error = Varchar(length=200, null=True, default=None)
    # What the gate cleared it for (practice.services.disclosure), asked again at sending;
    # plain ids, not foreign keys: erasure removes the row with the client by its key.
    sender = Varchar(length=48, null=True, default=None)  # practice.disclosure.Sender
    client_id = Integer(null=True, default=None)
    audience = Varchar(length=32, null=True, default=None)  # practice.disclosure.Audience
    recipient_user_id = Integer(null=True, default=None)
    # A consent withdrawn between queueing and sending: never sent, never retried.
    blocked_at = Timestamptz(null=True, default=None)
    blocked_reason = Varchar(length=300, null=True, default=None)
    # Files to attach, named by reference ("invoice:12"): made at sending by the resolver
    # its package registered (practice.platform.outbox.register_attachments), not stored twice.
    attachments = Varchar(length=64, null=True, default=None)


class ErasureRecord(Table):
    """The minimal proof that a client's record was destroyed (WGBO 7:455 on request, 7:454
    at the end of the retention period; practice.services.erasure).

    Identifiers only: no name, no BSN, no medical data. ``client_id`` and ``executed_by``
    are plain integers, not foreign keys: the client is gone, the proof stays.
    """

    id: Serial
    client_id = Integer(index=True)
    basis = Varchar(length=16)  # request | retention
    request_ref = Varchar(length=64)  # the practice's reference of the request, not a name
    requested_on = Date()
    executed_at = Timestamptz(default=TimestamptzNow())
    executed_by = Integer(null=True, default=None)  # the user; None: the retention sweep
    rows_destroyed = Integer(default=0)


ALL: list[type[Table]] = [
    User,
    AuditEvent,
    Employer,
    Department,
    EmployerContact,
    CompanyDoctor,
    Therapist,
    TherapistAffiliation,
    Client,
    Employment,
    ContractHours,
    # Before the episodes: an episode names the absence it treats (parents first).
    AbsenceEpisode,
    LeavePeriod,
    Referral,
    TreatmentEpisode,
    StatusChange,
    OfferChange,
    CaseAssignment,
    BreakGlass,
    TaskOverride,
    Screening,
    ManagerConsultation,
    WorkGoal,
    Setback,
    Advice,
    AdviceConflictResolution,
    CompanyDoctorConsultation,
    RelapsePreventionPlan,
    FollowUp,
    WorkParticipation,
    WorkResumptionAgreement,
    ClientAccount,
    Consent,
    OutboundMessage,
    TotpRecoveryCode,
    ErasureRecord,
]
