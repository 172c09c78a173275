"""The runs table shared by the explorer, the experiment page and CSV export.

Columns (base fields, flattened param keys, metric last values), server-side
sorting by any column, and pages of runs fetched in a fixed number of queries:
the page itself, its tags, and one query for the metric summaries of its runs.
Column ids are strings that travel in URLs, data-* attributes and localStorage:
`name`, `created`…, `p:["hparams","lr"]` for a param path and
`m:["loss","{\"subset\":\"val\"}"]` for a metric's last value.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from aimsite.values import flatten, series_label
from runs.models import HASH_RE, SYSTEM_METRIC_PREFIX, MetricSeries, Run
from runs.query import QueryError, compile_query, sql
from tags.models import Tag

PAGE_SIZE = 50
MAX_COLUMNS = 200
DEFAULT_SORT = "-created"

BASE_COLUMNS: dict[str, str] = {
    "name": "Name",
    "experiment": "Experiment",
    "status": "Status",
    "created": "Created",
    "duration": "Duration",
    "tags": "Tags",
}
_BASE_SORTS = {
    "name": "name",
    "hash": "hash",
    "experiment": "experiment__name",
    "status": "status",
    "created": "created_at",
    "updated": "updated_at",
}


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: str  # base | param | metric
    path: tuple = ()
    metric: tuple[str, str] = ("", "")

    @property
    def is_sortable(self) -> bool:
        return self.id != "tags"


def param_column(path: tuple) -> Column:
    column_id = "p:" + json.dumps(list(path), separators=(",", ":"))
    return Column(
        column_id, ".".join(str(key) for key in path), "param", path=tuple(path)
    )


def metric_column(name: str, context_key: str) -> Column:
    column_id = "m:" + json.dumps([name, context_key], separators=(",", ":"))
    try:
        context = json.loads(context_key)
    except ValueError:  # a column id from an address: shown as given, matches nothing
        context = None
    label = (
        series_label(name, context)
        if isinstance(context, dict)
        else f"{name} {context_key}"
    )
    return Column(column_id, label, "metric", metric=(name, context_key))


def parse_column(column_id: str) -> Column | None:
    if column_id in BASE_COLUMNS:
        return Column(column_id, BASE_COLUMNS[column_id], "base")
    try:
        value = json.loads(column_id[2:]) if column_id[:2] in ("p:", "m:") else None
    except ValueError:
        return None
    is_list = isinstance(value, list)
    if (
        column_id.startswith("p:")
        and is_list
        and 0 < len(value) <= 16
        and all(
            isinstance(key, str | int) and not isinstance(key, bool) for key in value
        )
    ):
        return param_column(tuple(value))
    if (
        column_id.startswith("m:")
        and is_list
        and len(value) == 2
        and all(isinstance(part, str) for part in value)
    ):
        return metric_column(value[0], value[1])
    return None


def parse_columns(raw: str | None) -> list[Column] | None:
    """`columns` from a URL: a JSON list of column ids (None = choose from the page)."""
    if not raw:
        return None
    try:
        ids = json.loads(raw)
    except ValueError as error:
        raise QueryError("columns must be a JSON list of column ids") from error
    if not isinstance(ids, list) or len(ids) > MAX_COLUMNS:
        raise QueryError(
            f"columns must be a JSON list of at most {MAX_COLUMNS} column ids"
        )
    columns = [parse_column(item) if isinstance(item, str) else None for item in ids]
    if any(column is None for column in columns):
        raise QueryError("unknown column id in columns")
    return [column for column in columns if column.kind != "base"]


# -- sorting -----------------------------------------------------------------


def _sort_expressions(sort_id: str, now: datetime) -> list:
    descending = sort_id.startswith("-")
    column_id = sort_id.lstrip("-")

    def order(expression):
        return (
            expression.desc(nulls_last=True)
            if descending
            else expression.asc(nulls_last=True)
        )

    if column_id in _BASE_SORTS:
        # Never NULL: a plain order, which PostgreSQL reads from an index
        # (`DESC NULLS LAST` is not the created_at index's order, so it sorted
        # every run for the first page).
        column = F(_BASE_SORTS[column_id])
        return [column.desc() if descending else column.asc()]
    if column_id == "duration":
        return [order(sql.DurationSeconds(now))]
    column = parse_column(column_id)
    if column is None or column.id == "tags":
        raise QueryError(f"cannot sort by {column_id!r}")
    if column.kind == "param":
        json_column = F("params")
        return [
            sql.JsonTypeRank(json_column, path=column.path).asc(),
            order(sql.JsonNumber(json_column, path=column.path)),
            order(sql.BinaryText(sql.JsonText(json_column, path=column.path))),
        ]
    name, context_key = column.metric
    last = MetricSeries.objects.filter(
        run_id=OuterRef("pk"), name=name, context_key=context_key
    )
    return [
        order(sql.NotNaN(Subquery(last.values("last")[:1], output_field=FloatField())))
    ]


def sorted_runs(runs: QuerySet, sort_id: str, now: datetime) -> QuerySet:
    tie = F("id").desc() if sort_id.startswith("-") else F("id").asc()
    return runs.order_by(*_sort_expressions(sort_id or DEFAULT_SORT, now), tie)


# -- cursors -------------------------------------------------------------------
# The default order (newest first) pages by keyset, so new runs arriving at the
# top never shift later pages; other orders page by offset.


def _keyset_after(cursor: str) -> Q:
    created, _, run_id = cursor[2:].rpartition("|")
    moment = parse_datetime(created)
    if moment is None or not run_id.isdigit():
        raise QueryError("invalid cursor")
    return Q(created_at__lt=moment) | Q(created_at=moment, id__lt=int(run_id))


def _offset(cursor: str) -> int:
    raw = cursor[2:]
    if not raw.isdigit() or int(raw) > 10**7:
        raise QueryError("invalid cursor")
    return int(raw)


@dataclass
class Row:
    run: Run
    cells: dict[str, object] = field(default_factory=dict)


@dataclass
class RunsPage:
    query: str
    sort: str
    rows: list[Row]
    columns: list[Column]
    next_cursor: str | None
    total: int | None


def base_queryset() -> QuerySet:
    return Run.objects.select_related("experiment").prefetch_related(
        Prefetch(
            "tags", queryset=Tag.objects.filter(is_archived=False).order_by("name")
        )
    )


def matching_runs(query: str, now: datetime | None = None) -> QuerySet:
    return compile_query(query, now).apply(Run.objects.all())


def metric_values(
    run_ids: list[int], id_range: tuple[int, int] | None = None
) -> dict[int, dict[tuple[str, str], float | None]]:
    """The last value of every user metric of these runs, in one query.

    id_range (export): select by a run-id range instead of a long IN list,
    which costs more to build than to run; rows outside run_ids are dropped.
    """
    values: dict[int, dict[tuple[str, str], float | None]] = {}
    series = MetricSeries.objects.exclude(name__startswith=SYSTEM_METRIC_PREFIX)
    if id_range:
        series = series.filter(run_id__gte=id_range[0], run_id__lte=id_range[1])
    else:
        series = series.filter(run_id__in=run_ids)
    wanted = set(run_ids)
    for run_id, name, context_key, last in series.values_list(
        "run_id", "name", "context_key", "last"
    ):
        if run_id in wanted:
            values.setdefault(run_id, {})[(name, context_key)] = last
    return values


def page_columns(runs: list[Run], metrics: dict) -> list[Column]:
    """Param and metric columns present on these runs, params first, sorted."""
    paths: set[tuple] = set()
    for run in runs:
        paths.update(flatten(run.params))
    keys: set[tuple[str, str]] = set()
    for run_metrics in metrics.values():
        keys.update(run_metrics)
    columns = [
        param_column(path) for path in sorted(paths, key=lambda p: [str(k) for k in p])
    ]
    columns += [metric_column(name, context) for name, context in sorted(keys)]
    return columns[:MAX_COLUMNS]


def build_rows(runs: list[Run], columns: list[Column], metrics: dict) -> list[Row]:
    rows = []
    for run in runs:
        flat = flatten(run.params)
        run_metrics = metrics.get(run.id, {})
        cells = {}
        for column in columns:
            if column.kind == "param":
                cells[column.id] = flat.get(column.path)
            elif column.kind == "metric":
                cells[column.id] = run_metrics.get(column.metric)
        rows.append(Row(run, cells))
    return rows


def runs_page(
    query: str = "",
    sort: str = DEFAULT_SORT,
    cursor: str = "",
    columns: list[Column] | None = None,
    page_size: int = PAGE_SIZE,
    hashes: list[str] | None = None,
) -> RunsPage:
    """One page of the runs matching `query`; raises QueryError on bad input."""
    now = timezone.now()
    sort = sort or DEFAULT_SORT
    runs = compile_query(query, now).apply(base_queryset())
    if hashes is not None:
        # A malformed hash names no run (and PostgreSQL refuses NUL in a parameter).
        wanted = [item for item in hashes[:500] if HASH_RE.fullmatch(item)]
        runs = runs.filter(hash__in=wanted)
    matching = runs
    runs = sorted_runs(runs, sort, now)
    offset = 0
    if cursor.startswith("k:") and sort == DEFAULT_SORT:
        runs = runs.filter(_keyset_after(cursor))
    elif cursor.startswith("o:"):
        offset = _offset(cursor)
    elif cursor:
        raise QueryError("invalid cursor")
    page = list(runs[offset : offset + page_size + 1])
    has_more = len(page) > page_size
    page = page[:page_size]
    total = None
    if not cursor and hashes is None:
        # A first page that holds every match is the count: a second pass over
        # the runs (a params JSON read each, for most queries) only when not.
        total = matching.count() if has_more else len(page)
    metrics = metric_values([run.id for run in page])
    if columns is None:
        columns = page_columns(page, metrics)
    next_cursor = None
    if has_more and page:
        last = page[-1]
        if sort == DEFAULT_SORT:
            next_cursor = f"k:{last.created_at.isoformat()}|{last.id}"
        else:
            next_cursor = f"o:{offset + page_size}"
    return RunsPage(
        query, sort, build_rows(page, columns, metrics), columns, next_cursor, total
    )
