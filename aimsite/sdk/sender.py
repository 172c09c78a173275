"""The sender thread of a run: drains its queues into requests, retries, spools, resends.

One thread per run, woken by the run's event (close, a full queue) or every
FLUSH_INTERVAL. Requests go out in order: create the run (lazily, on the first
flush), field patches, tag changes, track batches, object uploads. After a network
error or 5xx every later request is appended to the spool file behind the failed
one, so order is kept, and the spool is resent with backoff until it empties.
At close the last requests are not sent here but handed to the process's courier
(courier.py), so closing a run does not wait for the network. Object uploads are
packed to fit the limits the server shares with the SDK (uploads.py); one the server
refuses is split and resent, and what it still refuses is kept (spool.send).

Imported by run.py and importing only below it (courier, spool, uploads, transport)
and the leaf notices.py: it knows the Run only as a type, never imports it at runtime.
"""

from __future__ import annotations

import math
import threading
import time
from operator import itemgetter
from typing import TYPE_CHECKING

from aimsite.sdk import uploads
from aimsite.sdk.courier import Parcel, courier
from aimsite.sdk.notices import warn_once
from aimsite.sdk.spool import Request, SpoolWriter, send, send_spool_files
from aimsite.sdk.transport import (
    API_PREFIX,
    Connection,
    RejectedError,
    TransientError,
    dumps,
    multipart,
)

FLUSH_INTERVAL = 0.5  # seconds between batches while tracking
MAX_POINTS_PER_REQUEST = 200_000
MAX_LOGS_PER_REQUEST = 20_000
HEARTBEAT_INTERVAL = 30.0
RETRY_MIN, RETRY_MAX = 0.25, 8.0

if TYPE_CHECKING:  # for annotations only: run.py imports this module
    from aimsite.sdk.run import Run


