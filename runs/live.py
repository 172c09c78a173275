"""The one gateway for live events (docs/architecture.md, "Live updates").

Sync code (services, ingest) calls these functions; each sends after the current
transaction commits, through the channel layer, so with Redis an ingest in one
server process reaches sockets held by any other. Summary updates of one run are
coalesced: at most one `run.updated` per run every UPDATE_INTERVAL seconds per
process, except status changes, which always go out. Payload types are shared with
the consumers.
"""

import asyncio
import logging
import threading
import time
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from runs.models import SeriesSummary
from tags.models import TagChip, visible_chips

logger = logging.getLogger(__name__)

RUNS_GROUP = "runs"
UPDATE_INTERVAL = 0.25
_last_sent: dict[str, float] = {}
_lock = threading.Lock()


def run_group(run_hash: str) -> str:
    return f"run.{run_hash}"


def mark_new(run) -> None:
    """The run is being created in the current transaction. Its page's socket
    joins only once the run exists (committed), so events sent from this
    transaction skip the run's own group, which has no members yet."""
    run._live_new = True
    transaction.on_commit(lambda: run.__dict__.pop("_live_new", None))


def _run_groups(run) -> list[str]:
    if getattr(run, "_live_new", False):
        return [RUNS_GROUP]
    return [RUNS_GROUP, run_group(run.hash)]


class RunRow(TypedDict):
    hash: str
    name: str
    experiment: str
    status: str
    is_archived: bool
    created_at: str
    finished_at: str | None
    updated_at: str


class RunChangedEvent(TypedDict):
    type: Literal["run.created", "run.updated"]
    run: RunRow
    metrics: list[SeriesSummary]


class RunsRemovedEvent(TypedDict):
    type: Literal["runs.deleted", "runs.archived", "runs.unarchived"]
    hashes: list[str]


class RunLogsEvent(TypedDict):
    type: Literal["run.logs"]
    hash: str
    lines: list[dict]


class TagsChangedEvent(TypedDict):
    type: Literal["run.tags"]
    hash: str
    tags: list[TagChip]


def run_row(run) -> RunRow:
    return {
        "hash": run.hash,
        "name": run.display_name,
        "experiment": run.experiment.name,
        "status": run.status,
        "is_archived": run.is_archived,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "updated_at": run.updated_at.isoformat(),
    }


async def _group_send_all(layer, messages: list[tuple[str, dict]]) -> None:
    for group, event in messages:
        try:
            await layer.group_send(group, event)
        except Exception:  # a dead channel layer must never fail an ingest
            logger.exception("live event %s to %s not sent", event.get("type"), group)


# The server's event loop (bound by aimsite.asgi on every call) and the queue of
# event batches its drain task sends, one batch after another, in order.
_server_loop: asyncio.AbstractEventLoop | None = None
_queues: dict[asyncio.AbstractEventLoop, asyncio.Queue] = {}
_drains: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def bind_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


async def _drain(queue: asyncio.Queue) -> None:
    while True:
        layer, messages = await queue.get()
        await _group_send_all(layer, messages)


def _enqueue(layer, messages: list[tuple[str, dict]]) -> None:
    """Runs on the server's loop: FIFO, so each run's events keep their order."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        for stale in [known for known in _queues if known.is_closed()]:
            del _queues[stale]
            _drains.pop(stale, None)
        queue = _queues[loop] = asyncio.Queue()
        _drains[loop] = loop.create_task(_drain(queue))
    queue.put_nowait((layer, messages))


def _send(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    loop = _server_loop
    if loop is not None and running is None and not loop.is_closed():
        # Inside the server: hand the events to its loop and return at once; the
        # request does not wait for delivery (that wait was a fifth of a small
        # ingest request).
        try:
            loop.call_soon_threadsafe(_enqueue, layer, messages)
            return
        except RuntimeError:  # the loop closed meanwhile
            pass
    if running is not None:
        # Sync code called on an event loop's own thread (a test driving a browser):
        # async_to_sync cannot run here, and no socket of this process listens.
        logger.debug("live events skipped: called from inside a running event loop")
        return
    try:
        async_to_sync(_group_send_all)(layer, messages)
    except Exception:
        logger.exception("live events not sent")


class _Flush:
    """One on-commit callback carrying every live message of a transaction."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []

    def __call__(self) -> None:
        _send(self.messages)


