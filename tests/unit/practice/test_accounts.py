"""Account rules: e-mail addresses and passwords."""

from practice.accounts import email_problem, normalise_email, password_problem


def test_a_password_needs_twelve_characters_and_nothing_else() -> None:
    assert password_problem("short") is not None
    assert password_problem("twelve chars") is None
    assert password_problem("alllowercaseletters") is None  # no composition rules


def test_a_password_of_absurd_length_is_refused_before_hashing() -> None:
    assert password_problem("x" * 129) is not None


def test_email_addresses_are_compared_trimmed_and_lowercase() -> None:
    assert normalise_email("  Tessa@Praktijk.NL ") == "tessa@praktijk.nl"


def test_an_address_without_a_domain_is_refused() -> None:
    assert email_problem("tessa@") is not None
    assert email_problem("tessa@praktijk.nl") is None
