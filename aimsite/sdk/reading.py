"""Reading runs back over HTTP: the pieces under `Repo` and a run's `metrics()`.

`Reader` holds one keep-alive connection to the server and turns its refusals
into exceptions that say what to fix (`QueryError` with the position in the
query, `AccessError` for a missing or wrong token). Listings (runs, series,
object sequences) are read a page at a time while they are iterated. A `Metric`
carries its series' summary; its points are read when first asked for, page by
page through `runs/{hash}/metrics/{id}/points?limit=`, and kept as numpy arrays
at full resolution. A page is parsed and dropped before the next is asked for,
so reading holds one page of JSON besides the arrays being filled.

No Django, and nothing from run.py (run.py and repo.py import this); see
docs/architecture.md, "Reading runs back".
"""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from aimsite.sdk.transport import (
    API_PREFIX,
    Connection,
    RejectedError,
    TransientError,
)

if TYPE_CHECKING:
    # Imported where points are read: a script that only tracks does not pay for
    # numpy when it imports the SDK.
    import numpy as np

NPZ = "application/x-npz"  # the points endpoint's binary columns
_NPZ_COLUMNS = ("steps", "values", "epochs", "times")
POINTS_PAGE = 50_000  # points per request when reading a series
LIST_PAGE = 500  # runs, series or sequences per listing request
RECORDS_PAGE = 1000  # object records per request (the server's largest page)
_RETRIES = 3  # reads are idempotent: a network error or 5xx is retried

# The runs list names the position inside its message (runs/filters.py).
_COLUMN_RE = re.compile(r"\(at column (\d+) of ")


class ReadError(Exception):
    """The server refused a read, or could not be reached. `status` is the HTTP
    status (None when nothing answered)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class QueryError(ReadError, ValueError):
    """An AimQL query the server cannot run: `position` is the 0-based column the
    server points at (None if it names none)."""

    def __init__(self, message: str, query: str, position: int | None):
        super().__init__(message, 400)
        self.query = query
        self.position = position


class AccessError(ReadError, PermissionError):
    """No token, a wrong or revoked token, or a read this user may not make."""


class Reader:
    """One server and token: GET requests on one connection, JSON answers."""

    def __init__(self, server: str, token: str | None, timeout: float = 60.0):
        self.server = server
        self._connection = Connection(server, token, timeout=timeout)
        self._lock = threading.Lock()  # one connection: one request at a time

    def get(
        self,
        path: str,
        params: dict | None = None,
        *,
        query: str = "",
        raw=False,
        accept: str | None = None,
    ):
        """The decoded answer of GET /api/v1`path`?`params` (None values left
        out), or its bytes with `raw` (`accept` then names the media type asked
        for). `query` is the AimQL text the request carries, for the message of
        a QueryError."""
        target = API_PREFIX + path
        params = {
            key: value for key, value in (params or {}).items() if value is not None
        }
        if params:
            target += "?" + urllib.parse.urlencode(params)
        for attempt in range(_RETRIES):
            try:
                with self._lock:
                    _status, body = self._connection.request(
                        "GET", target, raw=raw, accept=accept
                    )
                return body
            except RejectedError as error:
                raise _refusal(error, self.server, query) from None
            except TransientError as error:
                if attempt == _RETRIES - 1:
                    raise ReadError(
                        f"could not read {path} from {self.server}: {error}"
                    ) from None
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _refusal(error: RejectedError, server: str, query: str) -> ReadError:
    answer = error.answer or {}
    message = str(answer.get("error") or error.message)
    if error.status == 401:
        return AccessError(
            f"{server} needs a valid API token ({message}): pass token= or set "
            "AIMSITE_TOKEN (`aimsite createtoken USER` makes one)",
            401,
        )
    if error.status == 403:
        return AccessError(message, 403)
    if error.status == 400 and answer.get("field") == "q":
        position = answer.get("position")
        found = _COLUMN_RE.search(message)
        if position is None and found:
            position = int(found.group(1)) - 1
        elif position is not None:
            message = f"{message} (at column {position + 1} of {query[:200]!r})"
        message = message.removeprefix("q: ")
        return QueryError(message, query, position)
    return ReadError(f"{error.status}: {message}", error.status)


def pages(reader: Reader, path: str, key: str, params: dict, query: str = ""):
    """Every item of a listing that pages by `after` (answers `{key: [...],
    "next": after-or-null}`), requested page by page as it is iterated."""
    after = None
    while True:
        body = reader.get(
            path, {**params, "after": after, "limit": LIST_PAGE}, query=query
        )
        yield from body[key]
        after = body.get("next")
        if after is None:
            return


def run_rows(reader: Reader, query: str | None) -> Iterator[dict]:
    """Runs as `GET runs/` describes them, newest first, page by page; every run
    with `query` None, else those the AimQL query selects."""
    params = {"page_size": LIST_PAGE, "q": query}
    while True:
        body = reader.get("/runs/", params, query=query or "")
        yield from body["results"]
        next_url = body.get("next")
        if not next_url:
            return
        cursor = urllib.parse.parse_qs(urllib.parse.urlsplit(next_url).query)
        params = {**params, "cursor": cursor["cursor"][0]}


# -- runs -----------------------------------------------------------------------


class RunSource:
    """Opens the runs a query's results point to, once each: `.run` of a metric
    or of a run's collection. `opener(hash)` returns a read-only Run."""

    def __init__(self, opener: Callable[[str], object]):
        self._opener = opener
        self._runs: dict[str, object] = {}

    def __call__(self, run_hash: str):
        if run_hash not in self._runs:
            self._runs[run_hash] = self._opener(run_hash)
        return self._runs[run_hash]


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("dataframe() needs pandas: pip install pandas") from None
    return pandas


