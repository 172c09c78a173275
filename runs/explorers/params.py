"""The Params (parallel coordinates) and Scatters explorers: one row per run with
the params and metric summaries asked for, and the fields a picker offers
(`params/search`, `params/fields`).

A field is named by the AimQL expression that reads it, so the picker, the
query bar and the URL share one vocabulary: a param path `run.hparams.lr` (or
`run["hparams", "my.key"]`), a metric summary
`run.metrics["loss", {"subset":"val"}].last` (`.min`, `.max`). `fields=` is a
comma-separated list of them, parsed by the query parser itself, so a context's
commas and quotes need no escaping; each answer names the fields in canonical
form. An axis is "number" when every value present is a number (a missing one
is null and leaves the kind alone), else "category" (strings, booleans, lists,
or no value at all).

Reads are plain rows in a fixed number of queries whatever the number of runs:
the runs with the asked metric summaries, then their tags' chips.
"""

import ast
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter

import orjson
from django.db.models import F, FilteredRelation, Q, QuerySet, TextField
from django.db.models.functions import Cast
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.views import APIView

from aimsite.api import error_response
from aimsite.openapi import JsonValueField
from aimsite.values import flatten, format_context
from runs.api import query_error_response
from runs.contexts import context_key
from runs.explorers.http import (
    explorer_answer,
    invalid_params,
    json_answer,
    query_params,
)
from runs.metrics import finite_or_none
from runs.models import MetricSeries, Run
from runs.query import QueryError, filter_runs, parse
from runs.query.nodes import Metric, Param, Truthy
from runs.serializers import QueryField, TagBriefSerializer
from runs.suggestions import metric_expression, param_expression
from tags.models import visible_chips_by_run

MAX_RUNS = 10_000
MAX_FIELDS = 100
MAX_FIELDS_LENGTH = 20_000
# Distinct metric series in `fields`: the search joins each one (SQLite joins at
# most 64 tables).
MAX_SERIES = 30
SUMMARIES = ("last", "min", "max")


class FieldError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParamField:
    """A param path (`path`) or a metric summary (`metric`: name, context key,
    summary), with its canonical AimQL id."""

    id: str
    label: str
    path: tuple = ()
    metric: tuple[str, str, str] | None = None


def param_field(path: tuple) -> ParamField:
    return ParamField(param_expression(path), ".".join(str(k) for k in path), path)


def metric_field(name: str, key: str, summary: str) -> ParamField:
    context = orjson.loads(key)
    label = f"{name} ({format_context(context)})" if context else name
    return ParamField(
        metric_expression(name, key, summary),
        f"{label} {summary}",
        metric=(name, key, summary),
    )


def _field(expression: str) -> ParamField:
    """One field from its AimQL expression; FieldError says what is allowed."""
    try:
        root = parse(expression).root
    except QueryError as error:
        raise FieldError(f"{expression!r:.80}: {error.message}") from error
    operand = root.operand if isinstance(root, Truthy) else None
    if isinstance(operand, Param) and operand.source == "params":
        return param_field(operand.path)
    if isinstance(operand, Metric) and operand.attribute in SUMMARIES:
        return metric_field(
            operand.name, context_key(operand.context), operand.attribute
        )
    raise FieldError(
        f"{expression!r:.80} is not a field: use a param path (run.hparams.lr) "
        'or a metric summary (run.metrics["loss", {"subset": "val"}].last, '
        ".min or .max)"
    )


def parse_fields(text: str) -> list[ParamField]:
    """`run.hparams.lr,run.metrics["loss"].last` -> fields, in order, once each."""
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_FIELDS_LENGTH:
        raise FieldError(f"fields is longer than {MAX_FIELDS_LENGTH} characters")
    try:
        body = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        detail = getattr(error, "msg", "") or "cannot be parsed"
        raise FieldError(
            "fields must be AimQL expressions separated by commas "
            f'(run.hparams.lr,run.metrics["loss"].last): {detail}'
        ) from None
    # `a,b` parses as a tuple; `(a, b)` written by hand too.
    items = body.elts if isinstance(body, ast.Tuple) else [body]
    if len(items) > MAX_FIELDS:
        raise FieldError(f"at most {MAX_FIELDS} fields")
    fields = [_field(ast.get_source_segment(text, item) or "") for item in items]
    if len({field.metric[:2] for field in fields if field.metric}) > MAX_SERIES:
        raise FieldError(
            f"at most {MAX_SERIES} metric series (name and context) in all fields"
        )
    return list({field.id: field for field in fields}.values())


def field_kind(values: Sequence) -> str:
    """ "number" when every value present is a number, else "category"."""
    types = set(map(type, values)) - {type(None)}
    return "number" if types and types <= {int, float} else "category"


