"""What the UI calls the domain's codes: English message ids, translated by the catalogue.

``LABELS`` names each map by its kind; templates ask ``label(kind, code)`` (registered by the
composition root), so a page needs no map of its own.
"""

from collections.abc import Mapping

from practice.absences import LEAVE_LABELS, LINK_LABELS, REPORTED_TO_LABELS
from practice.accounts import ROLE_LABELS
from practice.audit.trail import Action, Outcome
from practice.capacity import ConflictKind
from practice.case_team import TeamRole
from practice.client_accounts import STATE_LABELS as ACCOUNT_STATE_LABELS
from practice.consent import ConsentState, Purpose, Recipient
from practice.deadlines import DayUnit
from practice.episodes import EpisodeStatus, Offer, ReferralOutcome
from practice.platform.i18n import N_
from practice.poortwachter import REASONS as MILESTONE_REASONS
from practice.poortwachter import MilestoneKind, MilestoneStatus
from practice.screening import DIAGNOSIS_CATEGORIES, Proposal
from practice.setbacks import SetbackKind
from practice.tasks import TaskKind
from practice.work_participation import AbsenceType, ContractBasis, CountedHours, NoVolume

STATUS_LABELS: dict[str, str] = {
    EpisodeStatus.REFERRED: N_("referred"),
    EpisodeStatus.SCREENING_PLANNED: N_("screening planned"),
    EpisodeStatus.SCREENED: N_("screened"),
    EpisodeStatus.IN_TREATMENT: N_("in treatment"),
    EpisodeStatus.PAUSED: N_("paused"),
    EpisodeStatus.CLOSED: N_("closed"),
    EpisodeStatus.DECLINED: N_("declined"),
    EpisodeStatus.DROPPED_OUT: N_("dropped out"),
    EpisodeStatus.REFERRED_ELSEWHERE: N_("referred elsewhere"),
}

OFFER_LABELS: dict[str, str] = {
    Offer.BASIC: N_("@Work"),
    Offer.COMPLEET: N_("@Work Compleet"),
    Offer.PREVENTIVE: N_("preventive trajectory"),
    Offer.OTHER: N_("other"),
}

TASK_LABELS: dict[str, str] = {
    TaskKind.SCREENING: N_("Screening"),
    TaskKind.MANAGER_CONSULTATION: N_("Consultation with the manager"),
    TaskKind.COMPANY_DOCTOR_BRIEFING: N_("Briefing of the company doctor"),
    TaskKind.TREATMENT_START: N_("Start of treatment"),
    TaskKind.REBOOKING: N_("Rebook the cancelled appointment"),
    TaskKind.INTERIM_REPORT: N_("Interim report"),
    TaskKind.MILESTONE_REPORT: N_("Interim report before a Poortwachter step"),
    TaskKind.ALIGNMENT_MEETING: N_("Alignment meeting"),
    TaskKind.EMPLOYER_UPDATE: N_("Process update to the employer"),
    TaskKind.RELAPSE_PREVENTION_PLAN: N_("Relapse-prevention plan"),
    TaskKind.FOLLOW_UP_CONVERSATION: N_("Follow-up conversation"),
    TaskKind.FOLLOW_UP_MEASUREMENT: N_("Follow-up measurement"),
    TaskKind.SESSION_GAP: N_("No session for a long time"),
    TaskKind.SESSION_BUDGET: N_("Session budget almost used"),
    TaskKind.ADVICE_CONFLICT: N_("Advice conflicts with the capacity advice"),
    TaskKind.WORK_BEHIND: N_("Work resumption behind the expected curve"),
    TaskKind.SAFETY: N_("Safety: contact the client today"),
    TaskKind.REPORT_WITHHELD: N_("The client withheld a report"),
    TaskKind.FULL_RECOVERY: N_("Record the full recovery"),
    TaskKind.SYMPTOMS_NOT_ON_TRACK: N_("Symptoms not reliably improving"),
}

# Why a referral did not become treatment (practice.episodes.ReferralOutcome).
REFERRAL_OUTCOME_LABELS: dict[str, str] = {
    ReferralOutcome.DECLINED: N_("the client declined"),
    ReferralOutcome.NOT_SUITABLE: N_("not suitable for work-focused treatment"),
    ReferralOutcome.REFERRED_ELSEWHERE: N_("referred elsewhere"),
    ReferralOutcome.WRONGLY_REFERRED: N_("wrongly referred"),
    ReferralOutcome.RECOVERED_BEFORE_START: N_("recovered before the start"),
    ReferralOutcome.DUPLICATE: N_("duplicate referral"),
}