class Sender(threading.Thread):
    """Drains one run's queues into requests; retries, spools and resends."""

    def __init__(self, run: Run):
        super().__init__(name=f"aimsite-sender-{run.hash[:8]}", daemon=True)
        self.run_ = run
        self.connection = Connection(run.server, run._token)
        self.spool = SpoolWriter(run._spool_dir, run.server, run.hash)
        self.spool_sent = 0
        self.retry_delay = RETRY_MIN
        self.next_retry = 0.0
        self.last_request = time.monotonic()
        self.first_batch = True
        # At close, the last requests are collected here and handed to the courier.
        self.handoff: list[Request] | None = None
        self.parcel: Parcel | None = None
        # Rounds of the loop done, for wait_sent().
        self.rounds = 0
        self.round_done = threading.Condition()

    # -- the loop ----------------------------------------------------------------

    def run(self) -> None:
        run = self.run_
        if run._log_system_params:
            self._collect_system_params()
        self._send_abandoned_spools()
        while True:
            timeout = FLUSH_INTERVAL
            if self.spool.path is not None:
                timeout = max(0.0, min(timeout, self.next_retry - time.monotonic()))
            run._wake.wait(timeout)
            run._wake.clear()
            closing = run._closed
            try:
                if self.spool.path is not None and (
                    closing or time.monotonic() >= self.next_retry
                ):
                    self._drain_spool()
                if closing and self.spool.path is None:
                    self.handoff = []
                self._flush(final=closing)
            except Exception as error:  # never let the sender die silently
                warn_once(f"aimsite sender error: {error!r}")
            with self.round_done:
                self.rounds += 1
                self.round_done.notify_all()
            if closing:
                break
        self._finish()
        with self.round_done:
            self.rounds += 2  # nothing more will be sent from this thread
            self.round_done.notify_all()

    def wait_sent(self, timeout: float = 60.0) -> bool:
        """Wait until what the run queued before this call has been sent (or
        spooled, if the server is unreachable)."""
        with self.round_done:
            target = self.rounds + 2  # the round under way may have missed it
            self.run_._wake.set()
            return self.round_done.wait_for(
                lambda: self.rounds >= target or not self.is_alive(), timeout
            )

    def _finish(self) -> None:
        run = self.run_
        if self.handoff:
            self.parcel = Parcel(
                run.server, run._token, run._spool_dir, run.hash, self.handoff
            )
            courier.submit(self.parcel)
        if self.spool.path is not None:
            path = self.spool.path
            self.spool.release()
            warn_once(
                f"aimsite: {self.run_.server} is unreachable; unsent data of run "
                f"{self.run_.hash} is kept in {path} and will be sent by the next Run "
                "or by `aimsite sync`"
            )
        self.connection.close()

    def _collect_system_params(self) -> None:
        # Imported here, not at the top: system.py loads platform, subprocess and
        # importlib.metadata, which `import aimsite.sdk` should not pay for.
        from aimsite.sdk.system import system_params

        try:
            params = system_params(self.run_._start_time)
        except Exception as error:
            warn_once(f"aimsite: could not collect system params: {error!r}")
            return
        with self.run_._lock:
            self.run_._meta_patch["__system_params"] = params

    def _send_abandoned_spools(self) -> None:
        directory = self.run_._spool_dir
        try:
            if not directory.is_dir() or not any(directory.glob("*.spool")):
                return
        except OSError:
            return
        send_spool_files(directory, self.run_.server, self.run_._token, warn=warn_once)

    # -- delivery ------------------------------------------------------------------

    def _deliver(self, request: Request) -> None:
        self.last_request = time.monotonic()
        if self.handoff is not None:
            self.handoff.append(request)
            return
        if self.spool.path is not None:
            # Already behind: keep order by queueing after what is spooled.
            self.spool.append(request)
            return
        try:
            send(self.connection, request, self.run_._spool_dir, warn_once)
        except TransientError as error:
            self.spool.append(request)
            self.spool_sent = 0
            self.retry_delay = RETRY_MIN
            self.next_retry = time.monotonic() + self.retry_delay
            warn_once(
                f"aimsite: cannot reach {self.run_.server} ({error}); retrying in the background"
            )
        except RejectedError as error:
            self._rejected(request, error)

    def _rejected(self, request: Request, error: RejectedError) -> None:
        warn_once(
            f"aimsite: the server refused {request.method} {request.path} ({error.status}): {error.message}"
        )

    def _drain_spool(self) -> None:
        for position, request in enumerate(self.spool.requests()):
            if position < self.spool_sent:
                continue
            try:
                send(self.connection, request, self.run_._spool_dir, warn_once)
            except TransientError:
                self.retry_delay = min(self.retry_delay * 2, RETRY_MAX)
                self.next_retry = time.monotonic() + self.retry_delay
                return
            except RejectedError as error:
                self._rejected(request, error)
            self.spool_sent = position + 1
        self.spool.discard()
        self.spool_sent = 0
        self.retry_delay = RETRY_MIN

    # -- building requests -----------------------------------------------------------

    def _flush(self, final: bool) -> None:
        run = self.run_
        with run._lock:
            fields, run._fields_patch = run._fields_patch, {}
            tag_ops, run._tag_ops = run._tag_ops, []
            params, run._params_patch = run._params_patch, {}
            meta, run._meta_patch = run._meta_patch, {}
            unset, run._unset = run._unset, []
            expect_next_in, run._expect_next_in = run._expect_next_in, None
            report, run._status_report = run._status_report, None
        attach, detach = _final_tag_state(tag_ops)
        first: dict = {}
        if unset:
            first["unset"] = unset
        if expect_next_in is not None:
            first["expect_next_in"] = expect_next_in
        if not run._created:
            # One request creates the run with its name, params, first tags and first
            # batch: a run opened and closed between two flushes costs one request.
            body = {
                "hash": run.hash,
                "experiment": run._experiment,
                "name": fields.pop("name", run._name),
                "description": fields.pop("description", run._description),
            }
            if params:
                body["params"], params = params, {}
            if attach:
                body["tags"], attach = attach, []
            create = body
        else:
            create = None
        tags = {}
        if attach:
            tags["attach"] = attach
        if detach:
            tags["detach"] = detach
        if report == "finished" and not final:
            first["status"] = "finished"
        heartbeat = report == "heartbeat" and not first and not final
        self._send_batches(params, meta, final, tags, create, first)
        run._created = True
        if heartbeat:  # report_progress() without a promise: tell the server now
            self._heartbeat()
        if fields:
            self._deliver(Request("PATCH", f"{run._path}/", dumps(fields)))
        self._send_objects()
        self._send_artifacts()
        if not final and time.monotonic() - self.last_request > HEARTBEAT_INTERVAL:
            self._heartbeat()

    def _heartbeat(self) -> None:
        """An empty batch: the server takes any request as a heartbeat, but a
        batch needs its seq."""
        run = self.run_
        self._deliver(
            Request("POST", f"{run._path}/track", dumps({"seq": next(run._seq)}))
        )

    def _send_batches(
        self,
        params: dict,
        meta: dict,
        final: bool,
        tags: dict,
        create: dict | None,
        first: dict,
    ) -> None:
        """Send the queued data as track batches; `create`, when the run does not
        exist yet, is sent first and carries the first batch with it. `first`
        holds fields for the first batch only (param removals, which the server
        applies before that batch's params; a progress report)."""
        run = self.run_
        logs = run._logs
        pending = run._take_points()
        status = None
        if final:
            status = run._final_status or "finished"
        elif self.first_batch and run._resumed:
            status = "active"
        while True:
            batch: dict = {}
            non_finite = False
            if first:
                batch.update(first)
                first = {}
                if "status" in batch:  # report_successful_finish(), never final
                    status = batch.pop("status")
            if params:
                batch["params"], params = params, {}
            if meta:
                batch["meta"], meta = meta, {}
            if tags:
                batch["tags"], tags = tags, {}
            if pending:
                batch["metrics"], non_finite, pending = _columns(
                    pending, MAX_POINTS_PER_REQUEST
                )
            if logs:
                count = min(len(logs), MAX_LOGS_PER_REQUEST)
                batch["logs"] = [
                    {"line": line, "text": text, "time": when, "level": level}
                    if level
                    else {"line": line, "text": text, "time": when}
                    for line, text, when, level in (
                        logs.popleft() for _ in range(count)
                    )
                ]
            more = bool(pending) or bool(logs)
            if status and not more:
                batch["status"] = status
            if not batch:
                if create is not None:
                    self._deliver(Request("POST", f"{API_PREFIX}/runs/", dumps(create)))
                return
            batch["seq"] = next(run._seq)
            self.first_batch = False
            if create is not None:
                create["batch"] = batch
                request = Request(
                    "POST", f"{API_PREFIX}/runs/", dumps(create, non_finite=non_finite)
                )
                create = None
            else:
                request = Request(
                    "POST", f"{run._path}/track", dumps(batch, non_finite=non_finite)
                )
            self._deliver(request)
            if not more:
                return

    def _send_artifacts(self) -> None:
        """One upload per artifact (run.log_artifact): each fits an upload alone."""
        run = self.run_
        while run._artifacts:
            name, content = run._artifacts.popleft()
            body, content_type = multipart(
                {"artifact": dumps({"name": name})}, {"file": ("artifact", content)}
            )
            self._deliver(Request("POST", f"{run._path}/artifacts", body, content_type))

    def _send_objects(self) -> None:
        run = self.run_
        while run._objects:
            # Read again for every upload: a 413 may just have lowered them.
            limits = uploads.limits_for(run.server)
            body, content_type = uploads.encode(uploads.take(run._objects, limits))
            self._deliver(Request("POST", f"{run._path}/objects", body, content_type))


