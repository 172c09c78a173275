"""Tracked objects over the API: multipart upload and read-back."""

import orjson
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aimsite.api import (
    INT64_MAX,
    IsOwnerOrStaffOrReadOnly,
    SummarySerializer,
    check_upload_length,
    error_response,
    int_param,
    upload_limits,
)
from aimsite.errors import IngestError
from aimsite.parsers import JSONParser
from media_tracks import services
from media_tracks.models import (
    RECORD_SUMMARY_FIELDS,
    SEQUENCE_SUMMARY_FIELDS,
    ObjectRecord,
    ObjectSequence,
)
from runs.models import Run


class ObjectSequenceSerializer(SummarySerializer):
    class Meta:
        model = ObjectSequence
        fields = read_only_fields = SEQUENCE_SUMMARY_FIELDS


class ObjectRecordSerializer(SummarySerializer):
    url = serializers.CharField(
        allow_null=True, help_text="the record's file (images, audio), else null"
    )

    class Meta:
        model = ObjectRecord
        fields = read_only_fields = RECORD_SUMMARY_FIELDS


class RunObjectsView(APIView):
    """`POST`: upload objects (multipart: `batch` JSON + file parts). `GET`: sequences."""

    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    parser_classes = [parsers.MultiPartParser, JSONParser]

    @extend_schema(responses=ObjectSequenceSerializer(many=True))
    def get(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        sequences = ObjectSequence.objects.filter(run=run)
        kind = request.query_params.get("kind")
        if kind:
            sequences = sequences.filter(kind=kind)
        return Response(ObjectSequenceSerializer(sequences, many=True).data)

    @extend_schema(
        request={"multipart/form-data": {"type": "object"}},
        responses={200: {"type": "object"}},
    )
    def post(self, request, hash: str):
        run = get_object_or_404(Run, hash=hash)
        self.check_object_permissions(request, run)
        check_upload_length(request)
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


class SequenceRecordsView(APIView):
    """Records of one sequence, sliced by step and index ranges (lazy loading)."""

    @extend_schema(responses=ObjectRecordSerializer(many=True))
    def get(self, request, sequence_id: int):
        sequence = get_object_or_404(ObjectSequence, pk=sequence_id)
        records = ObjectRecord.objects.filter(sequence=sequence)
        bounds = {
            "step_min": "step__gte",
            "step_max": "step__lte",
            "index_min": "index__gte",
            "index_max": "index__lte",
            "step": "step",
        }
        for param, lookup in bounds.items():
            value = int_param(request, param, None, -INT64_MAX, INT64_MAX)
            if value is not None:
                records = records.filter(**{lookup: value})
        # A limit past the page size is served as a full page, as before; offsets
        # stay within what the databases' 64-bit OFFSET takes.
        limit = min(int_param(request, "limit", 200, 1, INT64_MAX), MAX_RECORDS_PAGE)
        offset = int_param(request, "offset", 0, 0, 2**62)
        records = list(records.order_by("step", "index")[offset : offset + limit + 1])
        return Response(
            {
                "records": ObjectRecordSerializer(records[:limit], many=True).data,
                "has_more": len(records) > limit,
            }
        )


class RecordFileView(APIView):
    """The file of an image or audio record, for signed-in users only."""

    def get(self, request, record_id: int):
        record = get_object_or_404(ObjectRecord, pk=record_id)
        if not record.file:
            raise Http404("this record has no file")
        content_type = {
            "png": "image/png",
            "jpeg": "image/jpeg",
            "gif": "image/gif",
            "webp": "image/webp",
            "bmp": "image/bmp",
            "wav": "audio/wav",
            "mp3": "audio/mpeg",
            "ogg": "audio/ogg",
            "flac": "audio/flac",
        }.get(record.format, "application/octet-stream")
        response = FileResponse(record.file.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response
