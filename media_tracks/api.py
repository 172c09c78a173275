"""Tracked objects over the API: multipart upload and read-back."""

import orjson
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aimsite.api import (
    INT64_MAX,
    IsOwnerOrStaffOrReadOnly,
    check_upload_length,
    error_response,
    int_param,
    upload_limits,
)
from aimsite.errors import IngestError
from aimsite.openapi import openapi_error
from aimsite.parsers import JSONParser
from media_tracks import services
from media_tracks.models import ObjectRecord, ObjectSequence
from media_tracks.serializers import (
    JsonObjectUploadSerializer,
    ObjectRecordSerializer,
    ObjectSequenceSerializer,
    ObjectUploadSerializer,
    RecordsPageSerializer,
    SequenceStepsSerializer,
    UploadResultSerializer,
)
from runs.models import Run

FILE_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}


class RunObjectsView(APIView):
    """`POST`: upload objects (multipart: `batch` JSON + file parts). `GET`: sequences."""

    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    parser_classes = [parsers.MultiPartParser, JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", str, enum=ObjectSequence.Kind.values, description="Only these."
            )
        ],
        responses=ObjectSequenceSerializer(many=True),
    )
    def get(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        sequences = ObjectSequence.objects.filter(run=run)
        kind = request.query_params.get("kind")
        if kind is not None:
            if kind not in ObjectSequence.Kind.values:
                raise ValidationError(
                    {"kind": f"must be one of {', '.join(ObjectSequence.Kind.values)}"}
                )
            sequences = sequences.filter(kind=kind)
        return Response(ObjectSequenceSerializer(sequences, many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": ObjectUploadSerializer,
            "application/json": JsonObjectUploadSerializer,
        },
        responses={
            200: UploadResultSerializer,
            411: openapi_error(411, "An upload needs a Content-Length header."),
            413: openapi_error(
                413, "Too many objects, files or bytes; `limits` says how many fit."
            ),
        },
        description=(
            "Objects of any kind, idempotent by (sequence, step, index). Images and "
            "audio name a file part of the same (multipart) upload in `file`; the "
            "other kinds may also come as a JSON body."
        ),
    )
    def post(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        self.check_object_permissions(request, run)
        check_upload_length(request)
        if not isinstance(request.data, dict):
            raise ParseError('Send an object with a "batch": {"objects": [...]}.')
        raw = request.data.get("batch")
        if raw is None:
            raise ParseError('Send a "batch" field holding JSON: {"objects": [...]}.')
        if not isinstance(raw, dict | list):
            try:
                raw = orjson.loads(raw if isinstance(raw, str | bytes) else raw.read())
            except orjson.JSONDecodeError as error:
                raise ParseError(f"batch is malformed JSON: {error}") from error
        try:
            objects = services.parse_objects(raw, request.FILES)
            created = services.store_objects(run, objects)
        except IngestError as error:
            response = error_response(error.message, error.status, error.field)
            if error.status == 413:
                response.data["limits"] = upload_limits()
            return response
        return Response({"received": len(objects), "created": created})


MAX_RECORDS_PAGE = 1000
_BOUNDS = {
    "step_min": ("step__gte", "Only records from this step."),
    "step_max": ("step__lte", "Only records up to this step."),
    "index_min": ("index__gte", "Only records from this index in a step."),
    "index_max": ("index__lte", "Only records up to this index in a step."),
    "step": ("step", "Only records of this step."),
}


def _integer(low: int, high: int) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high}


class SequenceRecordsView(APIView):
    """Records of one sequence, sliced by step and index ranges (lazy loading)."""

    @extend_schema(
        parameters=[
            *(
                OpenApiParameter(
                    name, _integer(-INT64_MAX, INT64_MAX), description=description
                )
                for name, (_, description) in _BOUNDS.items()
            ),
            OpenApiParameter(
                "limit",
                _integer(1, INT64_MAX),
                description=f"Records per page (default 200, at most "
                f"{MAX_RECORDS_PAGE} are answered).",
            ),
            OpenApiParameter(
                "offset", _integer(0, 2**62), description="Records to skip."
            ),
        ],
        responses=RecordsPageSerializer,
    )
    def get(self, request, sequence_id: int):
        sequence = get_object_or_404(ObjectSequence, pk=sequence_id)
        records = ObjectRecord.objects.filter(sequence=sequence)
        for param, (lookup, _) in _BOUNDS.items():
            value = int_param(request, param, None, -INT64_MAX, INT64_MAX)
            if value is not None:
                records = records.filter(**{lookup: value})
        # A limit past the page size is served as a full page; offsets stay within
        # what the databases' 64-bit OFFSET takes.
        limit = min(int_param(request, "limit", 200, 1, INT64_MAX), MAX_RECORDS_PAGE)
        offset = int_param(request, "offset", 0, 0, 2**62)
        records = list(records.order_by("step", "index")[offset : offset + limit + 1])
        return Response(
            {
                "records": ObjectRecordSerializer(records[:limit], many=True).data,
                "has_more": len(records) > limit,
            }
        )


class SequenceStepsView(APIView):
    """Every step one sequence tracked (the run page's step sliders snap to them)."""

    @extend_schema(responses=SequenceStepsSerializer)
    def get(self, request, sequence_id: int):
        sequence = get_object_or_404(ObjectSequence, pk=sequence_id)
        return Response({"steps": services.tracked_steps(sequence)})


class RecordFileView(APIView):
    """The file of an image or audio record, for signed-in users only."""

    @extend_schema(
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.BINARY)
            for media_type in [*FILE_TYPES.values(), "application/octet-stream"]
        }
    )
    def get(self, request, record_id: int):
        record = get_object_or_404(ObjectRecord, pk=record_id)
        if not record.file:
            raise Http404("this record has no file")
        content_type = FILE_TYPES.get(record.format, "application/octet-stream")
        response = FileResponse(record.file.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response
