"""``counts_sql`` refuses what its grouping sets could not tell apart, on either engine."""

from zoneinfo import ZoneInfo

import pytest

from reporting.statistics.facts import Dialect
from reporting.statistics.one_pass import Count, counts_sql


@pytest.mark.parametrize("postgres", [False, True])
def test_two_counts_with_one_label_or_one_grouping_or_an_unknown_column_are_refused(
    postgres: bool,
) -> None:
    sql = Dialect(postgres=postgres, tz=ZoneInfo("Europe/Amsterdam"))
    with pytest.raises(ValueError, match="labels repeat"):
        counts_sql(sql, "t", ("x",), [Count("a", (("x", "a"),)), Count("a", (("x", "b"),))])
    with pytest.raises(ValueError, match="no output column"):
        counts_sql(sql, "t", ("x",), [Count("a", (("y", "a"),))])
    with pytest.raises(ValueError, match="groups as"):
        counts_sql(sql, "t", ("x", "y"), [Count("a", (("x", "a"),)), Count("b", (("y", "a"),))])
