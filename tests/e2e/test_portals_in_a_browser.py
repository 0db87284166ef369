"""The portals in a real browser, in Dutch and in English (issues #7 and #16's acceptance).

Against ``practice serve --demo`` (a real process with its embedded worker), Chromium, by
clicking only: a therapist registers a referral and works the client's workspace, section by
section (a refused form comes back with the message next to the field and the typed value
kept): screening, the manager consultation's four questions, the status, a consent given and
one withdrawn, a work goal marked achieved, advice, an agreement, contract hours, an absence
and its recovery, hours worked; books sessions, records five as held, edits the interim
report's draft and approves it through the confirmation page; books from a free slot in the
calendar, cancels and rebooks; filters the caseload and opens the Today view. The company
doctor opens the PDF; the employer sees the sessions held and the agreement but nothing
medical; the practice manager sees the episode count go up.

The client (issue 20), on a phone (375 px): the therapist invites a client; the invitation
comes through the demo's SMTP server (aiosmtpd, kept as a maildir); the client sets a
password and chooses a code by e-mail, logs out and in again with the code from the next
mail; the demo's client answers the questionnaires of the moment from the portal, reads the
interim report waiting for their review and withholds it with a comment, withdraws the
employer's consent and looks at what was shared with whom; the company doctor sees that a
report was withheld and nothing of it.

Every page visited must load without a console error or a failed request (the favicon
included) and is kept as full-page screenshots at 1366 and 768 px under
``test-artefacts/screenshots`` (``{language}-{nnn}-{role}-{page}-{width}.jpg``); every
section of the client's workspace and every portal's main page is checked with axe-core
(no serious or critical violations).
"""

import io
import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.e2e.browser import CHROMIUM_ARGS, chromium_path
from tests.e2e.portal import Portal, clear_screenshots
from tests.e2e.served import Served, serve_demo

