"""The consents section as a history: per recipient and purpose where the consent stands now
(in force since, withdrawn on, never given), then every consent recorded, newest first, with
who recorded and who withdrew it; withdrawn ones marked and without a withdraw button; odd
but valid rows (a withdrawal stamped before the giving, a deactivated person) still shown."""

import html
import re
from datetime import UTC, datetime

import time_machine

from practice.tables import Consent, TreatmentEpisode, User
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import NOW, referred
from tests.integration.practice.test_work_forms import back_to, posted, section


def _table(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]


def _row(table: str, marker: str) -> str:
    match = re.search(rf"<tr {marker}[^>]*>(.*?)</tr>", table, re.S)
    assert match, marker
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


async def _client_id(episode_id: int) -> int:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    return int(row["client"])


async def _given_and_withdrawn(client, episode_id: int) -> int:
    """An employer consent for process updates, recorded and then withdrawn on the page."""
    response = await posted(
        client,
        episode_id,
        "consents",
        "/consents",
        {"recipient": "employer", "purpose": "process_updates", "given_at": "2026-06-12T09:00"},
    )
    back_to(response, episode_id, "consents")
    consent = await Consent.select().where(Consent.recipient == "employer").first()
    assert consent is not None
    path = f"/consents/{consent['id']}/withdrawal"
    response = await posted(client, episode_id, "consents", path, {"confirmed": "true"})
    back_to(response, episode_id, "consents")
    return int(consent["id"])


@time_machine.travel(NOW, tick=False)
async def test_the_consents_section_shows_where_each_consent_stands_and_every_record_newest_first(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    withdrawn_id = await _given_and_withdrawn(client, episode_id)
    page = await section(client, episode_id, "consents")

    standing = _table(page, "consent-standing")
    # the referral's consents name the company doctor of record: their own lines
    assert "van kracht sinds" in _row(
        standing, 'data-standing="company_doctor:interim_reports:Test company_doctor"'
    )
    assert 'data-standing="company_doctor:interim_reports"' not in standing
    assert "ingetrokken op 15-06-2026" in _row(
        standing, 'data-standing="employer:process_updates"'
    ) or "ingetrokken op 15 jun" in _row(standing, 'data-standing="employer:process_updates"')
    assert "nooit gegeven" in _row(standing, 'data-standing="general_practitioner:briefing"')
    # every purpose a recipient may be sent has its line, never given included; nothing
    # medical is offered the employer (practice.consent.PURPOSES_OF: 3 + 2 + 3)
    assert standing.count("data-standing=") == 3 + 2 + 3
    assert 'data-standing="employer:interim_reports"' not in standing

    history = _table(page, "consent-history")
    ids = [int(i) for i in re.findall(r'data-consent="(\d+)"', history)]
    assert len(ids) == 3
    assert ids[0] == withdrawn_id  # given on 12 June, after the two given at the referral
    withdrawn = _row(history, f'data-consent="{withdrawn_id}"')
    assert "Ingetrokken" in withdrawn
    assert "vastgelegd door Test therapist" in withdrawn
    assert "door Test therapist" in withdrawn.split("Ingetrokken", 1)[1]
    assert f"/consents/{withdrawn_id}/withdrawal" not in page  # no withdraw button any more
    for other in ids[1:]:
        assert f'action="/episodes/{episode_id}/consents/{other}/withdrawal"' in page
        assert "van kracht" in _row(history, f'data-consent="{other}"')


@time_machine.travel(NOW, tick=False)
async def test_the_consent_history_reads_in_english_with_the_language_switch(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    withdrawn_id = await _given_and_withdrawn(client, episode_id)
    client.cookies.set("lang", "en")
    page = await section(client, episode_id, "consents")
    assert "Where each consent stands" in page
    assert "Every consent recorded, newest first" in page
    standing = _table(page, "consent-standing")
    briefing = _row(standing, 'data-standing="company_doctor:briefing:Test company_doctor"')
    assert "only Test company_doctor" in briefing and "in force since" in briefing
    assert "withdrawn on" in _row(standing, 'data-standing="employer:process_updates"')
    assert "never given" in _row(standing, 'data-standing="general_practitioner:interim_reports"')
    withdrawn = _row(_table(page, "consent-history"), f'data-consent="{withdrawn_id}"')
    assert "Withdrawn" in withdrawn and "recorded by Test therapist" in withdrawn
    assert "van kracht" not in page and "nooit gegeven" not in page


@time_machine.travel(NOW, tick=False)
async def test_a_withdrawal_stamped_before_the_giving_and_a_deactivated_person_still_show(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    client_id = await _client_id(episode_id)
    await User.update({User.active: False}).where(User.id == cast.company_doctor.id)
    # Straight into the table, as an import or a wrong clock could write them.
    rows = await Consent.insert(
        Consent(
            client=client_id,
            recipient="company_doctor",
            purpose="follow_up_results",
            recipient_user=cast.company_doctor.id,
            given_at=datetime(2026, 6, 13, 9, 0, tzinfo=UTC),
            withdrawn_at=datetime(2026, 6, 12, 9, 0, tzinfo=UTC),
        ),
        Consent(
            client=client_id,
            recipient="company_doctor",
            purpose="interim_reports",
            recipient_user=cast.company_doctor.id,
            given_at=datetime(2026, 6, 14, 9, 0, tzinfo=UTC),
        ),
    ).returning(Consent.id)
    odd, named = (int(r["id"]) for r in rows)
    page = await section(client, episode_id, "consents")
    history = _table(page, "consent-history")
    odd_row = _row(history, f'data-consent="{odd}"')
    assert "Ingetrokken" in odd_row and "nooit van kracht" in odd_row
    assert "Test company_doctor (account gedeactiveerd)" in odd_row
    assert f"/consents/{odd}/withdrawal" not in page
    assert f"/consents/{named}/withdrawal" in page
    standing = _table(page, "consent-standing")
    # never in force: withdrawn the moment it was given, the safe side
    narrowed = _row(
        standing, 'data-standing="company_doctor:follow_up_results:Test company_doctor"'
    )
    assert "alleen Test company_doctor" in narrowed and "ingetrokken op" in narrowed
    assert 'data-standing="company_doctor:follow_up_results"' not in standing
    assert "van kracht sinds" in _row(
        standing, 'data-standing="company_doctor:interim_reports:Test company_doctor"'
    )
    assert html.escape("<") not in odd_row
