"""A demo practice, so a newcomer sees a living service: one account per role, two employers,
a company doctor, a therapist and clients in every stage of the treatment track.

Idempotent: running it twice changes nothing (it stops if the demo employer exists). Dates
are relative to today, so deadlines always look current.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice.accounts import Role
from practice.audit.trail import Actor, Channel
from practice.services import accounts as account_services
from practice.services import episodes, parties, referrals, treatment_plan, work
from practice.tables import Employer, User

DEMO_PASSWORD = "werkgericht-demo"  # noqa: S105 - printed on purpose: demo data only
DEMO_EMPLOYER = "Thuiszorg De Linde (demo)"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role


DEMO_REGISTRATION = "BIG 19012345601"  # made up: the BIG register has no such number
DEMO_ACCOUNTS = [
    DemoAccount("therapeut@demo.atwork.nl", "Tessa de Therapeut", Role.THERAPIST),
    DemoAccount("bedrijfsarts@demo.atwork.nl", "Bas Bedrijfsarts", Role.COMPANY_DOCTOR),
    DemoAccount("leidinggevende@demo.atwork.nl", "Lotte Leidinggevende", Role.EMPLOYER_CONTACT),
    DemoAccount("praktijkmanager@demo.atwork.nl", "Pim Praktijkmanager", Role.PRACTICE_MANAGER),
    DemoAccount("beheerder@demo.atwork.nl", "Bea Beheerder", Role.ADMINISTRATOR),
]


async def _accounts(actor: Actor) -> dict[Role, int]:
    ids: dict[Role, int] = {}
    for account in DEMO_ACCOUNTS:
        row = await User.select(User.id).where(User.email == account.email).first()
        if row is None:
            ids[account.role] = await account_services.create_user(
                actor,
                email=account.email,
                display_name=account.display_name,
                role=account.role.value,
                password=DEMO_PASSWORD,
            )
        else:
            ids[account.role] = int(row["id"])
    # The demo therapist signs the demo's reports with a (made-up) BIG number.
    await User.update({User.registration: DEMO_REGISTRATION}).where(
        User.email == DEMO_ACCOUNTS[0].email
    )
    # The quick start logs in without a phone: the demo accounts (public password, demo data
    # only) are exempt from the second factor. Nothing else sets this flag.
    await User.update({User.totp_exempt: True}).where(
        User.email.is_in([account.email for account in DEMO_ACCOUNTS])
    )
    return ids


@dataclass(frozen=True)
class Stage:
    """One demo client: how far their episode got, in days before today."""

    name: str
    referred_days_ago: int
    offer: str = "atwork_basic"
    screened_days_ago: int | None = None
    started_days_ago: int | None = None
    paused: bool = False
    closed_days_ago: int | None = None
    follow_up_days_ago: int | None = None
    screening_planned_in_days: int | None = None
    outcome: str | None = None  # a referral that did not become treatment
    dropped_out: bool = False
    absent: bool = True
    diagnosis: str = "angststoornis"


STAGES = [
    Stage("Anna Aanmelding", referred_days_ago=2),
    Stage("Bram Bijna-te-laat", referred_days_ago=12),
    Stage("Bo Gepland", referred_days_ago=5, screening_planned_in_days=3),
    Stage("Carla Screening", referred_days_ago=8, screened_days_ago=1, diagnosis="depressie"),
    Stage("Daan Behandeling", referred_days_ago=40, screened_days_ago=33, started_days_ago=25),
    Stage(
        "Eva Compleet",
        referred_days_ago=70,
        offer="atwork_compleet",
        screened_days_ago=62,
        started_days_ago=55,
        diagnosis="somatische_symptoomstoornis",
    ),
    Stage(
        "Frank Pauze",
        referred_days_ago=60,
        screened_days_ago=52,
        started_days_ago=45,
        paused=True,
        diagnosis="depressie",
    ),
    Stage(
        "Greet Afgerond",
        referred_days_ago=150,
        offer="atwork_compleet",
        screened_days_ago=142,
        started_days_ago=135,
        closed_days_ago=40,
    ),
    Stage(
        "Hans Follow-up",
        referred_days_ago=400,
        screened_days_ago=392,
        started_days_ago=385,
        closed_days_ago=300,
        follow_up_days_ago=100,
        diagnosis="depressie",
    ),
    Stage(
        "Iris Preventief",
        referred_days_ago=20,
        offer="preventive",
        screened_days_ago=14,
        started_days_ago=7,
        absent=False,
    ),
    Stage("Joost Afgezegd", referred_days_ago=30, outcome="recovered_before_start"),
    Stage("Lars Doorverwezen", referred_days_ago=25, outcome="referred_elsewhere"),
    Stage(
        "Kim Uitgevallen",
        referred_days_ago=90,
        screened_days_ago=82,
        started_days_ago=75,
        dropped_out=True,
        diagnosis="depressie",
    ),
]


async def load_demo(today: date | None = None, *, tz: ZoneInfo) -> int:
    """Create the demo practice if it is not there; returns the number of episodes created."""
    today = today or datetime.now(tz).date()
    actor = Actor.system(Channel.CLI)
    users = await _accounts(actor)
    if await Employer.exists().where(Employer.name == DEMO_EMPLOYER):
        return 0
    employer_id = await parties.create_employer(actor, name=DEMO_EMPLOYER)
    await parties.create_employer(
        actor, name="Gemeente Oost (demo)", default_offer="atwork_compleet"
    )
    await parties.register_therapist(
        actor, user_id=users[Role.THERAPIST], qualifications="CBT, EMDR", capacity=30
    )
    doctor_id = await parties.create_company_doctor(
        actor,
        name="Bas Bedrijfsarts",
        email="bedrijfsarts@demo.atwork.nl",
        organisation="Arbodienst Noord (demo)",
        user_id=users[Role.COMPANY_DOCTOR],
    )
    manager_id = await parties.add_employer_contact(
        actor,
        employer_id=employer_id,
        name="Lotte Leidinggevende",
        email="leidinggevende@demo.atwork.nl",
        contact_role="manager",
        user_id=users[Role.EMPLOYER_CONTACT],
    )
    for stage in STAGES:
        await _episode(
            actor, stage, today, tz, employer_id, doctor_id, manager_id, users[Role.THERAPIST]
        )
    return len(STAGES)


async def _episode(
    actor: Actor,
    stage: Stage,
    today: date,
    tz: ZoneInfo,
    employer_id: int,
    doctor_id: int,
    manager_id: int,
    therapist_id: int,
) -> None:
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    referred_on = ago(stage.referred_days_ago)
    client_id, _ = await parties.register_client(
        actor,
        name=stage.name,
        employer_id=employer_id,
        contract_hours=Decimal(32),
        contract_from=date(2020, 1, 1),
        email=f"{stage.name.split()[0].lower()}@demo.atwork.nl",
    )
    _, episode_id = await referrals.refer_client(
        actor,
        today=today,
        client_id=client_id,
        received_at=datetime.combine(referred_on, time(9, 30), tz),
        referrer_type="company_doctor",
        therapist_user_id=therapist_id,
        requested_offer=stage.offer,
        absence_status="sickness" if stage.absent else "not_absent",
        first_sick_day=ago(stage.referred_days_ago + 21) if stage.absent else None,
        company_doctor_id=doctor_id,
        manager_id=manager_id,
        consent_at_referral=True,
    )
    if stage.outcome:
        await referrals.record_referral_outcome(actor, episode_id=episode_id, outcome=stage.outcome)
        return
    if stage.screening_planned_in_days is not None:
        await episodes.plan_screening(
            actor,
            episode_id=episode_id,
            planned_on=today + timedelta(days=stage.screening_planned_in_days),
        )
    if stage.screened_days_ago is None:
        return
    screened_on = ago(stage.screened_days_ago)
    await episodes.record_screening(
        actor,
        episode_id=episode_id,
        held_on=screened_on,
        suitable=True,
        diagnosis_category=stage.diagnosis,
        complaint_instrument="PHQ-9",
        complaint_score=14,
        proposal=stage.offer,
        discussed_with_client_on=screened_on,
    )
    await episodes.record_manager_consultation(
        actor,
        episode_id=episode_id,
        held_on=screened_on,
        contact_id=manager_id,
        recovery_view="Ziet kansen voor herstel",
        existing_agreements="Nog geen afspraken",
        advice_to_manager="Houd wekelijks kort contact",
    )
    if stage.started_days_ago is None:
        return
    started_on = ago(stage.started_days_ago)
    await episodes.transition(actor, episode_id=episode_id, to_status="in_treatment", on=started_on)
    if stage.absent:
        await work.record_participation(
            actor,
            episode_id=episode_id,
            measured_on=started_on,
            own_work_hours=Decimal(12),
            moment="begin",
        )
        await work.record_agreement(
            actor,
            episode_id=episode_id,
            agreed_on=started_on,
            description="Start met 3 × 4 uur eigen werk per week",
            hours_per_week=Decimal(12),
            starts_on=started_on + timedelta(days=7),
        )
    await treatment_plan.add_work_goal(
        actor,
        episode_id=episode_id,
        set_on=started_on,
        description="Wekelijks bellen met de leidinggevende",
        easy_first_goal=True,
    )
    if stage.paused:
        await episodes.transition(
            actor, episode_id=episode_id, to_status="paused", reason="vakantie"
        )
    if stage.dropped_out:
        await episodes.transition(
            actor,
            episode_id=episode_id,
            to_status="dropped_out",
            reason="na drie gesprekken gestopt",
        )
    if stage.closed_days_ago is None:
        return
    closed_on = ago(stage.closed_days_ago)
    if stage.absent:
        await work.record_participation(
            actor,
            episode_id=episode_id,
            measured_on=closed_on,
            own_work_hours=Decimal(28),
            moment="end",
        )
    await treatment_plan.record_relapse_prevention_plan(
        actor,
        episode_id=episode_id,
        drawn_up_on=closed_on - timedelta(days=7),
        warning_signs="Slecht slapen, piekeren",
        actions="Bellen met behandelaar",
        work_situation="Taken afbakenen met de leidinggevende",
    )
    await episodes.transition(actor, episode_id=episode_id, to_status="closed", on=closed_on)
    if stage.follow_up_days_ago is not None:
        await treatment_plan.record_follow_up(
            actor,
            episode_id=episode_id,
            kind="measurement",
            held_on=ago(stage.follow_up_days_ago),
            response="done",
            relapse=False,
        )
