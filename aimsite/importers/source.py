"""The shape a reader hands over: a source's runs, read one at a time.

No Django here: a reader (aim.py, mlflow.py, tensorboard.py) knows its source
format and this module only; base.py maps what it hands over into aimsite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

OBJECT_KINDS = ("image", "audio", "text", "figure", "distribution")
RUN_STATUSES = ("active", "finished", "failed")


class SourceError(Exception):
    """The source as a whole cannot be read (missing folder, not a store)."""


@dataclass
class SourceTag:
    name: str
    color: str | None = None  # any "#rrggbb"; mapped to the nearest palette colour
    comment: str = ""


@dataclass
class SourceSeries:
    """One metric series; `load()` returns (steps, values, epochs, times) arrays
    (epochs and times may be None; NaN epochs mean none)."""

    name: str
    context: dict
    load: Callable[[], tuple]


@dataclass
class SourceObject:
    kind: str  # one of OBJECT_KINDS
    name: str
    context: dict
    step: int
    index: int = 0
    epoch: int | None = None
    time: float | None = None
    caption: str = ""
    format: str = ""
    content: bytes | None = None  # images and audio
    text: str = ""  # texts
    data: dict | None = None  # figures (Plotly JSON), distributions (bins, range)


@dataclass
class SourceArtifact:
    """A file the run logged that is not an object: it becomes a run artifact.
    `fetch(folder)` puts a local copy into `folder` and returns its path."""

    name: str  # a relative path such as "model/weights.pt"
    fetch: Callable[[str], str]


@dataclass
class SourceRun:
    source_id: str
    name: str = ""
    description: str = ""
    experiment: str | None = None
    experiment_description: str = ""
    created_at: float | None = None  # unix seconds
    finished_at: float | None = None
    status: str = "finished"  # one of RUN_STATUSES
    is_archived: bool = False
    params: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    tags: list[SourceTag] = field(default_factory=list)
    series: list[SourceSeries] = field(default_factory=list)
    objects: Callable[[], Iterator[SourceObject]] = lambda: iter(())
    logs: Callable[[], list[tuple[int, str, float | None]]] = list
    artifacts: list[SourceArtifact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what stays behind, and why


@dataclass
class RunRef:
    """A run as listed, before it is read: its source id and how to name it."""

    source_id: str
    label: str
    handle: object = None  # whatever the reader needs to read it


class Reader:
    """A source format. `runs()` raises SourceError when nothing can be read."""

    kind = ""

    def __init__(self, location: str):
        self.location = location

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def runs(self) -> list[RunRef]:
        raise NotImplementedError

    def read(self, ref: RunRef) -> SourceRun:
        raise NotImplementedError
