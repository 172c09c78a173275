"""REST API for runs: list/get/patch/delete, ingest (`track`), metrics and logs,
and the explorer's batch endpoints (selection counts, archive, delete,
export.csv, suggestions)."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, pagination, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.response import Response

from aimsite.api import (
    IsOwnerOrStaffOrReadOnly,
    error_body,
    error_response,
    int_param,
    read_json_body,
)
from aimsite.errors import IngestError
from aimsite.text import text_problem
from runs import export, ingest, services
from runs.filters import RunFilterSet
from runs.ingest import CreatedRun, NewRun
from runs.models import HASH_RE, LogLine, MetricSeries, Run
from runs.points import points_json, read_points
from runs.query import QueryError, filter_runs
from runs.serializers import (
    MetricSeriesSerializer,
    RunCreateSerializer,
    RunDetailSerializer,
    RunSerializer,
    RunTagsSerializer,
    RunUpdateSerializer,
    TagBriefSerializer,
)
from runs.suggestions import parse_subjects, query_suggestions
from runs.table import parse_columns
from tags import services as tag_services
from tags.models import Tag


class RunCursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
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


MAX_BATCH_HASHES = 10_000
MAX_BULK_RUNS = 100  # runs created by one POST /runs/ with a list


class _CSVRenderer(renderers.BaseRenderer):
    """Lets `Accept: text/csv` through negotiation; errors still render as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode()


def _ingest_error_body(run_hash: str, error: IngestError) -> dict:
    body = {"hash": run_hash, "error": error.message}
    if error.field:
        body["field"] = error.field
    return body


