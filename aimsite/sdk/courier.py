"""The courier: one thread per process delivering what closed runs leave behind.

`Run.close()` hands a run's last requests over as a parcel: they are appended to the
courier's journal, a spool file on disk (spool.py), and close() returns. The courier
thread sends parcels in order on one keep-alive connection per server and token,
merging the creations of short runs (a run opened and closed between two flushes is
a single `POST /runs/`) into one request of up to MAX_BULK_RUNS runs. A journal is
deleted once all its parcels are acknowledged (or refused, warned once; a refused
upload of tracked objects is split and what stays refused kept, see spool.send).

So a parcel is never only in memory: if the process is killed before delivery, the
journal stays behind and the next Run, or `aimsite sync`, sends it. A network error
or 5xx marks the server down: the journal is kept (unlocked, like any abandoned
spool), later parcels only go to disk, and the courier resends the spool files with
backoff. `flush()`, which interpreter exit calls, waits until every parcel handed
over is acknowledged, refused or kept on disk.

Below run and sender, above spool and transport, it imports nothing above it: at
import it registers its flush and fork handlers with lifecycle.py, which calls them
at exit (after closing the open runs) and around os.fork(), and it warns through
notices.py.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from aimsite.sdk import lifecycle
from aimsite.sdk.notices import warn_once
from aimsite.sdk.spool import Request, SpoolWriter, send, send_spool_files
from aimsite.sdk.transport import (
    API_PREFIX,
    Connection,
    RejectedError,
    TransientError,
)

MAX_BULK_RUNS = 100  # the server's limit for a list sent to POST /runs/
MAX_BULK_BYTES = 8 * 2**20
JOURNAL_MAX_PARCELS = 1000  # then the next parcels start a new journal file
JOURNAL_MAX_BYTES = 64 * 2**20
RETRY_MIN, RETRY_MAX = 0.25, 8.0
CREATE_PATH = f"{API_PREFIX}/runs/"


@dataclass(eq=False)
class Journal:
    """A spool file holding parcels until they are delivered (then it is deleted)."""

    writer: SpoolWriter
    pending: int = 0  # parcels written and not yet finished
    written: int = 0
    size: int = 0
    kept: bool = False  # something in it was not delivered: keep the file


@dataclass(eq=False)
class Parcel:
    """The requests a closed run still has to send, in order."""

    server: str
    token: str | None
    spool_dir: Path
    run_hash: str
    requests: list[Request]
    done: threading.Event = field(default_factory=threading.Event)
    journal: Journal | None = None

    @property
    def route(self) -> tuple[str, str | None]:
        return self.server, self.token

    @property
    def spool_key(self) -> tuple[str, str | None, Path]:
        return self.server, self.token, self.spool_dir

    @property
    def is_creation(self) -> bool:
        """A whole short run: one create request, which can join a bulk creation."""
        if len(self.requests) != 1:
            return False
        request = self.requests[0]
        return (
            request.method == "POST"
            and request.path == CREATE_PATH
            and request.content_type == "application/json"
            and request.body is not None
        )


class Courier:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._queue: deque[Parcel] = deque()
        self._in_hand: list[Parcel] = []  # taken from the queue, being delivered
        self._unfinished = 0
        self._thread: threading.Thread | None = None
        self._connections: dict[tuple[str, str | None], Connection] = {}
        # The journal new parcels go to, per (server, token, spool dir).
        self._journals: dict[tuple[str, str | None, Path], Journal] = {}
        # Unreachable servers: (server, token, spool dir) → (next retry, delay).
        self._down: dict[tuple[str, str | None, Path], tuple[float, float]] = {}

    def _after_fork_in_child(self) -> None:
        """A forked child starts afresh (its parent delivers its own parcels): it
        closes its copies of the journals (they hold no unwritten bytes: appends
        happen under the lock, which the fork waited for) and releases waiters."""
        journals = list(self._journals.values())
        parcels = [*self._queue, *self._in_hand]
        self._reset()
        for journal in journals:
            journal.writer.release()  # the parent's descriptor keeps the lock
        for parcel in parcels:
            parcel.done.set()

    # -- the caller's side -------------------------------------------------------

    def start(self) -> bool:
        """Start the courier thread if it is not running; False if it cannot be
        (a thread started while the interpreter exits raises since Python 3.12)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return True
            thread = threading.Thread(
                target=self._loop, name="aimsite-courier", daemon=True
            )
            try:
                thread.start()
            except RuntimeError:
                return False
            self._thread = thread
        lifecycle.close_at_multiprocessing_child_exit()
        return True

    def submit(self, parcel: Parcel) -> None:
        """Write the parcel to the journal and queue it; returns without network."""
        running = self.start()
        with self._lock:
            self._write(parcel)
            self._unfinished += 1
            if running:
                self._queue.append(parcel)
                self._wake.notify()
                return
        self._process([parcel])  # no courier thread: deliver it here and now

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every parcel handed over so far is delivered, refused or kept
        on disk; False if `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._unfinished:
                if self._thread is None or not self._thread.is_alive():
                    return False  # nobody left to deliver (the journal keeps them)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(0.5 if remaining is None else min(remaining, 0.5))
        return True

    def _write(self, parcel: Parcel) -> None:
        """Under the lock: append the parcel to its journal (flushed to the OS)."""
        key = parcel.spool_key
        journal = self._journals.get(key)
        if journal is None or (
            journal.written >= JOURNAL_MAX_PARCELS or journal.size >= JOURNAL_MAX_BYTES
        ):
            writer = SpoolWriter(parcel.spool_dir, parcel.server, "courier")
            journal = self._journals[key] = Journal(writer)
        try:
            for request in parcel.requests:
                journal.writer.append(request)
                journal.size += len(request.body or b"")
        except OSError as error:
            warn_once(
                f"aimsite: cannot write to the spool in {parcel.spool_dir} ({error}); "
                "closed runs are kept in memory only until the server has them"
            )
            # Never append behind a torn line: later parcels start a new file, and
            # this one keeps what it holds whole if parcels in it are unfinished.
            del self._journals[key]
            journal.kept = bool(journal.pending)
            if not journal.pending:
                journal.writer.discard()
            return
        journal.pending += 1
        journal.written += 1
        parcel.journal = journal

    def _finished(self, parcels: list[Parcel]) -> None:
        """Under the lock: the parcels are done; journals left empty are closed."""
        for parcel in parcels:
            journal = parcel.journal
            if journal is not None:
                journal.pending -= 1
                if not journal.pending:
                    self._close_journal(parcel.spool_key, journal)
            parcel.done.set()
        self._unfinished -= len(parcels)
        if not self._unfinished:
            self._idle.notify_all()

    def _close_journal(self, key, journal: Journal) -> None:
        if self._journals.get(key) is journal:
            del self._journals[key]
        if journal.kept:
            journal.writer.release()  # an abandoned spool now: resent with backoff
            self._schedule_retry(key)
        else:
            journal.writer.discard()

    # -- the courier thread --------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    if not self._wake.wait(self._retry_wait()):
                        break
                parcels = list(self._queue)
                self._queue.clear()
                self._in_hand = parcels
            self._process(parcels)

    def _process(self, parcels: list[Parcel]) -> None:
        try:
            self._retry_spools()
            self._deliver_all(parcels)
        except Exception as error:  # never let the courier die, nor lose a parcel
            with contextlib.suppress(Exception):
                warn_once(f"aimsite courier error: {error!r}")
            for parcel in parcels:
                if parcel.journal is not None:
                    with self._lock:
                        parcel.journal.kept = True  # resent whole; idempotent
        finally:
            with self._lock:
                self._in_hand = []
                self._finished(parcels)

    def _schedule_retry(self, key) -> None:
        self._down.setdefault(key, (time.monotonic() + RETRY_MIN, RETRY_MIN))

    def _retry_wait(self) -> float | None:
        if not self._down:
            return None
        next_retry = min(retry for retry, _delay in self._down.values())
        return max(0.01, next_retry - time.monotonic())

    def _retry_spools(self) -> None:
        now = time.monotonic()
        for key, (next_retry, delay) in list(self._down.items()):
            if now < next_retry:
                continue
            server, token, directory = key
            sent = False
            try:
                result = send_spool_files(directory, server, token, warn=warn_once)
                sent = not result.files_left
            except Exception as error:  # an unreadable file: try again later
                warn_once(
                    f"aimsite: resending the spool in {directory} failed: {error!r}"
                )
            finally:
                if sent:
                    del self._down[key]
                else:
                    delay = min(delay * 2, RETRY_MAX)
                    self._down[key] = (time.monotonic() + delay, delay)

    def _connection(self, route: tuple[str, str | None]) -> Connection:
        connection = self._connections.get(route)
        if connection is None:
            connection = self._connections[route] = Connection(*route)
        return connection

    def _deliver_all(self, parcels: list[Parcel]) -> None:
        bulk: list[Parcel] = []
        size = 0
        for parcel in parcels:
            if parcel.spool_key in self._down:
                self._keep(parcel, parcel.requests)
                continue
            if parcel.is_creation:
                body_size = len(parcel.requests[0].body)
                if bulk and (
                    bulk[0].spool_key != parcel.spool_key
                    or len(bulk) >= MAX_BULK_RUNS
                    or size + body_size > MAX_BULK_BYTES
                ):
                    self._send_bulk(bulk)
                    bulk, size = [], 0
                bulk.append(parcel)
                size += body_size
                continue
            self._send_bulk(bulk)
            bulk, size = [], 0
            self._send_each(parcel)
        self._send_bulk(bulk)

    def _send_bulk(self, bulk: list[Parcel]) -> None:
        if not bulk:
            return
        if len(bulk) == 1 or bulk[0].spool_key in self._down:
            for parcel in bulk:
                self._send_each(parcel)
            return
        body = b"[" + b",".join(parcel.requests[0].body for parcel in bulk) + b"]"
        try:
            _status, answers = self._connection(bulk[0].route).request(
                "POST", CREATE_PATH, body
            )
        except TransientError as error:
            self._mark_down(bulk[0], error)
            for parcel in bulk:
                self._keep(parcel, parcel.requests)
            return
        except RejectedError:
            # Refused as a whole (a server without bulk creation, say): one by one,
            # so each refusal names its own reason.
            for parcel in bulk:
                self._send_each(parcel)
            return
        if not isinstance(answers, list) or len(answers) != len(bulk):
            for parcel in bulk:  # an answer that does not fit: resend (idempotent)
                self._send_each(parcel)
            return
        for parcel, answer in zip(bulk, answers, strict=True):
            code = answer.get("code", 200) if isinstance(answer, dict) else 200
            if code >= 500 or code in (408, 429):
                self._keep(parcel, parcel.requests)  # may succeed later
            elif code >= 400:
                warn_once(
                    f"aimsite: the server refused run {parcel.run_hash} ({code}): "
                    f"{answer.get('error', '')}"
                )

    def _send_each(self, parcel: Parcel) -> None:
        connection = self._connection(parcel.route)
        for position, request in enumerate(parcel.requests):
            if parcel.spool_key in self._down:
                self._keep(parcel, parcel.requests[position:])
                return
            try:
                send(connection, request, parcel.spool_dir, warn_once)
            except TransientError as error:
                self._mark_down(parcel, error)
                self._keep(parcel, parcel.requests[position:])
                return
            except RejectedError as error:
                warn_once(
                    f"aimsite: the server refused {request.method} {request.path} "
                    f"({error.status}): {error.message}"
                )

    def _mark_down(self, parcel: Parcel, error: Exception) -> None:
        self._down[parcel.spool_key] = (time.monotonic() + RETRY_MIN, RETRY_MIN)
        connection = self._connections.pop(parcel.route, None)
        if connection is not None:
            connection.close()
        warn_once(
            f"aimsite: cannot reach {parcel.server} ({error}); the data of closed runs "
            f"is kept in {parcel.spool_dir} and sent when the server answers again "
            "(or by the next Run, or `aimsite sync`)"
        )

    def _keep(self, parcel: Parcel, requests: list[Request]) -> None:
        """Requests of the parcel that were not delivered go to a spool file of their
        own (resent with backoff, by the next Run or by `aimsite sync`), so only they
        are resent; if that cannot be written, the parcel's journal is kept whole."""
        writer = SpoolWriter(parcel.spool_dir, parcel.server, parcel.run_hash)
        try:
            for request in requests:
                writer.append(request)
        except OSError:
            writer.discard()
            with self._lock:
                if parcel.journal is not None:
                    parcel.journal.kept = True
                    return
            warn_once(
                f"aimsite: the data of run {parcel.run_hash} could neither reach "
                f"{parcel.server} nor be written to {parcel.spool_dir}; it is lost"
            )
            return
        writer.release()
        with self._lock:
            self._schedule_retry(parcel.spool_key)


courier = Courier()
# Fork only between two journal writes; the child starts afresh.
lifecycle.at_fork(
    before=lambda: courier._lock.acquire(),
    after_in_parent=lambda: courier._lock.release(),
    after_in_child=courier._after_fork_in_child,
)
# At exit, what the runs closed there hand over reaches the server (or the spool).
lifecycle.after_runs_closed(courier.flush)


def flush(timeout: float | None = None) -> bool:
    """Wait until everything closed runs of this process handed over has reached the
    server (or, if it is unreachable, the spool). Returns False on timeout."""
    return courier.flush(timeout)
