"""``among``: the id filter the caseload and the client page use instead of ``is_in``."""

import pytest

from practice.platform.db import among
from practice.tables import TreatmentEpisode


def test_among_writes_the_same_in_clause_as_is_in_with_the_ids_as_parameters() -> None:
    ours = among(TreatmentEpisode.id, [3, 1, 2]).querystring.compile_string("postgres")
    piccolos = TreatmentEpisode.id.is_in([3, 1, 2]).querystring.compile_string("postgres")
    assert ours == piccolos
    assert ours[1] == [3, 1, 2]


def test_among_refuses_an_empty_list_as_is_in_does() -> None:
    with pytest.raises(ValueError, match="at least one"):
        among(TreatmentEpisode.id, [])
