"""Read TensorBoard event files with the `tensorboard` package's own reader.

Runs are found as Aim's `aim convert tensorboard` finds them: a folder of event
files one level under LOGDIR is a run; deeper, the folder's parent is the run
and the folder's name becomes the context (`{"entry": "train"}`), so Keras'
`run/train` and `run/validation` become one run with two contexts. Tags keep
their full path as the series name, as Aim's converter keeps them.

`EventFileLoader` upgrades old summaries (simple values, histo, images) to the
tensor form with plugin names, so one reading covers files written by
TensorFlow, PyTorch and tensorboardX alike.
"""

from __future__ import annotations

import io
import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from tensorboard import data_compat, dataclass_compat
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.util import tensor_util

from aimsite.importers.source import (
    Reader,
    RunRef,
    SourceError,
    SourceObject,
    SourceRun,
    SourceSeries,
)

EVENT_FILE_MARK = "tfevents"
RECORD_FRAMING = 16  # a record's length (8 bytes) and two checksums (4 + 4)
SESSION_STATUS = {
    api_pb2.STATUS_SUCCESS: "finished",
    api_pb2.STATUS_FAILURE: "failed",
    api_pb2.STATUS_RUNNING: "active",
}


def find_runs(logdir: Path) -> dict[Path, list[tuple[Path, dict]]]:
    """Run folder → its event files with their context, as Aim's converter groups them."""
    folders = sorted(
        {
            Path(root)
            for root, _, files in os.walk(logdir)
            if any(EVENT_FILE_MARK in name for name in files)
        }
    )

    def depth(folder: Path) -> int:
        return len(folder.relative_to(logdir).parts)

    runs: set[Path] = set()
    groups: set[Path] = set()
    for folder in sorted(folders, key=depth, reverse=True):
        if folder in runs or folder in groups or depth(folder) == 0:
            continue  # part of a run already, holds runs, or is LOGDIR itself
        if depth(folder) >= 2:
            groups.add(folder.parent.parent)
            run = folder.parent if folder.parent not in groups else folder
        else:
            run = folder
        runs.add(run)
    found: dict[Path, list[tuple[Path, dict]]] = {}
    for run in sorted(runs):
        files = []
        for root, _, names in os.walk(run):
            for name in sorted(names):
                if EVENT_FILE_MARK not in name:
                    continue
                context = {} if Path(root) == run else {"entry": Path(root).name}
                files.append((Path(root) / name, context))
        found[run] = sorted(files, key=lambda item: str(item[0]))
    return found


class TensorboardReader(Reader):
    kind = "tensorboard"

    def __init__(self, location: str):
        super().__init__(os.path.abspath(location))

    def runs(self) -> list[RunRef]:
        logdir = Path(self.location)
        if not logdir.is_dir():
            raise SourceError("no such directory")
        found = find_runs(logdir)
        if not found and any(
            EVENT_FILE_MARK in p.name for p in logdir.iterdir() if p.is_file()
        ):
            raise SourceError(
                "the event files sit in LOGDIR itself: pass the folder above it "
                "(each run is a sub-folder of LOGDIR)"
            )
        return [
            RunRef(str(run), f"tensorboard run {run.relative_to(logdir)}", files)
            for run, files in found.items()
        ]

    def read(self, ref: RunRef) -> SourceRun:
        run_dir = Path(ref.source_id)
        collected = _Collected()
        for path, context in ref.handle:
            collected.read_file(path, context)
        source = SourceRun(
            source_id=ref.source_id,
            name=str(run_dir.relative_to(self.location)),
            created_at=min(collected.times) if collected.times else None,
            finished_at=max(collected.times) if collected.times else None,
            status=collected.status or "finished",
            params={"tensorboard_logdir": str(run_dir)},
            series=[
                SourceSeries(name, dict(context), _loader(points))
                for (name, context), points in sorted(collected.scalars.items())
            ],
            objects=lambda: iter(collected.objects),
            skipped=collected.notes
            + [
                f"{count} values of plugin {plugin!r}: no place for them in aimsite"
                for plugin, count in sorted(collected.unsupported.items())
            ],
        )
        if collected.hparams:
            source.params["hparams"] = collected.hparams
        return source


def _loader(points: list[tuple[int, float, float]]):
    def load() -> tuple:
        points.sort(key=lambda point: (point[0], point[2]))
        steps, values, times = zip(*points, strict=True) if points else ((), (), ())
        return np.array(steps), np.array(values, np.float64), None, np.array(times)

    return load


