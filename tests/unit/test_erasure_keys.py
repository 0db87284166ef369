"""Erasure finds a client's outbox messages and queued jobs by the keys their writers build.

Each writer owns its key format (one builder function beside it); the client-data registries
build their patterns with the same functions. These tests hold the two together: every key a
writer builds for a row of the client is matched by the registry, and a key of another row is
not (the ``:`` after each id keeps ``reminder:1:%`` off ``reminder:12:client``).
"""

from datetime import date

from practice import client_data
from practice.client_data import Found
from practice.platform.outbox import send_job_id
from practice.services.break_glass import notice_key
from practice.services.case_team import handover_key
from practice.services.episodes import screened_sweep_job_id
from practice.tables import BreakGlass, OutboundMessage, TreatmentEpisode
from reporting import client_data as reporting_data
from reporting.services.employer_updates import employer_update_key
from reporting.services.follow_ups import follow_up_invitation_key
from reporting.services.reports import deliver_job_id, document_notification_key
from reporting.tables import Document, EmployerUpdate, Report
from scheduling import client_data as scheduling_data
from scheduling.appointments import invitation_cancelled_key, invitation_key
from scheduling.services.attendance import cancellation_key, held_sweep_job_id
from scheduling.services.notices import confirmation_key, reminder_key
from scheduling.tables import Appointment

ROW = 1  # the client's row in every table
OTHER = 12  # another client's row, whose id starts with the same digit


def _matches(key: str, patterns: list[str]) -> bool:
    """What ``client_data.messages`` asks of the database: an exact key, or a LIKE prefix
    (a pattern ending in ``%``)."""
    return any(
        key.startswith(pattern[:-1]) if pattern.endswith("%") else key == pattern
        for pattern in patterns
    )


def _found() -> Found:
    tables = (TreatmentEpisode, BreakGlass, OutboundMessage, Appointment)
    more = (EmployerUpdate, Document, Report)
    return Found(client_id=ROW, rows={table: {ROW: {}} for table in (*tables, *more)})


def _message_patterns(found: Found) -> list[str]:
    return [
        *client_data._practice_message_keys(found),
        *client_data._break_glass_message_keys(found),
        *scheduling_data._message_keys(found),
        *reporting_data._message_keys(found),
    ]


def _job_ids(found: Found) -> list[str]:
    return [
        *client_data._practice_job_ids(found),
        *scheduling_data.job_ids(found),
        *reporting_data.job_ids(found),
    ]


def _message_keys(row: int) -> list[str]:
    """Every outbox key a writer builds for the row ``row`` of each table."""
    return [
        handover_key(row, 5, date(2026, 3, 2), 6),
        notice_key(row, 6),
        confirmation_key(row),
        cancellation_key(row),
        reminder_key(row, "client"),
        reminder_key(row, "participant:3"),
        invitation_key(row, 3),
        invitation_cancelled_key(row, 3),
        employer_update_key(row, 6),
        document_notification_key(row, 6),
        follow_up_invitation_key(row),
    ]


def _queued_job_ids(row: int) -> list[str]:
    return [
        send_job_id(row),
        screened_sweep_job_id(row),
        held_sweep_job_id(row),
        deliver_job_id(row),
    ]


def test_every_outbox_key_a_writer_builds_for_the_client_is_found_by_erasure() -> None:
    patterns = _message_patterns(_found())
    assert [key for key in _message_keys(ROW) if not _matches(key, patterns)] == []


def test_an_outbox_key_of_another_clients_row_is_not_found_by_erasure() -> None:
    patterns = _message_patterns(_found())
    assert [key for key in _message_keys(OTHER) if _matches(key, patterns)] == []


def test_every_queued_job_a_writer_names_after_the_clients_rows_is_removed_by_erasure() -> None:
    job_ids = _job_ids(_found())
    assert sorted(_queued_job_ids(ROW)) == sorted(job_ids)
    assert [job for job in _queued_job_ids(OTHER) if job in job_ids] == []
