"""The demo's clients and what was done for them, written through the services (the rules and
the audit trail apply), each event on its own date from the plan.

Status changes carry the moment the service wrote them; the demo then dates each one to the
day it stands for in the story (a screening held in March changed the status in March), so
the client's timeline and the statistics read like a practice that has been running.
"""

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.composition.demo.parties import Parties
from practice.composition.demo.plan import Calendar, EpisodePlan
from practice.consent import Purpose, Recipient
from practice.services import consents, episodes, parties, referrals, treatment_plan, work
from practice.tables import StatusChange

SCREENING_TEXTS = {
    "angststoornis": (
        "Hoge werkdruk en onduidelijke verwachtingen in het team",
        "Vermijdt overleg en drukke diensten; slaapt slecht",
        "Werkgerichte CGT met exposure, opbouw in het eigen werk",
    ),
    "depressie": (
        "Reorganisatie; weinig waardering van de leidinggevende",
        "Moeite met concentratie en plannen; trekt zich terug",
        "Activering en werkgerichte CGT; dagstructuur",
    ),
    "somatische_symptoomstoornis": (
        "Langdurig overbelast door werk en mantelzorg",
        "Vermoeidheid en pijnklachten; werkt halve dagen",
        "Psycho-educatie over belasting en belastbaarheid; opbouwschema",
    ),
    "other": (
        "Conflict met een collega; veranderde taken",
        "Piekert over werk; onrustig en prikkelbaar",
        "Kortdurende werkgerichte behandeling; gesprek met de leidinggevende",
    ),
}
CONSULTATIONS = (
    ("Ziet kansen voor herstel", "Betrokken en nauwkeurig", "Terug in de eigen functie"),
    (
        "Verwacht een geleidelijke terugkeer",
        "Hardwerkend, zegt moeilijk nee",
        "Eerst minder diensten",
    ),
    ("Twijfelt of het werk passend is", "Goed met klanten, minder met planning", "Taken aanpassen"),
)  # fmt: skip


@dataclass
class _Moments:
    """The dated moments of one episode's status changes, in the order the services wrote them."""

    changes: list[datetime] = field(default_factory=list)

    def add(self, *moments: datetime) -> None:
        self.changes.extend(moments)


