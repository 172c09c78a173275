"""REST API of the Metrics explorer: `metrics/names`, `metrics/search` and
`metrics/aggregate`. Thin: the serializers below parse the query string, and
runs.explorers.metrics does the reading."""

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aimsite.api import NPZ_MEDIA_TYPE, NpzRenderer, json_or_npz_responses
from runs.api import query_error_response
from runs.contexts import MAX_NAME_LENGTH, ContextError, validate_context, validate_name
from runs.explorers import metrics
from runs.explorers.grouping import (
    BANDS,
    LINES,
    MAX_GROUP_FIELDS,
    GroupingError,
    parse_group_fields,
)
from runs.explorers.http import (
    ExplorerRunSerializer,
    NameContextSerializer,
    PageParams,
    json_answer,
    query_params,
)
from runs.query import QueryError
from runs.serializers import SEQUENCE_NAME_PATTERN, QueryField

MIN_POINTS, MAX_POINTS, DEFAULT_POINTS = 10, 5000, 500


@extend_schema_field(
    {
        "type": "string",
        "format": "aimsite-context",
        "description": 'A series context as a JSON object, e.g. {"subset": "val"}; '
        "empty: {}.",
    }
)
class _ContextJSONField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "format": "aimsite-group",
        "description": "Comma-separated fields: run.<param path> (run.hparams.lr), "
        "run.experiment, run.hash, run.name, run.tags, metric.name, "
        f"metric.context.<key>, at most {MAX_GROUP_FIELDS}; empty = one group of "
        "every series.",
    }
)
class _GroupField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^$|{SEQUENCE_NAME_PATTERN}",
        "maxLength": MAX_NAME_LENGTH,
        "description": "With x=metric: the name of the series whose values are x.",
    }
)
class _SeriesNameField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^$|^(steps|values|epochs|times)(,(steps|values|epochs|times))*$",
        "description": "Comma-separated point columns to send: steps, values, "
        "epochs, times; empty (the default) = all four.",
    }
)
class _PointFieldsField(serializers.CharField):
    def to_internal_value(self, data) -> tuple[str, ...]:
        text = super().to_internal_value(data)
        if not text:
            return metrics.POINT_FIELDS
        names = text.split(",")
        unknown = [name for name in names if name not in metrics.POINT_FIELDS]
        if unknown:
            raise serializers.ValidationError(
                f"unknown column {unknown[0]!r}; choose from "
                + ", ".join(metrics.POINT_FIELDS)
            )
        # In the documented order, each once.
        return tuple(name for name in metrics.POINT_FIELDS if name in names)


class NamesParams(serializers.Serializer):
    q = QueryField(required=False, allow_blank=True, default="", trim_whitespace=False)


class SeriesParams(NamesParams):
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
    x_metric = _SeriesNameField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    x_context = _ContextJSONField(
        required=False, allow_blank=True, default="{}", trim_whitespace=False
    )

    def validate_x_metric(self, value: str) -> str:
        # A name whenever one is given, whatever x is: what the schema says.
        if value:
            try:
                validate_name(value, "x_metric")
            except ContextError as error:
                raise serializers.ValidationError(str(error)) from error
        return value

    def validate_x_context(self, value: str) -> dict:
        try:
            # Empty, as a form leaves it: no context, like the default.
            return validate_context(json.loads(value or "{}"))
        except (ValueError, RecursionError) as error:  # bad JSON or a bad context
            raise serializers.ValidationError(
                f'must be a JSON object such as {{"subset": "val"}}: {error}'
            ) from error

    def validate(self, attrs: dict) -> dict:
        if attrs["x"] == "metric" and not attrs["x_metric"]:
            raise serializers.ValidationError(
                {
                    "x_metric": "x_metric must be a non-empty string (required with "
                    "x=metric)"
                }
            )
        return attrs

    def x_axis(self) -> metrics.XAxis:
        data = self.validated_data
        return metrics.XAxis(data["x"], data["x_metric"], data["x_context"])


class SeriesPageParams(NamesParams, PageParams):
    pass


class SearchParams(SeriesParams):
    fields = _PointFieldsField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class AggregateParams(SeriesParams):
    group = _GroupField(
        required=False, allow_blank=True, default="", trim_whitespace=False
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


# -- the answers, as documented ------------------------------------------------


class NamesAnswerSerializer(serializers.Serializer):
    metrics = NameContextSerializer(many=True)


def _numbers(**kwargs) -> serializers.ListField:
    # NaN and infinities are written as null (orjson).
    return serializers.ListField(
        child=serializers.FloatField(allow_null=True), **kwargs
    )


class _SeriesRunSerializer(serializers.Serializer):
    hash = serializers.CharField()
    name = serializers.CharField()
    experiment = serializers.CharField()


_COLUMN = "Sent when `fields` names it (by default it does)."


class _SeriesSerializer(serializers.Serializer):
    run = _SeriesRunSerializer()
    id = serializers.IntegerField()
    name = serializers.CharField()
    context = serializers.JSONField()
    count = serializers.IntegerField()
    last = serializers.FloatField(allow_null=True)
    last_step = serializers.IntegerField(allow_null=True)
    steps = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=_COLUMN
    )
    values = _numbers(required=False, help_text=_COLUMN)
    epochs = _numbers(required=False, help_text=_COLUMN)
    times = _numbers(required=False, help_text=_COLUMN)
    x = serializers.ListField(
        child=serializers.FloatField(),
        required=False,
        help_text="Each point's x (see `x`). Left out with x=step when `steps` is "
        "sent: x is then the steps column.",
    )


