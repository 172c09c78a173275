"""`Run`: Aim's tracking API over HTTP.

`track()` only validates and appends a tuple to a deque. A background sender thread
per run drains it every half second (or sooner when much is queued), builds column
batches and sends them on one keep-alive connection. Every request is idempotent on
the server (see spool.py), so a failed one can be retried, spooled to disk and resent
later without anything applied twice. The run itself is created by the sender's first
request, so opening a run costs no round trip.

The top of the SDK's layers, whose imports run one way: run → sender → courier →
spool → uploads → transport. Beside them are two leaves every layer may import:
notices.py (`AimsiteWarning`, `warn_once`) and lifecycle.py, where a run registers
itself to be closed at interpreter exit and marked failed by an uncaught exception.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import os
import re
import secrets
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from aimsite.limits import MAX_ARTIFACT_BYTES
from aimsite.sdk import lifecycle, reading, terminal
from aimsite.sdk.courier import courier
from aimsite.sdk.notices import AimsiteWarning, warn_once
from aimsite.sdk.objects import TrackedObject
from aimsite.sdk.sender import Sender
from aimsite.sdk.spool import default_spool_dir
from aimsite.sdk.transport import (
    API_PREFIX,
    DEFAULT_SERVER,
    Connection,
    RejectedError,
    TransientError,
    normalize_server,
    server_from_repo,
)

__all__ = ["AimsiteWarning", "ReadOnlyRunError", "Run", "RunProps", "to_run_hash"]


class ReadOnlyRunError(RuntimeError):
    """A write on a run opened with `read_only=True`."""


FLUSH_POINTS = 50_000  # queued points that wake the sender early
_SEQ_COUNTER_BITS = 22  # each session numbers its batches base + 0, 1, … < 2**22

_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")
_HASH_RE = re.compile(r"[0-9a-f]{24}")
_time = time.time


def to_run_hash(value: str) -> str:
    """The run hash for a `run_hash` an Aim user passes (docs/aim-parity.md).

    aimsite's hashes are 24 lowercase hex characters, as Aim's own. The one rule
    for any other string: strip white space, lowercase, drop dashes; if that
    leaves 24 hex characters they are the hash, else the hash is the first 24 hex
    characters of that string's SHA-256. So a UUID from Aim's docs
    ("0f2c9e3a-…") always names the same run, and resuming by it finds it again.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"run_hash must be a non-empty string, got {value!r}")
    normalized = value.strip().lower().replace("-", "")
    if _HASH_RE.fullmatch(normalized):
        return normalized
    return hashlib.sha256(normalized.encode()).hexdigest()[:24]


def _timestamp(text: str | None) -> float | None:
    """An ISO 8601 time from the API as a UTC timestamp."""
    if not text:
        return None
    return datetime.datetime.fromisoformat(text).timestamp()


def _naive_utc(timestamp: float | None) -> datetime.datetime | None:
    """A timestamp as Aim's created_at/finalized_at give it: naive, in UTC."""
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.replace(tzinfo=None)


# The props Aim's run.dataframe() has as columns (and "tags", as JSON text).
_DATAFRAME_PROPS = (
    "name",
    "description",
    "archived",
    "creation_time",
    "end_time",
    "active",
    "experiment",
)


@dataclass(frozen=True)
class RunProps:
    """What Aim's `run.props` holds, as read when asked for (change a run through
    its own setters: run.name = …)."""

    name: str
    description: str
    experiment: str
    archived: bool
    tags: list[str]
    creation_time: float
    end_time: float | None
    created_at: datetime.datetime
    finalized_at: datetime.datetime | None
    active: bool