class EpisodeLoader:
    """Writes one planned episode through the services; ``today`` is the real today."""

    def __init__(self, actor: Actor, calendar: Calendar, ids: Parties, tz: ZoneInfo) -> None:
        self.actor = actor
        self.calendar = calendar
        self.ids = ids
        self.tz = tz
        self.today = calendar.today
        # StatusChange id -> the moment it stands for; applied at the end, in one pass.
        self.dated: list[tuple[int, int, datetime]] = []  # (episode id, position, moment)

    def at(self, day: int, clock: time = time(10)) -> datetime:
        return datetime.combine(self.calendar.day(day), clock, self.tz)

    def on(self, day: int) -> date:
        return self.calendar.day(day)

    async def load(self, plan: EpisodePlan) -> tuple[int, int]:
        """The client and their episode; returns (client id, episode id)."""
        actor, today, tz, on = self.actor, self.today, self.tz, self.on
        moments = _Moments()
        received_at = self.at(plan.referred, plan.referred_at)
        client_id, _ = await parties.register_client(
            actor,
            name=plan.name,
            employer_id=self.ids.employers[plan.employer],
            contract_hours=Decimal(plan.contract_hours),
            contract_from=received_at.date().replace(year=received_at.year - 3),
            date_of_birth=plan.born,
            email=plan.email,
            job_title=plan.job_title,
            today=today,
            # The first employer gives its personnel numbers (the invoices name them).
            personnel_number=(
                f"{zlib.crc32(plan.name.encode()) % 100000:05d}" if plan.employer == 0 else None
            ),
        )
        sick_day = received_at.date() - timedelta(days=plan.sick_days_before_referral)
        _, episode_id = await referrals.refer_client(
            actor,
            today=today,
            client_id=client_id,
            received_at=received_at,
            referrer_type=plan.referrer_type,
            referrer_name=None,
            therapist_user_id=self.ids.therapists[plan.therapist],
            requested_offer=plan.offer,
            absence_status="sickness" if plan.absent else "not_absent",
            first_sick_day=sick_day if plan.absent else None,
            company_doctor_id=None if plan.doctor is None else self.ids.doctors[plan.doctor],
            manager_id=self.ids.contacts[plan.employer][plan.contact],
            consent_at_referral=plan.doctor is not None,
        )
        moments.add(received_at)
        if plan.outcome is not None and plan.screened is None:
            await referrals.record_referral_outcome(
                actor, episode_id=episode_id, outcome=plan.outcome
            )
            moments.add(self.at(plan.outcome_day or -1, time(11)))
            return self._done(client_id, episode_id, moments)
        if plan.screening_planned is not None:
            await episodes.plan_screening(
                actor,
                episode_id=episode_id,
                planned_on=on(plan.screening_planned),
                today=today,
                tz=tz,
            )
            moments.add(received_at.replace(hour=min(received_at.hour + 1, 17)))
        if plan.screened is None:
            return self._done(client_id, episode_id, moments)
        await self._screening(plan, client_id, episode_id, moments)
        if plan.outcome is not None or plan.dropped_out is not None:
            # The sweep drafts reports only for episodes still running, so for one that
            # ended early the therapist told the company doctor by phone, the day after.
            await episodes.update_plan(
                actor,
                episode_id=episode_id,
                briefing_sent_on=on(min(-1, (plan.screened or -1) + 1)),
            )
        if plan.outcome is not None:  # not suitable for work-focused treatment
            await referrals.record_referral_outcome(
                actor, episode_id=episode_id, outcome=plan.outcome
            )
            moments.add(self.at(plan.outcome_day or -1, time(11)))
            return self._done(client_id, episode_id, moments)
        if plan.started is not None:
            await self._treatment(plan, episode_id, moments)
        return self._done(client_id, episode_id, moments)

    def _done(self, client_id: int, episode_id: int, moments: _Moments) -> tuple[int, int]:
        self.dated.extend((episode_id, i, m) for i, m in enumerate(moments.changes))
        return client_id, episode_id

    async def _screening(
        self, plan: EpisodePlan, client_id: int, episode_id: int, moments: _Moments
    ) -> None:
        actor, today, tz, on = self.actor, self.today, self.tz, self.on
        assert plan.screened is not None and plan.diagnosis is not None
        factors, impact, need = SCREENING_TEXTS[plan.diagnosis]
        screened_at = self.at(plan.screened, time(9))
        late = (screened_at.date() - self.at(plan.referred).date()).days > 10
        await episodes.record_screening(
            actor,
            episode_id=episode_id,
            held_on=screened_at.date(),
            suitable=plan.outcome is None,
            diagnosis_category=plan.diagnosis,
            complaint_instrument=plan.instrument,
            complaint_score=plan.score,
            work_factors=factors,
            functioning_impact=impact,
            intervention_need=need,
            proposal=plan.offer if plan.outcome is None else "none",
            discussed_with_client_on=screened_at.date(),
            late_reason="Cliënt was eerder niet bereikbaar" if late else None,
            today=today,
            tz=tz,
        )
        if plan.screening_planned is None:
            moments.add(screened_at)  # planned and held in one go
        moments.add(screened_at.replace(hour=10))
        if plan.consultation is not None:
            view, before, future = CONSULTATIONS[episode_id % len(CONSULTATIONS)]
            await episodes.record_manager_consultation(
                actor,
                episode_id=episode_id,
                held_on=on(plan.consultation),
                contact_id=self.ids.contacts[plan.employer][plan.contact],
                recovery_view=view,
                functioning_before=before,
                future_view=future,
                existing_agreements="Nog geen afspraken over werkhervatting",
                advice_to_manager="Houd wekelijks kort contact; vraag naar wat wel lukt",
                today=today,
                tz=tz,
            )
        if plan.process_updates_consent:
            await consents.give_consent(
                actor,
                client_id=client_id,
                recipient=Recipient.EMPLOYER.value,
                purpose=Purpose.PROCESS_UPDATES.value,
                given_at=screened_at,
            )

    async def _treatment(self, plan: EpisodePlan, episode_id: int, moments: _Moments) -> None:
        actor, today, tz, on = self.actor, self.today, self.tz, self.on
        assert plan.started is not None
        await episodes.transition(
            actor,
            episode_id=episode_id,
            to_status="in_treatment",
            on=on(plan.started),
            today=today,
            tz=tz,
        )
        moments.add(self.at(plan.started, time(12)))
        if plan.contract_change is not None:
            day, hours = plan.contract_change
            await work.change_contract_hours(
                actor,
                episode_id=episode_id,
                valid_from=on(day),
                hours=Decimal(hours),
                today=today,
                tz=tz,
            )
        for measure in plan.measures:
            await work.record_participation(
                actor,
                episode_id=episode_id,
                measured_on=on(measure.day),
                own_work_hours=measure.own,
                adapted_work_hours=measure.adapted,
                therapeutic_hours=measure.therapeutic,
                moment=measure.moment,
                today=today,
                tz=tz,
            )
        for agreement in plan.agreements:
            await work.record_agreement(
                actor,
                episode_id=episode_id,
                agreed_on=on(agreement.day),
                description=agreement.description,
                hours_per_week=agreement.hours,
                starts_on=on(agreement.starts) if agreement.starts != 0 else None,
                status=agreement.status,
                today=today,
                tz=tz,
            )
        for goal in plan.goals:
            goal_id = await treatment_plan.add_work_goal(
                actor,
                episode_id=episode_id,
                description=goal.description,
                set_on=on(goal.day),
                easy_first_goal=goal.easy_first_goal,
                today=today,
                tz=tz,
            )
            if goal.achieved is not None:
                await treatment_plan.mark_goal_achieved(
                    actor,
                    episode_id=episode_id,
                    goal_id=goal_id,
                    achieved_on=on(goal.achieved),
                    today=today,
                    tz=tz,
                )
        for paused, resumed in plan.pauses:
            await episodes.transition(
                actor,
                episode_id=episode_id,
                to_status="paused",
                reason="Vakantie en een operatie in de familie",
                on=on(paused),
                today=today,
                tz=tz,
            )
            moments.add(self.at(paused, time(16)))
            if resumed is not None:
                await episodes.transition(
                    actor,
                    episode_id=episode_id,
                    to_status="in_treatment",
                    reason="Weer gestart",
                    on=on(resumed),
                    today=today,
                    tz=tz,
                )
                moments.add(self.at(resumed, time(9)))
        if plan.relapse_plan is not None:
            await treatment_plan.record_relapse_prevention_plan(
                actor,
                episode_id=episode_id,
                drawn_up_on=on(plan.relapse_plan),
                warning_signs="Slecht slapen, piekeren over werk, afspraken afzeggen",
                actions="Eerder pauzeren, bellen met de leidinggevende, contact met de praktijk",
                work_situation="Taken afbakenen met de leidinggevende; geen extra diensten",
                share_work_section_with_employer=plan.share_work_section,
                today=today,
                tz=tz,
            )
        if plan.dropped_out is not None:
            await episodes.transition(
                actor,
                episode_id=episode_id,
                to_status="dropped_out",
                reason="Na een paar gesprekken niet meer gekomen",
                on=on(plan.dropped_out),
                today=today,
                tz=tz,
            )
            moments.add(self.at(plan.dropped_out, time(16)))
        if plan.closed is not None:
            await episodes.transition(
                actor,
                episode_id=episode_id,
                to_status="closed",
                reason="Behandeling afgerond",
                on=on(plan.closed),
                today=today,
                tz=tz,
            )
            moments.add(self.at(plan.closed, time(16)))
        for follow_up in plan.follow_ups:
            await treatment_plan.record_follow_up(
                actor,
                episode_id=episode_id,
                kind=follow_up.kind,
                held_on=on(follow_up.day),
                response=follow_up.response,
                relapse=follow_up.relapse,
                complaint_score=follow_up.score,
                today=today,
                tz=tz,
            )

    async def date_status_changes(self) -> None:
        """Each status change dated to the moment it stands for (see the module docstring)."""
        episode_ids = sorted({episode_id for episode_id, _, _ in self.dated})
        if not episode_ids:
            return
        rows = (
            await StatusChange.select(StatusChange.id, StatusChange.episode)
            .where(StatusChange.episode.is_in(episode_ids))
            .order_by(StatusChange.id)
        )
        by_episode: dict[int, list[int]] = {}
        for row in rows:
            by_episode.setdefault(int(row["episode"]), []).append(int(row["id"]))
        for episode_id, position, moment in self.dated:
            ids = by_episode.get(episode_id, [])
            if position < len(ids):
                await StatusChange.update({StatusChange.changed_at: moment}).where(
                    StatusChange.id == ids[position]
                )