def _lookup(params: object, path: tuple) -> object:
    value = params
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _with_series(runs: QuerySet, fields: list[ParamField]) -> tuple[QuerySet, list]:
    """`runs` joined (LEFT) to each metric series the fields name, once per
    series however many of its summaries are asked, and the expression of each
    metric field's summary (null for a run without that series)."""
    series = list({field.metric[:2]: None for field in fields if field.metric})
    joins = {
        f"series_{index}": FilteredRelation(
            "metrics", condition=Q(metrics__name=name, metrics__context_key=key)
        )
        for index, (name, key) in enumerate(series)
    }
    summaries = [
        F(f"series_{series.index(field.metric[:2])}__{field.metric[2]}")
        for field in fields
        if field.metric
    ]
    return runs.annotate(**joins), summaries


def _path_tree(paths: list[tuple]) -> list:
    """`paths` as a tree of [key, position or None, subtree] (see _param_columns)."""
    tree: list = []
    for position, path in enumerate(paths):
        level = tree
        for depth, key in enumerate(path):
            node = next((node for node in level if node[0] == key), None)
            if node is None:
                node = [key, None, []]
                level.append(node)
            if depth == len(path) - 1:
                node[1] = position
            level = node[2]
    return tree


def _transpose(rows: list[tuple], width: int) -> list[list]:
    """Rows of `width` values as one list per column. Not zip(*rows): that holds
    an iterator per row, and 10,000 of them alive at once are enough to set off
    a full garbage collection (over 100 ms on a server's heap)."""
    return [list(map(itemgetter(index), rows)) for index in range(width)]


_EMPTY: dict = {}  # what a key is looked up in where the value is no dict; never written


def _top_columns(params_texts: Sequence, keys: list) -> list[list]:
    """The value at each top-level key of each run's params (JSON text), one list
    per key. Appended to lists, not kept in a tuple per run: a tuple holding a
    dict stays tracked by the garbage collector, and 10,000 of them are enough
    to set off a full collection (over 100 ms on a server's heap)."""
    columns: list[list] = [[] for _ in keys]
    for text in params_texts:
        params = orjson.loads(text) if text else None
        if not isinstance(params, dict):
            params = {}
        for column, key in zip(columns, keys, strict=True):
            column.append(params.get(key))
    return columns


def _fill_columns(parents: Sequence, tree: list, columns: list) -> None:
    """Put the column of each path of `tree` below `parents` (one value per run)
    into `columns` at its position, one C-level pass per key."""
    dicts = [parent if isinstance(parent, dict) else _EMPTY for parent in parents]
    for key, position, subtree in tree:
        values = list(map(dict.get, dicts, repeat(key)))
        if position is not None:
            columns[position] = values
        if subtree:
            _fill_columns(values, subtree, columns)


def _param_columns(params_texts: Sequence, paths: list[tuple]) -> list[Sequence]:
    """The value at each path (as _lookup) of each run's params, one column per
    path. Column by column along a tree of the paths, so a key shared by many
    paths (20 params under `hparams`) is read once per run; each run's decoded
    params are dropped at once, keeping only the top-level values asked for."""
    if not paths:
        return []
    tree = _path_tree(paths)
    keys = [key for key, _position, _subtree in tree]
    tops = _top_columns(params_texts, keys)
    columns: list[Sequence] = [()] * len(paths)
    for (_key, position, subtree), values in zip(tree, tops, strict=True):
        if position is not None:
            columns[position] = values
        if subtree:
            _fill_columns(values, subtree, columns)
    return columns


def search(text: str, fields: list[ParamField], user) -> dict:
    """The `params/search` answer: one row per run the query matches (newest
    first, at most MAX_RUNS) and each field's values in the rows' order, one list
    per field (a chart's axis reads one list; the field ids are not repeated for
    every run). Two queries whatever the number of runs: the runs with their
    params and the asked metric summaries (joined), then their tags' chips. Raises
    QueryError."""
    runs = filter_runs(Run.objects.all(), text)
    metric_fields = [field for field in fields if field.metric]
    paths = list({field.path: None for field in fields if not field.metric})
    joined, summaries = _with_series(runs, metric_fields)
    query = joined.order_by("-created_at", "-id").values_list(
        "id",
        "hash",
        "name",
        "experiment__name",
        "owner_id",
        # As text, decoded with orjson: Django's JSONField decodes with json,
        # which costs more than the rest of the answer together.
        Cast("params", TextField()),
        *summaries,
    )
    rows = list(query[: MAX_RUNS + 1])
    truncated = len(rows) > MAX_RUNS
    ids, hashes, names, experiments, owners, params_texts, *summaries = _transpose(
        rows[:MAX_RUNS], 6 + len(metric_fields)
    )
    chips = visible_chips_by_run(runs.values("id"))
    runs_answer = [
        {
            "hash": run_hash,
            "name": name,
            "experiment": experiment,
            "tags": chips.get(run_id, ()),
            "can_edit": Run.owner_may_edit(owner_id, user),
        }
        for run_id, run_hash, name, experiment, owner_id in zip(
            ids, hashes, names, experiments, owners, strict=True
        )
    ]
    param_columns = _param_columns(params_texts, paths)
    metric_columns = {
        field.id: [finite_or_none(value) for value in column]
        for field, column in zip(metric_fields, summaries, strict=True)
    }
    columns = {
        field.id: metric_columns[field.id]
        if field.metric
        else param_columns[paths.index(field.path)]
        for field in fields
    }
    return {
        "rows": runs_answer,
        "values": columns,
        "fields": [
            {
                "id": field.id,
                "label": field.label,
                "kind": field_kind(columns[field.id]),
            }
            for field in fields
        ],
        "truncated": truncated,
        "limit": MAX_RUNS,
    }


