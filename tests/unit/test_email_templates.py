"""E-mails: each is a folder with a subject and a body, in the recipient's language."""

from zoneinfo import ZoneInfo

import pytest

from practice.platform.templating import TEMPLATE_DIR, make_environment, render_email

FOLDERS = sorted(
    str(subject.parent.relative_to(TEMPLATE_DIR)) for subject in TEMPLATE_DIR.rglob("subject.txt")
)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_e_mail_folder_has_a_subject_and_a_body(folder: str) -> None:
    assert (TEMPLATE_DIR / folder / "body.txt").is_file()


def test_the_portal_notices_are_folders_like_every_other_e_mail() -> None:
    assert {"reporting/employer-update-notice", "reporting/document-notice"} <= set(FOLDERS)


def test_the_employer_update_notice_speaks_the_contact_s_language() -> None:
    env = make_environment(ZoneInfo("UTC"))
    folder = "reporting/employer-update-notice"
    assert render_email(env, folder, {}, "nl") == (
        "Nieuwe procesinformatie in het @Work portaal",
        "Er staat nieuwe procesinformatie voor u klaar in het @Work portaal.\n",
    )
    assert render_email(env, folder, {}, "en")[0] == "New process information in the @Work portal"


def test_the_document_notice_links_to_the_portal_in_the_doctor_s_language() -> None:
    env = make_environment(ZoneInfo("UTC"))
    context = {"base_url": "https://praktijk.example"}
    subject, body = render_email(env, "reporting/document-notice", context, "en")
    assert subject == "New document in the @Work portal"
    assert body == "A new document is waiting for you.\n\nhttps://praktijk.example/company-doctor\n"
    assert render_email(env, "reporting/document-notice", context, "nl")[0] == (
        "Nieuw document in het @Work portaal"
    )


def test_an_account_without_a_known_language_gets_the_practice_s_default_dutch() -> None:
    env = make_environment(ZoneInfo("UTC"))
    for locale in (None, "fr"):
        subject, _ = render_email(env, "reporting/document-notice", {"base_url": ""}, locale)
        assert subject == "Nieuw document in het @Work portaal"