def _after_commit_all(messages: list[tuple[str, dict]]) -> None:
    if not messages:
        return
    # Join the flush already registered at this savepoint level, if any: one loop
    # hop per transaction instead of one per event (it shares the savepoint's fate
    # on rollback, as the events should).
    connection = transaction.get_connection()
    if connection.in_atomic_block and connection.run_on_commit:
        savepoints, callback, _robust = connection.run_on_commit[-1]
        if isinstance(callback, _Flush) and set(savepoints) == set(
            connection.savepoint_ids
        ):
            callback.messages.extend(messages)
            return
    flush = _Flush()
    flush.messages.extend(messages)
    transaction.on_commit(flush)


def _after_commit(groups: list[str], event: dict) -> None:
    _after_commit_all([(group, event) for group in groups])


def _is_due(run_hash: str, force: bool) -> bool:
    now = time.monotonic()
    with _lock:
        if not force and now - _last_sent.get(run_hash, 0.0) < UPDATE_INTERVAL:
            return False
        _last_sent[run_hash] = now
        if len(_last_sent) > 10_000:
            _last_sent.clear()
    return True


def run_created(run) -> None:
    event: RunChangedEvent = {"type": "run.created", "run": run_row(run), "metrics": []}
    _after_commit(_run_groups(run), event)


def _changed_event(run, series) -> RunChangedEvent:
    metrics = [item.as_summary() for item in series] if series is not None else []
    return {"type": "run.updated", "run": run_row(run), "metrics": metrics}


def run_changed(run, series=None, force: bool = True) -> None:
    if _is_due(run.hash, force):
        _after_commit(_run_groups(run), _changed_event(run, series))


def run_tracked(
    run, series, log_lines, *, status_changed: bool, data_changed: bool
) -> None:
    """After a batch: new log lines always go out; summaries are coalesced; a bare
    heartbeat sends nothing."""
    messages: list[tuple[str, dict]] = []
    groups = _run_groups(run)
    if log_lines and run_group(run.hash) in groups:
        event: RunLogsEvent = {
            "type": "run.logs",
            "hash": run.hash,
            "lines": [
                {"line": line, "text": text, "time": t, "level": level}
                for line, text, t, level in log_lines
            ],
        }
        messages.append((run_group(run.hash), event))
    if (status_changed or data_changed) and _is_due(run.hash, status_changed):
        changed = _changed_event(run, series)
        messages += [(group, changed) for group in groups]
    _after_commit_all(messages)


def runs_removed(
    kind: Literal["deleted", "archived", "unarchived"], hashes: list[str]
) -> None:
    if not hashes:
        return
    event: RunsRemovedEvent = {"type": f"runs.{kind}", "hashes": hashes}
    _after_commit([RUNS_GROUP, *[run_group(h) for h in hashes]], event)


def run_tags_changed(run, tags=None) -> None:
    """`tags`: the run's tags when the caller has them (else they are read)."""
    if tags is None:
        tags = run.tags.filter(is_archived=False)
    event: TagsChangedEvent = {
        "type": "run.tags",
        "hash": run.hash,
        "tags": visible_chips(tags),
    }
    _after_commit(_run_groups(run), event)


def runs_tags_changed(run_hashes: list[str]) -> None:
    """`run.tags` for many runs at once (a tag renamed, recoloured, archived or deleted)."""
    if not run_hashes:
        return
    # Imported here: live.py is imported by modules that models.py must not depend on.
    from django.db.models import Prefetch

    from runs.models import Run
    from tags.models import Tag

    visible = Prefetch(
        "tags", queryset=Tag.objects.filter(is_archived=False).order_by("name")
    )
    runs = (
        Run.objects.filter(hash__in=run_hashes).only("hash").prefetch_related(visible)
    )
    for run in runs:
        event: TagsChangedEvent = {
            "type": "run.tags",
            "hash": run.hash,
            "tags": visible_chips(run.tags.all()),
        }
        _after_commit([RUNS_GROUP, run_group(run.hash)], event)
