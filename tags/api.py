"""REST API for tags: CRUD (validated by TagForm through tags.services) and a tag's runs."""

from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from aimsite.api import IsOwnerOrStaffOrReadOnly
from aimsite.openapi import openapi_error
from tags import services
from tags.models import Tag
from tags.serializers import (
    TagCreateSerializer,
    TagRunSerializer,
    TagRunsSerializer,
    TagSerializer,
    TagWriteSerializer,
)

TEXT_FIELDS = ("name", "comment", "color")
RUNS_LIMIT = 1000
_NAME_TAKEN = openapi_error(409, "Another tag has this name (ignoring case).")


def _invalid(error: services.TagInvalid) -> Response:
    return Response(
        {
            "error": f"{error.field}: {error.message}",
            "field": error.field,
            "errors": error.errors,
        },
        status=status.HTTP_409_CONFLICT
        if error.is_conflict
        else status.HTTP_400_BAD_REQUEST,
    )


_WRITE = extend_schema(
    request=TagWriteSerializer, responses={200: TagSerializer, 409: _NAME_TAKEN}
)


@extend_schema_view(update=_WRITE, partial_update=_WRITE)
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
            OpenApiParameter("q", str, description="Search in names and comments.")
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=TagCreateSerializer, responses={201: TagSerializer, 409: _NAME_TAKEN}
    )
    def create(self, request, *args, **kwargs):
        body = TagCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {
            key: body.validated_data[key]
            for key in TEXT_FIELDS
            if key in body.validated_data
        }
        try:
            with transaction.atomic():
                tag = services.create_tag(request.user, fields)
                if body.validated_data.get("is_archived"):
                    services.set_archived(tag, request.user, True)
        except services.TagInvalid as error:
            return _invalid(error)
        return Response(self._read(tag), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """PUT and PATCH alike: fields left out keep their values."""
        tag = self.get_object()
        body = TagWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {
            key: body.validated_data[key]
            for key in TEXT_FIELDS
            if key in body.validated_data
        }
        is_archived = body.validated_data.get("is_archived")
        try:
            with transaction.atomic():
                if fields:
                    tag = services.update_tag(tag, request.user, fields)
                if is_archived is not None:
                    services.set_archived(tag, request.user, is_archived)
        except services.TagInvalid as error:
            return _invalid(error)
        return Response(self._read(tag))

    def perform_destroy(self, tag: Tag) -> None:
        services.delete_tag(tag, self.request.user)

    @extend_schema(
        responses=TagRunsSerializer,
        description=f"The runs carrying this tag, newest first (at most {RUNS_LIMIT}).",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def runs(self, request, pk=None):
        tag = self.get_object()
        runs = tag.runs.select_related("experiment").order_by("-created_at", "-id")
        return Response(
            {
                "count": runs.count(),
                "runs": TagRunSerializer(runs[:RUNS_LIMIT], many=True).data,
            }
        )
