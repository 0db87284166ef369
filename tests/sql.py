"""The SQL the app sends, spied on (the real engine, not replaced)."""

import contextlib
from collections.abc import Iterator
from typing import Any

from practice.audit import trail
from practice.platform.db import engine


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL the app sends while the block runs (the real engine, spied on, not replaced)."""
    engine_class: Any = type(engine())
    original = engine_class.run_querystring
    sent: list[str] = []

    async def spy(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(querystring.compile_string(engine_type=self.engine_type)[0])
        return await original(self, querystring, *args, **kwargs)

    # The audit's many-row INSERT goes to the driver itself (practice.platform.db.insert_plain).
    names = vars(trail)
    plain = names["insert_plain"]

    async def plain_spy(prefix: str, rows: Any) -> None:
        sent.append(prefix)
        await plain(prefix, rows)

    engine_class.run_querystring = spy
    names["insert_plain"] = plain_spy
    try:
        yield sent
    finally:
        engine_class.run_querystring = original
        names["insert_plain"] = plain