PROPOSAL_LABELS: dict[str, str] = {
    Proposal.ATWORK_BASIC: N_("@Work"),
    Proposal.ATWORK_COMPLEET: N_("@Work Compleet"),
    Proposal.PREVENTIVE: N_("preventive trajectory"),
    Proposal.OTHER_PRODUCT: N_("another product of the practice"),
    Proposal.REFER_ELSEWHERE: N_("refer elsewhere"),
    Proposal.NONE: N_("no treatment"),
}

REFERRER_LABELS: dict[str, str] = {
    "company_doctor": N_("company doctor"),
    "employer": N_("employer"),
    "gp": N_("general practitioner"),
    "self": N_("the client themselves"),
    "other": N_("other"),
}

# Who gave an advice (practice.services.treatment_plan.ADVICE_AUTHORS).
ADVICE_AUTHOR_LABELS: dict[str, str] = {
    "company_doctor": N_("company doctor"),
    "therapist": N_("therapist"),
    "gp": N_("general practitioner"),
    "other": N_("other"),
}

# What does not fit the capacity advice (practice.capacity.ConflictKind).
ADVICE_CONFLICT_LABELS: dict[str, str] = {
    ConflictKind.AGREEMENT: N_("agreement over the advised hours"),
    ConflictKind.HOURS: N_("more hours worked than advised"),
    ConflictKind.THERAPIST_ADVICE: N_("therapist advises other hours"),
    ConflictKind.FLAGGED: N_("advice marked as conflicting"),
}

ABSENCE_LABELS: dict[str, str] = {
    AbsenceType.SICKNESS: N_("absent through sickness"),
    AbsenceType.LEAVE: N_("on leave"),
    AbsenceType.NOT_ABSENT: N_("not absent (preventive)"),
}

RECIPIENT_LABELS: dict[str, str] = {
    Recipient.COMPANY_DOCTOR: N_("company doctor"),
    Recipient.EMPLOYER: N_("employer"),
    Recipient.GENERAL_PRACTITIONER: N_("general practitioner"),
}

PURPOSE_LABELS: dict[str, str] = {
    Purpose.INTERIM_REPORTS: N_("interim reports"),
    Purpose.BRIEFING: N_("briefing after the screening"),
    Purpose.PROCESS_UPDATES: N_("non-medical process updates"),
    Purpose.RELAPSE_PLAN_WORK_SECTION: N_("the work section of the relapse-prevention plan"),
    Purpose.FOLLOW_UP_RESULTS: N_("follow-up results"),
}

# Where a consent stands (practice.consent.standing); the moment is filled in by the page.
CONSENT_STATE_LABELS: dict[str, str] = {
    ConsentState.IN_FORCE: N_("in force since %(moment)s"),
    ConsentState.WITHDRAWN: N_("withdrawn on %(moment)s"),
    ConsentState.NOT_YET: N_("in force from %(moment)s"),
    ConsentState.NEVER_GIVEN: N_("never given"),
}

CONTACT_ROLE_LABELS: dict[str, str] = {
    "manager": N_("manager"),
    "hr_adviser": N_("HR adviser"),
    "other": N_("other"),
}

DAY_UNIT_LABELS: dict[str, str] = {
    DayUnit.CALENDAR: N_("calendar days"),
    DayUnit.WORKING: N_("working days"),
}

MOMENT_LABELS: dict[str, str] = {
    "begin": N_("at the start"),
    "interim": N_("during treatment"),
    "end": N_("at the end"),
    "follow_up": N_("at follow-up"),
}

FOLLOW_UP_LABELS: dict[str, str] = {
    "conversation": N_("follow-up conversation"),
    "measurement": N_("follow-up measurement"),
    "done": N_("done"),
    "unreachable": N_("unreachable"),
    "declined": N_("declined"),
}

# practice.services.work.AGREEMENT_STATUSES
AGREEMENT_STATUS_LABELS: dict[str, str] = {
    "agreed": N_("agreed"),
    "in_progress": N_("in progress"),
    "met": N_("met"),
    "revised": N_("revised"),
    "abandoned": N_("abandoned"),
}

# Who told the hours worked (practice.services.work.SOURCES).
PARTICIPATION_SOURCE_LABELS: dict[str, str] = {
    "client": N_("the client"),
    "employer": N_("the employer"),
    "company_doctor": N_("the company doctor"),
    "therapist": N_("the therapist"),
}

