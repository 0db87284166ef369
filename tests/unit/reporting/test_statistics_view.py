"""One view's figures share their readings (`facts.one_view`, `facts.once_per_view`): a
reading is made once per key, and one still running when the view ends is cancelled."""

import asyncio

import pytest

from reporting.statistics.facts import once_per_view, one_view


async def test_figures_of_one_view_share_a_reading_made_once() -> None:
    made = 0

    async def read() -> int:
        nonlocal made
        made += 1
        await asyncio.sleep(0)
        return 7

    with one_view():
        found = await asyncio.gather(once_per_view("pending", read), once_per_view("pending", read))
    assert list(found) == [7, 7]
    assert made == 1


async def test_outside_a_view_every_figure_reads_for_itself() -> None:
    made = 0

    async def read() -> int:
        nonlocal made
        made += 1
        return made

    assert [await once_per_view("pending", read), await once_per_view("pending", read)] == [1, 2]


async def test_a_reading_still_running_when_a_figure_failed_is_cancelled_with_the_view() -> None:
    started = asyncio.Event()
    reading: asyncio.Task[int] | None = None

    async def slow() -> int:
        started.set()
        await asyncio.sleep(60)
        return 1

    async def waiting_figure() -> int:
        return await once_per_view("plan", slow)

    async def view_with_a_failing_figure() -> None:
        nonlocal reading
        with one_view():
            reading = asyncio.ensure_future(waiting_figure())
            await started.wait()
            raise ValueError("a figure failed")

    with pytest.raises(ValueError, match="a figure failed"):
        await view_with_a_failing_figure()
    await asyncio.sleep(0)  # the cancellation reaches the reading
    assert reading is not None
    reading.cancel()  # the figure that waited for it goes with the view as well
    await asyncio.gather(reading, return_exceptions=True)
    pending = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "slow"]  # type: ignore[union-attr]
    assert pending == []
