"""Where each episode's absence stands: the law's periods of sickness over the absence
records, and each episode placed on the absence it treats (the CTEs of
`reporting.statistics.absences`), and the kept copy of that placement
(``statistics_absence``) that lets the per-absence figures skip it (issue 21, P-4).

The CTEs, over a CTE of episodes named by the caller (its columns: episode_id, client_id,
employment_id, absence_id, absent, first_sick_day) and ``ab_today``:

* ``ab_known``: the sickness records of those episodes' employments, as known today (a
  recovery after today is not known yet; a record starting after today, or with a recovery
  not after its first day, cannot be counted);
* ``ab_before``, ``ab_flagged``, ``ab_parts``, ``ab_periods``: the law's periods (art. 7:629
  lid 10 BW, `practice.absences.sickness_periods`) with window functions: in date order, a
  record starts a new period unless an earlier record of the employment is still open or
  the latest recovery before it lies less than four weeks back; the interruption before a
  part is the days since that recovery (0 for an overlap);
* ``ab_placed``, ``ab_classed``: each episode on its absence (its linked record's period,
  else the period of the record of its employment starting on the referral's first sick
  day, else an absence of its own from that day, still running) and its kind.

**Kept.** The placement depends on the records of the client's employments and the days
they name, never on a figure's filters. Settling (`settle_sql`, with the episodes' facts)
stores it per episode with the number of episodes on the same absence and the two record
days around the day it was settled (`known_from`, `known_until`): for any today between
them every "is this day past?" the CTEs ask has the same answer, so the kept placement is
the computed one. The figures use a kept row only when that holds, the absence has one
episode and no interruption (its unit needs no other episode's facts and no part's), and
none of the client's episodes is pending; everything else is computed by the CTEs.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from piccolo.querystring import QueryString

from reporting.statistics.facts import Dialect, join_sql, q

# Four weeks: `practice.absences.AGGREGATION_GAP`, in days for the SQL.
_GAP_DAYS = 28
SICKNESS = "sickness"


def _employments(episodes: str) -> str:
    return f"SELECT employment_id FROM {episodes} WHERE employment_id IS NOT NULL"  # noqa: S608


def placement_ctes(sql: Dialect, episodes: str, within: str | None = None) -> list[QueryString]:
    """The CTEs above over the CTE `episodes` (and ``ab_today``), ending in ``ab_classed``:
    the episode's columns plus today, u_emp and u_pno (its period), p_first, p_recovered,
    p_gaps, p_partial (the period's facts), kind ('record', 'own', 'not_absent',
    'no_first_day'), u_client and u_first (an absence of its own), unit_first.

    The records read are those of the employments of the figure's episodes: an episode
    linked to a record of an employment none of them has is placed as if it had no link
    (the reference, `per_absence`, counts it so). `within` (a SELECT of employment ids)
    names those employments when `episodes` are only some of the figure's episodes; the
    records read are then only those these episodes can be placed on."""
    days = sql.days_between
    return [
        q(
            "ab_known AS (SELECT a.id, a.employment, a.first_sick_day AS fd, "  # noqa: S608 - fixed names
            "CASE WHEN a.full_recovery_on <= t.today THEN a.full_recovery_on END AS rd, "
            "CASE WHEN a.partial_recovery_on <= t.today "
            "AND a.partial_recovery_on >= a.first_sick_day THEN a.partial_recovery_on END AS pd "
            "FROM absence_episode a CROSS JOIN ab_today t "
            "WHERE a.absence_type = {} AND a.first_sick_day IS NOT NULL "
            "AND a.first_sick_day <= t.today "
            "AND (a.full_recovery_on IS NULL OR a.full_recovery_on > a.first_sick_day) "
            f"AND a.employment IN ({within or _employments(episodes)}) "
            + (
                # Of those, the ones these episodes can be placed on: their own, and those
                # of the records they are linked to.
                f"AND (a.employment IN ({_employments(episodes)}) OR a.employment IN "  # noqa: S608 - fixed names
                f"(SELECT a2.employment FROM absence_episode a2 WHERE a2.id IN "
                f"(SELECT absence_id FROM {episodes} WHERE absence_id IS NOT NULL)))"
                if within
                else ""
            )
            + ")",
            SICKNESS,
        ),
        q(
            "ab_before AS (SELECT ab_known.*, "
            "MAX(CASE WHEN rd IS NULL THEN 1 ELSE 0 END) OVER w AS open_before, "
            "MAX(rd) OVER w AS rec_before FROM ab_known "
            "WINDOW w AS (PARTITION BY employment ORDER BY fd, id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))"
        ),
        q(
            "ab_flagged AS (SELECT ab_before.*, "  # noqa: S608 - fixed fragments
            "CASE WHEN open_before IS NULL THEN 1 WHEN open_before = 1 THEN 0 "
            f"WHEN {days('rec_before', 'fd')} >= {_GAP_DAYS} THEN 1 ELSE 0 END AS new_period, "
            f"CASE WHEN open_before = 0 AND {days('rec_before', 'fd')} > 0 "
            f"AND {days('rec_before', 'fd')} < {_GAP_DAYS} "
            f"THEN {days('rec_before', 'fd')} ELSE 0 END AS gap FROM ab_before)"
        ),
        q(
            "ab_parts AS (SELECT ab_flagged.*, SUM(new_period) OVER (PARTITION BY employment "
            "ORDER BY fd, id ROWS UNBOUNDED PRECEDING) AS pno FROM ab_flagged)"
        ),
        q(
            "ab_periods AS (SELECT employment, pno, MIN(fd) AS first_day, "
            "CASE WHEN MAX(CASE WHEN rd IS NULL THEN 1 ELSE 0 END) = 1 THEN NULL "
            "ELSE MAX(rd) END AS recovered, SUM(gap) AS gaps, MIN(pd) AS partial "
            "FROM ab_parts GROUP BY employment, pno)"
        ),
        q(
            "ab_byday AS (SELECT employment, fd, pno, ROW_NUMBER() OVER "
            "(PARTITION BY employment, fd ORDER BY id) AS rn FROM ab_parts)"
        ),
        # Each episode on its absence: the linked record's period, else the period of the
        # record of its employment starting on the referral's first sick day, else its own.
        q(
            "ab_placed AS (SELECT f.*, t.today, "  # noqa: S608 - fixed names
            "COALESCE(linked.employment, byday.employment) AS u_emp, "
            "COALESCE(linked.pno, byday.pno) AS u_pno, pr.first_day AS p_first, "
            "pr.recovered AS p_recovered, pr.gaps AS p_gaps, pr.partial AS p_partial "
            f"FROM {episodes} f CROSS JOIN ab_today t "
            "LEFT JOIN ab_parts linked ON linked.id = f.absence_id "
            "LEFT JOIN ab_byday byday ON linked.id IS NULL AND byday.rn = 1 "
            "AND byday.employment = f.employment_id AND byday.fd = f.first_sick_day "
            "LEFT JOIN ab_periods pr ON pr.employment = COALESCE(linked.employment, "
            "byday.employment) AND pr.pno = COALESCE(linked.pno, byday.pno))"
        ),
        q(
            "ab_classed AS (SELECT ab_placed.*, "  # noqa: S608 - fixed fragments
            f"{kind_of('u_emp', 'absent', 'first_sick_day', 'today')} AS kind, "
            "CASE WHEN u_emp IS NULL THEN client_id END AS u_client, "
            "CASE WHEN u_emp IS NULL THEN first_sick_day END AS u_first, "
            "COALESCE(p_first, first_sick_day) AS unit_first FROM ab_placed)"
        ),
    ]


def kind_of(u_emp: str, absent: str, first_sick_day: str, today: str) -> str:
    """An episode's kind: on a record's period, not absent, no first sick day (yet), or an
    absence of its own (SQL over the named columns)."""
    return (
        f"CASE WHEN {u_emp} IS NOT NULL THEN 'record' WHEN {absent} = 0 THEN 'not_absent' "
        f"WHEN {first_sick_day} IS NULL OR {first_sick_day} > {today} THEN 'no_first_day' "
        "ELSE 'own' END"
    )


# The episodes' facts the settling reads from the raw tables (see `settle_sql`).
_EPISODES = (
    "pl_episodes AS MATERIALIZED (SELECT e.id AS episode_id, e.client AS client_id, "
    "e.employment AS employment_id, e.absence AS absence_id, "
    "CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END AS absent, r.first_sick_day "
    "FROM treatment_episode e JOIN referral r ON r.id = e.referral{})"
)


def clients_sql(episodes: Sequence[int]) -> QueryString:
    """The clients whose kept placements settling these episodes renews: theirs, and those
    of every episode on an employment they are placed on or linked to (an episode linked to
    another employment's record shares that record's absence)."""
    ids = q("(" + ", ".join("{}" for _ in episodes) + ")", *episodes)
    return q(
        "WITH c0 AS (SELECT DISTINCT e.client FROM treatment_episode e WHERE e.id IN {}), "
        "emp AS (SELECT e.employment AS id FROM treatment_episode e "
        "WHERE e.client IN (SELECT client FROM c0) "
        "UNION SELECT a.employment FROM treatment_episode e "
        "JOIN absence_episode a ON a.id = e.absence WHERE e.client IN (SELECT client FROM c0)) "
        "SELECT client FROM c0 UNION SELECT e.client FROM treatment_episode e "
        "WHERE e.employment IN (SELECT id FROM emp) "
        "UNION SELECT e.client FROM treatment_episode e JOIN absence_episode a "
        "ON a.id = e.absence WHERE a.employment IN (SELECT id FROM emp)",
        ids,
    )


def settle_sql(sql: Dialect, clients: Sequence[int] | None, day: date, now: Any) -> QueryString:
    """The INSERT of the kept placement of every episode of these clients (all: None) as
    known on `day` (reporting.statistics.fact_table deletes their old rows first)."""
    only = q("")
    if clients is not None:
        only = q(
            " WHERE e.client IN (" + ", ".join("{}" for _ in clients) + ")",
            *clients,
        )
    unit = "PARTITION BY u_emp, u_pno, u_client, u_first"
    ctes = [
        q(_EPISODES, "not_absent", only),
        q("ab_today AS (SELECT {} AS today)", sql.day(day)),
        # Placed as the unfiltered figures place them: among every episode's employments.
        *placement_ctes(sql, "pl_episodes", "SELECT employment FROM treatment_episode"),
        # The employments whose records can place the client's episodes: theirs, and that
        # of each record they are linked to.
        q(
            "pl_employments AS (SELECT client_id, employment_id AS employment FROM pl_episodes "
            "WHERE employment_id IS NOT NULL UNION SELECT f.client_id, l.employment "
            "FROM pl_episodes f JOIN absence_episode l ON l.id = f.absence_id)"
        ),
        # The days of those records (and the referrals' first sick days) on either side of
        # `day`: until today passes one of them, every comparison with today above answers
        # the same.
        q(
            "pl_days AS (SELECT e.client_id, a.first_sick_day AS d FROM pl_employments e "
            "JOIN absence_episode a ON a.employment = e.employment "
            "UNION ALL SELECT e.client_id, a.full_recovery_on FROM pl_employments e "
            "JOIN absence_episode a ON a.employment = e.employment "
            "UNION ALL SELECT e.client_id, a.partial_recovery_on FROM pl_employments e "
            "JOIN absence_episode a ON a.employment = e.employment "
            "UNION ALL SELECT client_id, first_sick_day FROM pl_episodes)"
        ),
        q(
            "pl_bounds AS (SELECT x.client_id, "
            "MAX(CASE WHEN x.d <= t.today THEN x.d END) AS known_from, "
            "MIN(CASE WHEN x.d > t.today THEN x.d END) AS known_until "
            "FROM pl_days x CROSS JOIN ab_today t GROUP BY x.client_id)"
        ),
    ]
    return q(
        "INSERT INTO statistics_absence (episode, client_id, unit_employment, unit_period, "  # noqa: S608
        "period_first, period_recovered, period_gaps, period_partial, unit_episodes, "
        "known_from, known_until, settled_at) WITH {} "
        "SELECT c.episode_id, c.client_id, c.u_emp, c.u_pno, c.p_first, c.p_recovered, "
        "COALESCE(c.p_gaps, 0), c.p_partial, "
        f"SUM(CASE WHEN c.kind IN ('record', 'own') THEN 1 ELSE 0 END) OVER ({unit}), "
        "b.known_from, b.known_until, {} "
        "FROM ab_classed c LEFT JOIN pl_bounds b ON b.client_id = c.client_id",
        join_sql(ctes, ", "),
        now,
    )