TZ = ZoneInfo("Europe/Amsterdam")
THERAPIST = "therapeut@demo.atwork.nl"
COMPANY_DOCTOR = "bedrijfsarts@demo.atwork.nl"
EMPLOYER = "leidinggevende@demo.atwork.nl"
MANAGER = "praktijkmanager@demo.atwork.nl"
ADMINISTRATOR = "beheerder@demo.atwork.nl"
# What the employer must never see: the diagnosis (either language) and the screening's text.
DIAGNOSIS_WORDS = ["angststoornis", "anxiety", "diagnos"]
# The workspace's sections that every client page has (others may follow: all are walked).
SECTIONS = {"overview", "intake", "plan", "work", "consents", "sessions", "reports", "end"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    chromium_path()  # skip before starting a server when there is no browser
    yield from serve_demo(tmp_path_factory.mktemp("browser-demo"))


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots_on_failure() -> Iterator[None]:
    """A failed story leaves a picture of every window still open: what the user saw."""
    Portal.open.clear()
    try:
        yield
    finally:
        for portal in list(Portal.open):
            portal.page.screenshot(
                path=str(portal_artefact(portal, "last")), full_page=True, timeout=60_000
            )
            portal.close()


def portal_artefact(portal: Portal, name: str) -> Any:
    from tests.e2e.browser import ARTEFACTS

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS / f"{portal.language}-{name}-{portal.role}.png"


def _days_ago(days: int) -> date:
    return datetime.now(TZ).date() - timedelta(days=days)


def _episode_total(manager: Portal) -> int:
    manager.goto("/statistics/episodes", "episode-statistics")
    return int(manager.page.locator("[data-total]").get_attribute("data-total") or "-1")


def _said(language: str, nl: str, en: str) -> str:
    return nl if language == "nl" else en


# ------------------------------------------------------------------------ the therapist


def register_referral(therapist: Portal, client_name: str) -> None:
    page = therapist.page
    therapist.follow(page.locator('nav a[href="/referrals/new"]'), "new-referral")
    therapist.check_accessibility()
    page.fill("#name", client_name)
    page.select_option("#employer_id", label="Thuiszorg De Linde (demo)")
    page.fill("#contract_hours", "32")
    page.fill("#contract_from", _days_ago(400).isoformat())
    page.fill("#received_at", f"{_days_ago(56).isoformat()}T09:00")
    page.select_option("#referrer_type", "company_doctor")
    page.select_option("#company_doctor_id", index=1)
    manager_option = page.locator("#manager_id option", has_text="Lotte").first
    page.select_option("#manager_id", manager_option.get_attribute("value"))
    page.select_option("#absence_status", "sickness")
    page.fill("#first_sick_day", _days_ago(70).isoformat())
    page.check('input[name="consent_at_referral"]')
    therapist.submit("/referrals", "workspace-new-client")
    assert re.search(r"/episodes/\d+$", page.url), page.url
    assert page.locator("h1").inner_text() == client_name
    # The workspace opens on its summary header and its sections as tabs.
    assert page.locator("[data-testid=summary]").is_visible()
    assert set(therapist.section_names()) >= SECTIONS, therapist.section_names()


def intake(therapist: Portal, marker: str) -> None:
    page, language = therapist.page, therapist.language
    therapist.tab("intake")
    # A screening planned before the referral came in is refused: the message stands next to
    # the field, in the page's language, and what was typed is still there.
    too_early = _days_ago(60).isoformat()
    page.fill("#planned_on", too_early)
    form = therapist.submit_refused("/screening-plan", "refused-screening-plan")
    assert page.locator("#planned_on").input_value() == too_early
    assert page.locator("#planned_on").get_attribute("aria-invalid") == "true"
    problem = page.locator("#planned_on-problem")
    assert problem.is_visible(), form.inner_text()
    assert problem.inner_text().strip()
    if language == "nl":  # no developer English on a Dutch page
        assert not re.search(r"\b(before|Invalid|Expected)\b", problem.inner_text())
    therapist.check_accessibility()

    page.fill("#planned_on", _days_ago(50).isoformat())
    therapist.submit("/screening-plan", "screening-planned")
    page.fill("#screening_held_on", _days_ago(50).isoformat())
    page.select_option("#diagnosis_category", "angststoornis")
    page.fill("#intervention_need", marker)
    page.select_option("#proposal", "atwork_basic")
    therapist.submit("/screening", "screening-recorded")
    assert marker in page.locator("[data-testid=screening]").inner_text()

    # The consultation with the manager: the four questions, read back.
    therapist.form("/manager-consultations")
    page.fill("#consultation_held_on", _days_ago(48).isoformat())
    page.select_option("#contact_id", index=1)
    answers = {
        "recovery_view": "Herstel gaat langzaam maar gestaag",
        "functioning_before": "Functioneerde goed tot de reorganisatie",
        "future_view": "Terug in de eigen functie binnen drie maanden",
        "existing_agreements": "Twee keer per week kort contact",
    }
    for field, answer in answers.items():
        page.fill(f"#{field}", answer)
    page.fill("#advice_to_manager", "Houd wekelijks contact")
    therapist.submit("/manager-consultations", "consultation-recorded")
    consultation = page.locator("[data-testid=consultation]").first.inner_text()
    for answer in answers.values():
        assert answer in consultation, consultation


def start_treatment(therapist: Portal) -> None:
    page, language = therapist.page, therapist.language
    therapist.tab("overview")
    therapist.form("/transitions")
    # A safe default: the status change has no status chosen until the therapist picks one.
    assert page.locator("#to_status").input_value() == ""
    page.select_option("#to_status", "in_treatment")
    page.fill("#on", _days_ago(45).isoformat())
    therapist.submit("/transitions", "treatment-started")
    assert page.locator("[data-testid=status]").inner_text() == _said(
        language, "in behandeling", "in treatment"
    )


def consents(therapist: Portal) -> None:
    page = therapist.page
    therapist.tab("consents")
    page.select_option("#recipient", "employer")
    page.select_option("#purpose", "process_updates")
    page.fill("#given_at", f"{_days_ago(56).isoformat()}T09:30")
    therapist.submit("/consents", "consent-given")
    # A second consent, given by mistake, is withdrawn again (with its confirmation box).
    page.select_option("#recipient", "employer")
    page.select_option("#purpose", "relapse_plan_work_section")
    page.fill("#given_at", f"{_days_ago(40).isoformat()}T10:00")
    therapist.submit("/consents", "second-consent-given")
    withdrawable = page.locator("tr[data-consent]").filter(
        has=page.locator('form[action$="/withdrawal"]')
    )
    rows_open = withdrawable.count()
    newest = max(int(i) for i in withdrawable.evaluate_all("rs => rs.map(r => r.dataset.consent)"))
    last = page.locator(f'tr[data-consent="{newest}"]')
    last.locator("summary").click()
    last.locator('input[name="confirmed"]').check()
    with page.expect_navigation():
        last.locator('button[type="submit"]').click()
    therapist.assert_no_error_page()
    therapist.arrived("consent-withdrawn")
    still_open = page.locator("tr[data-consent]").filter(
        has=page.locator('form[action$="/withdrawal"]')
    )
    assert still_open.count() == rows_open - 1


def plan(therapist: Portal) -> None:
    page = therapist.page
    therapist.tab("plan")
    therapist.form("/work-goals")
    page.fill("#goal_description", "Weer twee ochtenden per week op het werk")
    page.fill("#goal_set_on", _days_ago(40).isoformat())
    page.check("#goal_easy_first")
    therapist.submit("/work-goals", "work-goal-set")
    goals = page.locator("[data-testid=goals]")
    assert "Weer twee ochtenden" in goals.inner_text()
    goal = goals.locator("li", has_text="Weer twee ochtenden").first
    goal.locator('input[type="date"]').fill(_days_ago(10).isoformat())
    with page.expect_navigation():
        goal.locator('button[type="submit"]').click()
    therapist.assert_no_error_page()
    therapist.arrived("work-goal-achieved")
    assert goal.locator('form[action$="/achievement"]').count() == 0
    assert _days_ago(10).strftime("%Y") in goal.inner_text()

    therapist.form("/advice")
    page.select_option("#advice_author_role", index=1)
    page.fill("#advice_given_on", _days_ago(30).isoformat())
    page.fill("#advice_content", "Opbouw in uren, eerst eigen werk")
    page.check("#advice_conflicts")
    page.fill("#advice_conflict_note", "De bedrijfsarts adviseert eerst aangepast werk")
    therapist.submit("/advice", "advice-recorded")
    advice = page.locator("[data-testid=advice]").inner_text()
    assert "Opbouw in uren" in advice
    assert "De bedrijfsarts adviseert" in advice

    therapist.form("/plan")  # the session budget
    page.fill("#plan_sessions_authorised", "12")
    therapist.submit("/plan", "session-budget-set")
    assert "12" in page.locator("[data-testid=budget]").inner_text()


def work(therapist: Portal) -> None:
    page = therapist.page
    therapist.tab("work")
    therapist.form("/agreements")
    page.fill("#agreed_on", _days_ago(20).isoformat())
    page.fill("#description", "Twee ochtenden per week eigen werk")
    page.fill("#hours_per_week", "8")
    therapist.submit("/agreements", "agreement-recorded")

    therapist.form("/contract-hours")
    page.fill("#hours", "24")
    page.fill("#valid_from", _days_ago(30).isoformat())
    therapist.submit("/contract-hours", "contract-hours-changed")
    assert "24" in page.locator("[data-testid=contract-periods]").inner_text()

    recovery = therapist.form("/recovery")  # the referral's absence ends
    recovery.locator('input[name="full_recovery_on"]').fill(_days_ago(12).isoformat())
    therapist.submit("/recovery", "absence-recovered")
    assert page.locator('form[action$="/recovery"]').count() == 0  # fully recovered: no more
    therapist.form("/absences")
    page.fill("#first_sick_day", _days_ago(6).isoformat())
    page.select_option("#previous_id", index=1)  # a relapse of the one just ended
    therapist.submit("/absences", "absence-recorded")
    assert page.locator("table[data-testid=absences] tbody tr").count() == 2

    therapist.form("/work-participation")
    page.fill("#measured_on", _days_ago(3).isoformat())
    page.fill("#own_work_hours", "8")
    therapist.submit("/work-participation", "hours-worked-recorded")


def questionnaire(therapist: Portal) -> None:
    """A completed questionnaire (the first instrument offered), read back with its score."""
    page = therapist.page
    therapist.tab("measurements")
    folded = page.locator("details.action").filter(
        has=page.locator('form[action$="/questionnaires"]')
    )
    folded.first.locator("summary").click()
    form = folded.first.locator("form")
    form.locator('input[type="date"]').fill(_days_ago(4).isoformat())
    questions = form.locator("fieldset")
    for n in range(questions.count()):
        questions.nth(n).locator('input[type="radio"]').nth(1).check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    therapist.assert_no_error_page()
    therapist.arrived("questionnaire-recorded")
    assert page.locator("[data-testid=questionnaire-scores] tbody tr").count() >= 1


def sessions(therapist: Portal) -> date:
    page = therapist.page
    therapist.tab("sessions")
    first = _days_ago(42)
    first += timedelta(days=(3 - first.weekday()) % 7)  # a Thursday, within the last 6 weeks
    hour = 16 if therapist.language == "nl" else 17  # beside the demo's sessions, and each other's
    page.fill("#booking_starts_at", f"{first.isoformat()}T{hour}:00")
    page.fill("#booking_count", "6")
    therapist.submit("/appointments", "sessions-booked")
    if "/episodes/" not in page.url:  # a refused week (a holiday): the result page says why
        therapist.follow(page.locator('main a[href^="/episodes/"]').first, "back-to-sessions")
    for n in range(5):
        form = page.locator('form[action$="/attendance"]').first
        form.locator("select").select_option("held")
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        therapist.assert_no_error_page()
        therapist.arrived(f"session-{n + 1}-held")
    held = page.locator("[data-testid=held-count]").inner_text()
    assert held.startswith("5 "), held
    return first


def report(therapist: Portal) -> None:
    page, language = therapist.page, therapist.language
    therapist.tab("reports")
    # The worker drafts the briefing and, after the 5th held session, the interim report.
    draft = page.locator('tr[data-kind="interim_report"]').filter(
        has=page.locator('a[href$="/approval"], form[action$="/approval"]')
    )
    therapist.wait_for(lambda: draft.count() > 0, "the interim report's draft")
    therapist.screenshot("report-drafted")
    therapist.check_accessibility()
    therapist.assert_readable_on_a_tablet("therapist-client")
    therapist.assert_readable_on_a_phone("therapist-client")

    # Edit the draft: one form, a save button in each section.
    therapist.follow(draft.first.locator('a[href$="/edit"]'), "report-edit")
    therapist.check_accessibility()
    text = f"Cliënt werkt twee ochtenden ({language})"
    first_section = page.locator('form[action$="/edit"] section').first
    first_section.locator("textarea").fill(text)
    with page.expect_navigation():
        first_section.locator('button[type="submit"]').click()
    therapist.assert_no_error_page()
    therapist.arrived("report-section-saved")
    assert page.locator('form[action$="/edit"] textarea').first.input_value() == text

    # Approve through the confirmation page, which names the recipient.
    therapist.follow(page.locator('main a[href$="/approval"]').first, "report-confirm")
    therapist.check_accessibility()
    assert page.locator(".confirm-question").count() == 1
    # The preview, as it will be sent: its stylesheet and logo load (no 404 on the way).
    therapist.follow(page.locator('main a[href$="/preview"]').first, "report-preview")
    assert text in page.locator("body").inner_text()
    with page.expect_navigation():
        page.go_back()
    therapist.arrived("report-confirm-again")
    with page.expect_navigation():
        page.locator('form[action$="/approval"] button[type="submit"]').click()
    therapist.assert_no_error_page()
    therapist.arrived("report-approved")
    if "section=reports" not in page.url:
        therapist.tab("reports", "reports-after-approval")
    documents = page.locator('a[href^="/documents/"]')
    therapist.wait_for(lambda: documents.count() > 0, "the approved report to be sent")
    therapist.screenshot("report-sent")


def relapse_prevention_plan(therapist: Portal) -> None:
    page = therapist.page
    therapist.tab("end")
    page.fill("#warning_signs", "Slecht slapen, piekeren over werk")
    page.fill("#actions", "Contact opnemen met de leidinggevende")
    page.fill("#work_situation", "Vaste werktijden, geen avonddiensten")
    therapist.submit("/relapse-prevention-plan", "relapse-prevention-plan")
    assert "Slecht slapen" in page.locator("main").inner_text()
    # The plan as a PDF for the client, listed with the documents in the reports section.
    therapist.submit("/relapse-prevention-plan/document", "relapse-plan-document-made")
    plan_form = therapist.form("/relapse-prevention-plan/document")
    therapist.follow(plan_form.locator('a[href$="section=reports"]'), "documents")
    documents = page.locator('a[href^="/documents/"]').all_inner_texts()
    assert len(documents) >= 2, documents  # the interim report and the plan


def walk_the_workspace(therapist: Portal) -> None:
    """Every section by its tab, each axe-clean; the timeline has the events in order."""
    page = therapist.page
    therapist.tab("overview", "overview-after-the-work")
    for name in therapist.section_names():
        therapist.tab(name, f"section-{name}")
        therapist.check_accessibility()
    therapist.tab("overview", "timeline")
    events = page.locator("ol.timeline li")
    assert events.count() >= 12, page.locator("ol.timeline").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "Twee ochtenden per week eigen werk" in timeline  # the agreement, with its text
    for section in ("intake", "work", "consents", "plan", "sessions"):
        assert page.locator(f'ol.timeline a[href$="section={section}"]').count() >= 1, section
    days = list(page.locator("ol.timeline time").all_inner_texts())
    assert len(days) == events.count()


def calendar(therapist: Portal, client_name: str, first: date) -> None:
    page = therapist.page
    therapist.follow(page.locator('nav a[href="/calendar"]'), "calendar")
    therapist.check_accessibility()
    # Working hours (Monday to Friday, 09:00-17:00) and an absence, from the calendar.
    therapist.follow(page.locator('main a[href="/calendar/settings"]').first, "calendar-settings")
    for weekday in range(5):
        page.fill(f"#starts_{weekday}", "09:00")
        page.fill(f"#ends_{weekday}", "17:00")
    therapist.submit("/calendar/working-hours", "working-hours-saved")
    away = _days_ago(-14 if therapist.language == "nl" else -15)
    page.fill("#absence-starts-at", f"{away.isoformat()}T09:00")
    page.fill("#absence-ends-at", f"{away.isoformat()}T12:00")
    therapist.submit("/calendar/absences", "absence-planned")
    assert page.locator("table[data-testid=absences] tbody tr").count() >= 1
    therapist.follow(page.locator('main a[href="/calendar"]').first, "calendar-with-hours")
    # Next week: book the client from a free time.
    next_week = page.locator('nav.pager a[href^="/calendar?start="]').nth(1)
    therapist.follow(next_week, "calendar-next-week")
    therapist.follow(page.locator("a.cal-free").first, "book-from-slot")
    therapist.check_accessibility()
    option = page.locator("#episode_id option", has_text=client_name).first
    page.select_option("#episode_id", option.get_attribute("value"))
    booked_at = page.locator("#starts_at").input_value()
    therapist.submit("/calendar/book", "booked-from-slot")
    if "/appointments/" not in page.url:
        appointment = page.locator("a.cal-appt", has_text=client_name).first
        therapist.follow(appointment, "booked-appointment")
    # Cancel it (who cancelled is chosen, never a default), then rebook it at the time it had.
    page.select_option("#attendance", "cancelled_by_client")
    page.fill("#reason", "Cliënt is verhinderd")
    therapist.submit("/attendance", "appointment-cancelled")
    page.fill("#rebook-starts-at", booked_at)
    therapist.submit("/rebooking", "appointment-rebooked")
    # The week of the first sessions shows them.
    therapist.goto(f"/calendar?start={first.isoformat()}", "calendar-first-sessions")
    assert page.locator(".week a", has_text=client_name).count() >= 1
    # On a phone the week is a list of days: the same sessions, no grid to scroll sideways.
    therapist.assert_readable_on_a_phone("calendar-week")
    with therapist.on_a_phone():
        assert not page.locator(".cal-scroll.week").is_visible()
        assert page.locator(".cal-agenda a.cal-appt", has_text=client_name).first.is_visible()


def start_pages(browser: Any, served: Served, language: str) -> None:
    """Every role's start page on the demo practice as loaded, kept as "start-page"
    (issue 17): each shows content, the company doctor's inbox and the employer portal
    the most (at least three documents, some unread; three employees with sessions held)."""
    for email in (THERAPIST, COMPANY_DOCTOR, EMPLOYER, MANAGER, ADMINISTRATOR):
        portal = Portal(browser, served, language, email, arrival="start-page")
        main = portal.page.locator("main")
        assert main.inner_text().strip(), f"{email}'s start page is empty"
        if email == COMPANY_DOCTOR:
            documents = main.locator('a[href^="/documents/"]')
            assert documents.count() >= 3, main.inner_text()[:1500]
        if email == EMPLOYER:
            assert main.locator("section.employee").count() >= 3, main.inner_text()[:1500]
        portal.close()


def caseload_and_today(therapist: Portal, client_name: str) -> None:
    page = therapist.page
    therapist.follow(page.locator('nav a[href="/caseload"]'), "caseload")
    therapist.check_accessibility()
    page.fill("#q", client_name)
    page.select_option("#stage", "in_treatment")
    with page.expect_navigation():
        page.locator('form[action="/caseload"] button[type="submit"]').click()
    therapist.arrived("caseload-searched")
    rows = page.locator("main tbody tr")
    assert rows.count() == 1, page.locator("main").inner_text()[:1500]
    assert client_name in rows.first.inner_text()
    therapist.follow(page.locator('nav a[href="/today"]'), "today")
    therapist.check_accessibility()


# ------------------------------------------------------------------------ the story


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.usefixtures("screenshots_on_failure")
def test_a_referral_travels_through_all_four_portals_in_a_real_browser(
    browser: Any, served: Served, language: str
) -> None:
    clear_screenshots(language)
    Portal.shots = 0
    Portal.inaccessible.clear()
    start_pages(browser, served, language)
    client_name = f"Eva Browser-{language.upper()} {int(time.time()) % 100000}"
    marker = f"MEDISCH-GEHEIM-{language}"

    manager = Portal(browser, served, language, MANAGER)
    episodes_before = _episode_total(manager)

    # ---------------------------------------------------------------- the therapist
    therapist = Portal(browser, served, language, THERAPIST)
    page = therapist.page
    therapist.check_accessibility()
    # The page names its icon, and the icon is there (no /favicon.ico 404 in any console).
    icon = page.locator('head link[rel="icon"]').get_attribute("href")
    answer = page.request.get(served.base_url + str(icon))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    # Keyboard first: Tab reaches the skip link, which jumps past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    # The fragment reaches page.url a moment after the key (it read /today once in CI).
    page.wait_for_function("location.hash === '#main'", timeout=5000)
    assert page.url.endswith("#main")

    register_referral(therapist, client_name)
    intake(therapist, marker)
    start_treatment(therapist)
    consents(therapist)
    plan(therapist)
    work(therapist)
    questionnaire(therapist)
    first = sessions(therapist)
    report(therapist)
    relapse_prevention_plan(therapist)
    walk_the_workspace(therapist)
    calendar(therapist, client_name, first)
    caseload_and_today(therapist, client_name)
    therapist.close()

    # ---------------------------------------------------------------- the company doctor
    doctor = Portal(browser, served, language, COMPANY_DOCTOR)
    row = doctor.page.locator("tr", has_text=client_name)
    doctor.wait_for(lambda: row.count() > 0, "the report in the company doctor's inbox")
    doctor.screenshot("inbox")
    doctor.check_accessibility()
    href = row.first.locator('a[href^="/documents/"]').get_attribute("href")
    response = doctor.page.request.get(served.base_url + str(href))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert client_name.split()[0] in text
    doctor.page.reload()
    entry = doctor.page.locator(f'li[data-document="{str(href).rsplit("/", 1)[1]}"]')
    assert _said(language, "gelezen", "read") in entry.inner_text()
    doctor.close()

    # ---------------------------------------------------------------- the employer
    employer = Portal(browser, served, language, EMPLOYER)
    section = employer.page.locator("section.employee", has_text=client_name)
    assert section.count() == 1, employer.page.locator("main").inner_text()[:2000]
    held = section.locator("p", has_text=_said(language, "Gehouden sessies", "Sessions held"))
    assert "5" in held.locator("strong").inner_text()
    # Where the treatment stands, from the day it started (45 days ago), not the recording.
    started = _said(language, "in behandeling sinds", "in treatment since")
    phase = section.locator("p", has_text=started).inner_text()
    assert str(_days_ago(45).day) in phase and str(_days_ago(45).year) in phase
    assert "Twee ochtenden per week" in section.inner_text()
    whole_page = employer.page.content().lower()
    assert marker.lower() not in whole_page
    for word in DIAGNOSIS_WORDS:
        assert word not in whole_page, word
    employer.check_accessibility()
    employer.close()

    # ---------------------------------------------------------------- the practice manager
    assert _episode_total(manager) == episodes_before + 1
    manager.follow(manager.page.locator('nav a[href="/statistics/outcomes"]'), "statistics")
    manager.check_accessibility()
    manager.follow(manager.page.locator('nav a[href="/monitor"]'), "monitor")
    manager.check_accessibility()
    # Invoices (issue 22): this month's invoice of De Linde waits for review and is sent
    # (by the first language's story; the second finds it sent, open for payment).
    manager.follow(manager.page.locator('nav a[href="/invoices"]'), "invoices")
    manager.check_accessibility()
    manager.goto("/invoices?standing=draft", "invoices to review")
    draft = manager.page.locator("tr", has_text="De Linde").locator("a")
    if draft.count():
        manager.follow(draft.first, "an invoice to review")
        manager.check_accessibility()
        manager.submit("/sending", "invoice sent")
    else:
        manager.goto("/invoices?standing=open", "invoices open")
        manager.follow(
            manager.page.locator("tr", has_text="De Linde").locator("a").first, "an open invoice"
        )
    number = manager.page.locator("h1").inner_text().split()[-1]
    assert manager.page.locator('[data-testid="standing"]').inner_text() == "open"
    manager.follow(manager.page.locator('a[href="/invoices"]').first, "invoices again")
    manager.follow(manager.page.locator('a[href="/invoices/terms"]').first, "billing terms")
    manager.check_accessibility()
    manager.close()

    payer = Portal(browser, served, language, EMPLOYER)
    payer.follow(payer.page.locator('nav a[href="/employer/invoices"]'), "employer invoices")
    payer.check_accessibility()
    row = payer.page.locator(f'tr[data-invoice="{number}"]')
    assert row.count() == 1, payer.page.locator("main").inner_text()[:2000]
    href = row.locator('a[href$="/invoice.pdf"]').get_attribute("href")
    response = payer.page.request.get(served.base_url + str(href))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert number in text
    for word in DIAGNOSIS_WORDS:
        assert word not in text.lower(), word
    payer.close()

    administrator = Portal(browser, served, language, ADMINISTRATOR)
    administrator.check_accessibility()
    for path in (
        "/admin/employers",
        "/admin/company-doctors",
        "/admin/therapists",
        "/admin/handovers",
        "/admin/locations",
    ):
        administrator.follow(administrator.page.locator(f'nav a[href="{path}"]'), path[7:])
        assert administrator.page.locator("form").count() >= 2
        administrator.check_accessibility()
    administrator.close()

    # ---------------------------------------------------------------- every page axe-clean
    assert Portal.inaccessible == [], "\n".join(
        f"{url}: {found}" for url, found in Portal.inaccessible
    )


# ------------------------------------------------------------------------ the client (issue 20)

CLIENT = "client@demo.atwork.nl"  # the demo's client with an account and a report to review
MAIL_WAIT_SECONDS = 120
CODE_LINE = re.compile(r"^(\d{6})\s*$", re.MULTILINE)


def _mails_to(served: Served, address: str) -> dict[str, str]:
    """The mails to ``address`` that the demo's SMTP server kept (a maildir), by their key in
    the maildir; a maildir has no order, so new mails are told by their keys."""
    import mailbox

    found: dict[str, str] = {}
    for key, message in mailbox.Maildir(served.log_path.parent / "mail", create=False).items():
        if address not in str(message["To"]):
            continue
        payload = None
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                break
        found[key] = bytes(payload or b"").decode("utf-8", "replace")
    return found


def _mail_matching(served: Served, address: str, pattern: re.Pattern[str], seen: set[str]) -> str:
    """The first match in a mail to ``address`` that is not among the ``seen`` ones (the
    worker sends beside the web process: wait for it)."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        for key, body in _mails_to(served, address).items():
            if key not in seen and (found := pattern.search(body)):
                return found.group(1)
        time.sleep(0.5)
    raise AssertionError(f"no mail to {address} matching {pattern.pattern}")


def _uninvited_client(served: Served) -> tuple[int, str]:
    """A client in treatment with the demo therapist, with an address and no account."""
    import sqlite3

    with sqlite3.connect(served.log_path.parent / "practice.sqlite") as db:
        row = db.execute(
            "select e.id, c.email from treatment_episode e join client c on c.id = e.client"
            " join case_assignment a on a.episode = e.id join app_user u on u.id = a.user"
            " where u.email = ? and a.team_role = 'therapist' and a.valid_to is null"
            " and e.status = 'in_treatment' and c.email is not null"
            " and c.id not in (select client from client_account) order by e.id limit 1",
            (THERAPIST,),
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def _next_interim_draft(served: Served, client_email: str) -> int:
    """A draft of the client's next interim report, as the worker's sweep drafts it."""
    import sqlite3
    from datetime import UTC, datetime

    with sqlite3.connect(served.log_path.parent / "practice.sqlite") as db:
        episode, ordinal = db.execute(
            "select e.id, coalesce(max(r.ordinal), 0) from treatment_episode e"
            " join client c on c.id = e.client left join report r on r.episode = e.id"
            " and r.kind = 'interim_report' where c.email = ? group by e.id",
            (client_email,),
        ).fetchone()
        cursor = db.execute(
            "insert into report (episode, kind, ordinal, status, due_on, drafted_at, progress,"
            " work_participation, advice) values (?, 'interim_report', ?, 'draft', ?, ?, ?, ?, ?)",
            (
                episode,
                int(ordinal) + 5,
                datetime.now(UTC).date().isoformat(),
                datetime.now(UTC).isoformat(sep=" "),
                "Het piekeren is afgenomen.",
                "Vier ochtenden per week eigen werk.",
                "Opbouw naar volledige uren.",
            ),
        )
        return int(cursor.lastrowid or 0)


def _document_of(served: Served, report_id: int) -> int:
    import sqlite3

    with sqlite3.connect(served.log_path.parent / "practice.sqlite") as db:
        row = db.execute("select id from document where report = ?", (report_id,)).fetchone()
    return int(row[0])


def _deliveries_of(served: Served, report_id: int) -> int:
    import sqlite3

    with sqlite3.connect(served.log_path.parent / "practice.sqlite") as db:
        row = db.execute(
            "select count(*) from delivery d join document doc on doc.id = d.document"
            " where doc.report = ?",
            (report_id,),
        ).fetchone()
    return int(row[0])


class Phone(Portal):
    """The client's own window: a phone, 375 px wide, logged in by the story itself."""

    def __init__(self, browser: Any, served: Served) -> None:
        Portal.open.append(self)
        self.role = "client"
        self.base_url = served.base_url
        self.language = "nl"
        self.problems = []
        self.refusal_expected = False
        self.context = browser.new_context(
            base_url=served.base_url, locale="nl", viewport={"width": 375, "height": 800}
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def screenshot(self, name: str, widths: tuple[int, ...] = (375,)) -> None:
        super().screenshot(name, widths)

    def _resize(self, width: int, height: int) -> None:
        if (self.page.viewport_size or {}).get("width") == width:
            return
        self.page.set_viewport_size({"width": width, "height": height})


@pytest.mark.usefixtures("screenshots_on_failure")
def test_the_client_sets_up_an_account_answers_questionnaires_and_withholds_a_report_on_a_phone(
    browser: Any, served: Served
) -> None:
    from practice.composition.demo import DEMO_PASSWORD

    Portal.inaccessible.clear()
    # The therapist invites a client of theirs from the client page.
    episode_id, address = _uninvited_client(served)
    therapist = Portal(browser, served, "nl", THERAPIST)
    therapist.goto(f"/episodes/{episode_id}?section=consents", "client-portal-account")
    seen = set(_mails_to(served, address))
    therapist.submit(f"/episodes/{episode_id}/client-account/invitation", "client-invited")
    assert "uitgenodigd" in therapist.page.locator('[data-testid="client-account"]').inner_text()

    # The client: the link from the mail (the demo's SMTP server), a password, e-mail codes.
    link = _mail_matching(
        served, address, re.compile(r"https?://[^/\s]+(/client-account/\S+)"), seen
    )
    phone = Phone(browser, served)
    phone.goto(link, "set-up")
    phone.check_accessibility()
    phone.assert_readable_on_a_phone("set-up")
    phone.page.fill("#password", "een lange zin om te onthouden")
    phone.page.fill("#password_again", "een lange zin om te onthouden")
    phone.page.check("#factor_email")
    phone.submit(link, "portal-home")
    assert phone.page.url.endswith("/my")
    phone.check_accessibility()
    phone.assert_readable_on_a_phone("portal-home")
    phone.follow(phone.page.locator('form[action="/logout"] button'), "logged-out")
    seen = set(_mails_to(served, address))
    phone.page.fill("#email", address)
    phone.page.fill("#password", "een lange zin om te onthouden")
    phone.submit("/login", "email-code")
    code = _mail_matching(served, address, CODE_LINE, seen)
    phone.page.fill("#code", code)
    phone.submit("/login/email-code", "portal-again")
    assert phone.page.url.endswith("/my")
    phone.close()

    # The demo's client reviews the interim report on their phone and withholds it.
    client = Phone(browser, served)
    client.goto("/login", "login")
    client.page.fill("#email", CLIENT)
    client.page.fill("#password", DEMO_PASSWORD)
    client.submit("/login", "home")
    # The questionnaires of this moment, answered on the phone (from the portal's button).
    fill_in = client.page.locator('[data-testid="my-questionnaires"] button').first
    client.follow(fill_in, "questionnaire")
    client.check_accessibility()
    client.assert_readable_on_a_phone("questionnaire")
    names = client.page.locator('input[type="radio"]').evaluate_all(
        "inputs => [...new Set(inputs.map(i => i.name))]"
    )
    assert len(names) >= 16  # PHQ-9 and GAD-7
    for name in names:
        client.page.check(f'input[name="{name}"][value="0"]')
    client.submit(client.page.url.removeprefix(served.base_url), "questionnaire-sent")
    assert client.page.locator('[data-testid="questionnaire-thanks"]').count() == 1
    client.goto("/my", "home-after-questionnaire")
    assert client.page.locator('[data-testid="my-questionnaires"]').count() == 0
    review = client.page.locator('[data-testid="my-reviews"] a').first
    client.follow(review, "report")
    client.check_accessibility()
    client.assert_readable_on_a_phone("report")
    assert "Opbouw voortzetten" in client.page.locator('[data-testid="report-text"]').inner_text()
    client.page.check("#decision_withheld")
    client.page.fill("#comment", "Ik wil eerst met u bespreken wat er over mijn werk staat.")
    report_path = client.page.url.removeprefix(served.base_url)
    client.submit(report_path + "/review", "report-withheld")
    assert "tegengehouden" in client.page.locator('[data-testid="review-state"]').inner_text()
    # Consent to process updates for the employer withdrawn: no more updates.
    client.follow(client.page.locator('nav.portal-nav a[href="/my/consents"]'), "consents")
    client.check_accessibility()
    client.assert_readable_on_a_phone("consents")
    employer_consent = client.page.locator('[data-testid="my-consents"] li', has_text="werkgever")
    action = employer_consent.first.locator("form").get_attribute("action")
    employer_consent.first.locator("summary").click()  # what it means first, then the button
    client.submit(str(action), "consent-withdrawn")
    assert "Ingetrokken" in client.page.locator('[data-testid="my-consents"]').inner_text()
    client.follow(client.page.locator('nav.portal-nav a[href="/my/shared"]'), "shared")
    client.check_accessibility()
    client.assert_readable_on_a_phone("shared")
    client.close()

    # The company doctor sees that a report was withheld, nothing of it.
    doctor = Portal(browser, served, "nl", COMPANY_DOCTOR)
    withheld = doctor.page.locator('[data-testid="withheld-reports"]')
    assert withheld.count() == 1
    assert "Opbouw voortzetten" not in doctor.page.content()
    assert "bespreken" not in doctor.page.content()

    # The next report (drafted here as the sweep would after five more sessions): the
    # therapist approves it, the client agrees on the phone, it reaches the doctor once.
    report_id = _next_interim_draft(served, CLIENT)
    therapist.goto(f"/reports/{report_id}/approval", "next-report-confirm")
    therapist.submit(f"/reports/{report_id}/approval", "next-report-approved")
    client = Phone(browser, served)
    client.goto("/login", "login-again")
    client.page.fill("#email", CLIENT)
    client.page.fill("#password", DEMO_PASSWORD)
    client.submit("/login", "home-with-next-report")
    client.follow(
        client.page.locator(f'[data-testid="my-reviews"] a[href="/my/reports/{report_id}"]'),
        "next-report",
    )
    client.page.check("#decision_agreed")
    client.submit(f"/my/reports/{report_id}/review", "report-agreed")
    assert "akkoord" in client.page.locator('[data-testid="review-state"]').inner_text()
    client.close()
    doctor.wait_for(lambda: _deliveries_of(served, report_id) == 1, "the agreed report to arrive")
    time.sleep(3)  # a sweep or two more: still once
    assert _deliveries_of(served, report_id) == 1
    doctor.page.reload()
    document = _document_of(served, report_id)
    assert doctor.page.locator(f'main a[href="/documents/{document}"]').count() >= 1
    doctor.close()
    therapist.close()

    assert Portal.inaccessible == [], "\n".join(
        f"{url}: {found}" for url, found in Portal.inaccessible
    )
