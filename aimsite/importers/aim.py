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
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

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
        if run.artifacts:
            source.skipped += [
                f"artifact {name} ({artifact.uri}): aimsite has no run artifacts yet"
                for name, artifact in sorted(run.artifacts.items())
            ]
        return source

    def _heartbeat(self, run_hash: str) -> float | None:
        path = Path(self.location) / ".aim" / "meta" / "progress" / run_hash
        try:
            return path.stat().st_mtime
        except OSError:
            return None


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
        steps, (values, epochs, times) = run.get_metric(name, context).data.numpy()
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
