"""Read an Aim repository (a directory holding `.aim`) with the `aim` package.

Aim answers only from its index, which an SDK-only repo may lack, and opening a
repo may migrate it: so the reader copies `.aim` to a scratch folder, rebuilds
the copy's index there and reads the copy. The source is never written to.
Sequences are walked per run through their trace info (Aim's queries would hide
archived runs) and read with `data.numpy()`/`data.items_list()`, sorted by step.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from aim import Repo
from aim.sdk.run import Run as AimRun
from aim.sdk.sequences.audio_sequence import Audios
from aim.sdk.sequences.distribution_sequence import Distributions
from aim.sdk.sequences.figure_sequence import Figures
from aim.sdk.sequences.image_sequence import Images
from aim.sdk.sequences.metric import Metric
from aim.sdk.sequences.text_sequence import Texts

from aimsite.importers.source import (
    Reader,
    RunRef,
    SourceArtifact,
    SourceError,
    SourceObject,
    SourceRun,
    SourceSeries,
    SourceTag,
)

# A run without an end time whose progress file was touched this recently is
# still running; older ones crashed (Aim keeps no other trace of a crash).
LIVE_WITHIN_SECONDS = 15 * 60


class AimReader(Reader):
    kind = "aim"

    def __init__(self, location: str):
        super().__init__(os.path.abspath(location))
        self._scratch: str | None = None
        self.repo: Repo | None = None

    def close(self) -> None:
        self.repo = None
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def runs(self) -> list[RunRef]:
        source = Path(self.location) / ".aim"
        if not Path(self.location).is_dir():
            raise SourceError("no such directory")
        if not source.is_dir():
            raise SourceError("no .aim folder in it: pass the folder that holds .aim")
        self._scratch = tempfile.mkdtemp(prefix="aimsite-import-aim-")
        copy = Path(self._scratch) / ".aim"
        try:
            shutil.copytree(
                source, copy, ignore=shutil.ignore_patterns("LOCK", "locks")
            )
            (copy / "locks").mkdir(exist_ok=True)
            (copy / "meta" / "locks").mkdir(parents=True, exist_ok=True)
            # Aim prints its own progress bar while indexing; ours is the one shown.
            with contextlib.redirect_stderr(io.StringIO()):
                self.repo = Repo(self._scratch)
                self.repo._recreate_index()
            self.repo.container_pool.clear()
            hashes = sorted(self.repo.list_all_runs())
        except Exception as error:
            raise SourceError(f"not a readable Aim repository ({error})") from error
        return [RunRef(run_hash, f"aim run {run_hash}") for run_hash in hashes]

    def read(self, ref: RunRef) -> SourceRun:
        run = AimRun(ref.source_id, repo=self.repo, read_only=True)
        params = run[...] or {}
        experiment = run.props.experiment_obj
        source = SourceRun(
            source_id=ref.source_id,
            name=run.name or "",
            description=run.description or "",
            experiment=run.experiment or None,
            experiment_description=(experiment.description or "") if experiment else "",
            created_at=run.creation_time,
            finished_at=run.end_time,
            is_archived=bool(run.archived),
            params={k: v for k, v in params.items() if k != "__system_params"},
            meta=_meta(params, run),
            tags=[
                SourceTag(tag.name, tag.color, tag.description or "")
                for tag in run.props.tags_obj
            ],
            series=[
                SourceSeries(
                    name, context.to_dict(), _metric_loader(run, name, context)
                )
                for name, context, _ in run.iter_sequence_info_by_type(
                    Metric.allowed_dtypes()
                )
            ],
            objects=lambda: _objects(run),
            logs=lambda: _logs(run),
        )
        if run.end_time is None:
            heartbeat = self._heartbeat(ref.source_id)
            is_live = heartbeat and time.time() - heartbeat < LIVE_WITHIN_SECONDS
            source.status = "active" if is_live else "failed"
            # It ran until its last heartbeat (if that file survived).
            source.finished_at = max(heartbeat or 0, run.creation_time or 0) or None
        for name, artifact in sorted((run.artifacts or {}).items()):
            local = _local_file(artifact.uri)
            if local is None:
                source.skipped.append(
                    f"artifact {name} ({artifact.uri}): not a local file this "
                    "machine can read"
                )
            else:
                source.artifacts.append(SourceArtifact(name, _copier(local)))
        return source

    def _heartbeat(self, run_hash: str) -> float | None:
        path = Path(self.location) / ".aim" / "meta" / "progress" / run_hash
        try:
            return path.stat().st_mtime
        except OSError:
            return None


def _local_file(uri: str) -> Path | None:
    """The file a `file://` artifact URI names, if it is there."""
    parsed = urllib.parse.urlparse(uri or "")
    if parsed.scheme not in ("", "file"):
        return None
    path = Path(urllib.parse.unquote(parsed.path))
    return path if path.is_file() else None


def _copier(path: Path):
    def fetch(folder: str) -> str:
        return shutil.copy2(path, Path(folder) / path.name)

    return fetch


def _meta(params: dict, run: AimRun) -> dict:
    meta = {}
    if "__system_params" in params:
        meta["__system_params"] = params["__system_params"]
    notes = run.props.notes
    if notes:
        meta["notes"] = [note.get("content", "") for note in notes]
    return meta


def _metric_loader(run: AimRun, name: str, context):
    def load() -> tuple:
        sequence = run.get_metric(name, context)
        columns = _read_columns(sequence)
        if columns is not None:
            return columns
        steps, (values, epochs, times) = sequence.data.numpy()
        return steps, values, epochs, times

    return load


# -- reading a metric's columns in bulk ----------------------------------------
#
# Aim's own `data.numpy()` decodes one RocksDB record at a time in Python (about
# 25,000 points a second here). A v2 metric is four arrays under the series' key
# prefix, in key order `epoch`, `step`, `time`, `val`: each an array marker
# record (b"\\x06") followed by one 9-byte record per point (a type byte, then
# an int64 or a float64), keyed by the step's hash, so all four in the same
# order. They are read as values only (RocksDB's cheapest walk) and decoded with
# numpy. Anything else (markers not where four equal blocks put them, records
# that are not plain ints or floats, blocks whose last keys differ) makes the
# reader fall back to Aim's way, so the result is always what Aim reads.

_COLUMNS = ("epoch", "step", "time", "val")  # the order RocksDB keeps them in
_ARRAY_MARKER = b"\x06"
_INT, _FLOAT = 2, 3  # Aim's type bytes for int64 and float64 values
_RECORD = 9  # type byte + 8 bytes
_PAGE = 4096


def _read_columns(sequence) -> tuple | None:
    """(steps, values, epochs, times) of a v2 metric read in bulk, sorted by step,
    or None when its records are not the plain shape this decodes."""
    try:
        if sequence.version != 2:
            return None
        view = sequence.series_tree.container
        prefix, database = view.prefix, view.parent.db
    except Exception:
        return None
    markers = [prefix + column.encode() + b"\xfe" for column in _COLUMNS]
    keys = database.iterkeys()
    keys.seek(prefix)
    if keys.get() != markers[0]:
        return None
    # The epoch block's length is where the step marker is.
    values = database.itervalues()
    values.seek(prefix)
    records: list[bytes] = []
    while True:
        page = list(itertools.islice(values, _PAGE))
        records += page
        try:
            count = records.index(_ARRAY_MARKER, 1) - 1
            break
        except ValueError:
            if len(page) < _PAGE:
                return None
    total = 4 * (count + 1)
    if len(records) < total:
        records += list(itertools.islice(values, total - len(records)))
    del records[total:]
    if len(records) != total or count == 0:
        return None
    if any(records[block * (count + 1)] != _ARRAY_MARKER for block in range(4)):
        return None
    # The epoch and val blocks end on the same step hash, inside this prefix.
    ends = []
    for marker in (markers[0], markers[3]):
        keys.seek_for_prev(marker + b"\xff")
        ends.append(keys.get()[len(marker) :])
    if ends[0] != ends[1]:
        return None
    columns = {}
    for block, column in enumerate(_COLUMNS):
        first = block * (count + 1) + 1
        decoded = _numbers(records[first : first + count])
        if decoded is None:
            return None
        columns[column] = decoded
    steps = columns["step"]
    if np.any(steps != np.round(steps)):
        return None
    order = np.argsort(steps, kind="stable")
    return (
        steps[order].astype(np.int64),
        columns["val"][order],
        columns["epoch"][order],
        columns["time"][order],
    )


def _numbers(records: list[bytes]) -> np.ndarray | None:
    """Float64 values of records that are all Aim-encoded ints or floats."""
    raw = b"".join(records)
    if len(raw) != _RECORD * len(records):
        return None
    table = np.frombuffer(raw, np.uint8).reshape(len(records), _RECORD)
    kinds = table[:, 0]
    payload = np.ascontiguousarray(table[:, 1:])
    as_float = payload.view("<f8").ravel()
    if np.all(kinds == _FLOAT):
        return as_float.astype(np.float64)
    if not np.all((kinds == _FLOAT) | (kinds == _INT)):
        return None
    as_int = payload.view("<i8").ravel()
    return np.where(kinds == _INT, as_int.astype(np.float64), as_float)


_MEDIA = (
    ("image", Images, "get_image_sequence"),
    ("audio", Audios, "get_audio_sequence"),
    ("text", Texts, "get_text_sequence"),
    ("figure", Figures, "get_figure_sequence"),
    ("distribution", Distributions, "get_distribution_sequence"),
)


def _objects(run: AimRun) -> Iterator[SourceObject]:
    for kind, sequence_class, getter in _MEDIA:
        found = run.iter_sequence_info_by_type(sequence_class.allowed_dtypes())
        for name, context, _ in found:
            sequence = getattr(run, getter)(name, context)
            if sequence is None:
                continue
            steps, (values, epochs, times) = sequence.data.items_list()
            for step, value, epoch, moment in zip(
                steps, values, epochs, times, strict=True
            ):
                items = value if isinstance(value, list) else [value]
                for index, item in enumerate(items):
                    yield _object(
                        kind, name, context.to_dict(), step, index, epoch, moment, item
                    )


def _object(kind, name, context, step, index, epoch, moment, item) -> SourceObject:
    known_epoch = (
        None
        if epoch is None or (isinstance(epoch, float) and math.isnan(epoch))
        else int(epoch)
    )
    described = item.json() or {}
    obj = SourceObject(
        kind,
        name,
        context,
        int(step),
        index,
        known_epoch,
        moment,
        caption=described.get("caption") or "",
        format=described.get("format") or "",
    )
    if kind == "image":
        obj.content = bytes(item.storage["data"])
    elif kind == "audio":
        obj.content = item.get().getvalue()
    elif kind == "text":
        obj.text = item.data
    elif kind == "figure":
        obj.data = json.loads(item.data)
        obj.format = ""
    else:
        obj.data = {
            "bins": [float(weight) for weight in item.weights],
            "range": [float(edge) for edge in described["range"]],
        }
    return obj


def _logs(run: AimRun) -> list[tuple[int, str, float | None]]:
    lines: list[tuple[int, str, float | None]] = []
    terminal = run.get_terminal_logs()
    if terminal is not None:
        steps, (values, _, times) = terminal.data.items_list()
        lines += [
            (int(step), line.data, moment)
            for step, line, moment in zip(steps, values, times, strict=True)
        ]
    # Records of run.log_info()/log_error()… follow the terminal output, as lines.
    records = run.get_log_records()
    if records is not None:
        _, (values, _, times) = records.data.items_list()
        following = lines[-1][0] + 1 if lines else 0
        for offset, (record, moment) in enumerate(zip(values, times, strict=True)):
            described = record.json()
            lines.append(
                (
                    following + offset,
                    f"[{described.get('log_level', 'INFO')}] {described.get('message', '')}",
                    described.get("timestamp") or moment,
                )
            )
    return lines
