"""``practice.platform.foreign_keys``: ``dir()`` of a foreign key, the same names sooner."""

from practice.platform.foreign_keys import names_of
from practice.tables import CaseAssignment, TreatmentEpisode


def test_a_foreign_keys_names_are_the_names_python_would_list() -> None:
    for column in (
        TreatmentEpisode.client,
        CaseAssignment.episode,
        TreatmentEpisode.referral._.employer,  # a joined column: proxy columns of its own
    ):
        assert dir(column) == sorted(object.__dir__(column))
        assert sorted(names_of(column)) == sorted(object.__dir__(column))


def test_a_join_through_foreign_keys_still_reaches_the_far_tables_columns() -> None:
    column = TreatmentEpisode.referral._.employer._.name
    assert column._meta.name == "name"
    assert [link._meta.name for link in column._meta.call_chain] == ["referral", "employer"]
