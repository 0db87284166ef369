"""A digest's stored text loses the items of an erased client's episodes, and only those
(``practice.escalation.without_episodes``)."""

from practice.escalation import without_episodes

THERAPIST_NL = """Beste Test therapist,

Termijnen van je cliënten die je aandacht vragen (overzicht van 1 mei 2026):

Verlopen:
- A.J. (traject 12): Screening, uiterlijk 30 april 2026

  https://praktijk.test/episodes/12
- B.K. (traject 120): Start behandeling, uiterlijk 30 april 2026

  https://praktijk.test/episodes/120

Verloopt op de volgende werkdag:
- A.J. (traject 13): Screening, uiterlijk 4 mei 2026
  https://praktijk.test/episodes/13

Het overzicht: https://praktijk.test/today
"""

MANAGER_EN = """Dear Manager,

Lapsed:
- A.J. (episode 12): Screening, due April 30, 2026, therapist: Test therapist
- B.K. (episode 120): Treatment start, due April 30, 2026, therapist: –

The overview: https://praktijk.test/monitor
"""


def test_the_items_and_links_of_the_erased_episodes_go_and_every_other_line_stays() -> None:
    text = without_episodes(THERAPIST_NL, [12, 13])

    assert "(traject 12)" not in text and "/episodes/12\n" not in text
    assert "(traject 13)" not in text and "/episodes/13\n" not in text
    assert "- B.K. (traject 120): Start behandeling" in text
    assert "  https://praktijk.test/episodes/120" in text
    assert text.startswith("Beste Test therapist,")
    assert "Het overzicht: https://praktijk.test/today" in text
    assert len(THERAPIST_NL.splitlines()) - len(text.splitlines()) == 4


def test_a_managers_item_goes_whole_and_an_episode_number_that_starts_alike_stays() -> None:
    text = without_episodes(MANAGER_EN, [12])

    assert "A.J." not in text
    assert "- B.K. (episode 120): Treatment start, due April 30, 2026, therapist: –" in text
    assert "The overview: https://praktijk.test/monitor" in text


def test_a_digest_without_the_erased_episodes_is_unchanged() -> None:
    assert without_episodes(MANAGER_EN, [7]) == MANAGER_EN
    assert without_episodes(MANAGER_EN, []) == MANAGER_EN
