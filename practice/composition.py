"""Connect the packages at start-up: downstream packages hand their facts upstream.

The only module besides app.py, worker.py and cli.py that imports every package. Called by
``create_app`` and the worker's start-up; registering twice is harmless.
"""

from practice.queries.episodes import register_fact_source
from reporting import records as reporting_records
from scheduling import queries as scheduling_queries


def connect() -> None:
    register_fact_source("scheduling", scheduling_queries.episode_facts)
    register_fact_source("reporting", reporting_records.episode_facts)
