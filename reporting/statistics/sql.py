"""The outcome statistics in SQL: one query per figure group, the same results as the
reference implementations (`reporting.statistics.reference`,
`reporting.statistics.reference_times`).

How the work is split between the database and Python (target P-4: 100k episodes, 1M
sessions):

* Every query starts from one common table expression, ``facts``: one row per episode that
  matches the `Filters`, with only the columns that figure group needs. A fact from another
  table (latest measurement, held sessions, follow-up, absence) comes from a derived table
  grouped per episode and joined once, not from a subquery per episode: on 100k episodes
  those subqueries took seconds per figure group. Computed from the raw tables it is
  ``MATERIALIZED`` (SQLite >= 3.35, PostgreSQL >= 12): otherwise SQLite's flattener copies
  an expression into every place that uses the column. Read from the kept facts (plain
  columns) it is not: a group that reads it once reads the table itself. Window functions
  (``ROW_NUMBER``, ``LEAD``) need SQLite >= 3.25.
* Counts, sums and group-bys happen in SQL. Volume percentages are computed in SQL as
  integer tenths of a percent with exact integer arithmetic, rounded half-up like
  `practice.work_participation.volume_percent`, so sums and means are exact on SQLite and
  PostgreSQL alike (no float AVG, no NUMERIC-vs-REAL differences).
* Medians and 90th percentiles: PostgreSQL has ``percentile_cont`` but SQLite has not. The
  query therefore returns a *histogram* (value, count) per group, grouped in SQL, and Python
  interpolates the percentile over the cumulative counts exactly as `reporting.statistics.figures`
  does. The histogram has one row per distinct day count (a few hundred at most), not one per
  episode. The Kaplan-Meier median is computed from the same kind of histogram.
* Working days need the Dutch holiday calendar, which the database does not hold. Waits in
  working days come back as a histogram of distinct (start date, end date) pairs, and each
  distinct pair is counted once with `practice.working_days` and the deadline rule of
  `practice.deadlines`, so "within 10 days" means exactly what the task list means by it.

Placeholders are Piccolo's ``{}``: values are always bound parameters, never formatted into
the SQL; only fixed fragments of these modules (table and column names) are SQL text.

These modules hold the figure groups; this one re-exports them, so callers keep one name to
import (`from reporting import statistics`):

* `reporting.statistics.facts`: `Filters` and the shared ``facts`` CTE;
* `reporting.statistics.histograms`: percentiles and Kaplan-Meier medians over histograms;
* `reporting.statistics.volumes`: S1, S2, resumption shares, S9, S10, S11;
* `reporting.statistics.waits`: S3, S4, S5;
* `reporting.statistics.durations`: S6, S7, S8;
* `reporting.statistics.caseload`: caseload, questionnaire scores, drill-down, client series;
* `reporting.statistics.employer`: S15.
"""

from reporting.statistics.caseload import (
    CaseloadRow,
    ClientSeries,
    EpisodeLine,
    ScoreCell,
    caseload,
    client_series,
    episode_list,
    questionnaire_scores,
)
from reporting.statistics.durations import CostSummary, DurationResult, durations
from reporting.statistics.employer import EmployerSummary, employer_summary
from reporting.statistics.facts import Filters
from reporting.statistics.histograms import (
    Histogram,
    histogram_mean,
    histogram_percentile,
    histogram_survival,
)
from reporting.statistics.volumes import (
    AfterTreatment,
    VolumeResult,
    after_treatment,
    sessions,
    volume_percent_mapping,
    volumes,
)
from reporting.statistics.waits import wait_times

__all__ = [
    "AfterTreatment",
    "CaseloadRow",
    "ClientSeries",
    "CostSummary",
    "DurationResult",
    "EmployerSummary",
    "EpisodeLine",
    "Filters",
    "Histogram",
    "ScoreCell",
    "VolumeResult",
    "after_treatment",
    "caseload",
    "client_series",
    "durations",
    "employer_summary",
    "episode_list",
    "histogram_mean",
    "histogram_percentile",
    "histogram_survival",
    "questionnaire_scores",
    "sessions",
    "volume_percent_mapping",
    "volumes",
    "wait_times",
]
