"""Where a consent stands, by the rule that decides every send: in force since the newest
grant, withdrawn on the newest withdrawal after it, in force from a later date, never given."""

from datetime import UTC, datetime

from practice.consent import (
    ConsentRecord,
    ConsentState,
    Purpose,
    Recipient,
    Standing,
    consent_valid,
    standing,
)

DOCTOR, REPORTS = Recipient.COMPANY_DOCTOR, Purpose.INTERIM_REPORTS


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def test_a_consent_never_recorded_was_never_given() -> None:
    assert standing([], DOCTOR, REPORTS, at(15)) == Standing(ConsentState.NEVER_GIVEN, None)


def test_a_standing_consent_is_in_force_since_its_newest_grant() -> None:
    records = [
        ConsentRecord(DOCTOR, REPORTS, at(1), at(3)),
        ConsentRecord(DOCTOR, REPORTS, at(5), None),
    ]
    assert standing(records, DOCTOR, REPORTS, at(15)) == Standing(ConsentState.IN_FORCE, at(5))
    assert consent_valid(records, DOCTOR, REPORTS, at(15))


def test_a_withdrawal_after_the_newest_grant_stands_as_withdrawn_on_its_day() -> None:
    records = [
        ConsentRecord(DOCTOR, REPORTS, at(1), None),
        ConsentRecord(DOCTOR, REPORTS, at(5), at(10)),  # withdrawing the newer stops both
    ]
    assert standing(records, DOCTOR, REPORTS, at(15)) == Standing(ConsentState.WITHDRAWN, at(10))
    assert not consent_valid(records, DOCTOR, REPORTS, at(15))


def test_a_consent_dated_later_is_in_force_from_that_date_only() -> None:
    records = [ConsentRecord(DOCTOR, REPORTS, at(20), None)]
    assert standing(records, DOCTOR, REPORTS, at(15)) == Standing(ConsentState.NOT_YET, at(20))


def test_a_withdrawal_stamped_before_the_giving_stands_as_withdrawn_when_given() -> None:
    odd = ConsentRecord.as_stored(DOCTOR, REPORTS, at(13), at(12))
    assert standing([odd], DOCTOR, REPORTS, at(15)) == Standing(ConsentState.WITHDRAWN, at(13))


def test_a_consent_narrowed_to_one_person_stands_for_that_person_only() -> None:
    records = [ConsentRecord(DOCTOR, REPORTS, at(1), None, recipient_person_id=7)]
    assert standing(records, DOCTOR, REPORTS, at(15), 7).state is ConsentState.IN_FORCE
    assert standing(records, DOCTOR, REPORTS, at(15), 8).state is ConsentState.NEVER_GIVEN
    assert standing(records, DOCTOR, REPORTS, at(15)).state is ConsentState.NEVER_GIVEN
