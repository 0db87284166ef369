from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from practice.consent import (
    ConsentRecord,
    Purpose,
    Recipient,
    consent_valid,
    why_not_sendable,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GIVEN = datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)
WITHDRAWN = datetime(2026, 4, 1, 9, 0, tzinfo=AMSTERDAM)
DOCTOR, EMPLOYER = Recipient.COMPANY_DOCTOR, Recipient.EMPLOYER


def record(
    recipient: Recipient = EMPLOYER,
    purpose: Purpose = Purpose.PROCESS_UPDATES,
    given_at: datetime = GIVEN,
    withdrawn_at: datetime | None = None,
    person: int | None = None,
) -> ConsentRecord:
    return ConsentRecord(recipient, purpose, given_at, withdrawn_at, person)


def test_consent_is_valid_from_the_moment_it_is_given() -> None:
    records = [record()]

    assert not consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, GIVEN - timedelta(1))
    assert consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, GIVEN)


def test_a_withdrawal_stops_sends_from_that_moment_on() -> None:
    records = [record(withdrawn_at=WITHDRAWN)]

    assert consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, WITHDRAWN - timedelta(1))
    assert not consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, WITHDRAWN)


def test_consent_for_one_purpose_does_not_cover_another() -> None:
    records = [record(DOCTOR, Purpose.INTERIM_REPORTS)]

    assert consent_valid(records, DOCTOR, Purpose.INTERIM_REPORTS, WITHDRAWN)
    assert not consent_valid(records, DOCTOR, Purpose.FOLLOW_UP_RESULTS, WITHDRAWN)
    assert not consent_valid(records, EMPLOYER, Purpose.INTERIM_REPORTS, WITHDRAWN)


def test_consent_given_again_after_a_withdrawal_is_valid_again() -> None:
    later = WITHDRAWN + timedelta(days=7)
    records = [record(withdrawn_at=WITHDRAWN), record(given_at=later)]

    assert not consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, later - timedelta(1))
    assert consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, later)


def test_withdrawing_a_broad_consent_also_stops_a_narrower_one_given_before_it() -> None:
    # The client's last word was "stop": the newest decision wins, not the newest record.
    broad = record(withdrawn_at=WITHDRAWN)
    narrow = record(given_at=GIVEN + timedelta(days=3), person=7)

    assert not consent_valid([broad, narrow], EMPLOYER, Purpose.PROCESS_UPDATES, WITHDRAWN, 7)


def test_a_consent_naming_a_person_covers_only_that_person() -> None:
    records = [record(DOCTOR, Purpose.INTERIM_REPORTS, person=11)]

    assert consent_valid(records, DOCTOR, Purpose.INTERIM_REPORTS, WITHDRAWN, 11)
    assert not consent_valid(records, DOCTOR, Purpose.INTERIM_REPORTS, WITHDRAWN, 12)
    assert not consent_valid(records, DOCTOR, Purpose.INTERIM_REPORTS, WITHDRAWN)


def test_a_consent_for_the_role_covers_whoever_holds_it() -> None:
    records = [record(DOCTOR, Purpose.INTERIM_REPORTS)]

    assert consent_valid(records, DOCTOR, Purpose.INTERIM_REPORTS, WITHDRAWN, 12)


def test_a_withdrawal_and_a_send_are_compared_as_instants_across_zones() -> None:
    records = [record(withdrawn_at=WITHDRAWN)]  # 09:00 in Amsterdam is 07:00 UTC in April
    just_before = datetime(2026, 4, 1, 6, 59, tzinfo=UTC)

    assert consent_valid(records, EMPLOYER, Purpose.PROCESS_UPDATES, just_before)
    assert not consent_valid(
        records, EMPLOYER, Purpose.PROCESS_UPDATES, just_before.replace(minute=0, hour=7)
    )


def test_the_reason_names_the_withdrawal_date() -> None:
    records = [record(withdrawn_at=WITHDRAWN)]

    reason = why_not_sendable(records, EMPLOYER, Purpose.PROCESS_UPDATES, WITHDRAWN)

    assert (
        reason == "consent for process_updates to employer was withdrawn on 2026-04-01T09:00+02:00"
    )


def test_the_reason_says_when_no_consent_was_ever_recorded() -> None:
    reason = why_not_sendable([], Recipient.GENERAL_PRACTITIONER, Purpose.BRIEFING, GIVEN)

    assert reason is not None
    assert reason.startswith("no consent recorded for briefing to general_practitioner")


def test_there_is_no_reason_not_to_send_under_valid_consent() -> None:
    assert why_not_sendable([record()], EMPLOYER, Purpose.PROCESS_UPDATES, WITHDRAWN) is None


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 2, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        record(given_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        record(withdrawn_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        consent_valid([record()], EMPLOYER, Purpose.PROCESS_UPDATES, naive)


def test_a_withdrawal_before_the_consent_was_given_is_refused() -> None:
    with pytest.raises(ValueError, match="before it was given"):
        record(withdrawn_at=GIVEN - timedelta(minutes=1))