class SearchAnswerSerializer(serializers.Serializer):
    series = _SeriesSerializer(many=True)
    runs = serializers.DictField(child=ExplorerRunSerializer(), help_text="By hash.")
    truncated = serializers.BooleanField(help_text="More series matched than `limit`.")
    limit = serializers.IntegerField()


class _SeriesSummarySerializer(serializers.Serializer):
    run = _SeriesRunSerializer()
    id = serializers.IntegerField()
    name = serializers.CharField()
    context = serializers.JSONField()
    count = serializers.IntegerField()
    first_step = serializers.IntegerField(allow_null=True)
    last_step = serializers.IntegerField(allow_null=True)
    first = serializers.FloatField(allow_null=True)
    last = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    last_time = serializers.FloatField(allow_null=True)


class SeriesPageAnswerSerializer(serializers.Serializer):
    series = _SeriesSummarySerializer(many=True)
    next = serializers.IntegerField(
        allow_null=True, help_text="`after` for the next page; null on the last."
    )


class _GroupSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="The group's value of each group field.")
    series = serializers.IntegerField()
    runs = serializers.ListField(child=serializers.CharField())
    x = serializers.ListField(child=serializers.FloatField())
    line = _numbers()
    lower = _numbers(allow_null=True, help_text="null with band=none.")
    upper = _numbers(allow_null=True, help_text="null with band=none.")


class AggregateAnswerSerializer(serializers.Serializer):
    groups = _GroupSerializer(many=True)
    truncated = serializers.BooleanField()
    limit = serializers.IntegerField()


class MetricsExplorerViewSet(viewsets.ViewSet):
    """Compare metric series across runs (the Metrics explorer)."""

    @extend_schema(
        parameters=[NamesParams],
        responses=NamesAnswerSerializer,
        description="Name+context pairs of the non-system series of the runs "
        "matching `q`, with how many runs track each (the `+ Metrics` picker).",
    )
    @action(detail=False, methods=["get"])
    def names(self, request):
        params = NamesParams(data=query_params(request))
        params.is_valid(raise_exception=True)
        try:
            return Response(
                {"metrics": metrics.metric_names(params.validated_data["q"])}
            )
        except QueryError as error:
            return query_error_response(error)

    @extend_schema(
        parameters=[SearchParams],
        responses=json_or_npz_responses(
            SearchAnswerSerializer,
            "NumPy `.npy` arrays in a zip. search.json is the JSON answer without "
            "the point columns; each column sent (steps.npy int64; values.npy, "
            "epochs.npy, times.npy, x.npy float64, NaN where absent) holds every "
            "series' points one series after another, and offsets.npy (int64, one "
            "more than the series) where each series starts.",
        ),
        description="The series matching `q`, each downsampled to about `points` "
        "points (keeping extremes) with the x of every point; points without an x "
        f"are left out. At most {metrics.MAX_SERIES} series: `truncated` says more "
        "matched.",
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, NpzRenderer],
    )
    def search(self, request):
        params = SearchParams(data=query_params(request))
        params.is_valid(raise_exception=True)
        data = params.validated_data
        fields = data["fields"] or metrics.POINT_FIELDS
        try:
            body = metrics.search(
                data["q"],
                points=data["points"],
                x_axis=params.x_axis(),
                user=request.user,
                fields=fields,
            )
        except QueryError as error:
            return query_error_response(error)
        if request.accepted_renderer.media_type == NPZ_MEDIA_TYPE:
            npz = metrics.search_npz(body, fields, params.x_axis())
            return HttpResponse(npz, NPZ_MEDIA_TYPE)
        return json_answer(body)

    @extend_schema(
        parameters=[SeriesPageParams],
        responses=SeriesPageAnswerSerializer,
        description="Every series matching `q`, without points, page by page in id "
        "order (for scripts: `search` stops at "
        f"{metrics.MAX_SERIES} series). Read a series' points with "
        "`runs/{hash}/metrics/{id}/points`.",
    )
    @action(detail=False, methods=["get"])
    def series(self, request):
        params = SeriesPageParams(data=query_params(request))
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            body = metrics.series_page(
                data["q"], after=data.get("after"), limit=data["limit"]
            )
        except QueryError as error:
            return query_error_response(error)
        return json_answer(body)

    @extend_schema(
        parameters=[AggregateParams],
        responses=AggregateAnswerSerializer,
        description="The series matching `q` grouped by `group`, aligned on one x "
        "grid per group and reduced to a line and a band (null with band=none).",
    )
    @action(detail=False, methods=["get"])
    def aggregate(self, request):
        params = AggregateParams(data=query_params(request))
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
