"""A worker's stop on SIGTERM is bounded: whatever holds it up, the process ends (OPS-1)."""

import signal
import subprocess
import sys
import time

_HELD_UP = """
import signal, threading, time
from practice.composition import worker
worker.STOP_GRACE_SECONDS = 0.5
# A thread that never ends keeps a plain interpreter from exiting.
threading.Thread(target=time.sleep, args=(3600,)).start()
worker._bound_the_stop(signal.SIGTERM)
"""


def test_a_worker_whose_stop_is_held_up_ends_itself_after_the_grace_period() -> None:
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-c", _HELD_UP], capture_output=True, text=True, timeout=60
    )

    assert finished.returncode == 128 + signal.SIGTERM, finished.stderr[-2000:]
    assert "did not stop within" in finished.stderr
    assert "most recent call first" in finished.stderr  # the stacks that held it up
    assert time.monotonic() - started < 30
