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
import json
import math
import multiprocessing
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from aim import Repo
from aim.sdk.run import Run as AimRun
from aim.sdk.sequences.audio_sequence import Audios
from aim.sdk.sequences.distribution_sequence import Distributions
from aim.sdk.sequences.figure_sequence import Figures
from aim.sdk.sequences.image_sequence import Images
from aim.sdk.sequences.metric import Metric
from aim.sdk.sequences.text_sequence import Texts
from aim.storage.encoding import encode_path

from aimsite.importers.aim_columns import read_columns, read_run
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


COPY_ATTEMPTS = 5


def _copy_repo(source: Path, copy: Path) -> None:
    """Copy the repo for reading (never the source itself). An Aim still open
    elsewhere compacts its RocksDB files as it goes, so a file listed may be gone
    when its turn comes: the copy is then taken again, a few times at most."""
    for attempt in range(COPY_ATTEMPTS):
        try:
            shutil.copytree(
                source,
                copy,
                ignore=shutil.ignore_patterns("LOCK", "locks"),
                copy_function=_copy_file,
            )
            return
        except shutil.Error as error:
            vanished = all(
                "No such file or directory" in str(reason)
                for _src, _dst, reason in error.args[0]
            )
            if not vanished or attempt == COPY_ATTEMPTS - 1:
                raise
            shutil.rmtree(copy, ignore_errors=True)
            time.sleep(0.2 * (attempt + 1))


class AimReader(Reader):
    kind = "aim"

    def __init__(self, location: str):
        super().__init__(os.path.abspath(location))
        self._scratch: str | None = None
        self.repo: Repo | None = None
        self._refs: list[RunRef] = []
        self._helper: ProcessPoolExecutor | None = None
        self._prefetched: dict[str, tuple[Future, dict]] = {}

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=True)
            self._helper = None
        self._prefetched = {}
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
            _copy_repo(source, copy)
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
        self._refs = [RunRef(run_hash, f"aim run {run_hash}") for run_hash in hashes]
        try:
            # One helper process reads the next run's metrics while this one
            # writes: reading is half the work and there are cores to spare.
            self._helper = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        except Exception:
            self._helper = None  # everything is read here then
        return list(self._refs)

    def _prefetch(self, ref: RunRef) -> None:
        """Hand the run's v2 metrics to the helper (the sequence database is the
        scratch copy's, opened read-only there)."""
        run_hash = ref.source_id
        path = Path(self._scratch or "") / ".aim" / "seqs" / "chunks" / run_hash
        if self._helper is None or run_hash in self._prefetched or not path.is_dir():
            return
        run = AimRun(run_hash, repo=self.repo, read_only=True)
        positions, prefixes = {}, []
        for name, context, _ in run.iter_sequence_info_by_type(Metric.allowed_dtypes()):
            if run.get_metric(name, context).version != 2:
                continue
            positions[(name, context.idx)] = len(prefixes)
            prefixes.append(
                encode_path(("seqs", "v2", "chunks", run_hash, context.idx, name))
            )
        try:
            future = self._helper.submit(read_run, str(path), prefixes)
        except Exception:
            self._helper = None
            return
        self._prefetched[run_hash] = (future, positions)

    def read(self, ref: RunRef) -> SourceRun:
        # This run's metrics, and the next run's while this one is written.
        following = (
            [
                other
                for other in self._refs[self._refs.index(ref) :][:2]
                if other.source_id not in self._prefetched
            ]
            if ref in self._refs
            else []
        )
        for other in following:
            # A run the helper cannot be given is read here (a broken one then
            # fails below, with its own message).
            with contextlib.suppress(Exception):
                self._prefetch(other)
        prefetched = self._prefetched.pop(ref.source_id, None)
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
                    name,
                    context.to_dict(),
                    _metric_loader(
                        run,
                        name,
                        context,
                        (prefetched[0], prefetched[1][(name, context.idx)])
                        if prefetched and (name, context.idx) in prefetched[1]
                        else None,
                    ),
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


def _copy_file(source: str, target: str) -> None:
    """RocksDB never changes a table file (.sst) once written, only adds and
    removes them: those are linked, not copied (most of a repo's bytes), when
    the scratch folder is on the same file system. Everything else is copied."""
    if source.endswith(".sst"):
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


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


def _metric_loader(run: AimRun, name: str, context, prefetched=None):
    """Columns from the helper process if it read them, else read here: in bulk
    when the records allow it, else Aim's own way."""

    def load() -> tuple:
        if prefetched is not None:
            future, position = prefetched
            try:
                columns = future.result()[position]
            except Exception:  # the helper died: read it here
                columns = None
            if columns is not None:
                return columns
        sequence = run.get_metric(name, context)
        columns = None
        if sequence.version == 2:
            view = sequence.series_tree.container
            columns = read_columns(view.parent.db, view.prefix)
        if columns is not None:
            return columns
        steps, (values, epochs, times) = sequence.data.numpy()
        return steps, values, epochs, times

    return load


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
