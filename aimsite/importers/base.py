"""What every importer shares: the shape a reader hands over, and how that shape
goes into aimsite through the ingest services.

A reader (`aim.py`, `mlflow.py`, `tensorboard.py`) knows one source format and
nothing about Django: it lists the source's runs (`RunRef`) and reads one run at
a time into a `SourceRun`, whose series, objects and logs load lazily. This
module maps a `SourceRun` onto a run through the same services as the API
(`runs.ingest.create_run`/`apply_batch`, `media_tracks.services`, `tags.services`,
`runs.services.archive_runs`), so live pages and explorers see it at once.

Identity and reruns: a run's hash is derived from the source kind and the
source's own id (`source_hash`), so a second import finds the run it made
before and adds nothing. Each run is imported in one transaction, marked
complete by its last batch: an import interrupted mid-run leaves nothing of that
run, and the next import brings it over whole. (A run that exists without the
mark is completed: its batches carry fixed sequence numbers, so the ones already
applied are skipped and objects are idempotent by step and index.)
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from aimsite.errors import IngestError
from aimsite.importers.source import (
    Reader,
    RunRef,
    SourceObject,
    SourceRun,
)
from aimsite.progress import progress_bar
from experiments.services import update_experiment
from media_tracks import services as media
from runs import ingest
from runs.artifacts import store_artifact
from runs.models import Run
from runs.services import archive_runs, remove_media_dirs
from tags.models import TAG_COLORS, Tag
from tags.services import TagInvalid, create_tag

# The last batch of an imported run: it sets the status and the "complete" mark.
FINAL_SEQ = 2**62


# -- the mapping --------------------------------------------------------------------


def source_hash(kind: str, source_id: str) -> str:
    """A run hash (24 hex) that is the same every time the same source run comes in."""
    return hashlib.sha256(f"aimsite-import\0{kind}\0{source_id}".encode()).hexdigest()[
        :24
    ]


def storable(value: object, depth: int = 0) -> object:
    """A JSON tree params may hold: non-finite numbers and other types as text."""
    if isinstance(value, dict):
        return {str(key): storable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item, depth + 1) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | np.integer):
        return int(value) if abs(int(value)) < 2**63 else str(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else str(float(value))
    return str(value)


def palette_color(color: str | None) -> str:
    """The palette colour nearest to `color` ("#rgb"/"#rrggbb"), or the default."""
    text = (color or "").strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    try:
        rgb = [int(text[i : i + 2], 16) for i in (0, 2, 4)] if len(text) == 6 else None
    except ValueError:
        rgb = None
    if rgb is None:
        return TAG_COLORS[0][0]

    def distance(option: str) -> int:
        other = [int(option[i : i + 2], 16) for i in (1, 3, 5)]
        return sum((a - b) ** 2 for a, b in zip(rgb, other, strict=True))

    return min((value for value, _ in TAG_COLORS), key=distance)


def _datetime(seconds: float | None) -> datetime | None:
    if seconds is None or not math.isfinite(seconds):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass
class Options:
    owner: object
    experiment: str | None = None
    is_dry_run: bool = False


@dataclass
class RunResult:
    label: str
    outcome: str  # imported, completed, already, would-import, failed
    series: int = 0
    points: int = 0
    objects: int = 0
    log_lines: int = 0
    artifacts: int = 0
    message: str = ""
    skipped: list[str] = field(default_factory=list)


@dataclass
class Summary:
    kind: str
    location: str
    results: list[RunResult] = field(default_factory=list)

    def count(self, *outcomes: str) -> int:
        return sum(1 for result in self.results if result.outcome in outcomes)

    def total(self, attribute: str) -> int:
        return sum(
            getattr(result, attribute)
            for result in self.results
            if result.outcome in ("imported", "completed", "would-import")
        )

    @property
    def is_nothing_read(self) -> bool:
        return bool(self.results) and self.count("failed") == len(self.results)

    def lines(self, is_dry_run: bool) -> list[str]:
        moved = self.count("imported", "completed", "would-import")
        figures = (
            f"{moved} run{'s' if moved != 1 else ''}, "
            f"{self.total('series'):,} series, {self.total('points'):,} points, "
            f"{self.total('objects'):,} objects, {self.total('log_lines'):,} log lines, "
            f"{self.total('artifacts'):,} artifacts"
        )
        already = self.count("already")
        if is_dry_run:
            lines = [f"Dry run, nothing was written. Would import {figures}."]
        elif moved == 0 and already and not self.count("failed"):
            lines = [
                f"Nothing new: all {already} runs of this source were imported "
                "before; nothing was changed."
            ]
        else:
            completed = self.count("completed")
            lines = [
                f"Imported {figures}"
                + (
                    f" ({completed} completed from an interrupted import)"
                    if completed
                    else ""
                )
                + "."
            ]
        if already and (moved or self.count("failed") or is_dry_run):
            lines.append(f"Already imported before, left as they are: {already} runs.")
        skipped = [
            (result.label, note) for result in self.results for note in result.skipped
        ]
        if skipped:
            lines.append(f"Skipped ({len(skipped)}):")
            lines += [f"  - {label}: {note}" for label, note in skipped]
        failed = [result for result in self.results if result.outcome == "failed"]
        if failed:
            lines.append(f"Failed ({len(failed)} runs, nothing of them was written):")
            lines += [f"  - {result.label}: {result.message}" for result in failed]
        return lines


class Importer:
    """Bring every run a reader lists into aimsite, one transaction per run."""

    def __init__(self, reader: Reader, options: Options, stream: TextIO):
        self.reader = reader
        self.options = options
        self.stream = stream

    def run(self) -> Summary:
        summary = Summary(self.reader.kind, self.reader.location)
        refs = self.reader.runs()  # SourceError: nothing readable at all
        self.stream.write(
            f"Found {len(refs)} run{'s' if len(refs) != 1 else ''} in "
            f"{self.reader.location}\n"
        )
        for number, ref in enumerate(refs, start=1):
            prefix = f"run {number}/{len(refs)} "
            progress_bar(0, 1, ref.label, prefix=prefix, stream=self.stream)
            result = self._one(ref, prefix)
            summary.results.append(result)
            self.stream.write(f"\r  {prefix}{_describe(result):<90}\n")
        return summary

    def _one(self, ref: RunRef, prefix: str) -> RunResult:
        run_hash = source_hash(self.reader.kind, ref.source_id)
        existing = Run.objects.filter(hash=run_hash).only("meta").first()
        if existing is not None and (existing.meta or {}).get("import", {}).get(
            "complete"
        ):
            return RunResult(ref.label, "already")
        try:
            source = self.reader.read(ref)
            # A fixed order, so a rerun's batches carry the same sequence numbers.
            source.series.sort(
                key=lambda series: (
                    series.name,
                    json.dumps(series.context, sort_keys=True, default=str),
                )
            )
            if self.options.is_dry_run:
                return self._count(ref, source, prefix)
            return self._write(ref, source, run_hash, existing is not None, prefix)
        except IngestError as error:
            return RunResult(ref.label, "failed", message=error.message)
        except Exception as error:
            # A reader's library may raise anything on a broken run (a corrupt
            # file, a half-written chunk); that run fails, the rest go on.
            return RunResult(
                ref.label, "failed", message=f"{type(error).__name__}: {error}"
            )

    def _count(self, ref: RunRef, source: SourceRun, prefix: str) -> RunResult:
        result = RunResult(ref.label, "would-import", skipped=list(source.skipped))
        for number, series in enumerate(source.series, start=1):
            self._series_progress(prefix, number, source, series)
            steps, *_ = series.load()
            result.series += 1
            result.points += len(steps)
        result.objects = sum(1 for _ in source.objects())
        result.log_lines = len(source.logs())
        result.artifacts = len(source.artifacts)
        return result

    def _series_progress(self, prefix, number, source, series) -> None:
        context = ",".join(f"{k}={v}" for k, v in series.context.items())
        label = f"{series.name} {context}".strip()
        progress_bar(
            number,
            len(source.series),
            label,
            prefix=f"{prefix}series ",
            stream=self.stream,
        )

    def _write(
        self,
        ref: RunRef,
        source: SourceRun,
        run_hash: str,
        existed: bool,
        prefix: str,
    ) -> RunResult:
        result = RunResult(
            ref.label,
            "completed" if existed else "imported",
            skipped=list(source.skipped),
        )
        owner = self.options.owner
        created = _datetime(source.created_at)
        last = _datetime(source.finished_at) or created
        try:
            with transaction.atomic():
                tag_names = self._tags(source, result)
                meta = storable(source.meta)
                meta["import"] = {
                    "source": self.reader.kind,
                    "id": source.source_id,
                    "location": self.reader.location,
                    "complete": False,
                }
                run = ingest.create_run(
                    owner,
                    ingest.NewRun(
                        hash=run_hash,
                        experiment=self.options.experiment or source.experiment,
                        name=source.name[:200],
                        description=source.description[:5000],
                        params=storable(source.params),
                        tags=tag_names,
                        created_at=created,
                        batch=ingest.Batch(seq=0, meta=meta, at=created),
                    ),
                ).run
                self._describe_experiment(run, source)
                seq = self._metrics(run, source, 1, last, result, prefix)
                seq = self._logs(run, source, seq, last, result)
                self._objects(run, source, result)
                self._artifacts(run, source, result)
                ingest.apply_batch(
                    run,
                    ingest.Batch(
                        seq=FINAL_SEQ,
                        status=source.status,
                        meta={"import": {"complete": True}},
                        at=last,
                    ),
                )
                if source.is_archived:
                    archive_runs([run], owner)
        except BaseException:
            if not existed:
                # Files the rolled-back rows pointed at must not stay behind.
                remove_media_dirs([run_hash])
            raise
        return result

    def _tags(self, source: SourceRun, result: RunResult) -> list[str]:
        names = []
        for tag in source.tags:
            existing = Tag.objects.filter(name__iexact=tag.name.strip()).first()
            if existing is None:
                try:
                    existing = create_tag(
                        self.options.owner,
                        {
                            "name": tag.name.strip(),
                            "comment": (tag.comment or "")[:200],
                            "color": palette_color(tag.color),
                        },
                    )
                except TagInvalid as error:
                    result.skipped.append(f"tag {tag.name!r:.60}: {error.message}")
                    continue
            names.append(existing.name)
        return names

    def _describe_experiment(self, run: Run, source: SourceRun) -> None:
        experiment = run.experiment
        if (
            source.experiment_description
            and not experiment.description
            and not self.options.experiment
            and experiment.can_edit(self.options.owner)
        ):
            update_experiment(
                experiment,
                self.options.owner,
                description=source.experiment_description[:2000],
            )

    def _metrics(
        self,
        run: Run,
        source: SourceRun,
        seq: int,
        at: datetime | None,
        result: RunResult,
        prefix: str,
    ) -> int:
        """Write the run's series in as few batches as the points budget allows
        (each batch costs a handful of queries; points cost only their bytes).
        Batches get consecutive sequence numbers in the series' fixed order."""
        size = settings.AIMSITE_MAX_POINTS_PER_BATCH
        pending: list[ingest.SeriesBatch] = []
        pending_points = 0

        def flush() -> None:
            nonlocal seq, pending, pending_points
            if pending:
                ingest.apply_batch(run, ingest.Batch(seq=seq, series=pending, at=at))
                seq += 1
                pending, pending_points = [], 0

        for number, series in enumerate(source.series, start=1):
            self._series_progress(prefix, number, source, series)
            steps, values, epochs, times = series.load()
            if len(steps) == 0:
                continue
            batch = ingest.series_batch(
                series.name, series.context, steps, values, epochs, times
            )
            result.series += 1
            result.points += len(batch.points)
            for start in range(0, len(batch.points), size):
                part = ingest.SeriesBatch(
                    batch.name,
                    batch.context,
                    batch.context_key,
                    batch.points.slice(start, start + size),
                )
                if pending_points + len(part.points) > size:
                    flush()
                pending.append(part)
                pending_points += len(part.points)
        flush()
        return seq

    def _logs(
        self,
        run: Run,
        source: SourceRun,
        seq: int,
        at: datetime | None,
        result: RunResult,
    ) -> int:
        raw = [
            {"line": line, "text": text, "time": time}
            for line, text, time in source.logs()
        ]
        size = settings.AIMSITE_MAX_LOG_LINES_PER_BATCH
        for start in range(0, len(raw), size):
            batch = ingest.parse_batch({"seq": seq, "logs": raw[start : start + size]})
            batch.at = at
            ingest.apply_batch(run, batch)
            seq += 1
        result.log_lines = len(raw)
        return seq

    def _objects(self, run: Run, source: SourceRun, result: RunResult) -> None:
        pending: list[SourceObject] = []
        limit = settings.AIMSITE_MAX_UPLOAD_OBJECTS
        for item in source.objects():
            pending.append(item)
            if len(pending) == limit:
                result.objects += _store(run, pending)
                pending = []
        if pending:
            result.objects += _store(run, pending)

    def _artifacts(self, run: Run, source: SourceRun, result: RunResult) -> None:
        """Through the service the artifacts API uses; a name stored before (an
        interrupted import completed) is replaced, so nothing doubles."""
        for artifact in source.artifacts:
            with tempfile.TemporaryDirectory(prefix="aimsite-import-") as folder:
                path = Path(artifact.fetch(folder))
                with path.open("rb") as handle:
                    store_artifact(run, artifact.name, File(handle, name=path.name))
            result.artifacts += 1


