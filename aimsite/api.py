"""Shared API pieces: permissions, the JSON error format, body and parameter parsing."""

import json
import re

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.db import DataError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, renderers, serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aimsite.errors import data_error_message
from aimsite.parsers import refuse_unstorable_json

# The largest value SQLite's and PostgreSQL's 64-bit integers hold: a larger one in
# a query is an OverflowError (SQLite) or a DataError (PostgreSQL), not "no rows".
INT64_MAX = 2**63 - 1


class IsOwnerOrStaffOrReadOnly(permissions.BasePermission):
    message = "Only the owner or a staff member may change this."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return obj.can_edit(request.user)


class SummarySerializer(serializers.ModelSerializer):
    """Read-only: `Meta.fields` describe the schema, the model's as_summary() gives
    the data, so the API sends the same dict as the pages and live events."""

    def to_representation(self, instance) -> dict:
        return instance.as_summary()


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class UploadTooLarge(PayloadTooLarge):
    """An upload over the limits it shares with the SDK; the answer names them
    (`limits`), so the SDK packs its next uploads to fit."""


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with what is already there."
    default_code = "conflict"


class LengthRequired(exceptions.APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = "Send the upload with a Content-Length header."
    default_code = "length_required"


def upload_limits() -> dict[str, int]:
    """The server's limits for one upload (settings; defaults in aimsite/limits.py)."""
    return {
        "files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "bytes": settings.AIMSITE_MAX_UPLOAD_BYTES,
        "objects": settings.AIMSITE_MAX_UPLOAD_OBJECTS,
    }


def check_upload_length(request) -> None:
    """Refuse an upload over the byte limit before its body is parsed (Django's
    multipart parser counts files but not their bytes)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        raise LengthRequired() from None
    limit = settings.AIMSITE_MAX_UPLOAD_BYTES
    if length > limit:
        raise UploadTooLarge(
            f"at most {limit} bytes per upload, and this one has {length}: "
            "send fewer objects per upload"
        )


def _first_message(detail) -> str:
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            if key in ("detail", "non_field_errors"):
                return message
            return f"{key}: {message}"
        return ""
    return str(detail)


def exception_handler(exc, context):
    """Every API error is JSON with a human `error` message (plus DRF's detail)."""
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, TooManyFilesSent):
        # Django's answer would be a bare 400 page, which no client can act on.
        exc = UploadTooLarge(
            f"at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files per upload: "
            "send fewer files per upload"
        )
    if isinstance(exc, DataError):
        # The last line of defence: input the validators let through but the
        # database refuses is the client's to fix, so it is a 400, not a 500.
        exc = exceptions.ValidationError(data_error_message(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(response.data)
    if isinstance(exc, UploadTooLarge):
        response.data["limits"] = upload_limits()
    return response


def error_body(detail) -> dict:
    """The JSON error format: a human `error` message, the `field` at fault when
    there is one, plus DRF's detail."""
    body = {"error": _first_message(detail), "detail": detail}
    if isinstance(detail, dict) and detail:
        field = next(iter(detail))
        if field not in ("detail", "non_field_errors"):
            body["field"] = field
    return body


def error_response(message: str, http_status: int = 400, field: str = "") -> Response:
    data = {"error": message}
    if field:
        data["field"] = field
    return Response(data, status=http_status)


# Digits, as the schema's integers are written: no sign but "-", no spaces or "_".
_INTEGER_RE = re.compile(r"-?[0-9]{1,4000}")


def parse_int(raw: str) -> int | None:
    """The integer a query parameter writes, or None when it writes something else."""
    return int(raw) if _INTEGER_RE.fullmatch(raw) else None


def int_param(
    request, name: str, default: int | None, low: int = 0, high: int = 2**62
) -> int | None:
    """The integer query parameter `name`, within [low, high]; `default` when it is
    absent, and a 400 naming it when it is anything else (even empty)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = parse_int(raw)
    if value is None:
        raise ValidationError({name: f"must be an integer, got {raw!r:.30}"})
    if not low <= value <= high:
        raise ValidationError({name: f"must be between {low} and {high}"})
    return value


def read_json_body(request) -> object:
    """Decode a JSON body fast (orjson), accepting NaN/Infinity tokens too; no
    body at all reads as `{}`, as DRF reads it.

    Raises UnsupportedMediaType, PayloadTooLarge or ParseError with a message
    naming the problem.
    """
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise PayloadTooLarge() from error
    if not body:
        return {}  # refused or not by what reads it, as with DRF's parsers
    media_type = request.content_type.split(";")[0].strip().lower()
    if media_type != "application/json":
        # As DRF's JSONParser answers for the endpoints that use it.
        raise exceptions.UnsupportedMediaType(media_type or "(none)")
    try:
        # orjson refuses lone surrogates itself; such a body takes the path below.
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        # The wire format allows the NaN / Infinity tokens Python's json writes.
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise exceptions.ParseError(f"Malformed JSON: {error}") from error
    refuse_unstorable_json(data)
    return data


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, path: str = "") -> Response:
    """Any /api/ path no endpoint serves: a JSON 404 (after the usual 401)."""
    raise exceptions.NotFound("No API endpoint at this path.")


NPZ_MEDIA_TYPE = "application/x-npz"


def json_or_npz_responses(serializer, npz_description: str) -> dict:
    """The schema of a 200 answered as JSON by default, or as `.npy` arrays in a
    zip with `Accept: application/x-npz` (NpzRenderer)."""
    return {
        (200, "application/json"): serializer,
        (200, NPZ_MEDIA_TYPE): OpenApiResponse(
            OpenApiTypes.BINARY,
            description=f"With `Accept: {NPZ_MEDIA_TYPE}`: {npz_description}",
        ),
    }


class ExactJSONRenderer(renderers.JSONRenderer):
    """DRF's JSON written by orjson (a page of 500 runs: about 1 ms instead of
    30) when the view vouched for the data by setting `is_orjson_exact` on its
    Response: nothing in it that orjson would write as another value than json
    does (a non-finite float becomes null in orjson). Floats may be spelled
    otherwise (`0.00001` for `1e-05`), the same number when read back. Anything
    orjson refuses (an integer past 64 bits, a lone surrogate) and any answer
    not vouched for is DRF's own writing."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if getattr(response, "is_orjson_exact", False):
            try:
                text = orjson.dumps(data)
            except orjson.JSONEncodeError:
                pass
            else:  # escaped as DRF escapes them (JavaScript source may embed JSON)
                return text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                    b"\xe2\x80\xa9", b"\\u2029"
                )
        return super().render(data, accepted_media_type, renderer_context)


class NpzRenderer(renderers.BaseRenderer):
    """Binary columns chosen by `Accept: application/x-npz`: the view hands over
    the archive's bytes; anything else (an error body) is written as JSON, with
    a JSON content type, so a refusal stays readable."""

    media_type = NPZ_MEDIA_TYPE
    format = "npz"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return orjson.dumps(data)
