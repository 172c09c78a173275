"""Terminal capture: tee sys.stdout/sys.stderr into the runs' logs, line by line.

Output still reaches the terminal. A carriage return rewrites the current line, so
progress bars arrive as one line holding their last state. Only Python-level writes
are seen (print, logging, tqdm, tracebacks); output of child processes or C code
writing to file descriptor 1/2 directly is not.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

_MAX_PENDING = 64 * 1024

LineSink = Callable[[str, float], None]


class LineSplitter:
    """Turns written text into complete lines; `\\r` keeps only the text after it."""

    def __init__(self, sink: LineSink):
        self._sink = sink
        self._pending = ""

    def write(self, text: str) -> None:
        if not text:
            return
        pending = self._pending + text
        if "\n" not in text:
            if len(pending) > _MAX_PENDING and "\r" in pending:
                pending = pending[pending.rindex("\r") :]
            self._pending = pending
            return
        *lines, self._pending = pending.split("\n")
        now = time.time()
        for line in lines:
            self._sink(_collapse(line), now)

    def flush_partial(self) -> None:
        if self._pending.strip("\r"):
            self._sink(_collapse(self._pending), time.time())
        self._pending = ""


def _collapse(line: str) -> str:
    if "\r" not in line:
        return line
    for segment in reversed(line.split("\r")):
        if segment:
            return segment
    return ""


class _Tee:
    def __init__(self, stream, splitter: LineSplitter, lock: threading.Lock):
        self._stream = stream
        self._splitter = splitter
        self._lock = lock

    def write(self, text):
        written = self._stream.write(text)
        if isinstance(text, str):
            with self._lock:
                self._splitter.write(text)
        return written

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


class TerminalCapture:
    """Process-wide: installed while at least one run wants terminal logs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sinks: list[LineSink] = []
        self._splitters: dict[str, LineSplitter] = {}
        self._originals: dict[str, object] = {}

    def _dispatch(self, text: str, when: float) -> None:
        for sink in list(self._sinks):
            sink(text, when)

    def add(self, sink: LineSink) -> None:
        with self._lock:
            self._sinks.append(sink)
            if self._originals:
                return
            for name in ("stdout", "stderr"):
                stream = getattr(sys, name)
                if stream is None:
                    continue
                splitter = LineSplitter(self._dispatch)
                self._splitters[name] = splitter
                self._originals[name] = stream
                setattr(sys, name, _Tee(stream, splitter, threading.Lock()))

    def remove(self, sink: LineSink) -> None:
        with self._lock:
            for splitter in self._splitters.values():
                splitter.flush_partial()
            if sink in self._sinks:
                self._sinks.remove(sink)
            if self._sinks:
                return
            for name, original in self._originals.items():
                # Someone may have replaced the stream after us (pytest): leave theirs.
                if isinstance(getattr(sys, name), _Tee):
                    setattr(sys, name, original)
            self._originals.clear()
            self._splitters.clear()


capture = TerminalCapture()