# -- metrics --------------------------------------------------------------------


class _Sequence:
    """What a metric series and an object sequence share: the summary the
    server lists them with, and their run."""

    def __init__(self, summary: dict, run_hash: str, reader: Reader, runs: RunSource):
        self.name: str = summary["name"]
        self.context: dict = summary.get("context") or {}
        self.run_hash = run_hash
        self.count: int = summary.get("count") or 0
        self.first_step: int | None = summary.get("first_step")
        self.last_step: int | None = summary.get("last_step")
        self.summary = summary  # as the server listed it
        self._id = summary["id"]
        self._reader = reader
        self._runs = runs

    @property
    def run(self):
        """The run, opened read-only."""
        return self._runs(self.run_hash)


class Metric(_Sequence):
    """One metric series of a run: `name`, `context`, `run`, and its points as
    numpy arrays (`values`, `steps`, `epochs`, `timestamps`), read in full when
    one of them is first asked for. Epochs and timestamps are NaN where none was
    logged; NaN and ±infinity come back as they were tracked.
    `values`, `epochs` and `timestamps` also answer Aim's ArrayView calls
    (`metric.values.sparse_numpy()` is (steps, values); see arrays.py).
    """

    def __init__(self, summary: dict, run_hash: str, reader: Reader, runs: RunSource):
        super().__init__(summary, run_hash, reader, runs)
        self.last: float | None = summary.get("last")
        self._columns: tuple[np.ndarray, ...] | None = None

    @property
    def steps(self) -> np.ndarray:
        return self._load()[0]

    @property
    def values(self) -> np.ndarray:
        return self._load()[1]

    @property
    def epochs(self) -> np.ndarray:
        return self._load()[2]

    @property
    def timestamps(self) -> np.ndarray:
        return self._load()[3]

    def _load(self) -> tuple[np.ndarray, ...]:
        if self._columns is None:
            # Here, not at the top: arrays.py imports numpy (see its docstring).
            from aimsite.sdk.arrays import SeriesArray

            steps, *columns = read_series(self._reader, self.run_hash, self._id)
            self._columns = (
                steps,
                *(SeriesArray(column, steps) for column in columns),
            )
        return self._columns

    def refresh(self) -> None:
        """Forget the points read so far (an active run has more by now)."""
        self._columns = None

    def __len__(self) -> int:
        return len(self.steps) if self._columns is not None else self.count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        return (
            f"<Metric name={self.name!r} context={self.context!r} "
            f"run={self.run_hash} count={self.count}>"
        )

    def dataframe(
        self,
        include_name: bool = False,
        include_context: bool = False,
        include_run: bool = False,
        only_last: bool = False,
    ):
        """The points as a pandas DataFrame with Aim's columns `idx`, `step`,
        `value`, `epoch`, `time` (timezone-aware UTC), and optionally
        `metric.name`, `metric.context.<key>`, `run.hash` and `run.<param path>`."""
        pandas = _pandas()
        steps, values, epochs, times = self._load()
        if only_last and len(steps):
            steps, values, epochs, times = (
                column[-1:] for column in (steps, values, epochs, times)
            )
        data: dict = {
            "idx": range(len(steps)),
            "step": steps,
            "value": values,
            "epoch": epochs,
            "time": pandas.to_datetime(times, unit="s", utc=True),
        }
        if include_run:  # run.hash and run.<param path>, from the Run's own frame
            run_frame = self.run.dataframe(include_props=False)
            for column in run_frame.columns:
                data[f"run.{column}"] = run_frame[column].iloc[0]
        if include_name:
            data["metric.name"] = self.name
        if include_context:  # a context is flat: keys to plain values
            for key, value in self.context.items():
                data[f"metric.context.{key}"] = value
        return pandas.DataFrame(data)


