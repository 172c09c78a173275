"""The process around the runs: open runs, interpreter exit, uncaught exceptions, fork.

A leaf beside the layers (run → sender → courier → spool → uploads → transport): it
imports no other SDK module and holds registries instead, filled from above. A Run
adds itself when it opens and leaves when it closes; the courier registers its
flush, to wait for once the open runs are closed, and its fork handlers. At
interpreter exit, or at the exit of a multiprocessing child (which skips atexit),
`close_all_runs()` closes every open run and then waits for the courier. An uncaught
exception marks every open run failed, with its traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Protocol


class OpenRun(Protocol):
    """What the lifecycle needs of a run (aimsite.sdk.run.Run)."""

    def close(self) -> None: ...

    def _mark_failed(self, text: str) -> None: ...


_open_runs: set[OpenRun] = set()
_lock = threading.Lock()
_after_runs_closed: list[Callable[[], object]] = []
_hooks_installed = False
_previous_excepthook = sys.excepthook


def add_run(run: OpenRun) -> None:
    """Register an opening run; the first one installs the exit and exception hooks
    (only then, so importing the SDK changes nothing in the process)."""
    _install_hooks()
    with _lock:
        _open_runs.add(run)


def remove_run(run: OpenRun) -> None:
    with _lock:
        _open_runs.discard(run)


def after_runs_closed(callback: Callable[[], object]) -> None:
    """Call `callback` in `close_all_runs()`, once every open run is closed."""
    _after_runs_closed.append(callback)


def close_all_runs() -> None:
    with _lock:
        runs = list(_open_runs)
    for run in runs:
        # Interpreter exit: one run failing to close must not stop the others.
        with contextlib.suppress(Exception):
            run.close()
    # What closed runs handed over reaches the server, or the spool, before exit.
    for callback in _after_runs_closed:
        callback()


def in_multiprocessing_child() -> bool:
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is not None and multiprocessing.parent_process() is not None


def close_at_multiprocessing_child_exit() -> None:
    """A multiprocessing child started by fork leaves through os._exit, skipping
    atexit; multiprocessing runs its own exit finalizers there, so close what is
    open and wait for the courier in one of those."""
    if not in_multiprocessing_child():
        return
    # Imported here: only a multiprocessing child, which has it loaded, needs it.
    from multiprocessing import util

    util.Finalize(None, close_all_runs, exitpriority=100)


def at_fork(
    *,
    before: Callable[[], object],
    after_in_parent: Callable[[], object],
    after_in_child: Callable[[], object],
) -> None:
    """Run these around every os.fork() (where the platform can fork)."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=before,
            after_in_parent=after_in_parent,
            after_in_child=after_in_child,
        )


def _excepthook(kind, error, trace) -> None:
    _previous_excepthook(kind, error, trace)  # prints the traceback (captured as logs)
    if issubclass(kind, KeyboardInterrupt | SystemExit):
        return
    text = "".join(traceback.format_exception(kind, error, trace))
    with _lock:
        runs = list(_open_runs)
    for run in runs:
        run._mark_failed(text)


def _install_hooks() -> None:
    global _hooks_installed, _previous_excepthook
    with _lock:
        if _hooks_installed:
            return
        _hooks_installed = True
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    atexit.register(close_all_runs)
