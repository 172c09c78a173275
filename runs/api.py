"""REST API for runs: list/get/patch/delete, ingest (`track`), metrics and logs,
and the explorer's batch endpoints (selection counts, archive, delete,
export.csv, suggestions)."""

from collections.abc import Iterator
from dataclasses import asdict

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db import OperationalError
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import mixins, negotiation, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.response import Response

from aimsite import npz
from aimsite.api import (
    NPZ_MEDIA_TYPE,
    ExactJSONRenderer,
    IsOwnerOrStaffOrReadOnly,
    NpzRenderer,
    error_body,
    error_response,
    int_param,
    json_or_npz_responses,
    read_json_body,
)
from aimsite.errors import IngestError
from aimsite.openapi import NO_NUL_PATTERN, openapi_error
from aimsite.pagination import CursorPagination
from aimsite.query_budget import query_timeout, within_budget
from aimsite.text import text_problem
from runs import export, ingest, services
from runs import overview as overviews
from runs.filters import RunFilterSet
from runs.ingest import CreatedRun, NewRun
from runs.models import LogLine, MetricSeries, Run
from runs.points import (
    SeriesChanged,
    SeriesRead,
    json_stream,
    npz_columns,
    points_json,
    points_npz,
    read_page,
    read_points,
)
from runs.query import QueryError, filter_runs
from runs.query.hints import context_hints
from runs.query.subjects import SEQUENCE_SUBJECTS
from runs.serializers import (
    AIMQL_SCHEMA,
    COLUMNS_SCHEMA,
    ArchiveResultSerializer,
    BulkItemResultSerializer,
    DeleteResultSerializer,
    LogsPageSerializer,
    MetricSeriesSerializer,
    MinimalRunSerializer,
    PointsSerializer,
    QueryHintsSerializer,
    RunArchiveSerializer,
    RunBatchSerializer,
    RunCreatedSerializer,
    RunCreateSerializer,
    RunDetailSerializer,
    RunSelectionSerializer,
    RunSerializer,
    RunTagsSerializer,
    RunUpdateSerializer,
    SelectionSummarySerializer,
    SuggestionsSerializer,
    TagBriefSerializer,
    TrackBatchSerializer,
    TrackResultSerializer,
    bulk_create_serializer,
    orjson_exact,
    run_answers,
    run_rows,
)
from runs.suggestions import parse_subjects, query_suggestions
from runs.table import parse_columns
from tags import services as tag_services
from tags.models import Tag


class RunCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 500
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # A hand-made cursor carries any text as its position; text no database
        # can compare is as invalid as a cursor that does not decode.
        if cursor is not None and cursor.position and text_problem(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError as error:
            # The position is compared with the ordering column: "junk" is no date.
            raise NotFound(self.invalid_cursor_message) from error


MAX_BULK_RUNS = 100  # runs created by one POST /runs/ with a list
MAX_STEP = 2**62  # bounds of the step and line parameters below
MAX_POINTS_PARAM = 1_000_000
MAX_POINTS_PAGE = 100_000
MAX_LOG_LINES_PAGE = 10_000


MAX_LOG_SEARCH_LENGTH = 200
_LOG_RECORD_LEVELS = [level for level in LogLine.Level.values if level]
_LEVELS_PATTERN = "^({0})(,({0}))*$".format("|".join(_LOG_RECORD_LEVELS))


def _log_levels(raw: str | None) -> list[str]:
    if raw is None:
        return []
    levels = raw.split(",")
    if not all(level in _LOG_RECORD_LEVELS for level in levels):
        raise ValidationError(
            {"level": f"comma-separated levels of {', '.join(_LOG_RECORD_LEVELS)}"}
        )
    return levels


def _int_parameter(name: str, low: int, high: int, description: str):
    """An integer query parameter, as aimsite.api.int_param reads it."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": low, "maximum": high},
        description=description,
    )


def _subjects_pattern() -> str:
    """runs.suggestions.parse_subjects's language: known names, comma-separated,
    blanks and white space around them allowed."""
    item = f"\\s*(?:(?:{'|'.join(sorted({'run', *SEQUENCE_SUBJECTS}))})\\s*)?"
    return f"^{item}(?:,{item})*$"


class _JSONErrorsNegotiation(negotiation.BaseContentNegotiation):
    """For the CSV export: whatever the client accepts, errors are JSON (the
    export itself is a streamed text/csv response, outside negotiation)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _ingest_error_body(run_hash: str, error: IngestError) -> dict:
    body = {"hash": run_hash, "error": error.message}
    if error.field:
        body["field"] = error.field
    return body


def query_error_response(error: QueryError) -> Response:
    return Response(
        {"error": error.message, "position": error.position, "field": "q"}, status=400
    )


def _whole_series(request, read: SeriesRead, nonfinite: str) -> HttpResponseBase:
    """A series' points written as they are read, a batch at a time, so the
    process holds a few batches however long the series (docs/performance.md,
    section 6); a read of one batch answers in one piece."""
    if request.accepted_renderer.media_type == NPZ_MEDIA_TYPE:
        if read.count * 8 > npz.MAX_COLUMN_BYTES - 1024:
            return error_response(
                "Too many points for one answer: page with limit.", 413
            )
        columns = npz_columns(read.count, read.columns)
        parts, media_type = npz.stream(columns), NPZ_MEDIA_TYPE
        length = npz.archive_size(columns)
    else:
        infinity_strings = nonfinite == "strings"
        parts = json_stream(read.count, read.columns, infinity_strings=infinity_strings)
        media_type, length = "application/json", None
    if read.is_one_batch:
        return HttpResponse(b"".join(parts), content_type=media_type)
    parts = _cut_short_on_change(within_budget(parts))
    if isinstance(request._request, ASGIRequest):
        parts = export.async_chunks(parts)  # streamed under daphne too
    response = StreamingHttpResponse(parts, content_type=media_type)
    if length is not None:
        response["Content-Length"] = str(length)
    return response


def _cut_short_on_change(parts: Iterator[bytes]) -> Iterator[bytes]:
    """The 200 went out with the first bytes: a series deleted mid-read, or a
    read past its time budget, ends the body early (the npz's Content-Length
    and the unclosed JSON tell the client it is incomplete) rather than leave
    the response open."""
    try:
        yield from parts
    except SeriesChanged:
        return
    except OperationalError as error:
        if query_timeout(error) is None:
            raise


def _run_response(run: Run) -> Response:
    """A run's detail, written as the list writes it (ExactJSONRenderer)."""
    response = Response(RunDetailSerializer(run).data)
    response.is_orjson_exact = orjson_exact(run.params) and orjson_exact(run.meta)
    return response


def runs_queryset():
    return Run.objects.select_related("experiment", "owner").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


class RunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Runs. `POST /runs/` creates one idempotently by its client-made hash."""

    lookup_field = "hash"
    lookup_value_regex = "[^/]+"
    permission_classes = [IsOwnerOrStaffOrReadOnly]
    pagination_class = RunCursorPagination
    renderer_classes = [ExactJSONRenderer, renderers.BrowsableAPIRenderer]
    serializer_class = RunSerializer
    filterset_class = RunFilterSet
    ordering_fields = ["created_at", "updated_at", "name", "status"]

    def get_queryset(self):
        return runs_queryset()

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    def get_permissions(self):
        from rest_framework.permissions import IsAuthenticated

        return [IsAuthenticated(), *super().get_permissions()]

    @extend_schema(
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="RunCreateOneOrMany",
                serializers=[
                    RunCreateSerializer,
                    bulk_create_serializer(MAX_BULK_RUNS),
                ],
                resource_type_field_name=None,
                many=False,
            )
        },
        parameters=[
            OpenApiParameter(
                "Prefer",
                str,
                OpenApiParameter.HEADER,
                description="`return=minimal`: answer with the hash (and batch) "
                "only. Other preferences are ignored (RFC 7240).",
            )
        ],
        responses={
            201: PolymorphicProxySerializer(
                component_name="RunCreateAnswer",
                serializers=[RunCreatedSerializer, MinimalRunSerializer],
                resource_type_field_name=None,
            ),
            200: PolymorphicProxySerializer(
                component_name="RunFoundOrBulk",
                serializers=[
                    RunCreatedSerializer,
                    MinimalRunSerializer,
                    BulkItemResultSerializer(many=True),
                ],
                resource_type_field_name=None,
                many=False,
            ),
            413: openapi_error(
                413, f"More than {MAX_BULK_RUNS} runs, or a batch too large."
            ),
        },
        description=(
            "Create a run idempotently by its client-made hash, optionally with its "
            "first `batch`. A JSON list of such objects (at most "
            f"{MAX_BULK_RUNS}) creates many in one request and answers 200 with one "
            "result per item, in order: the run's answer plus `code`, the HTTP "
            "status it would have had alone (errors: `{code, hash, error, field?}`). "
            "A refused item writes nothing and does not stop the others."
        ),
    )
    def create(self, request):
        data = read_json_body(request)
        if isinstance(data, list):
            return self._create_many(request, data)
        new = self._new_run(data)
        if isinstance(new, Response):
            return new
        try:
            created = ingest.create_run(request.user, new)
        except IngestError as error:
            return Response(_ingest_error_body(new.hash, error), status=error.status)
        code, body = self._created_answer(request, new.hash, created)
        return Response(body, status=code)

    def _create_many(self, request, items: list) -> Response:
        if not items:
            return error_response("the list of runs is empty", 400)
        if len(items) > MAX_BULK_RUNS:
            return error_response(
                f"at most {MAX_BULK_RUNS} runs per request, got {len(items)}", 413
            )
        parsed = [self._new_run(item) for item in items]
        outcomes = iter(
            ingest.create_runs(
                request.user, [new for new in parsed if isinstance(new, NewRun)]
            )
        )
        results = []
        for item, new in zip(items, parsed, strict=True):
            if isinstance(new, NewRun):
                code, body = self._created_answer(request, new.hash, next(outcomes))
            else:
                code, body = new.status_code, new.data
                body.setdefault(
                    "hash", item.get("hash") if isinstance(item, dict) else None
                )
            results.append({**body, "code": code})
        return Response(results, status=status.HTTP_200_OK)

    def _new_run(self, data: object) -> NewRun | Response:
        """One item of `POST /runs/` parsed, or the 400 answer saying why not."""
        if not isinstance(data, dict):
            return error_response("a run is a JSON object")
        serializer = RunCreateSerializer(data=data)
        try:
            serializer.is_valid(raise_exception=True)
        except (ValidationError, ParseError) as error:
            return Response(error_body(error.detail), status=400)
        values = serializer.validated_data
        try:
            # The optional first batch is validated before anything is written.
            batch = ingest.parse_batch(values["batch"]) if "batch" in values else None
        except IngestError as error:
            return Response(_ingest_error_body(values["hash"], error), error.status)
        return NewRun(
            hash=values["hash"],
            experiment=values.get("experiment"),
            name=values.get("name", ""),
            description=values.get("description", ""),
            params=values.get("params"),
            tags=values.get("tags"),
            batch=batch,
        )

    def _created_answer(
        self, request, run_hash: str, outcome: CreatedRun | IngestError
    ) -> tuple[int, dict]:
        """(HTTP status, answer) for one created run or one refused."""
        if isinstance(outcome, IngestError):
            return outcome.status, _ingest_error_body(run_hash, outcome)
        code = status.HTTP_201_CREATED if outcome.is_new else status.HTTP_200_OK
        # `Prefer: return=minimal` (RFC 7240): the SDK needs no run document back.
        if "return=minimal" in request.headers.get("Prefer", ""):
            body = {"hash": outcome.run.hash}
        else:
            body = RunDetailSerializer(outcome.run).data
        if outcome.batch is not None:
            body["batch"] = {"seq": outcome.batch.seq, "applied": outcome.batch.applied}
        return code, body

    @extend_schema(responses=RunDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return _run_response(self.get_object())

    @extend_schema(request=RunUpdateSerializer, responses=RunDetailSerializer)
    def partial_update(self, request, hash=None):
        run = self.get_object()
        serializer = RunUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        if "is_archived" in values:
            services.archive_runs(
                [run], request.user, is_archived=values.pop("is_archived")
            )
        if "pinned_metrics" in values:
            services.set_pinned_metrics(run, request.user, values.pop("pinned_metrics"))
        if values:
            services.update_run(run, request.user, **values)
        return _run_response(runs_queryset().get(pk=run.pk))

    def perform_destroy(self, run):
        services.delete_runs([run], self.request.user)

    def _own_run(self, hash: str) -> Run:
        run = get_object_or_404(Run.objects.select_related("experiment"), hash=hash)
        self.check_object_permissions(self.request, run)
        return run

    @extend_schema(
        request=TrackBatchSerializer,
        responses={
            200: TrackResultSerializer,
            413: openapi_error(413, "Too many points or log lines in one batch."),
        },
        description=(
            "Apply one batch: params patch, metric points, log lines, status, tags. "
            "`seq` is required: an integer per run, used to drop replays (a batch "
            "whose seq was applied before changes nothing); a refused batch writes "
            "nothing. Numbers may also be the NaN and Infinity tokens Python's json "
            f"writes. At most {settings.AIMSITE_MAX_POINTS_PER_BATCH} points in all."
        ),
    )
    @action(detail=True, methods=["post"])
    def track(self, request, hash=None):
        run = self._own_run(hash)
        try:
            batch = ingest.parse_batch(read_json_body(request))
            result = ingest.apply_batch(run, batch)
        except IngestError as error:
            return error_response(error.message, error.status, error.field)
        return Response({"seq": result.seq, "applied": result.applied})

    @extend_schema(responses=MetricSeriesSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="metrics",
        filter_backends=[],
        pagination_class=None,
    )
    def metrics(self, request, hash=None):
        run = get_object_or_404(Run, hash=hash)
        series = MetricSeries.objects.filter(run=run).defer("overview")
        return Response(MetricSeriesSerializer(series, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "series_id", int, OpenApiParameter.PATH, description="A series id."
            ),
            _int_parameter(
                "max_points",
                0,
                MAX_POINTS_PARAM,
                "Downsample to about this many points, keeping extremes (0: all).",
            ),
            _int_parameter(
                "after_step",
                0,
                MAX_STEP,
                "Only points with a greater step (live catch-up, and paging).",
            ),
            _int_parameter(
                "limit",
                1,
                MAX_POINTS_PAGE,
                "A page at full resolution: the first `limit` points (after "
                "`after_step`), in step order. A page ends on a whole step, so it "
                "may hold a few more; ask for the next with `after_step` = its last "
                "step. With `max_points` too, the page is then downsampled (its "
                "first and last points kept).",
            ),
            OpenApiParameter(
                "nonfinite",
                {"type": "string", "enum": ["null", "strings"]},
                description="How ±infinity is written among the values: null "
                "(the default, as NaN), or the strings Infinity and -Infinity.",
            ),
        ],
        responses=json_or_npz_responses(
            PointsSerializer,
            "the same columns as NumPy `.npy` arrays in a zip (steps.npy int64; "
            "values.npy, epochs.npy, times.npy float64, NaN where absent).",
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"metrics/(?P<series_id>\d+)/points",
        filter_backends=[],
        renderer_classes=[renderers.JSONRenderer, NpzRenderer],
    )
    def points(self, request, hash=None, series_id=None):
        series = get_object_or_404(MetricSeries, pk=series_id, run__hash=hash)
        max_points = int_param(request, "max_points", 0, 0, MAX_POINTS_PARAM)
        after_step = int_param(request, "after_step", None, 0, MAX_STEP)
        limit = int_param(request, "limit", None, 1, MAX_POINTS_PAGE)
        nonfinite = request.query_params.get("nonfinite", "null")
        if nonfinite not in ("null", "strings"):
            return error_response("nonfinite must be null or strings", 400, "nonfinite")
        sample = None
        if max_points and after_step is None and limit is None:
            # The whole series downsampled: its overview (kept at ingest) serves
            # when it can, instead of decoding every chunk.
            sample = overviews.serving_sample(series.overview, series.count, max_points)
        if sample is not None:
            points = sample
        elif limit is not None:
            points = read_page(series, after_step=after_step, limit=limit)
        elif max_points:
            points = read_points(series, after_step=after_step)
        else:
            low = after_step + 1 if after_step is not None else None
            return _whole_series(request, SeriesRead(series.pk, low, None), nonfinite)
        if request.accepted_renderer.media_type == NPZ_MEDIA_TYPE:
            return HttpResponse(points_npz(points, max_points), NPZ_MEDIA_TYPE)
        return HttpResponse(
            points_json(points, max_points, infinity_strings=nonfinite == "strings"),
            content_type="application/json",
        )

    @extend_schema(
        parameters=[
            _int_parameter(
                "after", -1, MAX_STEP, "Only lines with a greater line number."
            ),
            _int_parameter(
                "before",
                0,
                MAX_STEP,
                "Only lines with a smaller line number (paging back).",
            ),
            _int_parameter("limit", 1, MAX_LOG_LINES_PAGE, "Lines (default 1000)."),
            OpenApiParameter(
                "level",
                {"type": "string", "pattern": _LEVELS_PATTERN},
                description="Only log records of these levels, comma-separated "
                "(debug, info, warning, error); terminal output has none.",
            ),
            OpenApiParameter(
                "search",
                {
                    "type": "string",
                    "maxLength": MAX_LOG_SEARCH_LENGTH,
                    "pattern": NO_NUL_PATTERN,
                },
                description="Only lines holding every word, in any case; `total` "
                "then counts the matching lines.",
            ),
        ],
        responses=LogsPageSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def logs(self, request, hash=None):
        run = get_object_or_404(Run, hash=hash)
        limit = int_param(request, "limit", 1000, 1, MAX_LOG_LINES_PAGE)
        after = int_param(request, "after", None, -1, MAX_STEP)
        before = int_param(request, "before", None, 0, MAX_STEP)
        levels = _log_levels(request.query_params.get("level"))
        search = request.query_params.get("search") or ""
        if len(search) > MAX_LOG_SEARCH_LENGTH:
            raise ValidationError(
                {"search": f"at most {MAX_LOG_SEARCH_LENGTH} characters"}
            )
        lines = LogLine.objects.for_run(run).matching(levels, search.split())
        page = lines.page(after=after, before=before, limit=limit)
        rows = [
            {"line": row.line, "text": row.text, "time": row.time, "level": row.level}
            for row in page
        ]
        return Response({"lines": rows, "total": lines.count()})

    @extend_schema(
        methods=["GET"], responses=TagBriefSerializer(many=True), filters=False
    )
    @extend_schema(
        methods=["POST"],
        request=RunTagsSerializer,
        responses={
            200: TagBriefSerializer(many=True),
            404: openapi_error(404, "No such run, or no tag by a name or id."),
        },
        description="Attach tags by names or ids (creating missing names with "
        "`create_missing`); answers the run's tags.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="tags",
        filter_backends=[],
        pagination_class=None,
    )
    def tags(self, request, hash=None):
        """GET: the run's tags. POST: attach (by names or ids)."""
        run = get_object_or_404(Run, hash=hash)
        if request.method == "POST":
            values = self._tag_names_or_ids(request, run)
            try:
                tags = tag_services.tags_for_attach(
                    request.user,
                    values.get("names") or [],
                    values.get("ids") or [],
                    create_missing=values["create_missing"],
                )
            except tag_services.UnknownTags as error:
                # As for unknown runs in a batch: what the body names is not there.
                return error_response(error.message, 404, "names")
            services.attach_tags(run, request.user, tags)
        return Response(
            TagBriefSerializer(run.tags.filter(is_archived=False), many=True).data
        )

    @extend_schema(
        request=RunTagsSerializer,
        responses=TagBriefSerializer(many=True),
        description="Detach tags by names or ids (a tag the run does not carry is "
        "left alone); answers the run's tags.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="tags/detach",
        filter_backends=[],
        pagination_class=None,
    )
    def tags_detach(self, request, hash=None):
        run = get_object_or_404(Run, hash=hash)
        values = self._tag_names_or_ids(request, run)
        tags, _missing = tag_services.find_tags(
            values.get("names") or [], values.get("ids") or []
        )
        services.detach_tags(run, request.user, tags)
        return Response(
            TagBriefSerializer(run.tags.filter(is_archived=False), many=True).data
        )

    def _tag_names_or_ids(self, request, run: Run) -> dict:
        self.check_object_permissions(request, run)
        serializer = RunTagsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # -- explorer batch endpoints (by hashes, or by an AimQL query) ----------------

    def _selection(self, values: dict) -> QuerySet | Response:
        """The runs a validated RunSelectionSerializer names: `hashes` (every one
        must exist; they win over `q`) or every run the AimQL `q` matches."""
        hashes = values.get("hashes")
        if hashes is not None:
            runs = Run.objects.filter(hash__in=hashes)
            missing = sorted(set(hashes) - set(runs.values_list("hash", flat=True)))
            if missing:
                return error_response(
                    f"unknown runs: {', '.join(missing[:5])}", 404, "hashes"
                )
            return runs
        try:
            return filter_runs(Run.objects.all(), values["q"])
        except QueryError as error:
            return query_error_response(error)

    def _selected_runs(self, values: dict) -> list[Run] | Response:
        """The runs to change. With `expected` (the count the user confirmed), a
        selection that has grown or shrunk since is refused and nothing changes."""
        expected = values.get("expected")
        runs = self._selection(values)
        if isinstance(runs, Response):
            return runs
        runs = list(runs)
        if expected is not None and len(runs) != expected:
            return error_response(
                f"The selection changed since you confirmed: {len(runs)} "
                f"run{pluralize(len(runs))} match now, you confirmed {expected}. "
                "Nothing was changed.",
                409,
                "expected",
            )
        return runs

    @extend_schema(
        request=RunSelectionSerializer,
        responses={
            200: SelectionSummarySerializer,
            404: openapi_error(404, "A hash names no run."),
        },
        description=(
            "Count a selection before a batch, by `hashes` or by an AimQL `q`. "
            "`changeable` runs are the caller's own (every run for staff). A POST, "
            "so a long list of hashes travels in the body as for archive and delete."
        ),
    )
    @action(detail=False, methods=["post"], url_path="selection")
    def batch_selection(self, request):
        body = RunSelectionSerializer(data=read_json_body(request))
        body.is_valid(raise_exception=True)
        runs = self._selection(body.validated_data)
        if isinstance(runs, Response):
            return runs
        return Response(services.selection_summary(runs, request.user))

    @extend_schema(
        request=RunArchiveSerializer,
        responses={
            200: ArchiveResultSerializer,
            404: openapi_error(404, "A hash names no run."),
            409: openapi_error(409, "The selection no longer holds `expected` runs."),
        },
        description="Archive or unarchive runs, by `hashes` or by an AimQL `q`.",
    )
    @action(detail=False, methods=["post"], url_path="archive")
    def batch_archive(self, request):
        body = RunArchiveSerializer(data=read_json_body(request))
        body.is_valid(raise_exception=True)
        runs = self._selected_runs(body.validated_data)
        if isinstance(runs, Response):
            return runs
        is_archived = body.validated_data["is_archived"]
        changed = services.archive_runs(runs, request.user, is_archived=is_archived)
        return Response(
            {"count": changed, "matched": len(runs), "is_archived": is_archived}
        )

    @extend_schema(
        request=RunBatchSerializer,
        responses={
            200: DeleteResultSerializer,
            404: openapi_error(404, "A hash names no run."),
            409: openapi_error(409, "The selection no longer holds `expected` runs."),
        },
        description="Delete runs with their rows and files, by `hashes` or by an "
        "AimQL `q`. Irreversible.",
    )
    @action(detail=False, methods=["post"], url_path="delete")
    def batch_delete(self, request):
        body = RunBatchSerializer(data=read_json_body(request))
        body.is_valid(raise_exception=True)
        runs = self._selected_runs(body.validated_data)
        if isinstance(runs, Response):
            return runs
        return Response({"count": services.delete_runs(runs, request.user)})

    @extend_schema(
        parameters=[
            OpenApiParameter("q", AIMQL_SCHEMA),
            OpenApiParameter("columns", COLUMNS_SCHEMA),
        ],
        filters=False,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The runs, one CSV line each."
            )
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export.csv",
        filter_backends=[],
        renderer_classes=[renderers.JSONRenderer],
        content_negotiation_class=_JSONErrorsNegotiation,
    )
    def export_csv(self, request):
        """Every run matching `q` as CSV, streamed."""
        query = request.query_params.get("q", "")
        try:
            runs = filter_runs(Run.objects.all(), query)
            columns = parse_columns(request.query_params.get("columns"))
        except QueryError as error:
            return query_error_response(error)
        columns = export.export_columns(runs, columns)
        lines = export.stream_csv(runs, columns)
        if isinstance(request._request, ASGIRequest):
            lines = export.async_chunks(lines)  # streamed under daphne too
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="runs.csv"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="The AimQL query typed."),
            OpenApiParameter(
                "subjects",
                {"type": "string", "pattern": _subjects_pattern()},
                description="What the search bar reads, as for suggestions.",
            ),
        ],
        responses=QueryHintsSerializer,
    )
    @action(detail=False, methods=["get"], filter_backends=[], url_path="query-hints")
    def query_hints(self, request):
        """Hints for a query that reads a metric without a context when that
        metric was only tracked with contexts (a query that does not parse gets
        none: its error is the answer of the search itself)."""
        try:
            subjects = parse_subjects(request.query_params.get("subjects"))
        except ValueError as error:
            return error_response(str(error), 400, "subjects")
        hints = context_hints(request.query_params.get("q", ""), subjects)
        return Response({"hints": [asdict(hint) for hint in hints]})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "subjects",
                {"type": "string", "pattern": _subjects_pattern()},
                description="What the search bar reads, comma-separated: run (the "
                "default, always read) and sequence subjects such as metric.",
            )
        ],
        responses=SuggestionsSerializer,
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def suggestions(self, request):
        """Param keys and metric names (and `metric.` fields) for completions."""
        try:
            subjects = parse_subjects(request.query_params.get("subjects"))
        except ValueError as error:
            return error_response(str(error), 400, "subjects")
        return Response(query_suggestions(subjects))

    # Last in the class: its name hides the builtin `list` in what follows.
    def list(self, request, *args, **kwargs):
        """RunSerializer's answer written from plain rows (run_answers): no
        model objects for a page of up to 500 runs."""
        rows = self.paginate_queryset(run_rows(self.filter_queryset(Run.objects.all())))
        answers, exact = run_answers(rows)
        response = self.get_paginated_response(answers)
        response.is_orjson_exact = exact  # ExactJSONRenderer
        return response
