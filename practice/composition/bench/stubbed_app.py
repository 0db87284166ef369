"""The web app with its audit sink replaced by a no-op: the control of P-10's "audited vs
stubbed audit" across processes (``uvicorn practice.composition.bench.stubbed_app:app``).

Bench only: nothing serves it but `bench.writers`, which starts it beside the real app on
the same data set. (P-7 stubs the sink in-process, `bench.measurements.audit_stubbed`.)
"""

from typing import Any

from practice.audit import trail


async def _no_op(*args: Any, **kwargs: Any) -> None:
    return None


# Callers use ``audit.record`` by attribute, so replacing it here reaches every service.
trail.record = _no_op
trail.record_many = _no_op


def __getattr__(name: str) -> Any:
    if name == "app":
        from practice.composition.app import app

        return app
    raise AttributeError(name)
