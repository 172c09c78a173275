"""REST API for tags: CRUD (validated by TagForm through tags.services) and a tag's runs."""

from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from aimsite.api import IsOwnerOrStaffOrReadOnly, error_response
from tags import services
from tags.models import Tag
from tags.serializers import TagRunSerializer, TagSerializer, TagWriteSerializer

TEXT_FIELDS = ("name", "comment", "color")
RUNS_LIMIT = 1000


class _BadBody(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _write_fields(data) -> tuple[dict, bool | None]:
    """(text fields for TagForm, is_archived or None); refuses wrong JSON types."""
    if not isinstance(data, dict):
        raise _BadBody("Send a JSON object with name, comment, color or is_archived.")
    fields = {}
    for field in TEXT_FIELDS:
        if field in data:
            if not isinstance(data[field], str):
                raise _BadBody(f"{field}: must be a string.", field)
            fields[field] = data[field]
    is_archived = data.get("is_archived")
    if is_archived is not None and not isinstance(is_archived, bool):
        raise _BadBody("is_archived: must be true or false.", "is_archived")
    return fields, is_archived


def _invalid(error: services.TagInvalid) -> Response:
    return Response(
        {
            "error": f"{error.field}: {error.message}",
            "field": error.field,
            "errors": error.errors,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class TagViewSet(viewsets.ModelViewSet):
    """Tags. Anyone signed in reads and creates; the creator or staff edits and deletes."""

    serializer_class = TagSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    filterset_fields = ["is_archived"]
    ordering_fields = ["name", "created_at", "run_count"]
    ordering = ["name"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        tags = Tag.objects.select_related("owner").annotate(run_count=Count("runs"))
        search = self.request.query_params.get("q", "").strip()
        if search:
            tags = tags.filter(Q(name__icontains=search) | Q(comment__icontains=search))
        return tags

    def _read(self, tag: Tag) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=tag.pk)).data

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="search in names and comments")
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TagWriteSerializer, responses={201: TagSerializer})
    def create(self, request, *args, **kwargs):
        try:
            fields, is_archived = _write_fields(request.data)
            with transaction.atomic():
                tag = services.create_tag(request.user, fields)
                if is_archived:
                    services.set_archived(tag, request.user, True)
        except _BadBody as error:
            return error_response(error.message, 400, error.field)
        except services.TagInvalid as error:
            return _invalid(error)
        return Response(self._read(tag), status=status.HTTP_201_CREATED)

    @extend_schema(request=TagWriteSerializer, responses=TagSerializer)
    def update(self, request, *args, **kwargs):
        """PUT and PATCH alike: fields left out keep their values."""
        tag = self.get_object()
        try:
            fields, is_archived = _write_fields(request.data)
            with transaction.atomic():
                if fields:
                    tag = services.update_tag(tag, request.user, fields)
                if is_archived is not None:
                    services.set_archived(tag, request.user, is_archived)
        except _BadBody as error:
            return error_response(error.message, 400, error.field)
        except services.TagInvalid as error:
            return _invalid(error)
        return Response(self._read(tag))

    def perform_destroy(self, tag: Tag) -> None:
        services.delete_tag(tag, self.request.user)

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "properties": {"count": {"type": "integer"}, "runs": {"type": "array"}},
            }
        },
        description=f"The runs carrying this tag, newest first (at most {RUNS_LIMIT}).",
    )
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        tag = self.get_object()
        runs = tag.runs.select_related("experiment").order_by("-created_at", "-id")
        return Response(
            {
                "count": runs.count(),
                "runs": TagRunSerializer(runs[:RUNS_LIMIT], many=True).data,
            }
        )
