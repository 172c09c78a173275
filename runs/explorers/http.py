"""What the explorers' API views share: the 400 for a bad query-string
parameter, the error statuses for the schema, and JSON answers encoded with
orjson (thousands of rows or records encode several times faster than with
DRF's renderer, and NaN and ±inf become null)."""

import orjson
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.response import Response

from aimsite.api import error_response

ERRORS = {
    400: OpenApiResponse(
        description="Bad parameter: {error, field} or, for the query, "
        "{error, position, field: q}"
    ),
    401: OpenApiResponse(description="Not signed in"),
    403: OpenApiResponse(description="Not signed in (session without a token)"),
}

# A run as the explorers' `runs` maps send it (runs.models.Run.as_explorer_entry).
EXPLORER_RUN = {
    "type": "object",
    "properties": {
        "hash": {"type": "string"},
        "name": {"type": "string"},
        "experiment": {"type": "string"},
        "experiment_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string"},
        "is_archived": {"type": "boolean"},
        "params": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "object"}},
        "can_edit": {"type": "boolean"},
    },
}


def invalid_params(params: serializers.Serializer) -> Response:
    """A 400 naming the first bad query-string parameter: {error, field}."""
    field, messages = next(iter(params.errors.items()))
    message = messages[0] if isinstance(messages, list) else messages
    if field == "non_field_errors":
        return error_response(str(message))
    return error_response(f"{field}: {message}", 400, field)


def json_answer(body: dict) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
        content_type="application/json",
    )
