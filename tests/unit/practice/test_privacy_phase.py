"""Where the treatment stands, as the employer may know it (practice.privacy.employer_phase)."""

from practice.episodes import EpisodeStatus
from practice.labels import EMPLOYER_PHASE_LABELS
from practice.privacy import employer_phase


def test_every_status_has_a_phase_the_employer_may_read_and_every_end_reads_alike() -> None:
    for began in (False, True):
        phases = {employer_phase(s.value, began) for s in EpisodeStatus}
        assert None not in phases and phases <= set(EMPLOYER_PHASE_LABELS)
    # After the start, a closing, a drop-out and a referral elsewhere read the same: which
    # it was may be medical. Before it, the same for a decline.
    ends = ("closed", "dropped_out", "referred_elsewhere", "declined")
    assert {employer_phase(s, True) for s in ends} == {"ended"}
    assert {employer_phase(s, False) for s in ends} == {"not_started"}
    assert "drop" not in " ".join(EMPLOYER_PHASE_LABELS.values())