NO_VOLUME_LABELS: dict[str, str] = {
    NoVolume.NO_CONTRACT: N_("no contract hours on this date"),
    NoVolume.ZERO_CONTRACT: N_("contract of 0 hours on this date"),
}

# Against which contract hours a volume % is computed (practice.work_participation).
CONTRACT_BASIS_LABELS: dict[str, str] = {
    ContractBasis.MEASUREMENT_DATE: N_("contract on the measurement date"),
    ContractBasis.REFERRAL: N_("contract at referral"),
}

# Which hours count as work resumption (practice.work_participation.CountedHours).
COUNTED_HOURS_LABELS: dict[str, str] = {
    CountedHours.WAGE_VALUE: N_("hours on wage value"),
    CountedHours.WITH_THERAPEUTIC: N_("including therapeutic (AT) hours"),
}

# A seat on the case team (practice.case_team.TeamRole).
TEAM_ROLE_LABELS: dict[str, str] = {
    TeamRole.THERAPIST: N_("therapist"),
    TeamRole.COMPANY_DOCTOR: N_("company doctor"),
    TeamRole.MANAGER: N_("manager"),
    TeamRole.HR_ADVISER: N_("HR adviser"),
}

# The Poortwachter milestones (practice.poortwachter): what each is called, where it stands
# on a day, and why it is due when it is.
MILESTONE_LABELS: dict[str, str] = {
    MilestoneKind.PROBLEM_ANALYSIS: N_("Problem analysis"),
    MilestoneKind.PLAN_OF_APPROACH: N_("Plan of approach"),
    MilestoneKind.EVALUATION: N_("Evaluation of the plan of approach"),
    MilestoneKind.UWV_NOTIFICATION: N_("42nd-week notification to UWV"),
    MilestoneKind.FIRST_YEAR_EVALUATION: N_("First-year evaluation"),
    MilestoneKind.WIA_LETTER: N_("Letter from UWV about the WIA application"),
    MilestoneKind.WIA_APPLICATION: N_("WIA application"),
    MilestoneKind.END_OF_WAITING_TIME: N_("End of the 104 weeks"),
}
MILESTONE_STATUS_LABELS: dict[str, str] = {
    MilestoneStatus.UPCOMING: N_("upcoming"),
    MilestoneStatus.DUE_SOON: N_("due soon"),
    MilestoneStatus.DUE: N_("due now"),
    MilestoneStatus.PASSED: N_("passed"),
}

# What a setback (terugval) shows in (practice.setbacks.SetbackKind).
SETBACK_KIND_LABELS: dict[str, str] = {
    SetbackKind.MORE_ABSENCE: N_("more absence"),
    SetbackKind.FEWER_HOURS: N_("fewer hours worked"),
    SetbackKind.SYMPTOMS_WORSE: N_("symptoms worse"),
    SetbackKind.LIFE_EVENT: N_("life event"),
    SetbackKind.OTHER: N_("other"),
}

# What an access-log row says was done, in words (the client's "who looked at my record").
AUDIT_ACTION_LABELS: dict[str, str] = {
    Action.CREATE.value: N_("added"),
    Action.READ.value: N_("viewed"),
    Action.UPDATE.value: N_("changed"),
    Action.DELETE.value: N_("deleted"),
    Action.SEARCH.value: N_("seen in a list"),
    Action.EXPORT.value: N_("downloaded"),
    Action.PRINT.value: N_("printed"),
    Action.SEND.value: N_("sent"),
    Action.LOGIN.value: N_("logged in"),
    Action.LOGOUT.value: N_("logged out"),
}
AUDIT_OUTCOME_LABELS: dict[str, str] = {
    Outcome.SUCCESS.value: N_("done"),
    Outcome.DENIED.value: N_("refused"),
    Outcome.FAILED.value: N_("failed"),
}

# Where the treatment stands as the employer may know it (practice.privacy.employer_phase).
EMPLOYER_PHASE_LABELS: dict[str, str] = {
    "referred": N_("referred, not yet screened"),
    "screening": N_("in the screening phase"),
    "treatment": N_("in treatment"),
    "paused": N_("treatment paused"),
    "ended": N_("treatment ended"),
    "not_started": N_("no treatment at the practice"),
}

