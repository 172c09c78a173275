"""REST API of the Metrics explorer: `metrics/names`, `metrics/search` and
`metrics/aggregate`. Thin: the serializers below parse the query string, and
runs.explorers.metrics does the reading."""

import json

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from runs.api import query_error_response
from runs.contexts import ContextError, validate_context, validate_name
from runs.explorers import metrics
from runs.explorers.grouping import BANDS, LINES, GroupingError, parse_group_fields
from runs.explorers.http import ERRORS, EXPLORER_RUN, json_answer
from runs.query import QueryError

MIN_POINTS, MAX_POINTS, DEFAULT_POINTS = 10, 5000, 500


class NamesParams(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="AimQL query"
    )


class SearchParams(NamesParams):
    points = serializers.IntegerField(
        min_value=MIN_POINTS,
        max_value=MAX_POINTS,
        default=DEFAULT_POINTS,
        help_text="downsample each series to about this many points, keeping extremes",
    )
    x = serializers.ChoiceField(
        choices=metrics.X_AXES,
        default="step",
        help_text="what x is: step, epoch, relative_time (seconds since the run's "
        "first point), absolute_time (unix seconds) or metric (x_metric's value)",
    )
    x_metric = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="with x=metric: the name of the series whose values are x",
    )
    x_context = serializers.CharField(
        required=False,
        default="{}",
        help_text='with x=metric: that series\' context as JSON, e.g. {"subset": "val"}',
    )

    def validate_x_context(self, value: str) -> dict:
        try:
            return validate_context(json.loads(value))
        except (ValueError, RecursionError) as error:  # bad JSON or a bad context
            raise serializers.ValidationError(
                f'must be a JSON object such as {{"subset": "val"}}: {error}'
            ) from error

    def validate(self, attrs: dict) -> dict:
        if attrs["x"] == "metric":
            try:
                validate_name(attrs["x_metric"], "x_metric")
            except ContextError as error:
                raise serializers.ValidationError(
                    {"x_metric": f"{error} (required with x=metric)"}
                ) from error
        return attrs

    def x_axis(self) -> metrics.XAxis:
        data = self.validated_data
        return metrics.XAxis(data["x"], data["x_metric"], data["x_context"])


class AggregateParams(SearchParams):
    group = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="comma-separated fields: run.<param path> (run.hparams.lr), "
        "run.experiment, run.hash, run.name, run.tags, metric.name, "
        "metric.context.<key>; empty = one group of every series",
    )
    line = serializers.ChoiceField(choices=LINES, default="mean")
    band = serializers.ChoiceField(
        choices=BANDS,
        default="minmax",
        help_text="minmax, mean ± std, mean ± standard error, or mean ± "
        "t(0.975, n-1)·standard error (95% confidence interval)",
    )

    def validate_group(self, value: str) -> list[str]:
        try:
            return parse_group_fields(value)
        except GroupingError as error:
            raise serializers.ValidationError(error.message) from error


_NUMBERS = {"type": "array", "items": {"type": "number", "nullable": True}}
_SERIES = {
    "type": "object",
    "properties": {
        "run": {
            "type": "object",
            "properties": {
                "hash": {"type": "string"},
                "name": {"type": "string"},
                "experiment": {"type": "string"},
            },
        },
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "context": {"type": "object"},
        "count": {"type": "integer"},
        "last": {"type": "number", "nullable": True},
        "last_step": {"type": "integer", "nullable": True},
        "steps": {"type": "array", "items": {"type": "integer"}},
        "values": _NUMBERS,
        "epochs": _NUMBERS,
        "times": _NUMBERS,
        "x": {"type": "array", "items": {"type": "number"}},
    },
}
_CAPPED = {"truncated": {"type": "boolean"}, "limit": {"type": "integer"}}


class MetricsExplorerViewSet(viewsets.ViewSet):
    """Compare metric series across runs (the Metrics explorer)."""

    @extend_schema(
        parameters=[NamesParams],
        responses={
            200: {
                "type": "object",
                "properties": {
                    "metrics": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "context": {"type": "object"},
                                "runs": {"type": "integer"},
                            },
                        },
                    }
                },
            },
            **ERRORS,
        },
        description="Name+context pairs of the non-system series of the runs "
        "matching `q`, with how many runs track each (the `+ Metrics` picker).",
    )
    @action(detail=False, methods=["get"])
    def names(self, request):
        params = NamesParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            return Response(
                {"metrics": metrics.metric_names(params.validated_data["q"])}
            )
        except QueryError as error:
            return query_error_response(error)

    @extend_schema(
        parameters=[SearchParams],
        responses={
            200: {
                "type": "object",
                "properties": {
                    "series": {"type": "array", "items": _SERIES},
                    "runs": {"type": "object", "additionalProperties": EXPLORER_RUN},
                    **_CAPPED,
                },
            },
            **ERRORS,
        },
        description="The series matching `q`, each downsampled to about `points` "
        "points (keeping extremes) with the x of every point; points without an x "
        f"are left out. At most {metrics.MAX_SERIES} series: `truncated` says more "
        "matched.",
    )
    @action(detail=False, methods=["get"])
    def search(self, request):
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            body = metrics.search(
                data["q"],
                points=data["points"],
                x_axis=params.x_axis(),
                user=request.user,
            )
        except QueryError as error:
            return query_error_response(error)
        return json_answer(body)

    @extend_schema(
        parameters=[AggregateParams],
        responses={
            200: {
                "type": "object",
                "properties": {
                    "groups": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "key": {"type": "object"},
                                "series": {"type": "integer"},
                                "runs": {"type": "array", "items": {"type": "string"}},
                                "x": _NUMBERS,
                                "line": _NUMBERS,
                                "lower": {**_NUMBERS, "nullable": True},
                                "upper": {**_NUMBERS, "nullable": True},
                            },
                        },
                    },
                    **_CAPPED,
                },
            },
            **ERRORS,
        },
        description="The series matching `q` grouped by `group`, aligned on one x "
        "grid per group and reduced to a line and a band (null with band=none).",
    )
    @action(detail=False, methods=["get"])
    def aggregate(self, request):
        params = AggregateParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            body = metrics.aggregate_groups(
                data["q"],
                points=data["points"],
                x_axis=params.x_axis(),
                fields=data["group"],
                line=data["line"],
                band=data["band"],
            )
        except QueryError as error:
            return query_error_response(error)
        return json_answer(body)
