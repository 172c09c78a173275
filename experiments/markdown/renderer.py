"""Render Markdown in a child process with a hard deadline.

Python-Markdown is pure Python (and holds the GIL through each regular-expression
match), so a pathological note rendered in the server process slows every other
request of that process, and some inputs take minutes. Each server process therefore keeps
one small long-lived renderer process (experiments/markdown/worker.py) and sends
it one text at a time over pipes. When an answer does not arrive within the
budget (settings.AIMSITE_NOTES_RENDER_MS), the child is killed, the text is
refused with MarkdownRefused, and the next render starts a fresh child. Requests
that find the renderer busy wait for it a few budgets at most, then get
RendererBusy instead of piling up.
"""

import os
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

# The directory holding the `experiments` package, so the child imports the same
# code as this process whatever its working directory.
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
_START_TIMEOUT = 30.0  # a cold interpreter start on a loaded machine
_WAIT_IN_BUDGETS = 4
_HEADER = struct.Struct(">cI")  # status byte, payload length


class MarkdownRefused(ValidationError):
    """The text could not be rendered within the budget; nothing may be saved."""


class RendererBusy(Exception):
    """Other renders held the renderer for longer than a request may wait."""


class _TooSlow(Exception):
    pass


class _ChildDied(Exception):
    pass


class _Child:
    """One renderer process and its two pipes."""

    def __init__(self, budget: float) -> None:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")])
            ),
        }
        self.process = subprocess.Popen(
            # -P: the working directory must not shadow the `markdown` package.
            [sys.executable, "-P", "-m", "experiments.markdown.worker", str(budget)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )
        self.is_ready = False

    def wait_until_ready(self) -> None:
        try:
            self._read_answer(time.monotonic() + _START_TIMEOUT)
        except (_TooSlow, _ChildDied):
            raise RendererBusy(
                "The Markdown renderer could not start; try again in a moment."
            ) from None
        self.is_ready = True

    def render(self, text: str, budget: float) -> tuple[bytes, str]:
        payload = text.encode("utf-8", "surrogatepass")
        deadline = time.monotonic() + budget
        self.process.stdin.write(_HEADER.pack(b"t", len(payload)) + payload)
        self.process.stdin.flush()
        return self._read_answer(deadline)

    def _read_answer(self, deadline: float) -> tuple[bytes, str]:
        header = self._read_exactly(_HEADER.size, deadline)
        status, length = _HEADER.unpack(header)
        return status, self._read_exactly(length, deadline).decode("utf-8")

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        descriptor = self.process.stdout.fileno()
        chunks: list[bytes] = []
        missing = size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _TooSlow
            readable, _, _ = select.select([descriptor], [], [], remaining)
            if not readable:
                raise _TooSlow
            chunk = os.read(descriptor, min(missing, 1 << 20))
            if not chunk:
                raise _ChildDied
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


class Renderer:
    """One child at a time, replaced when killed. Safe to share between threads."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._child: _Child | None = None

    @property
    def child_pid(self) -> int | None:
        return self._child.process.pid if self._child else None

    def render(self, text: str) -> str:
        if not self._lock.acquire(timeout=self.budget * _WAIT_IN_BUDGETS):
            raise RendererBusy(
                "The Markdown renderer is busy with other notes; try again in a moment."
            )
        try:
            return self._render_locked(text)
        finally:
            self._lock.release()

    def _render_locked(self, text: str) -> str:
        try:
            try:
                status, answer = self._ready_child().render(text, self.budget)
            except (BrokenPipeError, _ChildDied):
                # Killed from outside (or crashed): once more with a new one.
                self._replace_child()
                status, answer = self._ready_child().render(text, self.budget)
        except (_TooSlow, BrokenPipeError, _ChildDied) as error:
            # Start the replacement now, so it is ready by the next request.
            self._replace_child()
            if isinstance(error, _TooSlow):
                raise MarkdownRefused(
                    f"This note is too complex to render within {self.budget:g} s; "
                    "simplify it (for example fewer unmatched brackets, parentheses "
                    "or backticks, or fewer emphasis markers in one paragraph) and "
                    "try again."
                ) from None
            raise MarkdownRefused(
                "This note cannot be rendered as Markdown: the renderer stopped on it."
            ) from None
        if status == b"e":
            raise MarkdownRefused(f"This note cannot be rendered as Markdown: {answer}")
        return answer

    def _ready_child(self) -> _Child:
        if self._child is None or not self._child.is_alive():
            self._replace_child()
        if not self._child.is_ready:
            try:
                self._child.wait_until_ready()
            except RendererBusy:
                self._child.kill()
                self._child = None
                raise
        return self._child

    def _replace_child(self) -> None:
        if self._child is not None:
            self._child.kill()
        self._child = _Child(self.budget)

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.kill()
                self._child = None


_renderers: dict[int, Renderer] = {}
_renderers_lock = threading.Lock()


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML, or MarkdownRefused past the render budget.

    May also raise RendererBusy when other renders keep the renderer occupied.
    """
    if not text:
        return ""
    return _renderer().render(text)


def _renderer() -> Renderer:
    # Keyed by process id: a forked server process must not share its parent's
    # child and pipes.
    with _renderers_lock:
        renderer = _renderers.get(os.getpid())
        if renderer is None:
            renderer = Renderer(settings.AIMSITE_NOTES_RENDER_MS / 1000)
            _renderers[os.getpid()] = renderer
        return renderer
