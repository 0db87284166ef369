"""Keyed audit links (AUD-8): without the audit key nobody computes a link that verifies."""

from datetime import UTC, datetime

from practice.audit.chain import GENESIS, KEYED, is_keyed, keyed_link, link_hash, link_matches

KEY = b"k" * 32
ROW = {
    "occurred_at": datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC),
    "actor_id": 3,
    "actor_role": "therapist",
    "action": "read",
    "object_type": "episode",
    "object_id": "7",
    "client_id": 5,
    "purpose": "treatment",
    "source": "127.0.0.1",
    "channel": "web",
    "outcome": "success",
}


def test_a_keyed_link_is_deterministic_and_differs_without_the_key_or_with_another() -> None:
    link = keyed_link(ROW, GENESIS, KEY)
    assert link == keyed_link(dict(ROW), GENESIS, KEY)
    assert is_keyed(link) and link.startswith(KEYED)
    assert link != KEYED + link_hash(ROW, GENESIS) and link_hash(ROW, GENESIS) not in link
    assert link != keyed_link(ROW, GENESIS, b"x" * 32)
    assert link != keyed_link({**ROW, "object_id": "8"}, GENESIS, KEY)
    assert link != keyed_link(ROW, link, KEY)  # the previous link is covered too


def test_a_keyed_link_fits_the_varchar_64_hash_columns() -> None:
    assert len(keyed_link(ROW, GENESIS, KEY)) == 46
    assert len(keyed_link(ROW, "h1:" + "A" * 43, KEY)) <= 64


def test_a_stored_link_is_checked_in_its_own_scheme_and_a_plain_one_still_verifies() -> None:
    keyed = {**ROW, "row_hash": keyed_link(ROW, GENESIS, KEY)}
    plain = {**ROW, "row_hash": link_hash(ROW, GENESIS)}  # a row written before AUD-8
    assert link_matches(keyed, GENESIS, KEY)
    assert not link_matches(keyed, GENESIS, b"x" * 32)
    assert not link_matches({**keyed, "purpose": "curiosity"}, GENESIS, KEY)
    assert link_matches(plain, GENESIS, KEY)
    assert not link_matches({**plain, "purpose": "curiosity"}, GENESIS, KEY)
    assert not link_matches({**ROW, "row_hash": None}, GENESIS, KEY)
