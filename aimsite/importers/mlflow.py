"""Read an MLflow tracking store with the `mlflow` package: a tracking server URL,
a `sqlite:///` URI, or an `mlruns` folder (the file store).

The store is never written to: a SQLite database is read from a copy (opening
one may migrate it), and so is an `mlruns` folder's metadata (opening one may
add the default experiment); artifacts are read where they are. Experiments and
runs are listed with `ViewType.ALL` and paging, so deleted ones come too
(archived). MLflow keeps params as text: numbers and booleans are typed back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import ViewType

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

PAGE_SIZE = 1000
STATUSES = {
    "RUNNING": "active",
    "SCHEDULED": "active",
    "FINISHED": "finished",
    "FAILED": "failed",
    "KILLED": "failed",
}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}
# `log_image(key=, step=)` writes images/<key, "/" as "~">+step+<n>+timestamp+<ms>+<uuid>.png
# and a "+compressed.webp" preview of it (older versions used "%" for "+").
STEPPED_IMAGE = re.compile(
    r"^images/(?P<key>.+?)[+%]step[+%](?P<step>\d+)[+%]timestamp[+%](?P<ms>\d+)"
    r"[+%](?P<uuid>[^+%/]+?)(?P<compressed>[+%]compressed)?\.\w+$"
)
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# System tags that already have a place of their own.
DESCRIPTION_TAG = "mlflow.note.content"
NAME_TAG = "mlflow.runName"


def typed(text: str) -> object:
    """A param as MLflow's text, typed back: integers, floats and booleans."""
    stripped = text.strip()
    if NUMBER.match(stripped):
        if re.match(r"^[+-]?\d+$", stripped):
            return int(stripped)
        return float(stripped)
    if stripped in ("True", "False", "true", "false"):
        return stripped.lower() == "true"
    return text


