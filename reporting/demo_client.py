"""The demo's client with an account (issue 20), so the client portal is not empty: a
client in treatment with Tessa de Therapeut, with coming sessions, answered questionnaires,
an interim report that waits for the client's review, and a request to move their last
coming session (so the therapist's Vandaag shows one; the earlier sessions stay free to ask
about from the portal).

Runs after ``reporting.demo`` (``practice.composition.cli._load_demo``). The login is
``client@demo.atwork.nl`` with the demo password and, like every demo account, no second
factor (``User.totp_exempt``).
"""

from datetime import UTC, datetime, timedelta

from practice import client_accounts as rules
from practice.accounts import Role
from practice.platform.db import write_tx
from practice.platform.passwords import hash_password
from practice.platform.settings import Settings
from practice.tables import CaseAssignment, Client, ClientAccount, TreatmentEpisode, User
from reporting import monitoring
from reporting.interim_reports import INTERIM_REPORT, ReportStatus
from reporting.monitoring import Moment
from reporting.services import monitoring as monitoring_service
from reporting.services import report_review
from reporting.tables import QuestionnaireResponse, Report
from scheduling.requests import HOURS_BEFORE, RequestKind
from scheduling.tables import Appointment, AppointmentRequest

DEMO_CLIENT_EMAIL = "client@demo.atwork.nl"

THERAPIST_EMAIL = "therapeut@demo.atwork.nl"


async def load_demo_client(settings: Settings, password: str) -> int | None:
    """The demo client's account and a report for their review; the client's id, or None
    when the demo has no fitting client (or has one already)."""
    if await User.exists().where(User.email == DEMO_CLIENT_EMAIL):
        return None
    therapist = await User.select(User.id).where(User.email == THERAPIST_EMAIL).first()
    if therapist is None:
        return None
    episodes = [
        int(r["episode"])
        for r in await CaseAssignment.select(CaseAssignment.episode).where(
            (CaseAssignment.user == therapist["id"])
            & (CaseAssignment.team_role == "therapist")
            & CaseAssignment.valid_to.is_null()
        )
    ]
    in_treatment = await TreatmentEpisode.select(
        TreatmentEpisode.id, TreatmentEpisode.client
    ).where(
        TreatmentEpisode.id.is_in(episodes or [0]) & (TreatmentEpisode.status == "in_treatment")
    )
    measured = {
        int(r["episode"])
        for r in await QuestionnaireResponse.select(QuestionnaireResponse.episode).where(
            QuestionnaireResponse.episode.is_in([int(e["id"]) for e in in_treatment] or [0])
        )
    }
    drafts = {
        int(r["episode"]): int(r["id"])
        for r in await Report.select(Report.id, Report.episode).where(
            Report.episode.is_in([int(e["id"]) for e in in_treatment] or [0])
            & (Report.status == ReportStatus.DRAFT.value)
            & (Report.kind == INTERIM_REPORT)
        )
    }
    # Prefer a client with questionnaires and a draft to review; else any in treatment.
    ranked = sorted(
        in_treatment,
        key=lambda e: (int(e["id"]) not in drafts, int(e["id"]) not in measured, int(e["id"])),
    )
    if not ranked:
        return None
    episode_id, client_id = int(ranked[0]["id"]), int(ranked[0]["client"])
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    now = datetime.now(UTC)
    password_hash = await hash_password(password)
    async with write_tx():
        await Client.update({Client.email: DEMO_CLIENT_EMAIL}).where(Client.id == client_id)
        user = await User.insert(
            User(
                email=DEMO_CLIENT_EMAIL,
                display_name=str(client["name"] if client else "Cliënt"),
                role=Role.CLIENT.value,
                password_hash=password_hash,
                totp_exempt=True,
            )
        ).returning(User.id)
        await ClientAccount.insert(
            ClientAccount(
                client=client_id,
                user=int(user[0]["id"]),
                invited_at=now - timedelta(days=30),
                set_up_at=now - timedelta(days=30, hours=-2),
                second_factor="totp",
            )
        )
        # The questionnaires of the latest interim moment, to fill in from the portal (a
        # fresh link there); the worker's sweep asks the same moment, never twice.
        held = await Appointment.count().where(
            (Appointment.episode == episode_id)
            & (Appointment.attendance == "held")
            & (Appointment.kind == "treatment_session")
        )
        await monitoring_service.new_invitation(
            episode_id,
            Moment("interim", max(5, held // 5 * 5), now.date()),
            rules.new_token(),
            now.date() + timedelta(days=monitoring.VALID_DAYS),
            settings,
        )
        last = (
            await Appointment.select(Appointment.id)
            .where(
                (Appointment.episode == episode_id)
                & (Appointment.attendance == "planned")
                & (Appointment.starts_at > now + timedelta(hours=HOURS_BEFORE))
            )
            .order_by(Appointment.starts_at, ascending=False)
            .first()
        )
        if last is not None:
            await AppointmentRequest.insert(
                AppointmentRequest(
                    appointment=int(last["id"]),
                    kind=RequestKind.MOVE.value,
                    message="Die ochtend heb ik een overleg op het werk; kan het een uur later?",
                    created_at=now - timedelta(days=1),
                )
            )
        report_id = drafts.get(episode_id)
        if report_id is not None:
            until = await report_review.review_deadline(episode_id, now, settings)
            await Report.update(
                {
                    Report.status: ReportStatus.APPROVED.value,
                    Report.approved_at: now - timedelta(hours=1),
                    Report.approved_by: int(therapist["id"]),
                    Report.review_until: until,
                    Report.progress: "Minder piekeren en beter slapen; de opbouw op het werk"
                    " loopt volgens plan.",
                    Report.work_participation: "Drie ochtenden per week eigen werk.",
                    Report.advice: "Opbouw voortzetten naar vier dagen in drie weken.",
                }
            ).where(Report.id == report_id)
    return client_id
