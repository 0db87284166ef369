"""``among``: the id filter the caseload and the client page use instead of ``is_in``."""

import json

import pytest

from practice.platform.db import among, ids_in
from practice.tables import TreatmentEpisode


def test_among_binds_all_the_ids_as_one_parameter_of_the_engines_kind() -> None:
    sql, values = among(TreatmentEpisode.id, [3, 1, 2]).querystring.compile_string(
        TreatmentEpisode._meta.db.engine_type
    )
    assert len(values) == 1
    if TreatmentEpisode._meta.db.engine_type == "sqlite":
        assert "IN (SELECT value FROM json_each(?))" in sql
        assert json.loads(values[0]) == [3, 1, 2]
    else:
        assert sql.endswith("= ANY($1)")
        assert values == [[3, 1, 2]]
    assert sql.startswith('"treatment_episode"."id"')


def test_among_refuses_an_empty_list_as_is_in_does() -> None:
    with pytest.raises(ValueError, match="at least one"):
        among(TreatmentEpisode.id, [])


def test_among_keeps_one_parameter_per_id_for_a_column_reached_through_a_join() -> None:
    # Piccolo adds the join for the columns of a condition, and sees none in raw SQL.
    _, values = among(TreatmentEpisode.client._.id, [3, 1]).querystring.compile_string(
        TreatmentEpisode._meta.db.engine_type
    )
    assert values == [3, 1]


def test_ids_in_gives_raw_sql_the_same_one_parameter_and_refuses_an_empty_list() -> None:
    engine_type = TreatmentEpisode._meta.db.engine_type
    sql, values = ids_in("episode", [5, 4]).compile_string(engine_type)
    assert len(values) == 1
    if engine_type == "sqlite":
        assert sql == "episode IN (SELECT value FROM json_each(?))"
        assert json.loads(values[0]) == [5, 4]
    else:
        assert sql == "episode = ANY($1)"
    with pytest.raises(ValueError, match="at least one"):
        ids_in("episode", [])
