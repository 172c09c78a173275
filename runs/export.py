"""CSV export of the runs matching a query, streamed: rows are produced chunk by
chunk (one query for the runs, one for their tags and one for their metric
values per chunk), so 100,000 runs never sit in memory at once."""

import csv
import itertools
from collections.abc import AsyncIterator, Iterator

import orjson
from asgiref.sync import sync_to_async
from django.db import OperationalError
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from aimsite.query_budget import query_timeout, within_budget
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
    """CSV lines: hash, name, experiment, status, archived, dates, duration, tags, columns.

    The first chunk is read before this returns, under the request's time
    budget, so a query that fails or runs past it does so before the response
    starts and can still be answered with a 400. The rest is read as the lines
    are consumed, after the view has returned: each step under a budget of its
    own (aimsite.query_budget).
    """
    now = timezone.now()
    chunks = _chunks(runs, now)
    first = next(chunks, None)
    return within_budget(
        _lines(itertools.chain([first] if first else [], chunks), columns)
    )


def _lines(chunks: Iterator[list[dict]], columns: list[Column]) -> Iterator[str]:
    writer = csv.writer(_Echo())
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
    try:
        for chunk in chunks:
            ids = [row["id"] for row in chunk]
            tags = _tags(ids)
            metrics = metric_values(ids, (ids[0], ids[-1])) if metric_columns else {}
            lines = []
            for row in chunk:
                flat = (
                    flatten(orjson.loads(row["params_json"])) if param_columns else {}
                )
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
    except OperationalError as error:
        timeout = query_timeout(error)
        if timeout is None:
            raise
        # The 200 went out with the first lines: the file itself has to say that
        # it is incomplete (an exception here would leave daphne's response open).
        yield writer.writerow([f"error: the export stops here: {timeout.message}"])


async def async_chunks(lines: Iterator[str]) -> AsyncIterator[str]:
    """The same stream for ASGI servers: Django would otherwise read a sync
    iterator whole into memory before sending it. One thread hop per chunk."""
    done = object()
    step = sync_to_async(lambda: next(lines, done), thread_sensitive=True)
    while (chunk := await step()) is not done:
        yield chunk


__all__ = ["BASE_COLUMNS", "async_chunks", "export_columns", "stream_csv"]