def query_error_response(error: QueryError) -> Response:
    return Response(
        {"error": error.message, "position": error.position, "field": "q"}, status=400
    )


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
        request=RunCreateSerializer,
        responses={201: RunDetailSerializer, 200: RunDetailSerializer},
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
        data = dict(data)
        # The optional first batch is validated before anything is written.
        raw_batch = data.pop("batch", None)
        serializer = RunCreateSerializer(data=data)
        try:
            serializer.is_valid(raise_exception=True)
        except (ValidationError, ParseError) as error:
            return Response(error_body(error.detail), status=400)
        values = serializer.validated_data
        try:
            batch = ingest.parse_batch(raw_batch) if raw_batch is not None else None
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
        return Response(RunDetailSerializer(runs_queryset().get(pk=run.pk)).data)

    def perform_destroy(self, run):
        services.delete_runs([run], self.request.user)

    def _own_run(self, hash: str) -> Run:
        run = get_object_or_404(Run.objects.select_related("experiment"), hash=hash)
        self.check_object_permissions(self.request, run)
        return run

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            200: {
                "type": "object",
                "properties": {
                    "seq": {"type": "integer"},
                    "applied": {"type": "boolean"},
                },
            }
        },
        description=(
            "Apply one batch: params patch, metric points, log lines, status. "
            "`seq` is required: an integer per run, used to drop replays (a batch "
            "whose seq was applied before changes nothing)."
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
    @action(detail=True, methods=["get"], url_path="metrics")
    def metrics(self, request, hash=None):
        run = get_object_or_404(Run, hash=hash)
        series = MetricSeries.objects.filter(run=run).defer("overview")
        return Response(MetricSeriesSerializer(series, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "max_points",
                int,
                description="downsample to about this many points, keeping extremes",
            ),
            OpenApiParameter(
                "after_step",
                int,
                description="only points with a greater step (live catch-up)",
            ),
        ],
        responses={200: {"type": "object"}},
    )
    @action(detail=True, methods=["get"], url_path=r"metrics/(?P<series_id>\d+)/points")
    def points(self, request, hash=None, series_id=None):
        series = get_object_or_404(MetricSeries, pk=series_id, run__hash=hash)
        max_points = int_param(request, "max_points", 0, 0, 1_000_000)
        after_step = int_param(request, "after_step", None)
        points = read_points(series, after_step=after_step)
        return HttpResponse(
            points_json(points, max_points), content_type="application/json"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", int, description="only lines with a greater line number"
            ),
            OpenApiParameter(
                "before",
                int,
                description="only lines with a smaller line number (paging back)",
            ),
            OpenApiParameter("limit", int),
        ],
        responses={200: {"type": "object"}},
    )
    @action(detail=True, methods=["get"])
    def logs(self, request, hash=None):
        run = get_object_or_404(Run, hash=hash)
        limit = int_param(request, "limit", 1000, 1, 10_000)
        after = int_param(request, "after", None, -1)
        before = int_param(request, "before", None)
        lines = LogLine.objects.for_run(run)
        page = lines.page(after=after, before=before, limit=limit)
        rows = [{"line": row.line, "text": row.text, "time": row.time} for row in page]
        return Response({"lines": rows, "total": lines.count()})

    @extend_schema(request=RunTagsSerializer, responses=TagBriefSerializer(many=True))
    @action(detail=True, methods=["get", "post", "delete"], url_path="tags")
    def tags(self, request, hash=None):
        """GET: the run's tags. POST: attach (by names or ids). DELETE: detach."""
        run = get_object_or_404(Run, hash=hash)
        if request.method == "GET":
            return Response(
                TagBriefSerializer(run.tags.filter(is_archived=False), many=True).data
            )
        self.check_object_permissions(request, run)
        serializer = RunTagsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        names = serializer.validated_data.get("names") or []
        ids = serializer.validated_data.get("ids") or []
        if request.method == "POST":
            try:
                tags = tag_services.tags_for_attach(
                    request.user,
                    names,
                    ids,
                    create_missing=serializer.validated_data["create_missing"],
                )
            except tag_services.UnknownTags as error:
                return error_response(error.message, 400, "names")
            services.attach_tags(run, request.user, tags)
        else:
            tags, _missing = tag_services.find_tags(names, ids)
            services.detach_tags(run, request.user, tags)
        return Response(
            TagBriefSerializer(run.tags.filter(is_archived=False), many=True).data
        )

    # -- explorer batch endpoints (by hashes, or by an AimQL query) ----------------

    def _selection(self, data: object) -> QuerySet | Response:
        """The runs a batch body names: `hashes` (every one must exist) or `q`."""
        if not isinstance(data, dict):
            return error_response("send a JSON object with `hashes` or `q`")
        hashes, query = data.get("hashes"), data.get("q")
        if hashes is not None:
            if not isinstance(hashes, list) or not all(
                isinstance(item, str) for item in hashes
            ):
                return error_response(
                    "hashes must be a list of run hashes", 400, "hashes"
                )
            if not hashes or len(hashes) > MAX_BATCH_HASHES:
                return error_response(
                    f"give 1 to {MAX_BATCH_HASHES} hashes", 400, "hashes"
                )
            # Checked before the query: PostgreSQL refuses NUL in a text parameter.
            malformed = [item for item in hashes if not HASH_RE.fullmatch(item)]
            if malformed:
                return error_response(
                    "hashes must be run hashes (24 lowercase hex characters), "
                    f"got {malformed[0]!r:.40}",
                    400,
                    "hashes",
                )
            runs = Run.objects.filter(hash__in=hashes)
            missing = sorted(set(hashes) - set(runs.values_list("hash", flat=True)))
            if missing:
                return error_response(
                    f"unknown runs: {', '.join(missing[:5])}", 404, "hashes"
                )
            return runs
        if isinstance(query, str):
            try:
                return filter_runs(Run.objects.all(), query)
            except QueryError as error:
                return query_error_response(error)
        return error_response("give `hashes` (a list) or `q` (an AimQL query)")

    def _selected_runs(self, data: object) -> list[Run] | Response:
        """The runs to change. With `expected` (the count the user confirmed), a
        selection that has grown or shrunk since is refused and nothing changes."""
        expected = data.get("expected") if isinstance(data, dict) else None
        if expected is not None and (
            not isinstance(expected, int) or isinstance(expected, bool) or expected < 0
        ):
            return error_response(
                "expected must be the number of runs you confirmed", 400, "expected"
            )
        runs = self._selection(data)
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
        request={"application/json": {"type": "object"}},
        responses={
            200: {
                "type": "object",
                "properties": {
                    "total": {"type": "integer"},
                    "changeable": {"type": "integer"},
                    "owned": {"type": "integer"},
                    "archived": {"type": "integer"},
                },
            }
        },
        description=(
            'Count a selection before a batch: {hashes: [...]} or {q: "AimQL"}. '
            "`changeable` runs are the caller's own (every run for staff). A POST, "
            "so a long list of hashes travels in the body as for archive and delete."
        ),
    )
    @action(detail=False, methods=["post"], url_path="selection")
    def batch_selection(self, request):
        runs = self._selection(read_json_body(request))
        if isinstance(runs, Response):
            return runs
        return Response(services.selection_summary(runs, request.user))

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            200: {"type": "object", "properties": {"count": {"type": "integer"}}}
        },
        description=(
            'Archive or unarchive runs: {hashes: [...]} or {q: "AimQL"}, is_archived '
            "(default true), expected (optional: the number of runs confirmed; 409 "
            "and no change when the selection holds another number)."
        ),
    )
    @action(detail=False, methods=["post"], url_path="archive")
    def batch_archive(self, request):
        data = read_json_body(request)
        runs = self._selected_runs(data)
        if isinstance(runs, Response):
            return runs
        is_archived = data.get("is_archived", True)
        if not isinstance(is_archived, bool):
            return error_response(
                "is_archived must be true or false", 400, "is_archived"
            )
        changed = services.archive_runs(runs, request.user, is_archived=is_archived)
        return Response(
            {"count": changed, "matched": len(runs), "is_archived": is_archived}
        )

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            200: {"type": "object", "properties": {"count": {"type": "integer"}}}
        },
        description=(
            'Delete runs with their rows and files: {hashes: [...]} or {q: "AimQL"}, '
            "expected (optional, as for archive). Irreversible."
        ),
    )
    @action(detail=False, methods=["post"], url_path="delete")
    def batch_delete(self, request):
        runs = self._selected_runs(read_json_body(request))
        if isinstance(runs, Response):
            return runs
        return Response({"count": services.delete_runs(runs, request.user)})

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="AimQL query"),
            OpenApiParameter(
                "columns",
                str,
                description='JSON list of column ids, e.g. ["p:[\\"hparams\\",\\"lr\\"]"]',
            ),
        ],
        responses={(200, "text/csv"): str},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export.csv",
        renderer_classes=[_CSVRenderer],
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
            OpenApiParameter(
                "subjects",
                str,
                description="what the search bar reads: run (default) or run,metric",
            )
        ],
        responses={200: {"type": "object"}},
    )
    @action(detail=False, methods=["get"])
    def suggestions(self, request):
        """Param keys and metric names (and `metric.` fields) for completions."""
        try:
            subjects = parse_subjects(request.query_params.get("subjects"))
        except ValueError as error:
            return error_response(str(error), 400, "subjects")
        return Response(query_suggestions(subjects))
