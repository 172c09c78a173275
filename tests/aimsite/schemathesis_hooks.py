"""schemathesis hooks for the conformance run: the rules JSON Schema cannot state.

The schema documents them in words; these hooks make schemathesis's *valid*
requests obey them too, so a valid request the server refuses is still a finding.
Invalid (negative) requests are left alone: they must stay invalid.

- `format: aimql` is a query language and `format: aimsite-columns` a JSON list
  of the runs table's column ids: valid ones are drawn from examples.
- A metric series is columns: `values`, `epochs` and `times` as long as `steps`.
- An uploaded image or audio record names a file part of the same request,
  holding a real image or WAV file; a distribution's range is [low, high].
- An artifact's name is a relative path (no empty, `.` or `..` parts, no control
  characters or backslashes).
- A range of query parameters (step_min..step_max) is not inverted.
- The Metrics explorer's `x=metric` needs `x_metric`; `group`, `fields` and
  `x_context` are field lists and a JSON context (formats, drawn from examples).
"""

import io
import wave

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

FIELDS = ["", "run.hparams.lr", 'run.hparams.lr,run.metrics["loss"].last']
GROUPS = ["", "run.experiment", "metric.name,run.hparams.lr", "metric.context.subset"]
CONTEXTS = ["{}", '{"subset": "val"}', '{"subset": "train"}']
# Each matches one of bob's seeded runs, so a batch delete by query is refused,
# but the last, which names the scratch runs (see test_schema_conformance._seed).
QUERIES = [
    "",
    "run.hparams.lr > 0.001",
    'run.name.startswith("mnist") or run.name == "bobs"',
    '"best" in run.tags',
    'run.experiment == "mnist" and not run.archived',
    'run.metrics["loss"].last < 0.5',
    "run.archived",
    'run.name.startswith("scratch")',
]
COLUMNS = ["[]", '["name", "status"]', '["p:[\\"hparams\\",\\"lr\\"]"]']
schemathesis.openapi.format("aimql", st.sampled_from(QUERIES))
schemathesis.openapi.format("aimsite-columns", st.sampled_from(COLUMNS))
schemathesis.openapi.format("aimsite-group", st.sampled_from(GROUPS))
schemathesis.openapi.format("aimsite-fields", st.sampled_from(FIELDS))
schemathesis.openapi.format("aimsite-context", st.sampled_from(CONTEXTS))


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(8000)
        clip.writeframes(b"\x00\x00" * 80)
    return buffer.getvalue()


def _number(value: object, low: bool = True) -> float:
    """A query value as a number to compare (exactly: these are 64-bit integers);
    absent ones never invert a range."""
    try:
        return int(str(value))
    except ValueError:
        return float("-inf") if low else float("inf")


def _same_length(series: dict) -> None:
    count = len(series["steps"])
    for column in ("values", "epochs", "times"):
        items = series.get(column)
        if isinstance(items, list):
            filler = 0 if column == "epochs" else 0.5
            series[column] = (items + [filler] * count)[:count]


def _columns(batch: object) -> None:
    if isinstance(batch, dict) and isinstance(batch.get("metrics"), list):
        for series in batch["metrics"]:
            if isinstance(series, dict) and isinstance(series.get("steps"), list):
                _same_length(series)


def _upload(body: dict, multipart: bool) -> dict:
    files = {"png": _png(), "wav": _wav()}
    body = {key: value for key, value in body.items() if key == "batch"}
    for position, item in enumerate(body["batch"]["objects"]):
        if item["kind"] in ("image", "audio") and multipart:
            part = f"file{position}"
            item["file"] = part
            body[part] = files["png" if item["kind"] == "image" else "wav"]
            if item["kind"] == "audio":
                item["format"] = "wav"
        elif item["kind"] == "distribution":
            item["data"]["range"] = sorted(item["data"]["range"])
    return body


@schemathesis.hook
def map_case(context, case):
    if case.meta is None:
        return case
    path, method = context.operation.path, context.operation.method.upper()
    query = case.query if isinstance(case.query, dict) else {}
    if not case.meta.is_negative_at(ParameterLocation.QUERY):
        if query.get("x") == "metric" and not query.get("x_metric"):
            query["x_metric"] = "loss"  # x=metric names the series to read x from
        for low, high in (("step_min", "step_max"), ("index_min", "index_max")):
            if _number(query.get(low)) > _number(query.get(high), low=False):
                query[low], query[high] = query[high], query[low]
    if case.meta.is_negative_at(ParameterLocation.BODY):
        return case
    if method != "POST" or not isinstance(case.body, dict | list):
        return case
    if path.endswith("/track/"):
        _columns(case.body)
    elif path == "/api/v1/runs/":
        for item in case.body if isinstance(case.body, list) else [case.body]:
            if isinstance(item, dict):  # a bulk item may be anything
                _columns(item.get("batch"))
    elif path.endswith("/objects"):
        case.body = _upload(case.body, case.media_type == "multipart/form-data")
    elif path.endswith("/artifacts") and isinstance(case.body.get("artifact"), dict):
        case.body["artifact"]["name"] = _artifact_name(case.body["artifact"]["name"])
    return case


def _artifact_name(name: str) -> str:
    """A relative path from a generated string: its parts, each kept to letters,
    digits, `-` and `_` (and never empty, `.` or `..`)."""
    parts = [
        "".join(c for c in part if c.isalnum() or c in "-_") for part in name.split("/")
    ]
    return "/".join(part for part in parts if part)[:400] or "artifact.bin"
