"""Where the treatment stands, as the employer may know it (practice.privacy.PHASE_OF_STATUS)."""

from practice.episodes import EpisodeStatus
from practice.labels import EMPLOYER_PHASE_LABELS
from practice.privacy import PHASE_OF_STATUS


def test_every_status_has_a_phase_the_employer_may_read_and_no_phase_tells_why_it_ended() -> None:
    assert set(PHASE_OF_STATUS) == {s.value for s in EpisodeStatus}
    assert set(PHASE_OF_STATUS.values()) == set(EMPLOYER_PHASE_LABELS)
    # A drop-out, a client who declined and a referral elsewhere: the employer reads that it
    # ended or never started, not which (the reason may be medical).
    assert PHASE_OF_STATUS["declined"] == PHASE_OF_STATUS["referred_elsewhere"]
    assert "drop" not in " ".join(EMPLOYER_PHASE_LABELS.values())