class MlflowReader(Reader):
    kind = "mlflow"

    def __init__(self, location: str):
        super().__init__(location)
        self._scratch: str | None = None
        self._copy: Path | None = None  # a file store's metadata, copied
        self.client: MlflowClient | None = None
        self.experiments: dict = {}
        # Our progress bar is the one shown, not MLflow's per download.
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

    def close(self) -> None:
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _tracking_uri(self) -> str:
        location = self.location
        if location.startswith(("http://", "https://")):
            return location
        self._scratch = tempfile.mkdtemp(prefix="aimsite-import-mlflow-")
        if location.startswith("sqlite:"):
            # sqlite:///relative/path or sqlite:////absolute/path
            path = Path(location.removeprefix("sqlite:///"))
            if not path.is_file():
                raise SourceError(f"no such SQLite database: {path}")
            copy = Path(self._scratch) / path.name
            shutil.copy2(path, copy)
            for suffix in ("-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    shutil.copy2(f"{path}{suffix}", f"{copy}{suffix}")
            return f"sqlite:///{copy}"
        folder = Path(location.removeprefix("file://"))
        if not folder.is_dir():
            raise SourceError("no such folder, and not an http(s):// or sqlite:/// URI")
        if (
            not any((child / "meta.yaml").is_file() for child in folder.iterdir())
            and not (folder / ".trash").is_dir()
        ):
            raise SourceError(
                "not an MLflow file store (no experiment folders with meta.yaml)"
            )
        copy = Path(self._scratch) / "mlruns"
        # Metadata only (MLflow wants each run's artifacts folder, empty will
        # do): the artifact URIs in it still point at the source's files.
        shutil.copytree(
            folder,
            copy,
            ignore=lambda at, names: names if Path(at).name == "artifacts" else [],
        )
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        self._copy = copy
        return copy.as_uri()

    def runs(self) -> list[RunRef]:
        try:
            self.client = MlflowClient(tracking_uri=self._tracking_uri())
            experiments = list(self._pages(self._experiment_page))
            self.experiments = {e.experiment_id: e for e in experiments}
            refs = []
            for experiment in experiments:
                try:
                    runs = list(self._pages(self._run_page(experiment.experiment_id)))
                except Exception:
                    if self._copy is None:
                        raise
                    # One unreadable run fails the whole search in a file store:
                    # read its runs one by one, so only the broken one fails.
                    refs += self._one_by_one(experiment.experiment_id)
                    continue
                refs += [_ref(run) for run in runs]
        except SourceError:
            raise
        except Exception as error:
            raise SourceError(f"not a readable MLflow store ({error})") from error
        return refs

    def _one_by_one(self, experiment_id: str) -> list[RunRef]:
        refs = []
        for folder in (
            self._copy / experiment_id,
            self._copy / ".trash" / experiment_id,
        ):
            for run_dir in sorted(folder.glob("*/meta.yaml")):
                run_id = run_dir.parent.name
                try:
                    refs.append(_ref(self.client.get_run(run_id)))
                except Exception as error:
                    refs.append(RunRef(run_id, f"mlflow run {run_id}", error))
        return refs

    @staticmethod
    def _pages(fetch) -> Iterator:
        token = None
        while True:
            page = fetch(token)
            yield from page
            token = page.token
            if not token:
                return

    def _experiment_page(self, token):
        return self.client.search_experiments(
            view_type=ViewType.ALL, max_results=PAGE_SIZE, page_token=token
        )

    def _run_page(self, experiment_id: str):
        def fetch(token):
            return self.client.search_runs(
                [experiment_id],
                run_view_type=ViewType.ALL,
                max_results=PAGE_SIZE,
                order_by=["attributes.start_time ASC"],
                page_token=token,
            )

        return fetch

    def read(self, ref: RunRef) -> SourceRun:
        if isinstance(ref.handle, Exception):
            raise ref.handle  # it could not even be listed
        run = ref.handle
        info, data = run.info, run.data
        experiment = self.experiments.get(info.experiment_id)
        user_tags = {k: v for k, v in data.tags.items() if not k.startswith("mlflow.")}
        system_tags = {
            k.removeprefix("mlflow."): v
            for k, v in data.tags.items()
            if k.startswith("mlflow.") and k not in (DESCRIPTION_TAG, NAME_TAG)
        }
        params: dict = {"hparams": {k: typed(v) for k, v in data.params.items()}}
        if user_tags:
            params["tags"] = user_tags
        if system_tags:
            params["mlflow"] = system_tags
        source = SourceRun(
            source_id=info.run_id,
            name=info.run_name or data.tags.get(NAME_TAG, ""),
            description=data.tags.get(DESCRIPTION_TAG, ""),
            experiment=experiment.name if experiment else None,
            experiment_description=(experiment.tags or {}).get(DESCRIPTION_TAG, "")
            if experiment
            else "",
            created_at=info.start_time / 1000 if info.start_time else None,
            finished_at=info.end_time / 1000 if info.end_time else None,
            status=STATUSES.get(info.status, "finished"),
            is_archived=info.lifecycle_stage == "deleted"
            or (experiment is not None and experiment.lifecycle_stage == "deleted"),
            params=params,
            meta={
                "mlflow": {
                    "run_id": info.run_id,
                    "experiment_id": info.experiment_id,
                    "user_id": info.user_id,
                    "status": info.status,
                    "lifecycle_stage": info.lifecycle_stage,
                    "artifact_uri": info.artifact_uri,
                }
            },
            tags=[SourceTag(f"{k}={v}" if v else k) for k, v in user_tags.items()],
            series=[
                SourceSeries(key, {}, self._history_loader(info.run_id, key))
                for key in sorted(data.metrics)
            ],
        )
        objects, others = _classify(list(self._artifacts(info.run_id)))
        for item in [item for item in objects if item["kind"] == "figure"]:
            item["figure"] = _plotly_figure(
                item["path"], self._download(info.run_id, item["path"])
            )
            if item["figure"] is None:
                objects.remove(item)
                others.append(item["path"])
        source.objects = lambda: self._objects(info.run_id, objects)
        source.artifacts = [
            SourceArtifact(path, self._fetcher(info.run_id, path)) for path in others
        ]
        return source

    def _fetcher(self, run_id: str, path: str):
        def fetch(folder: str) -> str:
            return self.client.download_artifacts(run_id, path, folder)

        return fetch

    def _history_loader(self, run_id: str, key: str):
        def load() -> tuple:
            points = sorted(
                self.client.get_metric_history(run_id, key),
                key=lambda m: (m.step, m.timestamp),
            )
            return (
                [m.step for m in points],
                [m.value for m in points],
                None,
                [m.timestamp / 1000 for m in points],
            )

        return load

    def _artifacts(self, run_id: str, path: str | None = None) -> Iterator[str]:
        for entry in self.client.list_artifacts(run_id, path):
            if entry.is_dir:
                yield from self._artifacts(run_id, entry.path)
            else:
                yield entry.path

    def _download(self, run_id: str, path: str) -> bytes:
        with tempfile.TemporaryDirectory(dir=self._scratch) as folder:
            return Path(
                self.client.download_artifacts(run_id, path, folder)
            ).read_bytes()

    def _objects(self, run_id: str, planned: list[dict]) -> Iterator[SourceObject]:
        for item in planned:
            caption = Path(item["path"]).name
            if item["kind"] == "figure":
                yield SourceObject(
                    "figure", item["name"], {}, 0, caption=caption, data=item["figure"]
                )
                continue
            yield SourceObject(
                "image",
                item["name"],
                {},
                item["step"],
                item["index"],
                time=item.get("time"),
                caption=caption,
                format=Path(item["path"]).suffix.lstrip(".").lower(),
                content=self._download(run_id, item["path"]),
            )


def _ref(run) -> RunRef:
    label = f"mlflow run {run.info.run_id}"
    if run.info.run_name:
        label += f" ({run.info.run_name})"
    return RunRef(run.info.run_id, label, run)


def _classify(paths: list[str]) -> tuple[list[dict], list[str]]:
    """Which artifacts become objects (images, Plotly figures) and which stay."""
    objects, others = [], []
    stepped: dict[tuple[str, int], list[tuple[int, str, str]]] = {}
    for path in sorted(paths):
        found = STEPPED_IMAGE.match(path)
        if found:
            if not found["compressed"]:
                key = (found["key"].replace("~", "/"), int(found["step"]))
                stepped.setdefault(key, []).append(
                    (int(found["ms"]), found["uuid"], path)
                )
            continue
        suffix = Path(path).suffix.lower()
        if suffix in IMAGE_EXTENSIONS:
            objects.append(
                {"kind": "image", "name": path, "step": 0, "index": 0, "path": path}
            )
        elif suffix in (".html", ".json"):
            # Only Plotly figures become Figures; _objects checks the content.
            objects.append({"kind": "figure", "name": path, "path": path})
        else:
            others.append(path)
    for (name, step), images in sorted(stepped.items()):
        for index, (ms, _, path) in enumerate(sorted(images)):
            objects.append(
                {
                    "kind": "image",
                    "name": name,
                    "step": step,
                    "index": index,
                    "time": ms / 1000,
                    "path": path,
                }
            )
    return objects, others


def _plotly_figure(path: str, content: bytes) -> dict | None:
    """The Plotly figure in a `.json` artifact or in the HTML `log_figure` writes."""
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return None
    if path.lower().endswith(".json"):
        try:
            figure = json.loads(text)
        except ValueError:
            return None
        if isinstance(figure, dict) and isinstance(figure.get("data"), list):
            return {"data": figure["data"], "layout": figure.get("layout") or {}}
        return None
    # plotly's write_html: Plotly.newPlot("<div id>", [data], {layout}, {config})
    start = text.find("Plotly.newPlot(")
    if start < 0:
        return None
    decoder = json.JSONDecoder()
    position = start + len("Plotly.newPlot(")
    values = []
    try:
        for _ in range(3):
            while text[position] in " \t\r\n,":
                position += 1
            value, position = decoder.raw_decode(text, position)
            values.append(value)
    except (ValueError, IndexError):
        return None
    _, data, layout = values
    if not isinstance(data, list) or not isinstance(layout, dict):
        return None
    return {"data": data, "layout": layout}
