"""CSV export of the runs matching a query, streamed: rows are produced chunk by
chunk (one query for the runs, one for their tags and one for their metric
values per chunk), so 100,000 runs never sit in memory at once."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from runs.models import Run
from runs.table import (
    BASE_COLUMNS,
    Column,
    flatten,
    metric_values,
    page_columns,
    parse_column,
)
from runs.templatetags.runs_table import format_value
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
    "updated_at",
    "finished_at",
    "params",
)


class _Echo:
    """csv.writer target that hands each line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _duration(row: dict, now) -> float:
    end = row["finished_at"] or (
        now if row["status"] == "active" else row["updated_at"]
    )
    return round(max((end - row["created_at"]).total_seconds(), 0.0), 3)


def _chunks(runs: QuerySet) -> Iterator[list[dict]]:
    """Keyset over id: each chunk is one indexed query, whatever the run count."""
    last_id = 0
    while True:
        chunk = list(
            runs.filter(id__gt=last_id).order_by("id").values(*_RUN_FIELDS)[:CHUNK]
        )
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


def export_columns(runs: QuerySet, column_ids: list[str] | None) -> list[Column]:
    """The given columns, or every param/metric column found in the first chunk."""
    if column_ids is not None:
        return [
            column
            for column in (parse_column(item) for item in column_ids)
            if column and column.kind != "base"
        ]
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
    for chunk in _chunks(runs):
        ids = [row["id"] for row in chunk]
        tags = _tags(ids)
        metrics = metric_values(ids) if metric_columns else {}
        lines = []
        for row in chunk:
            flat = flatten(row["params"]) if param_columns else {}
            run_metrics = metrics.get(row["id"], {})
            values = [
                row["hash"],
                row["name"],
                row["experiment__name"],
                row["status"],
                "true" if row["is_archived"] else "false",
                row["created_at"].isoformat(),
                row["finished_at"].isoformat() if row["finished_at"] else "",
                _duration(row, now),
                ";".join(tags.get(row["id"], [])),
            ]
            for column in columns:
                if column.kind == "param":
                    values.append(format_value(flat.get(column.path)))
                else:
                    values.append(format_value(run_metrics.get(column.metric)))
            lines.append(writer.writerow(values))
        yield "".join(lines)


__all__ = ["BASE_COLUMNS", "export_columns", "stream_csv"]