def _clean_param(value, where: str):
    """Params are JSON: convert numpy/torch scalars and tuples, refuse the rest now,
    so a bad value never makes the server reject a whole batch later."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: params must be finite numbers, got {value}")
        return value
    if isinstance(value, dict):
        return {
            _param_key(key, where): _clean_param(item, f"{where}.{key}")
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean_param(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if hasattr(value, "tolist"):  # numpy scalars and arrays, torch tensors
        return _clean_param(value.tolist(), where)
    if hasattr(value, "item"):
        return _clean_param(value.item(), where)
    raise TypeError(f"{where}: cannot store a {type(value).__name__} as a param")


def _param_key(key, where: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{where}: param keys must be strings, got {key!r}")
    return key


def _validate_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"the name must be a non-empty string, got {name!r}")
    if len(name) > 255 or not _NAME_RE.match(name):
        raise ValueError(
            f"the name {name[:40]!r} is too long or holds control characters"
        )
    return name


def _validate_context(context) -> dict:
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise TypeError(
            f'context must be a dict such as {{"subset": "train"}}, got {type(context).__name__}'
        )
    for key, value in context.items():
        if not isinstance(key, str) or not key:
            raise TypeError("context keys must be non-empty strings")
        if not (value is None or isinstance(value, bool | int | str | float)):
            raise TypeError(
                f"context value {key!r} must be a string, number, boolean or None"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"context value {key!r} must be finite")
    if len(_context_key(context)) > 1024:
        raise ValueError("context is larger than 1024 bytes")
    return dict(context)


def _context_key(context: dict) -> str:
    return json.dumps(context, sort_keys=True, separators=(",", ":"))


def _step(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{what} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _number(value) -> float:
    if hasattr(value, "item"):  # numpy scalars, 0-d arrays, torch tensors
        value = value.item()
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return value
    raise TypeError(
        f"track() takes a number, a dict of numbers or tracked objects, not {type(value).__name__}"
    )


class _Series:
    """One (name, context) of a run: its next auto step and its unsent points."""

    __slots__ = ("context", "name", "next_step", "points")

    def __init__(self, name: str, context: dict, next_step: int):
        self.name = name
        self.context = context
        self.next_step = next_step
        self.points: list[tuple] = []


class Run:
    """A run on an aimsite server, with Aim's tracking API.

    Extra keyword arguments beyond Aim's: `server`, `token` (default from
    AIMSITE_SERVER / AIMSITE_TOKEN), `name`, `description`, `spool_dir`
    (default AIMSITE_SPOOL_DIR or ~/.aimsite/spool).
    """

    def __init__(
        self,
        run_hash: str | None = None,
        *,
        repo: str | None = None,
        experiment: str | None = None,
        server: str | None = None,
        token: str | None = None,
        system_tracking_interval: float | None = 10,
        log_system_params: bool = False,
        capture_terminal_logs: bool = True,
        name: str | None = None,
        description: str | None = None,
        spool_dir: str | os.PathLike | None = None,
        force_resume: bool = False,
        read_only: bool = False,
    ):
        if repo is not None:
            from_repo = normalize_server(server_from_repo(repo))
            if server is not None and normalize_server(server) != from_repo:
                raise ValueError(
                    f"repo={repo!r} and server={server!r} name different servers"
                )
            server = from_repo
        self.server = normalize_server(
            server or os.environ.get("AIMSITE_SERVER") or DEFAULT_SERVER
        )
        self._token = token or os.environ.get("AIMSITE_TOKEN")
        self._spool_dir = Path(spool_dir) if spool_dir else default_spool_dir()
        self._start_time = _time()
        self.read_only = bool(read_only)
        # The run as the server last described it (GET runs/{hash}/), when it did.
        self._info: dict | None = None

        self._lock = threading.Lock()
        self._series: dict[tuple, _Series] = {}
        self._points_lock = threading.Lock()
        self._objects: deque = deque()
        self._logs: deque = deque()
        self._resume_steps: dict[tuple[str, str], int] = {}
        self._params: dict = {}
        self._params_patch: dict = {}
        self._meta_patch: dict = {}
        self._fields_patch: dict = {}
        self._tag_ops: list[tuple[str, str]] = []
        self._tags: list[str] = []
        self._name = name or ""
        self._description = description or ""
        self._experiment = experiment or "default"
        self._archived = False
        self._created = False
        self._resumed = False
        self._closed = False
        self._final_status: str | None = None
        self._end_time: float | None = None
        self._unset: list[list[str]] = []
        self._expect_next_in: float | None = None
        self._status_report: str | None = None
        self._artifacts: deque = deque()
        self._artifacts_uri: str | None = None
        self._line_counter = itertools.count(0)
        self._seq = itertools.count(secrets.randbits(40) << _SEQ_COUNTER_BITS)

        if self.read_only:
            self._open_read_only(run_hash)
            return
        if run_hash is None:
            self.hash = secrets.token_hex(12)
        else:
            self.hash = to_run_hash(run_hash)
            self._resume(explicit_experiment=experiment)
        self._path = f"{API_PREFIX}/runs/{self.hash}"

        if name is not None and self._created:
            self._fields_patch["name"] = self._name
        if description is not None and self._created:
            self._fields_patch["description"] = self._description
        # Collected by the sender thread: listing packages and asking git take
        # tens of milliseconds the caller should not wait for.
        self._log_system_params = log_system_params

        self._wake = threading.Event()
        self._stop_system = threading.Event()
        self._sender = Sender(self)
        self._capture_sink = None
        lifecycle.add_run(self)  # closed at exit, marked failed by an uncaught error
        courier.start()  # now, not at exit, where a thread may no longer start
        self._sender.start()
        if capture_terminal_logs:
            self._capture_sink = self._add_log_line
            terminal.capture.add(self._capture_sink)
        self._system_thread = None
        if system_tracking_interval:
            self._system_thread = threading.Thread(
                target=self._track_system,
                args=(float(system_tracking_interval),),
                name=f"aimsite-system-{self.hash[:8]}",
                daemon=True,
            )
            self._system_thread.start()

    # -- reading an existing run -------------------------------------------------

    def _open_read_only(self, run_hash) -> None:
        """Read the run from the server and start nothing: no sender, no system
        metrics, no terminal capture, no status change; writes raise."""
        if run_hash is None:
            raise ValueError("read_only=True opens an existing run: pass its run_hash")
        self.hash = to_run_hash(run_hash)
        self._path = f"{API_PREFIX}/runs/{self.hash}"
        self._closed = True
        connection = Connection(self.server, self._token, timeout=30)
        try:
            _status, run = connection.request("GET", f"{self._path}/")
        except RejectedError as error:
            if error.status == 404:
                raise LookupError(
                    f"there is no run {self.hash} on {self.server} (or it is not "
                    "visible to this token)"
                ) from None
            raise
        finally:
            connection.close()
        self._take_info(run)
        self._created = self._resumed = True

    def _take_info(self, run: dict) -> None:
        """Keep what the server says about the run (GET runs/{hash}/)."""
        self._info = run
        self._params = run.get("params") or {}
        self._name = run.get("name") or ""
        self._description = run.get("description") or ""
        self._archived = bool(run.get("is_archived"))
        self._tags = [tag["name"] for tag in run.get("tags") or []]
        self._experiment = run.get("experiment") or self._experiment
        self._start_time = _timestamp(run.get("created_at")) or self._start_time
        self._artifacts_uri = ((run.get("meta") or {}).get("artifacts_uri")) or None
        if self.read_only:
            self._end_time = _timestamp(run.get("finished_at"))

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyRunError(
                f"run {self.hash} was opened with read_only=True; open it with "
                "Run(run_hash) to change it"
            )

    # -- resuming --------------------------------------------------------------

    def _resume(self, explicit_experiment: str | None) -> None:
        courier.flush()  # this run may have been closed a moment ago in this process
        connection = Connection(self.server, self._token, timeout=10)
        path = f"{API_PREFIX}/runs/{self.hash}"
        try:
            _status, run = connection.request("GET", f"{path}/")
            _status, logs = connection.request("GET", f"{path}/logs/?limit=1")
            _status, series = connection.request("GET", f"{path}/metrics/")
        except RejectedError as error:
            if error.status != 404:
                raise
            return  # a new run made with this hash
        except TransientError as error:
            warn_once(
                f"could not reach {self.server} to resume run {self.hash} ({error}); tracking goes on and is sent later"
            )
            return
        finally:
            connection.close()
        self._created = self._resumed = True
        if explicit_experiment and explicit_experiment != run.get("experiment"):
            warn_once(
                "a resumed run keeps its experiment; the experiment argument is ignored"
            )
        self._take_info(run)
        lines = (logs or {}).get("lines") or []
        start = lines[-1]["line"] + 1 if lines else (logs or {}).get("total", 0)
        self._line_counter = itertools.count(start)
        for item in series or []:
            if item.get("last_step") is not None:
                key = (item["name"], _context_key(item.get("context") or {}))
                self._resume_steps[key] = item["last_step"] + 1

    # -- params ----------------------------------------------------------------

    def __setitem__(self, key, value) -> None:
        self._check_writable()
        path = _param_path(key)
        value = _clean_param(value, ".".join(path))
        patch: dict = {}
        node = patch
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        with self._lock:
            _deep_merge(self._params_patch, json.loads(json.dumps(patch)))
            # Removals queued before this write are applied before the params
            # patch on the server, so this write survives them.
            target = self._params
            for part in path[:-1]:
                if not isinstance(target.get(part), dict):
                    target[part] = {}
                target = target[part]
            target[path[-1]] = value

    def __getitem__(self, key):
        if key is Ellipsis:  # Aim's run[...]: every param
            return json.loads(json.dumps(self._params))
        path = key if isinstance(key, tuple) else (key,)
        node = self._params
        for part in path:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(key)
            node = node[part]
        return node

    def set(self, key, value, strict: bool = True) -> None:
        """Aim's run.set(): run[key] = value. `strict=False` lets a value that is
        not JSON be stored as its string instead of raising."""
        if not strict:
            try:
                _clean_param(value, "value")
            except (TypeError, ValueError):
                value = str(value)
        self[key] = value

    def get(self, key, default=None, strict: bool = True, resolve_objects=False):
        """run[key], or `default` when the key is missing (Aim's run.get())."""
        try:
            return self[key]
        except KeyError:
            return default

    def __delitem__(self, key) -> None:
        """Remove a param (`del run["hparams", "lr"]`) here and on the server."""
        self._check_writable()
        path = _param_path(key)
        with self._lock:
            node = self._params
            for part in path[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or path[-1] not in node:
                raise KeyError(key)
            del node[path[-1]]
            _remove_path(self._params_patch, path)
            self._unset.append(list(path))

    def __contains__(self, key) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    # -- properties ------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._check_writable()
        self._name = str(value)
        self._patch_field("name", self._name)

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._check_writable()
        self._description = str(value)
        self._patch_field("description", self._description)

    @property
    def experiment(self) -> str:
        return self._experiment

    @experiment.setter
    def experiment(self, value: str) -> None:
        self._check_writable()
        if self._created:
            warn_once(
                "the experiment of a run that already exists on the server cannot change"
            )
            return
        self._experiment = str(value)

    @property
    def archived(self) -> bool:
        return self._archived

    @archived.setter
    def archived(self, value: bool) -> None:
        self._check_writable()
        self._archived = bool(value)
        self._patch_field("is_archived", self._archived)

    def _patch_field(self, field: str, value) -> None:
        """Queue a change of a run field (PATCH runs/{hash}/) for the sender."""
        self._check_writable()
        with self._lock:
            self._fields_patch[field] = value
        self._wake.set()

    @property
    def tags(self) -> list[str]:
        return list(self._tags)

    @property
    def creation_time(self) -> float:
        """When the run was created, as a UTC timestamp."""
        return self._start_time

    @property
    def created_at(self) -> datetime.datetime:
        """creation_time as a naive UTC datetime, as Aim gives it."""
        return _naive_utc(self._start_time)

    @property
    def end_time(self) -> float | None:
        """When the run ended (close(), or as the server says for a read-only
        run) as a UTC timestamp; None while it is active."""
        return self._end_time

    @property
    def finalized_at(self) -> datetime.datetime | None:
        return _naive_utc(self._end_time)

    @property
    def active(self) -> bool:
        return self._end_time is None

    @property
    def duration(self) -> float:
        """Seconds from creation to the end, or to now while active."""
        return (self._end_time or _time()) - self._start_time

    @property
    def props(self) -> RunProps:
        return RunProps(
            name=self._name,
            description=self._description,
            experiment=self._experiment,
            archived=self._archived,
            tags=list(self._tags),
            creation_time=self.creation_time,
            end_time=self.end_time,
            created_at=self.created_at,
            finalized_at=self.finalized_at,
            active=self.active,
        )

    def add_tag(self, value: str) -> None:
        self._check_writable()
        value = _validate_name(value)
        if value not in self._tags:
            self._tags.append(value)
        with self._lock:
            self._tag_ops.append(("add", value))

    def remove_tag(self, tag_name: str) -> None:
        self._check_writable()
        if tag_name in self._tags:
            self._tags.remove(tag_name)
        with self._lock:
            self._tag_ops.append(("remove", tag_name))

    # -- tracking --------------------------------------------------------------

    def track(
        self,
        value,
        name: str | None = None,
        step: int | None = None,
        epoch: int | None = None,
        *,
        context: dict | None = None,
    ) -> None:
        """Queue a value (number, dict of name → number, object or list of objects)."""
        cls = type(value)
        if cls is not float and cls is not int:
            self._track_other(value, name, step, epoch, context)
            return
        if self._closed:
            self._tracked_after_close()
            return
        try:
            series = self._series.get(
                (name, frozenset(context.items()) if context else None)
            )
        except TypeError:
            raise TypeError(
                "context values must be strings, numbers, booleans or None"
            ) from None
        if series is None:
            series = self._new_series(name, context)
        if step is None:
            step = series.next_step
        elif type(step) is not int or step < 0:
            step = _step(step, "step")
        if epoch is not None and (type(epoch) is not int or epoch < 0):
            epoch = _step(epoch, "epoch")
        series.next_step = step + 1
        # The sender swaps `points` for an empty list under the same lock.
        with self._points_lock:
            points = series.points
            points.append((step, value, epoch, _time()))
        if len(points) >= FLUSH_POINTS:
            self._wake.set()

    def _tracked_after_close(self) -> None:
        """As in Aim, tracking on a closed run does not raise into the training
        loop: the value is dropped, with one warning per process."""
        self._check_writable()
        warn_once(
            f"run {self.hash} is closed: values tracked after close() are dropped"
        )

    def _new_series(self, name, context) -> _Series:
        key = (name, frozenset(context.items()) if context else None)
        name = _validate_name(name)
        context = _validate_context(context)
        start = self._resume_steps.get((name, _context_key(context)), 0)
        series = self._series.setdefault(key, _Series(name, context, start))
        return series

    def _take_points(self) -> list[tuple[_Series, list]]:
        """For the sender: every series' queued points, leaving empty queues."""
        taken = []
        with self._points_lock:
            for series in list(self._series.values()):
                if series.points:
                    taken.append((series, series.points))
                    series.points = []
        return taken

    def _track_other(self, value, name, step, epoch, context) -> None:
        if isinstance(value, dict):
            for metric_name, item in value.items():
                self.track(
                    item, name=metric_name, step=step, epoch=epoch, context=context
                )
            return
        if isinstance(value, TrackedObject) or (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(item, TrackedObject) for item in value)
        ):
            self._track_objects(
                value if isinstance(value, list | tuple) else [value],
                name,
                step,
                epoch,
                context,
            )
            return
        self.track(_number(value), name=name, step=step, epoch=epoch, context=context)

    def _track_objects(self, objects: list, name, step, epoch, context) -> None:
        if self._closed:
            self._tracked_after_close()
            return
        try:
            series = self._series.get(
                (name, frozenset(context.items()) if context else None)
            )
        except TypeError:
            raise TypeError(
                "context values must be strings, numbers, booleans or None"
            ) from None
        if series is None:
            series = self._new_series(name, context)
        step = series.next_step if step is None else _step(step, "step")
        epoch = None if epoch is None else _step(epoch, "epoch")
        series.next_step = step + 1
        series_name, series_context = series.name, series.context
        now = _time()
        for index, item in enumerate(objects):
            record = item.record()
            record.update(
                name=series_name,
                context=series_context,
                step=step,
                index=index,
                epoch=epoch,
                time=now,
            )
            self._objects.append((record, item.content))
        self._wake.set()

    def _add_log_line(self, text: str, when: float, level: str = "") -> None:
        self._logs.append((next(self._line_counter), text, when, level))

    # -- log records (Aim's run.log_info() and the like) ------------------------

    def _log_record(self, level: str, msg: str, **params) -> None:
        self._check_writable()
        if self._closed:
            self._tracked_after_close()
            return
        text = str(msg)
        if params:  # Aim keeps them beside the message; they are shown after it
            text += " " + " ".join(f"{key}={value!r}" for key, value in params.items())
        self._add_log_line(text, _time(), level)

    def log_debug(self, msg: str, **params) -> None:
        """A log record at level debug, shown in the Terminal Logs tab."""
        self._log_record("debug", msg, **params)

    def log_info(self, msg: str, **params) -> None:
        self._log_record("info", msg, **params)

    def log_warning(self, msg: str, **params) -> None:
        self._log_record("warning", msg, **params)

    def log_error(self, msg: str, **params) -> None:
        self._log_record("error", msg, **params)

    # -- progress reports ------------------------------------------------------

    def report_progress(
        self, *, expect_next_in: float = 0, block: bool = False
    ) -> None:
        """Tell the server the run is making progress, and that the next report
        comes within `expect_next_in` seconds (0: no promise). A run that misses
        the promised report by more than a grace period (100 s, as Aim's) is
        marked failed, even while the process is alive (a hung training loop).
        `block=True` waits until the server has the report."""
        self._check_writable()
        if isinstance(expect_next_in, bool) or not isinstance(
            expect_next_in, int | float
        ):
            raise TypeError("expect_next_in is a number of seconds")
        if expect_next_in < 0 or not math.isfinite(expect_next_in):
            raise ValueError("expect_next_in must be a finite number >= 0")
        if self._closed:
            self._tracked_after_close()
            return
        with self._lock:
            self._expect_next_in = float(expect_next_in) if expect_next_in else None
            self._status_report = self._status_report or "heartbeat"
        self._wake.set()
        if block:
            self._sender.wait_sent()

    def report_successful_finish(self, *, block: bool = True) -> None:
        """Mark the run finished now (before close()), so no missed progress
        report can mark it failed. `block=True` waits until the server has it."""
        self._check_writable()
        if self._closed:
            return  # close() has marked it finished already
        with self._lock:
            self._status_report = "finished"
        self._wake.set()
        if block:
            self._sender.wait_sent()

    # -- artifacts ---------------------------------------------------------------

    @property
    def artifacts_uri(self) -> str | None:
        """The URI given to set_artifacts_uri(), joined with the run's hash as in
        Aim. Recorded and shown on the run page; the files go to the server."""
        if self._artifacts_uri is None:
            return None
        return f"{self._artifacts_uri.rstrip('/')}/{self.hash}"

    def set_artifacts_uri(self, uri: str) -> None:
        """Record where Aim would store artifacts (file://, s3://…). aimsite stores
        them on its server whatever the URI; it is kept in the run's meta."""
        self._check_writable()
        if not isinstance(uri, str) or not uri.strip():
            raise ValueError("set_artifacts_uri() takes a URI such as s3://bucket/path")
        if "://" not in uri:
            warn_once(
                f"artifacts_uri must start with a scheme, e.g. s3:// or file://. "
                f'Got "{uri}"'
            )
        self._artifacts_uri = uri
        with self._lock:
            self._meta_patch["artifacts_uri"] = uri
        self._wake.set()

    def log_artifact(
        self, path, name: str | None = None, *, block: bool = False
    ) -> None:
        """Upload the file at `path` as the run's artifact `name` (default: its
        file name), listed and downloadable on the run page."""
        self._check_writable()
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"log_artifact: no file at {source}")
        self._queue_artifact(source, name or source.name)
        if block:
            self._sender.wait_sent()

    def log_artifacts(
        self, path, name: str | None = None, *, block: bool = False
    ) -> None:
        """Upload every file under the directory `path`, named
        `<name or the directory's name>/<path inside it>`."""
        self._check_writable()
        directory = Path(path)
        if not directory.is_dir():
            raise NotADirectoryError(f"log_artifacts: no directory at {directory}")
        prefix = name or directory.resolve().name
        for file_path in sorted(directory.glob("**/*")):
            if file_path.is_file():
                relative = file_path.relative_to(directory).as_posix()
                self._queue_artifact(file_path, f"{prefix}/{relative}")
        if block:
            self._sender.wait_sent()

    def _queue_artifact(self, source: Path, name: str) -> None:
        parts = str(name).split("/")
        if any(part in ("", ".", "..") for part in parts) or not _NAME_RE.match(
            str(name).replace("\\", "\x00")
        ):
            raise ValueError(
                f"artifact name {name!r} must be a relative path such as "
                "'models/best.pt' (no empty, '.' or '..' parts, no backslashes or "
                "control characters)"
            )
        size = source.stat().st_size
        if size > MAX_ARTIFACT_BYTES:
            raise ValueError(
                f"log_artifact: {source} has {size} bytes; an artifact may have at "
                f"most {MAX_ARTIFACT_BYTES} (aimsite/limits.py)"
            )
        if self._closed:
            self._tracked_after_close()
            return
        # Read now: the script may change or delete the file once this returns.
        self._artifacts.append((name, source.read_bytes()))
        self._wake.set()

    def log_lines(self, lines: list[str]) -> None:
        """Add lines to the run's terminal log directly (without terminal capture)."""
        self._check_writable()
        now = _time()
        for line in lines:
            self._add_log_line(line, now)

    def _track_system(self, interval: float) -> None:
        # Imported here, not at the top: system.py loads platform, subprocess and
        # importlib.metadata, which `import aimsite.sdk` should not pay for.
        from aimsite.sdk.system import SystemSampler

        try:
            sampler = SystemSampler()
        except Exception as error:  # psutil missing or unusable
            warn_once(f"system metrics are off: {error}")
            return
        while not self._stop_system.wait(interval):
            try:
                for metric_name, value in sampler.sample().items():
                    self.track(float(value), name=metric_name)
            except RuntimeError:
                return  # closed meanwhile
            except Exception as error:
                warn_once(f"system metrics stopped: {error}")
                return

    # -- reading back (aimsite/sdk/reading.py) -----------------------------------

    def _reading(self) -> reading.RunReading:
        if getattr(self, "_run_reading", None) is None:
            self._run_reading = reading.RunReading(self, self.server, self._token)
        return self._run_reading

    def metrics(self) -> reading.RunSequences:
        """The run's metric series as the server has them; iterate for `Metric`s."""
        return self._reading().metrics()

    def get_metric(self, name: str, context: dict | None = None):
        """The `Metric` of this name and context, or None."""
        return self._reading().get_metric(name, context)

    def iter_metrics_info(self):
        """(name, context, run) of each metric series the server has."""
        return self._reading().iter_metrics_info()

    def iter_sequence_info_by_type(self, dtypes):
        """(name, context, run) of the sequences of Aim's dtypes ("float",
        "aim.image", "*"…)."""
        return self._reading().iter_sequence_info_by_type(dtypes)

    def collect_sequence_info(self, sequence_types, skip_last_value=False) -> dict:
        return self._reading().collect_sequence_info(sequence_types, skip_last_value)

    def get_terminal_logs(self):
        """The run's log (terminal output and log records), iterable line by
        line, or None when it has none."""
        return self._reading().logs(None)

    def get_log_records(self):
        """The run's log records (`log_info()`…), or None when it has none."""
        return self._reading().logs("debug,info,warning,error")

    def get_image_sequence(self, name: str, context: dict | None = None):
        """The image sequence of this name and context (`records()`), or None."""
        return self._reading().get_sequence("image", name, context)

    def get_audio_sequence(self, name: str, context: dict | None = None):
        return self._reading().get_sequence("audio", name, context)

    def get_text_sequence(self, name: str, context: dict | None = None):
        return self._reading().get_sequence("text", name, context)

    def get_figure_sequence(self, name: str, context: dict | None = None):
        return self._reading().get_sequence("figure", name, context)

    def get_distribution_sequence(self, name: str, context: dict | None = None):
        return self._reading().get_sequence("distribution", name, context)

    # -- lifecycle -------------------------------------------------------------

    def _mark_failed(self, text: str) -> None:
        """An uncaught exception ended the script (lifecycle's excepthook)."""
        if self._capture_sink is None:
            self.log_lines(text.rstrip("\n").split("\n"))
        self.close(status="failed")

    def close(self, status: str = "finished", *, wait: bool = False) -> None:
        """Mark the run finished (or `status`), stop its threads and hand what is
        left to the process's courier, which sends it in the background.

        Returns at once, the data safe in the courier's journal on disk; with
        `wait=True` it returns once the server has acknowledged everything (or, if
        it is unreachable, the data is kept in the spool). Interpreter exit waits
        for the courier, and `aimsite.sdk.flush()` does too. In a multiprocessing
        worker, which its pool may terminate as soon as the task returns, close()
        always waits.
        """
        if self.read_only:
            return  # nothing was started, nothing is sent
        with self._lock:
            already_closed = self._closed
            self._closed = True
            if not already_closed:
                self._final_status = status
        if already_closed:
            if wait:
                self._wait_delivered()
            return
        self._end_time = _time()
        self._stop_system.set()
        if self._capture_sink is not None:
            terminal.capture.remove(self._capture_sink)
        self._wake.set()
        self._sender.join()
        lifecycle.remove_run(self)
        if wait or lifecycle.in_multiprocessing_child():
            self._wait_delivered()

    def _wait_delivered(self) -> None:
        self._sender.join()
        if self._sender.parcel is not None:
            self._sender.parcel.done.wait()

    def finalize(self) -> None:
        """Aim's name for close()."""
        self.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.read_only:
            return
        if kind is None or issubclass(kind, KeyboardInterrupt | SystemExit):
            self.close()
            return
        # Python prints the traceback only after this block, once capture has
        # stopped, so it is added to the log here.
        text = "".join(traceback.format_exception(kind, error, trace))
        self.log_lines(text.rstrip("\n").split("\n"))
        self.close(status="failed")

    def __repr__(self) -> str:
        return f"<Run {self.hash} experiment={self._experiment!r} server={self.server}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Run):
            return NotImplemented
        return self.hash == other.hash and self.server == other.server

    def __hash__(self) -> int:
        return hash((self.hash, self.server))

    def dataframe(self, include_props: bool = True, include_params: bool = True):
        """The run as a one-row pandas DataFrame: its props and its params, nested
        keys joined with dots down to three levels (Aim's run.dataframe())."""
        import pandas as pd

        data: dict = {"hash": self.hash}
        if include_props:
            props = self.props
            data.update({field: getattr(props, field) for field in _DATAFRAME_PROPS})
            data["tags"] = json.dumps(props.tags)
        if include_params:
            for key, value in _unfold(self._params, depth=3):
                data.setdefault(key, value)
        return pd.DataFrame(data, index=[0])


def _unfold(tree: dict, depth: int, prefix: str = ""):
    """(dotted key, value) of a params tree; lists and what lies deeper than
    `depth` are JSON text, as Aim's dataframe() writes them."""
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and depth > 1 and value:
            yield from _unfold(value, depth - 1, path)
        elif isinstance(value, dict | list):
            yield path, json.dumps(value)
        else:
            yield path, value


def _param_path(key) -> tuple[str, ...]:
    path = key if isinstance(key, tuple) else (key,)
    if not path or not all(isinstance(part, str) for part in path):
        raise KeyError("param keys are strings, or tuples of strings for nested keys")
    return path


def _remove_path(tree: dict, path: tuple[str, ...]) -> None:
    node = tree
    for part in path[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(path[-1], None)


def _deep_merge(target: dict, patch: dict) -> dict:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value
    return target
