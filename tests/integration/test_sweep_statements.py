"""The sweep's finders look at every open and closed episode every five minutes: what they
read must not grow with the episodes when nothing is due. On 100,000 episodes (bench M) a
finder that read one statement per episode kept the sweep busy for minutes (564 s in all),
far past the worker's 30 s job timeout, so the finders after it never ran."""

from datetime import UTC, datetime, timedelta

from practice.accounts import Role
from practice.composition import wiring
from practice.composition.bench.controls import capture
from practice.composition.demo import load_demo
from practice.platform.settings import Settings
from practice.tables import TreatmentEpisode
from reporting import jobs
from scheduling import jobs as scheduling_jobs
from scheduling.tables import Appointment
from tests.cast import make_user

FINDERS = (
    jobs.due_reports,
    # It compares the employer's view of every episode with a contact and the client's
    # consent with the last update's (some ten statements each, before they were read
    # together).
    jobs.due_employer_updates,
    jobs.due_follow_up_invitations,
    jobs.due_questionnaire_invitations,
    # The participants of the meetings ahead whom no invitation reached yet.
    scheduling_jobs.due_invitations,
)
# Each finder's reads when nothing is due, whatever the number of episodes: the episodes
# and their facts (a statement per table, ``load_facts``), what was done before.
MOST_STATEMENTS = 40


async def test_a_sweep_with_nothing_due_reads_a_fixed_number_of_statements_per_finder(
    db: None, settings: Settings
) -> None:
    wiring.connect()  # the worker's start-up: fact sources and labels
    today = datetime.now(settings.time_zone).date()
    await load_demo(today=today, tz=settings.time_zone)
    for finder in FINDERS:  # the first sweep does what is due (drafts, invitations)
        await finder(today, settings)
    episodes = await TreatmentEpisode.count()

    for finder in FINDERS:
        with capture() as sent:  # the reads the app sends (the bench's P-4 capture)
            await finder(today, settings)
        assert len(sent) <= MOST_STATEMENTS < episodes, (finder.__name__, len(sent), episodes)


async def test_the_reminder_finder_reads_as_much_for_many_appointments_as_for_a_few(
    db: None, settings: Settings
) -> None:
    wiring.connect()
    now = datetime.now(UTC)
    today = now.astimezone(settings.time_zone).date()
    await load_demo(today=today, tz=settings.time_zone)

    async def second_sweep_reads() -> int:
        await scheduling_jobs.due_reminders(today, settings)  # makes what is due
        with capture() as sent:
            assert await scheduling_jobs.due_reminders(today, settings) == []
        return len(sent)

    session = await Appointment.select().where(Appointment.kind == "treatment_session").first()
    assert session is not None
    therapist = await make_user(Role.THERAPIST, "reminders@cast.test")  # a free calendar

    async def plan(first: int, count: int) -> None:
        await Appointment.insert(  # in the next hours, the client reminded of each
            *(
                Appointment(
                    episode=session["episode"],
                    therapist=therapist.id,
                    kind="treatment_session",
                    starts_at=now + timedelta(hours=2, minutes=10 * n),
                    ends_at=now + timedelta(hours=2, minutes=10 * n + 10),
                )
                for n in range(first, first + count)
            )
        )

    # One appointment due before the first count: at some hours (a Sunday night) the demo
    # has none within the reminder lead, and a sweep that finds nothing skips the reads of
    # the participants and the reminders made, which is not what is compared here.
    await plan(0, 1)
    few = await second_sweep_reads()
    await plan(1, 20)
    assert await second_sweep_reads() == few
