"""The demo's absence record: the absences the referrals opened, filled in as a practice would
(the sick report, to whom, when the manager knew, the cause), one client whose sickness came
back within four weeks (a chain, counted as one period), one whose complaints returned seven
weeks after full recovery (a relapse: a new period), and care leave before a sick report.
A closed episode's client back at their whole contract in their own work, by the closing or
at the follow-up measurement, has recovered fully on that day (``back_at_work``); the
others' sickness goes on, and their therapist noted so on the task that asks for the full
recovery (``STILL_ABSENT``).

Deterministic: each choice follows the plan's order and working-day counts, nothing random;
written through the absence service, so the rules and the audit trail apply.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from practice.absences import AbsenceLink, LeaveKind, ReportedTo
from practice.audit.trail import Actor
from practice.composition.demo.plan import Calendar, EpisodePlan
from practice.services import absences
from practice.services.treatment_plan import override_task
from practice.tables import TreatmentEpisode

# Why the client is absent, in the words a company doctor writes down (medical).
CAUSES = {
    "angststoornis": "Angstklachten bij hoge werkdruk",
    "depressie": "Sombere stemming na reorganisatie",
    "somatische_symptoomstoornis": "Vermoeidheid en pijnklachten bij overbelasting",
    "other": "Spanningsklachten na conflict op het werk",
}
# The therapist's note on the full-recovery task of a client closed while still absent.
STILL_ABSENT = (
    "Bij de afsluiting nog niet volledig hersteld; de bedrijfsarts volgt de re-integratie."
)


async def record_absences(
    actor: Actor,
    calendar: Calendar,
    loaded: Sequence[tuple[EpisodePlan, int]],
    *,
    today: date,
    tz: ZoneInfo,
) -> None:
    """Fill in the absences of the loaded episodes; add the chain, the relapse and leave."""
    absent = [(plan, episode_id) for plan, episode_id in loaded if plan.absent]
    chain = relapse = None
    for plan, episode_id in absent:
        if plan.status != "closed" or plan.closed is None:
            continue
        if chain is None and plan.closed <= -30:
            chain = (plan, episode_id)
        elif relapse is None and plan.closed <= -50:
            relapse = (plan, episode_id)
    cause: str | None
    for index, (plan, episode_id) in enumerate(absent):
        row = await _absence_of(episode_id)
        if row is None:
            continue
        absence_id, first = row
        # One in seven told a colleague first; the manager heard of it days later (TNO case 4).
        late = index % 7 == 3
        recovered = None
        if (plan, episode_id) in (chain, relapse):
            assert plan.closed is not None
            recovered = calendar.day(plan.closed)
        elif (back := back_at_work(plan)) is not None:
            recovered = calendar.day(back)
        await absences.update_absence(
            actor,
            episode_id=episode_id,
            absence_id=absence_id,
            first_sick_day=first,
            reported_on=first,
            reported_to=(ReportedTo.COLLEAGUE if late else ReportedTo.EMPLOYER).value,
            manager_informed_on=first + timedelta(days=3 if late else 0),
            full_recovery_on=recovered,
            cause=CAUSES.get(plan.diagnosis or ""),
            today=today,
            tz=tz,
        )
        if recovered is None and plan.status == "closed":
            await override_task(
                actor, episode_id=episode_id, task_key=f"full_recovery:{first}", reason=STILL_ABSENT
            )
        if index == 0 and first - timedelta(days=15) < today:
            # Care leave ran out before the sick report (TNO case 5): leave is not sickness.
            await absences.record_leave(
                actor,
                episode_id=episode_id,
                kind=LeaveKind.CARE.value,
                starts_on=first - timedelta(days=15),
                ends_on=first - timedelta(days=1),
                today=today,
                tz=tz,
            )
        if recovered is None or (plan, episode_id) not in (chain, relapse):
            continue
        if (plan, episode_id) == chain:
            # Sick again twelve days after full recovery, with another complaint: one period.
            again, kind, cause = recovered + timedelta(days=12), AbsenceLink.CHAIN, "Griep"
        else:
            # The same complaints seven weeks after full recovery: a new period.
            again, kind = recovered + timedelta(weeks=7), AbsenceLink.RELAPSE
            cause = CAUSES.get(plan.diagnosis or "")
        if again >= today:
            continue
        await absences.record_absence(
            actor,
            episode_id=episode_id,
            absence_type="sickness",
            first_sick_day=again,
            reported_on=again,
            reported_to=ReportedTo.EMPLOYER.value,
            manager_informed_on=again,
            cause=cause,
            previous_id=absence_id,
            link_kind=kind.value,
            today=today,
            tz=tz,
        )


def back_at_work(plan: EpisodePlan) -> int | None:
    """The day (a working-day count) a closed episode's client worked their whole contract
    in their own work again, by the closing or at the follow-up measurement since: their
    full recovery, as the company doctor records it. None for one still treated or not fully
    back (their sickness goes on, and so do its milestones)."""
    if plan.status != "closed" or plan.closed is None:
        return None
    for measure in sorted(plan.measures, key=lambda m: m.day):
        hours = plan.contract_hours
        if plan.contract_change is not None and measure.day >= plan.contract_change[0]:
            hours = plan.contract_change[1]
        if measure.own >= hours:
            return measure.day
    return None


async def _absence_of(episode_id: int) -> tuple[int, date] | None:
    """The absence the episode's referral attached to, with its first sick day."""
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.absence, TreatmentEpisode.absence._.first_sick_day
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None or row["absence"] is None or row["absence.first_sick_day"] is None:
        return None
    return int(row["absence"]), row["absence.first_sick_day"]