# What an audit row of a client's record is about, in words the client reads on "who looked
# at your record" (the object types of the audit trail; another type reads as the record).
AUDIT_OBJECT_LABELS: dict[str, str] = {
    "appointment": N_("an appointment"),
    "appointment_request": N_("your request about an appointment"),
    "appointments": N_("your appointments"),
    "appointment_series": N_("a series of appointments"),
    "reintegration_extract": N_("the contribution to your re-integration report"),
    "deadline_monitor": N_("the practice's list of deadlines"),
    "caseload": N_("your practitioner's list of clients"),
    "today": N_("your practitioner's day overview"),
    "calendar": N_("your practitioner's calendar"),
    "capacity_cases": N_("the company doctor's list of clients"),
    "capacity_advice": N_("the capacity advice"),
    "absence_record": N_("your absence record"),
    "reports": N_("the reports about you"),
    "inbox": N_("the company doctor's reports"),
    "employer_updates": N_("the updates to your employer"),
    "withheld_report": N_("a report you withheld"),
    "case_team": N_("who treats you"),
    "escalation_digest": N_("a reminder about deadlines"),
    "company_doctor_consultation": N_("a talk with your company doctor"),
    "advice_conflict_resolution": N_("an agreement between your advisers"),
    "questionnaire_response": N_("a questionnaire"),
    "work_participation": N_("your hours worked"),
    "employer_update": N_("an update to your employer"),
    "employer_view": N_("your progress as your employer sees it"),
    "episode": N_("your treatment"),
    "report": N_("a report"),
    "document": N_("a document"),
    "work_goal": N_("a work goal"),
    "agreement": N_("an agreement about work"),
    "client": N_("your details"),
    "client_account": N_("your account for this portal"),
    "referral": N_("the referral"),
    "absence": N_("your absence"),
    "consent": N_("a consent"),
    "manager_consultation": N_("the talk with your manager"),
    "screening": N_("the screening"),
    "relapse_prevention_plan": N_("the relapse-prevention plan"),
    "task": N_("a task of your treatment"),
    "follow_up": N_("a follow-up"),
    "employment": N_("your employment"),
    "access_log": N_("this list"),
    "advice": N_("an advice"),
    "setback": N_("a setback"),
    "leave": N_("a leave"),
}

LABELS: Mapping[str, Mapping[str, str]] = {
    "episode_status": STATUS_LABELS,
    "offer": OFFER_LABELS,
    "setback_kind": SETBACK_KIND_LABELS,
    "task": TASK_LABELS,
    "proposal": PROPOSAL_LABELS,
    "diagnosis": DIAGNOSIS_CATEGORIES,
    "employer_phase": EMPLOYER_PHASE_LABELS,
    "audit_object": AUDIT_OBJECT_LABELS,
    "referrer": REFERRER_LABELS,
    "referral_outcome": REFERRAL_OUTCOME_LABELS,
    "advice_author": ADVICE_AUTHOR_LABELS,
    "advice_conflict": ADVICE_CONFLICT_LABELS,
    "absence": ABSENCE_LABELS,
    "recipient": RECIPIENT_LABELS,
    "purpose": PURPOSE_LABELS,
    "consent_state": CONSENT_STATE_LABELS,
    "contact_role": CONTACT_ROLE_LABELS,
    "day_unit": DAY_UNIT_LABELS,
    "moment": MOMENT_LABELS,
    "follow_up": FOLLOW_UP_LABELS,
    "role": {role.value: message for role, message in ROLE_LABELS.items()},
    "no_volume": NO_VOLUME_LABELS,
    "agreement_status": AGREEMENT_STATUS_LABELS,
    "participation_source": PARTICIPATION_SOURCE_LABELS,
    "team_role": TEAM_ROLE_LABELS,
    "contract_basis": CONTRACT_BASIS_LABELS,
    "counted_hours": COUNTED_HOURS_LABELS,
    "milestone": MILESTONE_LABELS,
    "milestone_status": MILESTONE_STATUS_LABELS,
    "milestone_reason": {kind.value: reason for kind, reason in MILESTONE_REASONS.items()},
    "absence_link": LINK_LABELS,
    "reported_to": REPORTED_TO_LABELS,
    "leave": LEAVE_LABELS,
    "client_account_state": {state.value: text for state, text in ACCOUNT_STATE_LABELS.items()},
    "audit_action": AUDIT_ACTION_LABELS,
    "audit_outcome": AUDIT_OUTCOME_LABELS,
}