def _columns(pending: list[tuple], budget: int) -> tuple[list[dict], bool, list[tuple]]:
    """Up to `budget` points of `pending` [(series, points)] as column series, and the rest."""
    metrics, non_finite = [], False
    while pending and budget > 0:
        series, points = pending.pop(0)
        if len(points) > budget:
            pending.insert(0, (series, points[budget:]))
            points = points[:budget]
        budget -= len(points)
        # One pass per column: zip(*points) over 100k tuples took 5x as long.
        steps, values, epochs, times = (
            list(map(itemgetter(column), points)) for column in range(4)
        )
        item = {
            "name": series.name,
            "context": series.context,
            "steps": steps,
            "values": values,
            "times": times,
        }
        if epochs.count(None) != len(epochs):
            item["epochs"] = epochs
        try:
            if not math.isfinite(math.fsum(values)):
                non_finite = True
        except (OverflowError, ValueError):  # inf + -inf raises
            non_finite = True
        metrics.append(item)
    return metrics, non_finite, pending


def _final_tag_state(operations: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The tags to attach and to detach after a sequence of add/remove calls
    (the last call for a name wins)."""
    final: dict[str, str] = {}
    for action, name in operations:
        final.pop(name, None)
        final[name] = action
    attach = [name for name, action in final.items() if action == "add"]
    detach = [name for name, action in final.items() if action != "add"]
    return attach, detach
