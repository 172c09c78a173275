"""CSV export of the runs matching a query, streamed: rows are produced chunk by
chunk (one query for the runs, one for their tags and one for their metric
values per chunk), so 100,000 runs never sit in memory at once."""

import csv
from collections.abc import AsyncIterator, Iterator

import orjson
from asgiref.sync import sync_to_async
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from aimsite.values import flatten, format_cell
from runs.models import Run
from runs.query.sql import DurationSeconds
from runs.table import (
    BASE_COLUMNS,
    Column,
    metric_values,
    page_columns,
)
from tags.models import Tag

CHUNK = 2000
_RUN_FIELDS = (
    "id",
    "hash",
    "name",
    "experiment__name",
    "status",
    "is_archived",
    "created_at",
    "finished_at",
)


class _Echo:
    """csv.writer target that hands each line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: object) -> str:
    """Full precision for numbers (unlike the table's 6 significant digits)."""
    if value is None:
        return ""
    kind = type(value)
    if kind is float:
        return repr(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    return format_cell(value)


def _chunks(runs: QuerySet, now) -> Iterator[list[dict]]:
    """Keyset over id: each chunk is one indexed query, whatever the run count.

    Duration comes from SQL and params as raw JSON text parsed with orjson:
    per-row Python conversions are what limits the export rate.
    """
    runs = runs.annotate(
        duration_s=DurationSeconds(now), params_json=Cast("params", TextField())
    ).values(*_RUN_FIELDS, "duration_s", "params_json")
    last_id = 0
    while True:
        chunk = list(runs.filter(id__gt=last_id).order_by("id")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1]["id"]


def _tags(run_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    through = Tag.runs.through.objects.filter(
        run_id__in=run_ids, tag__is_archived=False
    )
    for run_id, name in through.order_by("tag__name").values_list(
        "run_id", "tag__name"
    ):
        tags.setdefault(run_id, []).append(name)
    return tags


def export_columns(runs: QuerySet, columns: list[Column] | None) -> list[Column]:
    """The given columns, or every param/metric column found in the first chunk."""
    if columns is not None:
        return columns
    sample = list(
        Run.objects.filter(pk__in=runs.values("pk")[:CHUNK]).only("id", "params")
    )
    return page_columns(sample, metric_values([run.id for run in sample]))


def stream_csv(runs: QuerySet, columns: list[Column]) -> Iterator[str]:
    """Yield CSV lines: hash, name, experiment, status, archived, dates, duration, tags, columns."""
    writer = csv.writer(_Echo())
    now = timezone.now()
    header = [
        "hash",
        "name",
        "experiment",
        "status",
        "archived",
        "created_at",
        "finished_at",
        "duration_s",
        "tags",
    ]
    yield writer.writerow(header + [column.label for column in columns])
    param_columns = [column for column in columns if column.kind == "param"]
    metric_columns = [column for column in columns if column.kind == "metric"]
    for chunk in _chunks(runs, now):
        ids = [row["id"] for row in chunk]
        tags = _tags(ids)
        metrics = metric_values(ids, (ids[0], ids[-1])) if metric_columns else {}
        lines = []
        for row in chunk:
            flat = flatten(orjson.loads(row["params_json"])) if param_columns else {}
            run_metrics = metrics.get(row["id"], {})
            values = [
                row["hash"],
                row["name"],
                row["experiment__name"],
                row["status"],
                "true" if row["is_archived"] else "false",
                row["created_at"].isoformat(),
                row["finished_at"].isoformat() if row["finished_at"] else "",
                round(row["duration_s"], 3),
                ";".join(tags.get(row["id"], [])),
            ]
            for column in columns:
                if column.kind == "param":
                    values.append(_csv_value(flat.get(column.path)))
                else:
                    values.append(_csv_value(run_metrics.get(column.metric)))
            lines.append(writer.writerow(values))
        yield "".join(lines)


async def async_chunks(lines: Iterator[str]) -> AsyncIterator[str]:
    """The same stream for ASGI servers: Django would otherwise read a sync
    iterator whole into memory before sending it. One thread hop per chunk."""
    done = object()
    step = sync_to_async(lambda: next(lines, done), thread_sensitive=True)
    while (chunk := await step()) is not done:
        yield chunk


__all__ = ["BASE_COLUMNS", "async_chunks", "export_columns", "stream_csv"]
