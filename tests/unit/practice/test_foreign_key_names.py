"""``practice.platform.foreign_keys``: whether a foreign key has a name, without ``dir()``."""

from piccolo.columns import column_types

from practice.platform.foreign_keys import names_of
from practice.tables import CaseAssignment, TreatmentEpisode


def test_a_foreign_key_has_exactly_the_names_python_would_list() -> None:
    for column in (
        TreatmentEpisode.client,
        CaseAssignment.episode,
        TreatmentEpisode.referral._.employer,  # a joined column: proxy columns of its own
    ):
        listed = object.__dir__(column)
        names = names_of(column)
        assert all(name in names for name in listed)
        assert "no_such_name" not in names
        assert "name" in names_of(TreatmentEpisode.referral._.employer)  # a proxy column


def test_a_name_a_class_gains_later_is_seen() -> None:
    column = TreatmentEpisode.client
    assert "later_name" not in names_of(column)
    type(column).later_name = 1  # type: ignore[attr-defined]
    try:
        assert "later_name" in names_of(column)
    finally:
        del type(column).later_name  # type: ignore[attr-defined]
    assert "later_name" not in names_of(column)


def test_anything_but_a_foreign_key_gets_the_builtin_dir() -> None:
    assert names_of(TreatmentEpisode.status) == dir(TreatmentEpisode.status)


def test_piccolos_column_module_asks_it() -> None:
    assert column_types.dir is names_of  # type: ignore[attr-defined]


def test_a_join_through_foreign_keys_still_reaches_the_far_tables_columns() -> None:
    column = TreatmentEpisode.referral._.employer._.name
    assert column._meta.name == "name"
    assert [link._meta.name for link in column._meta.call_chain] == ["referral", "employer"]