class _Collected:
    """Everything one run's event files hold, gathered in one pass over them."""

    def __init__(self) -> None:
        self.scalars: dict[tuple, list] = defaultdict(list)
        self.objects: list[SourceObject] = []
        self.times: list[float] = []
        self.hparams: dict = {}
        self.status: str | None = None
        self.unsupported: Counter = Counter()
        self.notes: list[str] = []
        self._indices: Counter = Counter()

    def read_file(self, path: Path, context: dict) -> None:
        key = tuple(sorted(context.items()))
        size, read, first_metadata = path.stat().st_size, 0, {}
        for record in RawEventFileLoader(str(path)).Load():
            read += len(record) + RECORD_FRAMING
            # What EventFileLoader does: old summaries upgraded to tensors.
            upgraded = data_compat.migrate_event(event_pb2.Event.FromString(record))
            for event in dataclass_compat.migrate_event(upgraded, first_metadata):
                if event.wall_time and event.HasField("summary"):
                    self.times.append(event.wall_time)
                for value in event.summary.value:
                    self._value(event, value, context, key)
        if size and not read:
            raise ValueError(f"{path.name} holds no readable event (a corrupt file?)")
        if read < size:
            self.notes.append(
                f"{path.name} is cut short (a half-written file?): its first "
                f"{read:,} of {size:,} bytes came over"
            )

    def _next_index(self, kind: str, tag: str, key: tuple, step: int) -> int:
        slot = (kind, tag, key, step)
        index = self._indices[slot]
        self._indices[slot] += 1
        return index

    def _value(self, event, value, context: dict, key: tuple) -> None:
        plugin = value.metadata.plugin_data.plugin_name
        step, moment = int(event.step), event.wall_time
        if plugin == hparams_metadata.PLUGIN_NAME:
            self._hparams(value)
            return
        if not value.HasField("tensor"):
            self.unsupported[plugin or "(none)"] += 1
            return
        array = tensor_util.make_ndarray(value.tensor)
        if plugin == "scalars" or (plugin == "" and array.size == 1):
            if array.dtype.kind in "fiub":
                self.scalars[(value.tag, key)].append(
                    (step, float(array.reshape(-1)[0]), moment)
                )
                return
        elif plugin == "images":
            for encoded in array.reshape(-1)[2:]:
                self._object("image", value.tag, context, key, step, moment, encoded)
            return
        elif plugin == "audio":
            for row in array.reshape(-1, array.shape[-1] if array.ndim > 1 else 1):
                self._object("audio", value.tag, context, key, step, moment, row[0])
            return
        elif plugin == "histograms":
            if array.ndim == 2 and array.shape[0] and array.shape[1] == 3:
                low, high = float(array[0, 0]), float(array[-1, 1])
                if high > low:
                    self._add(
                        "distribution",
                        value.tag,
                        context,
                        key,
                        step,
                        moment,
                        data={"bins": array[:, 2].tolist(), "range": [low, high]},
                    )
            return
        elif plugin == "text":
            for item in array.reshape(-1):
                text = (
                    item.decode("utf-8", "replace")
                    if isinstance(item, bytes)
                    else str(item)
                )
                self._add("text", value.tag, context, key, step, moment, text=text)
            return
        self.unsupported[plugin or "(none)"] += 1

    def _object(self, kind, tag, context, key, step, moment, encoded: bytes) -> None:
        self._add(
            kind,
            tag,
            context,
            key,
            step,
            moment,
            content=bytes(encoded),
            format=_format(kind, bytes(encoded)),
        )

    def _add(self, kind, tag, context, key, step, moment, **payload) -> None:
        self.objects.append(
            SourceObject(
                kind,
                tag,
                dict(context),
                step,
                self._next_index(kind, tag, key, step),
                time=moment,
                **payload,
            )
        )

    def _hparams(self, value) -> None:
        if value.tag == hparams_metadata.SESSION_START_INFO_TAG:
            info = hparams_metadata.parse_session_start_info_plugin_data(
                value.metadata.plugin_data.content
            )
            for name, item in info.hparams.items():
                kind = item.WhichOneof("kind")
                if kind is not None:
                    number = getattr(item, kind)
                    if kind == "number_value" and float(number).is_integer():
                        number = int(number)
                    self.hparams[name] = number
        elif value.tag == hparams_metadata.SESSION_END_INFO_TAG:
            info = hparams_metadata.parse_session_end_info_plugin_data(
                value.metadata.plugin_data.content
            )
            self.status = SESSION_STATUS.get(info.status, self.status)


def _format(kind: str, content: bytes) -> str:
    if kind == "audio":
        return "wav"  # the audio plugin stores WAV
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            return (image.format or "png").lower()
    except (UnidentifiedImageError, OSError):
        return "png"
