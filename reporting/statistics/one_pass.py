"""Several histograms of one set of rows: on PostgreSQL in one pass (``GROUPING SETS``), on
SQLite, which has no grouping sets, one ``GROUP BY`` each; the same rows either way.

A figure group asks for several counts of the same rows (the waits: pairs of referral and
screening dates, of screening and start, of first sick day and screening). One ``GROUP BY``
each reads the rows once per count; the waits' three counts of plain columns took
PostgreSQL 66-83 ms on 100,000 episodes as three passes and 48-52 ms as one (target P-4).
Tried and left: the durations' and the per-absence statement's counts, whose keys are
long CASE expressions. Their one pass was no faster (PostgreSQL evaluates the expressions
per row either way), and at the default 4 MB of work memory it sorted some of the sets
instead of hashing them, which made it slower.

`counts_sql` returns one row per distinct key of each `Count`: its label (``k``), its key
values in the caller's output columns (NULL where the count has none) and ``n``. The
expressions are fixed fragments of the figure modules, never values.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.statistics.facts import Dialect

# PostgreSQL's GROUPING() takes at most 31 arguments (its result is a bit mask in an int).
MAX_GROUPED = 31


@dataclass(frozen=True, slots=True)
class Count:
    """One histogram: its rows carry `label` as ``k``; `keys` maps output columns to SQL
    expressions over the source's columns; only the source rows where `where` holds count."""

    label: str
    keys: tuple[tuple[str, str], ...] = ()
    where: str | None = None


def counts_sql(sql: Dialect, source: str, columns: Sequence[str], counts: Sequence[Count]) -> str:
    """A SELECT of ``k``, `columns` and ``n`` over `source` (a table or CTE name): the rows
    of every count in `counts`."""
    labels = [count.label for count in counts]
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels repeat: {labels}")
    groupings: dict[tuple[frozenset[str], str | None], str] = {}
    for count in counts:
        unknown = {column for column, _ in count.keys} - set(columns)
        if unknown:
            raise ValueError(f"{count.label}: no output column {sorted(unknown)}")
        # Grouping sets tell their rows apart by what they group by (GROUPING()).
        grouping = (frozenset(expression for _, expression in count.keys), count.where)
        if grouping in groupings:
            raise ValueError(f"{count.label} groups as {groupings[grouping]} does")
        groupings[grouping] = count.label
    if sql.postgres:
        return _grouping_sets(source, columns, counts)
    return " UNION ALL ".join(_group_by(source, columns, count) for count in counts)


def _group_by(source: str, columns: Sequence[str], count: Count) -> str:
    keys = dict(count.keys)
    values = ", ".join(f"{keys.get(column, 'NULL')} AS {column}" for column in columns)
    where = f" WHERE {count.where}" if count.where else ""
    group_by = f" GROUP BY {', '.join(keys.values())}" if keys else ""
    return (
        f"SELECT '{count.label}' AS k, {values}, COUNT(*) AS n "  # noqa: S608 - fixed fragments
        f"FROM {source}{where}{group_by}"
    )


def _grouping_sets(source: str, columns: Sequence[str], counts: Sequence[Count]) -> str:
    # The inner query names each distinct key expression g<i> and each count's condition
    # w<j> (1 where it holds): a count groups by its own g's and its w, and the outer query
    # keeps its rows where w = 1. GROUPING() over every inner column tells the sets apart.
    expressions: list[str] = []
    for count in counts:
        for _, expression in count.keys:
            if expression not in expressions:
                expressions.append(expression)
    inner = {f"g{i}": expression for i, expression in enumerate(expressions)}
    named = {expression: name for name, expression in inner.items()}
    # One flag per distinct condition: the counts of the same rows share it.
    conditions = list(dict.fromkeys(count.where for count in counts if count.where))
    for i, condition in enumerate(conditions):
        inner[f"w{i}"] = f"CASE WHEN {condition} THEN 1 ELSE 0 END"
    flags = {count.label: f"w{conditions.index(count.where)}" for count in counts if count.where}
    grouped = list(inner)
    if len(grouped) > MAX_GROUPED:
        raise ValueError(f"{len(grouped)} grouped columns: GROUPING() takes {MAX_GROUPED}")
    sets: list[list[str]] = []
    masks: dict[int, str] = {}
    for count in counts:
        members = [named[expression] for _, expression in count.keys]
        if count.label in flags:
            members.append(flags[count.label])
        mask = sum(
            1 << (len(grouped) - 1 - i) for i, name in enumerate(grouped) if name not in members
        )
        masks[mask] = count.label  # distinct: counts_sql refused counts grouped alike
        sets.append(members)
    label = " ".join(f"WHEN {mask} THEN '{name}'" for mask, name in masks.items())
    every = ", ".join(grouped)
    group_sets = ", ".join(f"({', '.join(members)})" for members in sets)

    def output(column: str) -> str:
        branches = " ".join(
            f"WHEN '{count.label}' THEN {named[expression]}"
            for count in counts
            for name, expression in count.keys
            if name == column
        )
        return f"CASE k {branches} END AS {column}" if branches else f"NULL AS {column}"

    kept = " AND ".join(f"(k <> '{name}' OR {flag} = 1)" for name, flag in flags.items())
    return (
        f"SELECT k, {', '.join(output(column) for column in columns)}, n FROM ("  # noqa: S608
        f"SELECT CASE GROUPING({every}) {label} END AS k, {every}, COUNT(*) AS n "
        f"FROM (SELECT {', '.join(f'{e} AS {name}' for name, e in inner.items())} "
        f"FROM {source}) s GROUP BY GROUPING SETS ({group_sets})) h"
        + (f" WHERE {kept}" if kept else "")
    )
