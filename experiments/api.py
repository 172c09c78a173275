"""REST API for experiments: CRUD, stats, activity, calendar and notes."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from aimsite.api import Conflict, IsOwnerOrStaffOrReadOnly, error_response
from aimsite.filters import FilterBackend, OrderingFilter
from aimsite.openapi import openapi_error
from aimsite.pagination import PageNumberPagination
from experiments import services, stats
from experiments.markdown import RendererBusy, render_markdown
from experiments.models import Experiment
from experiments.serializers import (
    ActivitySerializer,
    CalendarSerializer,
    ExperimentSerializer,
    MarkdownPreviewSerializer,
    NotesAnswerSerializer,
    NotesSerializer,
    PinSerializer,
    StatsSerializer,
)


class ExperimentPagination(PageNumberPagination):
    page_size = 100
    max_page_size = 500


class ActivityPagination(PageNumberPagination):
    page_size = 20
    max_page_size = 200


_NAME_TAKEN = openapi_error(409, "Another experiment has this name.")
_RENDERER_BUSY = openapi_error(
    503, "Every Markdown renderer is busy: retry after `Retry-After` seconds."
)


@contextmanager
def _unique_name(name: str) -> Iterator[None]:
    """The database refuses a taken name (whatever the race): that is a 409."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise Conflict(
            f"An experiment named “{name}” already exists; choose another name."
        ) from error


def _notes_payload(experiment: Experiment) -> dict:
    editor = experiment.notes_updated_by
    return {
        "notes": experiment.notes,
        "html": experiment.notes_html,
        "updated_at": experiment.notes_updated_at,
        "updated_by": editor.get_username() if editor else None,
    }


def _django_error_message(error: DjangoValidationError) -> str:
    return " ".join(error.messages)


def _busy_response(error: RendererBusy) -> Response:
    response = error_response(str(error), status.HTTP_503_SERVICE_UNAVAILABLE, "notes")
    response["Retry-After"] = "1"
    return response


@extend_schema_view(
    create=extend_schema(responses={201: ExperimentSerializer, 409: _NAME_TAKEN}),
    update=extend_schema(responses={200: ExperimentSerializer, 409: _NAME_TAKEN}),
    partial_update=extend_schema(
        responses={200: ExperimentSerializer, 409: _NAME_TAKEN}
    ),
    destroy=extend_schema(
        responses={
            204: None,
            409: openapi_error(409, "The experiment still has runs."),
        }
    ),
)
class ExperimentViewSet(viewsets.ModelViewSet):
    serializer_class = ExperimentSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    filter_backends = [FilterBackend, filters.SearchFilter, OrderingFilter]
    filterset_fields = ["is_archived"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]
    pagination_class = ExperimentPagination

    def get_queryset(self):
        return Experiment.objects.select_related("owner", "notes_updated_by")

    def get_object(self):
        experiment = super().get_object()
        stats.attach_run_counts([experiment])
        return experiment

    def paginate_queryset(self, queryset):
        """The page's experiments with their run counts (counted for the page
        only: one grouped query over their runs)."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            stats.attach_run_counts(page)
        return page

    def perform_create(self, serializer):
        data = serializer.validated_data
        with _unique_name(data["name"]):
            serializer.instance = services.create_experiment(
                name=data["name"],
                description=data.get("description", ""),
                owner=self.request.user,
            )

    def perform_update(self, serializer):
        data = serializer.validated_data
        with _unique_name(data.get("name", "")):
            services.update_experiment(serializer.instance, self.request.user, **data)

    def destroy(self, request, *args, **kwargs):
        experiment = self.get_object()
        try:
            services.delete_experiment(experiment, request.user)
        except services.ExperimentNotEmpty as error:
            return error_response(
                _django_error_message(error), status.HTTP_409_CONFLICT
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=StatsSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        experiment = self.get_object()
        counts = experiment.run_counts
        return Response(
            {
                "counts": counts.as_dict(),
                "shares": [
                    {"status": kind, "count": count, "percent": percent}
                    for kind, count, percent in counts.shares()
                ],
                "queries": {
                    kind: stats.explorer_query(experiment.name, kind)
                    for kind in stats.STATUS_KINDS
                },
            }
        )

    @extend_schema(responses=ActivitySerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=ActivityPagination,
    )
    def activity(self, request, pk=None):
        experiment = self.get_object()
        page = self.paginate_queryset(stats.activity_runs(experiment))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(responses=CalendarSerializer)
    @action(detail=True, methods=["get"])
    def calendar(self, request, pk=None):
        experiment = self.get_object()
        calendar = stats.build_calendar(experiment)
        days = [day for week in calendar.weeks for day in week if day and day.count]
        return Response(
            {
                "start": calendar.start,
                "end": calendar.end,
                "time_zone": str(stats.calendar_zone()),
                "total": calendar.total,
                "max_count": calendar.max_count,
                "days": [
                    {
                        "date": day.day,
                        "count": day.count,
                        "level": day.level,
                        "query": day.query,
                    }
                    for day in days
                ],
            }
        )

    @extend_schema(methods=["GET"], responses=NotesAnswerSerializer)
    @extend_schema(
        methods=["PUT"],
        request=NotesSerializer,
        responses={200: NotesAnswerSerializer, 503: _RENDERER_BUSY},
    )
    @action(detail=True, methods=["get", "put"])
    def notes(self, request, pk=None):
        experiment = self.get_object()
        if request.method == "PUT":
            serializer = NotesSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                services.save_notes(
                    experiment, request.user, serializer.validated_data["notes"]
                )
            except DjangoValidationError as error:
                return error_response(_django_error_message(error), field="notes")
            except RendererBusy as error:
                return _busy_response(error)
        return Response(_notes_payload(experiment))

    @extend_schema(methods=["GET", "POST"], request=None, responses=PinSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={200: PinSerializer})
    @action(
        detail=True,
        methods=["get", "post", "delete"],
        permission_classes=[IsAuthenticated],
    )
    def pin(self, request, pk=None):
        """The user's own pin on this experiment (their Home page lists pinned
        experiments): POST pins, DELETE unpins, both idempotent; any signed-in
        user may pin any experiment."""
        experiment = self.get_object()
        if request.method == "GET":
            pinned = experiment.pins.filter(user=request.user).exists()
        else:
            pinned = services.set_pinned(
                experiment, request.user, request.method == "POST"
            )
        return Response({"pinned": pinned})

    @extend_schema(
        request=NotesSerializer,
        responses={200: MarkdownPreviewSerializer, 503: _RENDERER_BUSY},
    )
    @action(detail=False, methods=["post"], url_path="markdown-preview")
    def markdown_preview(self, request):
        """Render Markdown exactly as saved notes are rendered, without saving."""
        serializer = NotesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            html = render_markdown(serializer.validated_data["notes"])
        except DjangoValidationError as error:
            return error_response(_django_error_message(error), field="notes")
        except RendererBusy as error:
            return _busy_response(error)
        return Response({"html": html})