def _store(run: Run, items: list[SourceObject]) -> int:
    """Store objects as one upload would: the media service validates and writes."""
    raw, files = [], {}
    for position, item in enumerate(items):
        entry = {
            "kind": item.kind,
            "name": item.name,
            "context": storable(item.context),
            "step": int(item.step),
            "index": int(item.index),
            "epoch": None if item.epoch is None else int(item.epoch),
            "time": item.time
            if item.time is not None and math.isfinite(item.time)
            else None,
            "caption": (item.caption or "")[: media.MAX_CAPTION_LENGTH],
        }
        if item.kind in ("image", "audio"):
            key = f"f{position}"
            files[key] = SimpleUploadedFile(
                f"{key}.{item.format or 'bin'}", item.content or b""
            )
            entry["file"] = key
            if item.kind == "audio":
                entry["format"] = item.format
        elif item.kind == "text":
            entry["text"] = item.text
        else:
            entry["data"] = storable(item.data)
        raw.append(entry)
    objects = media.parse_objects({"objects": raw}, files)
    return media.store_objects(run, objects)


def _describe(result: RunResult) -> str:
    if result.outcome == "already":
        return f"{result.label}: imported before, unchanged"
    if result.outcome == "failed":
        return f"{result.label}: FAILED, {result.message}"
    verb = {
        "imported": "imported",
        "completed": "completed",
        "would-import": "would import",
    }[result.outcome]
    return (
        f"{result.label}: {verb} {result.series} series, {result.points:,} points, "
        f"{result.objects} objects, {result.log_lines} log lines, "
        f"{result.artifacts} artifacts"
    )
