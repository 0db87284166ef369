"""Child processes die with their parent, SIGKILL of the parent included (OPS-1).

A parent that is killed with SIGKILL runs no shutdown code, so whatever it started must
notice on its own. Two ways, each where it holds:

- **The kernel** (``die_with_parent``): Linux's ``prctl(PR_SET_PDEATHSIG, sig)``, called
  through ctypes on libc (no dependency), sends ``sig`` when the parent dies. It fires when
  the parent *thread* that forked the child ends, not the parent process, so it is used
  only for children forked from a thread that lives as long as its process: the embedded
  redis-server (started from the main thread; ``redis_conn`` refuses any other) and
  uvicorn's web workers (spawned from the supervisor's main loop). It is cleared by fork
  but survives exec (for binaries that are not set-uid), so redis-server, a foreign
  program, gets it through the small exec wrapper at the bottom. A parent that dies
  between the fork and the ``prctl`` sends nothing, so the child then compares its parent
  pid with the expected one.
- **Python's parent sentinel** (``die_with_owner``): a process of a forkserver pool is
  forked by the forkserver, not by the process that owns the pool, so the kernel would
  tie it to the wrong process. Worse, the forkserver only exits when the pipe its owner
  holds reaches EOF, and every process it forks holds that pipe too: owner dead, the
  forkserver and its children would wait on each other for ever. multiprocessing keeps,
  for each child, a pipe whose write end only the owner holds (``parent_process()``'s
  sentinel); a daemon thread in the child waits for it and ends the process. Once the
  children are gone, the forkserver and the resource tracker see EOF and exit as designed.

Elsewhere than Linux ``die_with_parent`` does nothing; the graceful SIGTERM path and
``die_with_owner`` still apply.
"""

import ctypes
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(sig: signal.Signals, parent_pid: int | None) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies.

    ``parent_pid`` is the parent expected: if this process was already orphaned before the
    call, it sends itself ``sig`` at once. ``None`` skips that check.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.prctl(
        ctypes.c_int(_PR_SET_PDEATHSIG),
        ctypes.c_ulong(int(sig)),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)


def die_with_owner(sig: signal.Signals) -> None:
    """In a process started by ``multiprocessing``: ``sig`` to this process when the
    process that started it (its owner, whatever forked it) dies or lets it go."""
    import multiprocessing

    owner = multiprocessing.parent_process()
    if owner is None:
        return

    def watch() -> None:
        owner.join()  # returns at once if the owner is already gone
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="die-with-owner", daemon=True).start()


def die_with_supervisor() -> None:
    """In a process started by a ``multiprocessing`` parent (``practice serve --workers N``,
    whose uvicorn supervisor spawns the web workers from its main thread): SIGTERM, the
    graceful stop, when that parent dies. A process without such a parent (a single
    ``practice serve``, a process under systemd) is left alone: it is nobody's child."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        die_with_parent(signal.SIGTERM, parent.pid)


def wrapped_command(program: str, *args: str, sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """The argv that runs ``program`` as a child that gets ``sig`` when this process dies.

    It starts a Python that sets PR_SET_PDEATHSIG on itself and then execs ``program`` in
    the same process (the setting survives exec). This replaces ``preexec_fn``, which
    Python documents as unsafe once threads run.
    """
    return [sys.executable, "-m", __name__, str(os.getpid()), sig.name, program, *args]


def _exec_main(argv: list[str]) -> None:
    parent_pid, signal_name, program, *args = argv
    die_with_parent(signal.Signals[signal_name], int(parent_pid))
    os.execv(program, [program, *args])  # noqa: S606 - our own wrapped_command's argv


if __name__ == "__main__":
    _exec_main(sys.argv[1:])