def available_fields(text: str) -> dict:
    """The `params/fields` answer: every param path of the runs the query matches
    (at most MAX_RUNS, newest first) and each user metric's last, min and max.
    Raises QueryError."""
    runs = filter_runs(Run.objects.all(), text)
    params_rows = runs.order_by("-created_at", "-id").values_list("params", flat=True)
    values: dict[tuple, list] = defaultdict(list)
    for params in params_rows[:MAX_RUNS]:
        for path, value in flatten(params).items():
            values[path].append(value)
    answer = []
    for path in sorted(values, key=lambda path: [str(key) for key in path]):
        field = param_field(path)
        try:
            _field(field.id)  # a key the language cannot spell is left out
        except FieldError:
            continue
        answer.append(_field_entry(field, field_kind(values[path]), "param"))
    metrics = (
        MetricSeries.objects.user_metrics()
        .filter(run_id__in=runs.values("id"))
        .order_by("name", "context_key")
        .values_list("name", "context_key")
        .distinct()
    )
    for name, key in metrics:
        for summary in SUMMARIES:
            answer.append(
                _field_entry(metric_field(name, key, summary), "number", "metric")
            )
    return {"fields": answer}


def _field_entry(field: ParamField, kind: str, source: str) -> dict:
    return {"id": field.id, "label": field.label, "kind": kind, "source": source}


# -- API ---------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "format": "aimsite-fields",
        "description": "Comma-separated fields, each the AimQL that reads it: "
        'run.hparams.lr, run["hparams", "my.key"], '
        'run.metrics["loss", {"subset": "val"}].last (or .min, .max). '
        f"At most {MAX_FIELDS} fields, naming at most {MAX_SERIES} metric series.",
    }
)
class _FieldsField(serializers.CharField):
    pass


class FieldsParams(serializers.Serializer):
    q = QueryField(required=False, allow_blank=True, default="", trim_whitespace=False)


class SearchParams(FieldsParams):
    fields = _FieldsField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class _FieldSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The field's canonical AimQL.")
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["number", "category"])


class _RowSerializer(serializers.Serializer):
    hash = serializers.CharField()
    name = serializers.CharField()
    experiment = serializers.CharField()
    tags = TagBriefSerializer(many=True)
    can_edit = serializers.BooleanField()


class ParamsSearchAnswerSerializer(serializers.Serializer):
    rows = _RowSerializer(many=True)
    values = serializers.DictField(
        child=serializers.ListField(child=JsonValueField()),
        help_text="Each field's values by its id, one per row in the rows' order "
        "(null: the run has none).",
    )
    fields = _FieldSerializer(many=True)
    truncated = serializers.BooleanField()
    limit = serializers.IntegerField()


class _AvailableFieldSerializer(_FieldSerializer):
    source = serializers.ChoiceField(choices=["param", "metric"])


class ParamsFieldsAnswerSerializer(serializers.Serializer):
    fields = _AvailableFieldSerializer(many=True)


class ParamsSearchView(APIView):
    @extend_schema(
        parameters=[SearchParams],
        responses=ParamsSearchAnswerSerializer,
        description="One row per run matching `q` (newest first, at most "
        f"{MAX_RUNS}: `truncated` says more matched) and the values of each asked "
        "field, a list in the rows' order (null when a run has none), for the "
        "Params and Scatters explorers. "
        "`fields` echoes them in canonical form with their axis kind.",
    )
    def get(self, request):
        params = SearchParams(data=query_params(request))
        if not params.is_valid():
            return invalid_params(params)
        try:
            fields = parse_fields(params.validated_data["fields"])
        except FieldError as error:
            return error_response(f"fields: {error.message}", 400, "fields")
        try:
            return json_answer(search(params.validated_data["q"], fields, request.user))
        except QueryError as error:
            return query_error_response(error)


class ParamsFieldsView(APIView):
    @extend_schema(
        parameters=[FieldsParams],
        responses=ParamsFieldsAnswerSerializer,
        description="The fields the runs matching `q` offer to the Params and "
        "Scatters pickers: every param path, then each user metric's last, min and "
        "max.",
    )
    def get(self, request):
        return explorer_answer(
            request, FieldsParams, lambda data: available_fields(data["q"])
        )
