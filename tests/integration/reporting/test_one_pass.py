"""``counts_sql`` on the real engines: one pass with grouping sets on PostgreSQL, one GROUP BY
each on SQLite, and the same counts as Python's on both."""

from collections import Counter
from zoneinfo import ZoneInfo

from reporting.statistics.facts import dialect, q, run
from reporting.statistics.one_pass import Count, counts_sql

# (a, b, flag): NULLs among the keys, a key shared by two counts, rows a condition leaves out.
ROWS = [(1, 10, 1), (1, 10, 1), (1, None, 0), (2, 10, 1), (None, 20, 0), (2, 20, 1), (2, 20, 0)]
COUNTS = [
    Count("pair", (("x", "a"), ("y", "b"))),
    Count("b_flagged", (("y", "b"),), "flag = 1"),
    Count("a_twice", (("x", "a"), ("z", "a + a")), "flag = 1"),
    Count("unflagged", (), "flag = 0"),
    Count("all"),
]


def expected() -> Counter[tuple[object, ...]]:
    want: Counter[tuple[object, ...]] = Counter()
    for a, b, flag in ROWS:
        want[("pair", a, b, None)] += 1
        want["all", None, None, None] += 1
        if flag == 1:
            want["b_flagged", None, b, None] += 1
            want["a_twice", a, None, None if a is None else a + a] += 1
        else:
            want["unflagged", None, None, None] += 1
    return want


async def test_each_count_is_the_rows_python_counts_on_either_engine(db: None) -> None:
    sql = dialect(ZoneInfo("Europe/Amsterdam"))
    values = ", ".join(
        f"(CAST({'NULL' if a is None else a} AS INTEGER), "
        f"CAST({'NULL' if b is None else b} AS INTEGER), {flag})"
        for a, b, flag in ROWS
    )
    rows = await run(
        q(
            f"WITH t (a, b, flag) AS (VALUES {values}) "
            + counts_sql(sql, "t", ("x", "y", "z"), COUNTS)
        )
    )
    found: Counter[tuple[object, ...]] = Counter()
    for row in rows:
        found[(row["k"], row["x"], row["y"], row["z"])] += int(row["n"])
    assert found == expected()