def read_series(
    reader: Reader, run_hash: str, series_id: int, page: int = POINTS_PAGE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every point of a series as (steps int64, values, epochs, times float64),
    page by page, each page as NumPy arrays (`Accept: application/x-npz`; no
    JSON text to build or parse)."""
    import numpy as np

    parts: list[tuple[np.ndarray, ...]] = []
    after = None
    path = f"/runs/{run_hash}/metrics/{series_id}/points"
    while True:
        params = {"limit": page, "after_step": after}
        body = reader.get(path, params, raw=True, accept=NPZ)
        with np.load(io.BytesIO(body), allow_pickle=False) as archive:
            columns = tuple(archive[name] for name in _NPZ_COLUMNS)
        steps = columns[0]
        if len(steps):
            parts.append(columns)
        if len(steps) < page:
            break
        after = int(steps[-1])
    if not parts:
        return np.empty(0, np.int64), *(np.empty(0) for _ in range(3))
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def run_metrics(reader: Reader, run_hash: str, runs: RunSource) -> list[Metric]:
    """Every metric series of a run (system metrics too), as Aim's
    `run.metrics()` lists them."""
    try:
        summaries = reader.get(f"/runs/{run_hash}/metrics/")
    except ReadError as error:
        if error.status == 404:
            raise LookupError(
                f"there is no run {run_hash} on {reader.server}"
            ) from None
        raise
    return [Metric(summary, run_hash, reader, runs) for summary in summaries]


class RunReading:
    """What `Run.metrics()`, `get_metric()` and `iter_metrics_info()` do: read
    the run's series from the server (what it has received so far)."""

    def __init__(self, run, server: str, token: str | None):
        self._run = run
        self._reader = Reader(server, token)
        self._runs = RunSource(lambda _hash: run)

    def _metrics(self) -> list[Metric]:
        return run_metrics(self._reader, self._run.hash, self._runs)

    def metrics(self) -> RunSequences:
        return RunSequences(self._run.hash, self._metrics, self._runs)

    def get_metric(self, name: str, context=None) -> Metric | None:
        if hasattr(context, "to_dict"):  # Aim's Context
            context = context.to_dict()
        context = dict(context or {})
        for metric in self._metrics():
            if metric.name == name and metric.context == context:
                return metric
        return None

    def iter_metrics_info(self) -> Iterator[tuple[str, dict, object]]:
        for metric in self._metrics():
            yield metric.name, metric.context, self._run

    def _objects(self, kind: str | None = None) -> list[ObjectSequence]:
        summaries = self._reader.get(f"/runs/{self._run.hash}/objects", {"kind": kind})
        return [
            ObjectSequence(summary, self._run.hash, self._reader, self._runs)
            for summary in summaries
        ]

    def sequences(self, sequence_type: str) -> list:
        """The run's sequences of one of Aim's sequence types (SEQUENCE_KINDS)."""
        if sequence_type not in SEQUENCE_KINDS:
            raise ValueError(
                f"{sequence_type!r} is not a valid Sequence: one of "
                f"{', '.join(SEQUENCE_KINDS)}"
            )
        kind = SEQUENCE_KINDS[sequence_type]
        return self._metrics() if kind == "metric" else self._objects(kind)

    def iter_sequence_info_by_type(self, dtypes) -> Iterator[tuple[str, dict, object]]:
        """(name, context, run) of the sequences holding any of Aim's `dtypes`
        ("float", "aim.image", "list(aim.image)", "*"…)."""
        if isinstance(dtypes, str):
            dtypes = (dtypes,)
        wanted = set()
        for dtype in dtypes:
            if dtype == "*":
                wanted.update(SEQUENCE_KINDS)
            elif dtype in _METRIC_DTYPES:
                wanted.add("metric")
            else:
                kind = dtype.removeprefix("list(").removesuffix(")")
                wanted.add(f"{kind.removeprefix('aim.')}s")
        for sequence_type in SEQUENCE_KINDS:
            if sequence_type in wanted:
                for sequence in self.sequences(sequence_type):
                    yield sequence.name, sequence.context, self._run

    def collect_sequence_info(self, sequence_types, skip_last_value=False) -> dict:
        """{sequence type: [{"name", "context", "values": its summary}]}, as Aim's
        (without "values" when skip_last_value)."""
        if isinstance(sequence_types, str):
            sequence_types = (sequence_types,)
        overview = {}
        for sequence_type in sequence_types:
            overview[sequence_type] = [
                {"name": item.name, "context": item.context}
                | ({} if skip_last_value else {"values": item.summary})
                for item in self.sequences(sequence_type)
            ]
        return overview

    def logs(self, levels: str | None) -> RunLogs | None:
        logs = RunLogs(self._reader, self._run.hash, levels)
        return logs if logs.total else None

    def get_sequence(self, kind: str, name: str, context=None):
        """The run's object sequence of a kind ("image", "audio", "text",
        "figure", "distribution"), name and context, or None."""
        if hasattr(context, "to_dict"):
            context = context.to_dict()
        context = dict(context or {})
        for sequence in self._objects(kind):
            if sequence.name == name and sequence.context == context:
                return sequence
        return None


# Aim's sequence type names -> what the API calls them.
SEQUENCE_KINDS = {
    "metric": "metric",
    "images": "image",
    "audios": "audio",
    "texts": "text",
    "figures": "figure",
    "distributions": "distribution",
}
_METRIC_DTYPES = {"float", "int", "number", "float64"}
LOGS_PAGE = 10_000  # log lines per request (the server's largest page)


class LogLine(NamedTuple):
    line: int
    text: str
    time: float | None
    level: str  # "" for terminal output; debug, info, warning, error for records


class RunLogs:
    """A run's log, read page by page when iterated: terminal output and log
    records (`levels` None), or the records of the given levels only."""

    def __init__(self, reader: Reader, run_hash: str, levels: str | None):
        self._reader = reader
        self._path = f"/runs/{run_hash}/logs"
        self._levels = levels
        body = reader.get(self._path, {"limit": 1, "level": levels})
        self.total: int = body["total"]

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[LogLine]:
        after = None
        while True:
            body = self._reader.get(
                self._path, {"after": after, "limit": LOGS_PAGE, "level": self._levels}
            )
            for row in body["lines"]:
                yield LogLine(
                    row["line"], row["text"], row.get("time"), row.get("level") or ""
                )
            if len(body["lines"]) < LOGS_PAGE:
                return
            after = body["lines"][-1]["line"]

    def values_list(self) -> list[str]:
        """The lines' texts."""
        return [line.text for line in self]


# -- tracked objects (images, audio, texts, figures, distributions) -------------


class ObjectRecord:
    """One tracked object: its place (`step`, `index`, `epoch`, `time`), what the
    server keeps of it (`caption`, `format`, `width`, `height`, `size`, `text`,
    `data`) and, for images and audio, the file (`read()`, `to_pil_image()`)."""

    def __init__(self, record: dict, reader: Reader):
        self.id: int = record["id"]
        self.step: int = record["step"]
        self.index: int = record["index"]
        self.epoch: int | None = record.get("epoch")
        self.time: float | None = record.get("time")
        self.caption: str = record.get("caption") or ""
        self.format: str = record.get("format") or ""
        self.text: str = record.get("text") or ""
        self.data = record.get("data")
        self.width: int | None = record.get("width")
        self.height: int | None = record.get("height")
        self.size: int | None = record.get("size")
        self.has_file = bool(record.get("url"))
        self._reader = reader

    def read(self) -> bytes:
        """The file's bytes (images and audio)."""
        if not self.has_file:
            raise ValueError("this record has no file (only images and audio do)")
        return self._reader.get(f"/objects/{self.id}/file", raw=True)

    def to_pil_image(self):
        """The image as a PIL image (Pillow needed)."""
        import io

        from PIL import Image as PILImage

        return PILImage.open(io.BytesIO(self.read()))

    def __repr__(self) -> str:
        return f"<ObjectRecord step={self.step} index={self.index} {self.format}>"


class ObjectSequence(_Sequence):
    """A sequence of tracked objects of one kind (`images`, `audios`, `texts`,
    `figures`, `distributions`): `name`, `context`, `run`, `count`, and its
    records, read page by page with `records()`."""

    def __init__(self, summary: dict, run_hash: str, reader: Reader, runs: RunSource):
        super().__init__(summary, run_hash, reader, runs)
        self.kind: str = summary.get("kind") or ""

    def records(
        self, step_min: int | None = None, step_max: int | None = None
    ) -> Iterator[ObjectRecord]:
        """The records in step, then index order, within the step range."""
        offset = 0
        while True:
            body = self._reader.get(
                f"/objects/sequences/{self._id}/records",
                {
                    "step_min": step_min,
                    "step_max": step_max,
                    "limit": RECORDS_PAGE,
                    "offset": offset,
                },
            )
            for record in body["records"]:
                yield ObjectRecord(record, self._reader)
            offset += len(body["records"])
            if not body.get("has_more"):
                return

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __repr__(self) -> str:
        return (
            f"<ObjectSequence {self.kind} name={self.name!r} "
            f"context={self.context!r} run={self.run_hash} count={self.count}>"
        )

    def dataframe(self):
        """The records, one row each (files are not read)."""
        pandas = _pandas()
        rows = [
            {
                "step": record.step,
                "index": record.index,
                "epoch": record.epoch,
                "time": record.time,
                "caption": record.caption,
                "format": record.format,
                "width": record.width,
                "height": record.height,
                "size": record.size,
                "text": record.text,
            }
            for record in self.records()
        ]
        return pandas.DataFrame(rows)


# -- collections -----------------------------------------------------------------


class RunSequences:
    """The sequences of one run, as Aim's per-run collection: `.run`, and its
    metrics when iterated."""

    def __init__(self, run_hash: str, make: Callable[[], Iterable], runs, info=None):
        self.run_hash = run_hash
        self._make = make
        self._runs = runs
        self._info = info

    @property
    def run(self):
        return self._runs(self.run_hash)

    def __iter__(self) -> Iterator:
        return iter(self._make())

    def iter(self) -> Iterator:
        return iter(self)

    def dataframe(self, **options):
        return _concat([item.dataframe(**options) for item in self])


class SequenceCollection:
    """What `query_metrics` (and `query_images`…) answer: iterate it for the
    sequences, `iter_runs()` for one collection per run (`.run`), `dataframe()`
    for every metric's points in one pandas DataFrame."""

    def __init__(self, items: Callable[[], Iterator], runs):
        self._items = items
        self._runs = runs

    def __iter__(self) -> Iterator:
        return self._items()

    def iter(self) -> Iterator:
        return iter(self)

    def iter_runs(self) -> Iterator[RunSequences]:
        """One collection per run, in the order its first sequence came. The
        sequences' summaries are listed first (small), points are read later."""
        by_run: dict[str, list] = {}
        for item in self:
            by_run.setdefault(item.run_hash, []).append(item)
        for run_hash, members in by_run.items():
            yield RunSequences(run_hash, lambda members=members: members, self._runs)

    def dataframe(
        self,
        only_last: bool = False,
        include_run: bool = True,
        include_name: bool = True,
        include_context: bool = True,
    ):
        """Every sequence's dataframe, one after the other (None when empty)."""
        return _concat(
            [
                item.dataframe(
                    include_run=include_run,
                    include_name=include_name,
                    include_context=include_context,
                    only_last=only_last,
                )
                if isinstance(item, Metric)
                else item.dataframe()
                for item in self
            ]
        )


class RunCollection:
    """What `query_runs` answers: `iter_runs()` yields one collection per run
    (`.run`, and its metrics when iterated); iterating it yields every matching
    run's metrics, as Aim's does; `dataframe()` is one row per run."""

    def __init__(self, rows: Callable[[], Iterator[dict]], run_metrics, runs):
        self._rows = rows
        self._run_metrics = run_metrics  # hash -> list of Metric
        self._runs = runs

    def iter_runs(self) -> Iterator[RunSequences]:
        for info in self._rows():
            run_hash = info["hash"]
            yield RunSequences(
                run_hash,
                lambda run_hash=run_hash: self._run_metrics(run_hash),
                self._runs,
                info,
            )

    def __iter__(self) -> Iterator[Metric]:
        for run_sequences in self.iter_runs():
            yield from run_sequences

    def iter(self) -> Iterator[Metric]:
        return iter(self)

    def dataframe(self, include_props: bool = True, include_params: bool = True):
        """One row per run: `hash`, the props and the params (None when empty)."""
        return _concat(
            [
                self._runs(info["hash"]).dataframe(include_props, include_params)
                for info in self._rows()
            ]
        )


def _concat(frames: list):
    if not frames:
        return None
    return _pandas().concat(frames, ignore_index=True)
