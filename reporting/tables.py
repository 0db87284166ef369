"""Tables of telling others: reports, the documents that were sent, deliveries, employer
updates, meeting minutes and questionnaire responses.

Sent artefacts are immutable: a Document row is written once with the exact PDF bytes and
their hash; a Delivery row per recipient and channel is unique, so a second delivery of the
same document cannot be recorded, and every effect is keyed in the database.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from practice.tables import Employer, TreatmentEpisode, User
from scheduling.tables import Appointment


def _fk(table: type[Table] | str, *, null: bool = False) -> ForeignKey:  # type: ignore[type-arg]
    return ForeignKey(references=table, on_delete=OnDelete.restrict, null=null, index=True)


class Report(Table):
    """A report to the company doctor: the briefing after the screening (ordinal 0) or the
    interim evaluation after held session n. Medical; drafted by the sweep, approved by the
    therapist, then delivered. One per (episode, kind, ordinal): the key of exactly-once."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    kind = Varchar(length=32)  # briefing | interim_report
    ordinal = Integer(default=0)
    status = Varchar(length=16, default="draft", index=True)  # draft|approved|sent|blocked
    due_on = Date(null=True, default=None)
    drafted_at = Timestamptz(default=TimestamptzNow())
    progress = Text(default="", secret=True)
    work_participation = Text(default="", secret=True)
    advice = Text(default="", secret=True)
    approved_at = Timestamptz(null=True, default=None)
    approved_by = _fk(User, null=True)
    blocked_reason = Varchar(length=300, null=True, default=None)
    # The client's review before it leaves (reporting.report_review): until when the client
    # may read it and agree or withhold it, what they decided and when, and their comment
    # for the therapist (never shown to the company doctor).
    review_until = Timestamptz(null=True, default=None)
    review_decision = Varchar(length=16, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    review_comment = Text(null=True, default=None, secret=True)
    # A client without an account reviews by a link mailed to them: only its SHA-256 here.
    review_token_hash = Varchar(length=64, null=True, default=None, index=True, secret=True)


class Document(Table):
    """A rendered PDF exactly as sent; never updated."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    report = _fk(Report, null=True)
    kind = Varchar(length=32)  # briefing | interim_report | relapse_prevention_plan | ...
    version = Integer(default=1)
    title = Varchar(length=200)
    pdf = Bytea()
    sha256 = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())


class Delivery(Table):
    """One document to one recipient over one channel; unique, so it happens once."""

    id: Serial
    document = _fk(Document)
    recipient = _fk(User)
    channel = Varchar(length=16)  # portal | email
    delivered_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)


class EmployerUpdate(Table):
    """Procesinformatie: what an employer was told, built only from the EmployerView type."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    trigger = Varchar(length=64)  # e.g. interim_report:5, agreements:<hash>, periodic:<date>
    content = JSON()  # the serialised EmployerView, exactly as shown
    created_at = Timestamptz(default=TimestamptzNow())


class MeetingMinutes(Table):
    """Minutes of an alignment meeting: a shared (non-medical) and an internal part."""

    id: Serial
    appointment = ForeignKey(
        references=Appointment, on_delete=OnDelete.restrict, null=False, unique=True
    )
    shared_text = Text(default="")  # visible to the manager / HR who attended
    internal_text = Text(default="", secret=True)  # therapist only
    updated_at = Timestamptz(default=TimestamptzNow())


class QuestionnaireResponse(Table):
    """A completed questionnaire (PHQ-9, GAD-7, ...): answers, total and band. Medical."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    instrument = Varchar(length=32)
    moment = Varchar(length=16)  # screening | interim | end | follow_up
    administered_on = Date()
    answers = JSON(secret=True)
    total = Integer(secret=True)
    band = Varchar(length=32, secret=True)
    complete = Boolean(default=True)


class QuestionnaireInvitation(Table):
    """A secure link that asks the client to fill in the questionnaires of one moment of
    outcome monitoring (issue 20): at the screening, after every 5th held session, at the end.
    One per (episode, moment, ordinal) (a unique index): the key of exactly-once. Only the
    token's SHA-256 is stored; the link is single-use (``completed_at``) and expires."""

    id: Serial
    episode = _fk(TreatmentEpisode)
    moment = Varchar(length=16)  # reporting.services.questionnaires.MOMENTS
    ordinal = Integer(default=0)  # the held session of an interim moment; 0 otherwise
    instruments = JSON()  # the instrument codes asked, in order
    token_hash = Varchar(length=64, unique=True, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)  # once; the reminder has a new link


class EmployerStatistics(Table):
    """One employer's S15 figures for one calendar month, as published: once per (employer,
    month) (a unique index), never updated (a trigger), counted as of the month's last day
    over the consenting employees and passed through the guard against differencing
    (`reporting.statistics.snapshots`). Aggregates only, no client is named."""

    id: Serial
    employer = _fk(Employer)
    month = Date()  # the first day of the month
    as_of = Date()  # the month's last day
    min_n = Integer()  # the employer's smallest cell when it was published
    contract_basis = Varchar(length=32)  # practice.work_participation.ContractBasis
    cells = JSON()  # code -> {"value", "n", "as_of"}: SnapshotCell.to_json, exact n kept
    published_at = Timestamptz(default=TimestamptzNow())


# ---------------------------------------------------------------- statistics facts
#
# Every outcome figure starts from per-episode facts (reporting.statistics.facts). Computed
# from the raw tables they cost seconds per view on 100k episodes (P-4), so they are kept
# here, one row per episode. Triggers on every table a fact comes from put the episodes a
# write touches on ``statistics_pending`` (migration reporting_2026_12_05t03_01_00); a
# figure reads the kept row of a settled episode and computes a pending one from the raw
# tables, so it is exact at once, and the worker's sweep settles what is pending
# (reporting.statistics.fact_table).

_VOLUME_FACT = "volume % in tenths of a percent, uncapped"


def _volume() -> Integer:
    return Integer(null=True, default=None, help_text=_VOLUME_FACT)


def _day() -> Date:
    return Date(null=True, default=None)


class StatisticsFact(Table):
    """One episode's statistics facts as last settled (reporting.statistics.facts names
    each one). Medical (the diagnosis category); removed with its episode."""

    id: Serial
    episode = ForeignKey(
        references=TreatmentEpisode, on_delete=OnDelete.cascade, unique=True, index=True
    )
    client_id = Integer()
    status = Varchar(length=32)
    offer = Varchar(length=32, null=True, default=None)
    employer_id = Integer(null=True, default=None, index=True)
    diagnosis = Varchar(length=48, null=True, default=None, secret=True)
    screened = Integer(default=0)  # 1 with a screening: outcome figures count only those
    absent = Integer(default=0)
    referred_on = Date(null=True, default=None, index=True)  # the local referral date
    screened_on = _day()
    started_on = _day()
    closed_on = _day()
    employment_id = Integer(null=True, default=None)
    absence_id = Integer(null=True, default=None)
    first_sick_day = _day()
    partial_on = _day()
    any_on = _day()
    full_on = _day()
    held = Integer(default=0)
    relapse_flag = Integer(null=True, default=None)
    fu_response = Varchar(length=16, null=True, default=None)
    agreement = Integer(default=0)
    # Volume % at begin (vb), end (ve) and follow-up (vf) per volume variant: the contract
    # on the measurement date (m) or at referral (r), wage-value hours (w) or with the
    # therapeutic hours (t). reporting.statistics.facts.variant_key names them.
    vb_mw = _volume()
    ve_mw = _volume()
    vf_mw = _volume()
    vb_mt = _volume()
    ve_mt = _volume()
    vf_mt = _volume()
    vb_rw = _volume()
    ve_rw = _volume()
    vf_rw = _volume()
    vb_rt = _volume()
    ve_rt = _volume()
    vf_rt = _volume()
    settled_at = Timestamptz(default=TimestamptzNow())


class StatisticsAbsence(Table):
    """Where one episode's absence stands, as settled (reporting.statistics.placement): the
    law's period of sickness it treats, that period's facts, how many episodes treat the
    same absence, and the days between which this is what is known (the records' dates on
    either side of the day it was settled). Medical (a period of sickness); removed with
    its episode."""

    id: Serial
    episode = ForeignKey(
        references=TreatmentEpisode, on_delete=OnDelete.cascade, unique=True, index=True
    )
    client_id = Integer(index=True)
    # The period (art. 7:629 lid 10 BW) of an absence record: its employment and number.
    unit_employment = Integer(null=True, default=None)
    unit_period = Integer(null=True, default=None)
    period_first = _day()
    period_recovered = _day()
    period_gaps = Integer(default=0)
    period_partial = _day()
    unit_episodes = Integer(default=0)  # the episodes on the same absence, unfiltered
    known_from = _day()
    known_until = _day()
    settled_at = Timestamptz(default=TimestamptzNow())


class StatisticsPending(Table):
    """An episode whose facts changed after they were settled, written by the triggers.
    Not a foreign key: the episode may be gone (its facts go with it). Several rows for
    one episode are harmless; settling removes exactly the rows it read."""

    id: Serial
    episode = Integer(index=True)
    marked_at = Timestamptz(default=TimestamptzNow())


class StatisticsCell(Table):
    """The rows one figure's statement returns over the settled episodes of one cell (a
    month of referral, an offer, a diagnosis category), as computed on `day`
    (reporting.statistics.cells): the dashboard adds up the cells its filters cover
    whole instead of counting their episodes again. `key` holds the statement's grouping
    columns (JSON), m0.. its counts and sums in the figure's order; an offer or diagnosis
    of ``*`` adds up those of every one. Read by an index on (figure, offer, diagnosis,
    month) (migration reporting_2026_12_06t08_40_37). Medical (diagnosis)."""

    id: Serial
    day = Date()
    month = Date(index=True)
    offer = Varchar(length=32, null=True, default=None)
    diagnosis = Varchar(length=48, null=True, default=None, secret=True)
    figure = Varchar(length=32)
    variant = Varchar(length=2)  # reporting.statistics.facts.variant_key; '' for every one
    key = Text()
    m0 = BigInt(default=0)
    m1 = BigInt(default=0)
    m2 = BigInt(default=0)
    m3 = BigInt(default=0)
    m4 = BigInt(default=0)
    m5 = BigInt(default=0)
    m6 = BigInt(default=0)
    m7 = BigInt(default=0)
    m8 = BigInt(default=0)
    m9 = BigInt(default=0)
    m10 = BigInt(default=0)
    m11 = BigInt(default=0)
    m12 = BigInt(default=0)
    m13 = BigInt(default=0)


class StatisticsCellEpisode(Table):
    """Where each settled episode was counted in the kept cells: its month of referral, and
    its component (the episodes linked by client, employment or the employment of the
    absence it treats: their smallest id) with what links it, and whether the component is
    kept apart from the cells (its episodes lie in more than one cell: a client or an
    absence would be counted in each). Not a foreign key: a deleted episode's month and
    links must still be known, to count it again."""

    id: Serial
    episode = Integer(unique=True, index=True)
    month = Date()
    client_id = Integer(index=True)
    employment_id = Integer(null=True, default=None, index=True)
    linked_employment = Integer(null=True, default=None, index=True)
    component = Integer(index=True)
    apart = Integer(default=0)


class StatisticsMonth(Table):
    """A month of referral whose kept cells were computed for `day` (the figures of a
    running episode depend on the day: the cells of another day are not read)."""

    id: Serial
    month = Date(unique=True)
    day = Date()


# ---------------------------------------------------------------- invoicing (issue 22)
#
# The employer pays for @Work. Its billing terms (prices, when to bill, payment days) are
# kept with their history; the worker's sweep makes the invoices the terms make due, each
# exactly once by its key, numbered without gaps per year (reporting.services.invoices).
# Nothing is ever deleted: a wrong invoice is corrected by a credit note. An invoice names
# a client by initials and the employer's own reference only; never anything medical.


class BillingTerms(Table):
    """What an employer pays and when, from ``valid_from`` on (reporting.billing)."""

    id: Serial
    employer = _fk(Employer)
    valid_from = Date()
    price_model = Varchar(length=16)  # reporting.billing.PriceModel
    billing_moment = Varchar(length=16)  # reporting.billing.BillingMoment
    screening_cents = Integer(default=0)
    package_basic_cents = Integer(default=0)  # the @Work package
    package_compleet_cents = Integer(default=0)
    package_preventive_cents = Integer(default=0)
    session_cents = Integer(default=0)  # per held session (price model per_session)
    no_show_cents = Integer(default=0)
    late_cancellation_cents = Integer(default=0)
    late_cancellation_hours = Integer(default=24)
    payment_days = Integer(default=30)
    auto_send = Boolean(default=False)  # sent at once by the sweep, not reviewed first
    invoice_email = Varchar(length=254)  # the employer's accounts-payable address
    buyer_address = Text(default="")  # address lines, one per line
    buyer_reference = Varchar(length=64, null=True, default=None)  # e.g. an order number
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = _fk(User, null=True)


class InvoiceNumber(Table):
    """The last number given in a year: taken under a row lock, so numbers have no gaps."""

    id: Serial
    year = Integer(unique=True)
    last = Integer(default=0)


class Invoice(Table):
    """An invoice or a credit note, as issued: its lines and totals never change."""

    id: Serial
    number = Varchar(length=16, unique=True)  # reporting.billing.invoice_number
    key = Varchar(length=96, unique=True)  # the billing moment it is for; credit:<id>
    kind = Varchar(length=16, default="invoice")  # invoice | credit_note
    credits = _fk("Invoice", null=True)  # the invoice a credit note corrects
    employer = _fk(Employer)
    terms = _fk(BillingTerms)
    issued_on = Date()
    due_on = Date()
    period_start = Date()
    period_end = Date()
    buyer_name = Varchar(length=200)
    buyer_address = Text(default="")
    buyer_reference = Varchar(length=64, null=True, default=None)
    invoice_email = Varchar(length=254)
    vat_exempt = Boolean(default=True)
    net_cents = Integer()
    vat_cents = Integer()
    total_cents = Integer()
    reason = Text(default="")  # why a credit note was made
    status = Varchar(length=16, default="draft", index=True)  # draft | sent
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = _fk(User, null=True)  # None: the sweep
    sent_at = Timestamptz(null=True, default=None)
    sent_by = _fk(User, null=True)
    pdf = Bytea(null=True, default=None)  # the PDF/A-3 with its e-invoice, made once


class InvoiceLine(Table):
    """One charge on an invoice. ``charge_key`` (screening:<episode>, session:<appointment>,
    ...) is unique on invoices, so a charge is billed once; a credit line has none."""

    id: Serial
    invoice = _fk(Invoice)
    position = Integer()
    charge = Varchar(length=24)  # reporting.billing.Charge
    charge_key = Varchar(length=64, null=True, default=None, unique=True)
    offer = Varchar(length=32, null=True, default=None)  # the package's offer
    # A plain id, not a key: the invoice is kept for the tax years (art. 52 AWR) when the
    # client's record is erased; it names the client by initials and reference only.
    episode_id = Integer(null=True, default=None, index=True)
    client_initials = Varchar(length=16, default="")
    client_reference = Varchar(length=32, null=True, default=None)
    service_date = Date()
    quantity = Integer(default=1)
    unit_cents = Integer()
    net_cents = Integer()
    vat_category = Varchar(length=2)  # E (exempt) | S (standard rate)
    vat_rate = Integer(default=0)  # percent


class InvoicePayment(Table):
    """A payment received, as the practice manager recorded it."""

    id: Serial
    invoice = _fk(Invoice)
    paid_on = Date()
    amount_cents = Integer()
    recorded_by = _fk(User, null=True)
    recorded_at = Timestamptz(default=TimestamptzNow())


# The tables whose rows are kept as issued: triggers refuse their deletion and the change of
# what they say (migration reporting_2026_12_05t08_30_00, which froze this list).
KEPT_AS_ISSUED = ("invoice", "invoice_line", "invoice_payment", "invoice_number")


ALL: list[type[Table]] = [
    Report,
    Document,
    Delivery,
    EmployerUpdate,
    MeetingMinutes,
    QuestionnaireResponse,
    QuestionnaireInvitation,
    EmployerStatistics,
    StatisticsFact,
    StatisticsAbsence,
    StatisticsPending,
    StatisticsCell,
    StatisticsCellEpisode,
    StatisticsMonth,
    BillingTerms,
    InvoiceNumber,
    Invoice,
    InvoiceLine,
    InvoicePayment,
]
