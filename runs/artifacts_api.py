"""Run artifacts over the API: upload (the SDK's log_artifact), list, download."""

import orjson
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aimsite.api import (
    IsOwnerOrStaffOrReadOnly,
    check_upload_length,
    error_response,
    upload_limits,
)
from aimsite.errors import IngestError
from aimsite.openapi import openapi_error
from aimsite.serializers import RejectUnknownFieldsMixin, StrictCharField
from runs.artifacts import MAX_NAME_LENGTH, store_artifact
from runs.models import Artifact, Run


class ArtifactSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = Artifact
        fields = ["id", "name", "size", "created_at", "url"]

    def get_url(self, artifact: Artifact) -> str:
        return reverse("api:artifact-file", args=[artifact.pk])


class ArtifactFieldsSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = StrictCharField(
        max_length=MAX_NAME_LENGTH,
        help_text="A relative path such as `model/weights.pt`: parts separated by "
        "`/`, none empty, `.` or `..`, no control characters or backslashes. A "
        "name logged again replaces its file.",
    )


class ArtifactUploadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """multipart/form-data: an `artifact` part holding JSON, and the `file` part
    (documentation: the view reads the parts)."""

    artifact = ArtifactFieldsSerializer()
    file = serializers.FileField()


class RunArtifactsView(APIView):
    """`GET`: a run's artifacts. `POST`: upload one (multipart `name` + `file`)."""

    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(responses=ArtifactSerializer(many=True))
    def get(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        return Response(ArtifactSerializer(run.artifacts.all(), many=True).data)

    @extend_schema(
        request={"multipart/form-data": ArtifactUploadSerializer},
        responses={
            201: ArtifactSerializer,
            411: openapi_error(411, "An upload needs a Content-Length header."),
            413: openapi_error(413, "The file is larger than an upload may be."),
        },
        description="Store a file as the run's artifact `name` (owner or staff).",
    )
    def post(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        self.check_object_permissions(request, run)
        check_upload_length(request)
        unknown = set(request.data) - {"artifact", "file"}
        if unknown:
            raise ParseError(f"unknown fields: {', '.join(sorted(unknown))}")
        fields = _json_part(request.data.get("artifact"))
        upload = request.FILES.get("file")
        if upload is None:
            return error_response(
                "Send the artifact in a file part named 'file'.", 400, "file"
            )
        try:
            artifact = store_artifact(run, fields.get("name"), upload)
        except IngestError as error:
            response = error_response(error.message, error.status, error.field)
            if error.status == 413:
                response.data["limits"] = upload_limits()
            return response
        return Response(ArtifactSerializer(artifact).data, status=201)


def _json_part(raw) -> dict:
    """The `artifact` part: a JSON object {"name": …} and nothing else."""
    if raw is None:
        raise ParseError('Send an "artifact" part holding JSON: {"name": "…"}.')
    if not isinstance(raw, dict):
        try:
            raw = orjson.loads(raw if isinstance(raw, str | bytes) else raw.read())
        except orjson.JSONDecodeError as error:
            raise ParseError(f"artifact is malformed JSON: {error}") from error
    if not isinstance(raw, dict) or set(raw) - {"name"}:
        raise ValidationError(
            {"artifact": 'must be a JSON object {"name": "…"} with no other keys'}
        )
    return raw


class ArtifactFileView(APIView):
    """An artifact's file, for signed-in users (every run is visible to them)."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)
        }
    )
    def get(self, request, artifact_id: int):
        artifact = get_object_or_404(Artifact, pk=artifact_id)
        return FileResponse(
            artifact.file.open("rb"),
            as_attachment=True,
            filename=artifact.name.rsplit("/", 1)[-1],
            content_type="application/octet-stream",
        )
