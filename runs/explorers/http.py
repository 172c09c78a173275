"""What the explorers' API views share: their query-string parameters, the 400
for a bad one, the run entry of their answers (for the schema), and JSON answers
encoded with orjson (thousands of rows or records encode several times faster
than with DRF's renderer, and NaN and ±inf become null). The error answers are
documented for every endpoint by aimsite.openapi."""

from collections.abc import Callable

import orjson
from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.response import Response

from aimsite.api import error_response
from runs.api import query_error_response
from runs.query import QueryError
from runs.serializers import TagBriefSerializer


class ExplorerRunSerializer(serializers.Serializer):
    """A run as the explorers' `runs` maps send it (Run.as_explorer_entry)."""

    hash = serializers.CharField()
    name = serializers.CharField()
    experiment = serializers.CharField()
    experiment_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField()
    is_archived = serializers.BooleanField()
    params = serializers.JSONField()
    tags = TagBriefSerializer(many=True)
    can_edit = serializers.BooleanField()


MAX_PAGE = 1000  # sequences per page of metrics/series and objects/sequences


class PageParams(serializers.Serializer):
    """Keyset paging of a listing: `after` the last id of the previous page."""

    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**62,
        help_text="Only items with a greater id: the `next` of the previous page.",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE, default=500, help_text="Items per page."
    )


class NameContextSerializer(serializers.Serializer):
    """A name+context pair of a picker (`metrics/names`, `objects/names`)."""

    name = serializers.CharField()
    context = serializers.JSONField()
    runs = serializers.IntegerField(help_text="Runs that track this name+context.")


def query_params(request) -> dict:
    """The query string for a parameters serializer, as a plain dict: DRF reads an
    empty value in a QueryDict as "left out" (so the default), where the schema
    says `x=` is not one of the axes and `points=` no integer."""
    return request.query_params.dict()


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


def explorer_answer(
    request, params_class: type[serializers.Serializer], read: Callable[[dict], dict]
) -> HttpResponse | Response:
    """An explorer read: the query string parsed by `params_class` (a 400 naming a
    bad parameter), then `read(validated_data)` as JSON (a 400 with the position
    of a query error)."""
    params = params_class(data=query_params(request))
    if not params.is_valid():
        return invalid_params(params)
    try:
        return json_answer(read(params.validated_data))
    except QueryError as error:
        return query_error_response(error)
