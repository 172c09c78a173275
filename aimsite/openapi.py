"""What the OpenAPI schema (`/api/schema/`) says beyond what drf-spectacular infers.

The schema is held to the live server by a bounded schemathesis run
(tests/aimsite/test_schema_conformance.py), so it has to be true:

- every answer is documented: `AutoSchema` adds the error answers all endpoints
  share (401 without a signed-in user; 404 when the path names something; 400
  when there is input to refuse; 403, 413 and 415 on writes), all in the one
  error shape, `ErrorSerializer`; a view documents what is its own (409, a 413
  for a batch limit);
- text says it refuses NUL characters (DRF's CharField does, and so do the
  query parameters, see aimsite.middleware);
- a request body lists its fields and refuses others (`additionalProperties:
  false`), as the API's serializers do (aimsite.serializers).
"""

from drf_spectacular.drainage import has_override
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    force_instance,
    is_list_serializer,
)
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema_field,
)
from rest_framework import serializers

from aimsite.numbers import FLOAT64_MAX, INT64_MAX, INT64_MIN
from aimsite.serializers import RejectUnknownFieldsMixin

# JSON Schema has no "no NUL" keyword; a pattern says it (ECMA and Python alike).
NO_NUL_PATTERN = "^[^\\u0000]*$"
# Names are stripped of white space and must keep something.
NAME_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def json_number(minimum: int = INT64_MIN) -> dict:
    """A number stored JSON holds (aimsite.numbers.is_storable_number): an integer
    (3.0 too) in 64 bits, or another finite number; none below `minimum`."""
    return {
        "anyOf": [
            {"type": "integer", "minimum": minimum, "maximum": INT64_MAX},
            {
                "type": "number",
                "not": {"type": "integer"},
                "minimum": max(minimum, -FLOAT64_MAX),
                "maximum": FLOAT64_MAX,
            },
        ]
    }


JSON_NUMBER = json_number()
# Any JSON, with text free of NUL characters (params, meta, figures): the
# databases disagree about NUL inside JSON, so the API refuses it everywhere.
JSON_VALUE_REF = {"$ref": "#/components/schemas/JsonValue"}
JSON_VALUE_COMPONENT = {
    "description": "Any JSON value; strings and keys hold no NUL character.",
    "anyOf": [
        {"type": "null"},
        {"type": "boolean"},
        JSON_NUMBER,
        {"type": "string", "pattern": NO_NUL_PATTERN},
        {"type": "array", "items": JSON_VALUE_REF},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL_PATTERN},
            "additionalProperties": JSON_VALUE_REF,
        },
    ],
}
JSON_OBJECT = {
    "type": "object",
    "propertyNames": {"pattern": NO_NUL_PATTERN},
    "additionalProperties": JSON_VALUE_REF,
}


@extend_schema_field(JSON_VALUE_REF)
class JsonValueField(serializers.JSONField):
    """An answer's field holding any JSON value (null too), for the schema."""


class ErrorSerializer(serializers.Serializer):
    """The one error shape: a human `error` message, and where when known."""

    error = serializers.CharField(help_text="What went wrong, for a person to read.")
    field = serializers.CharField(
        required=False, help_text="The field or parameter at fault."
    )
    detail = serializers.JSONField(
        required=False, help_text="DRF's structured detail, when it has one."
    )
    position = serializers.IntegerField(
        required=False, help_text="Where in an AimQL query the error is (0-based)."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Every message by field, when several fields are at fault.",
    )


_ERROR_DESCRIPTIONS = {
    400: "The input is invalid; `error` says which part and why.",
    401: "No signed-in user: send `Authorization: Bearer <token>` or a session.",
    403: "Signed in, but only the owner or staff may change this (or CSRF failed).",
    404: "Nothing with that id or hash, no such page or cursor, or no such path.",
    409: "Conflicts with the current state; nothing was changed.",
    413: "The request body, or a batch in it, is larger than the server takes.",
    415: "The body is not in a media type this endpoint takes.",
    503: "Busy: retry after the `Retry-After` header's seconds.",
}


def openapi_error(code: int, description: str = "") -> OpenApiResponse:
    """An error answer for `@extend_schema(responses=...)`, in the one error shape."""
    return OpenApiResponse(
        ErrorSerializer, description=description or _ERROR_DESCRIPTIONS[code]
    )


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, plus the answers and rules every endpoint shares."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        registry.register_on_missing(
            ResolvedComponent(
                name="JsonValue",
                type=ResolvedComponent.SCHEMA,
                object="JsonValue",
                schema=JSON_VALUE_COMPONENT,
            )
        )
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            if parameter["in"] == "query":
                _refuse_nul(parameter["schema"])
        codes = [401]
        if any(parameter["in"] == "path" for parameter in parameters) or (
            # a page past the last one, or a cursor that is not one of ours
            self.method == "GET" and self._is_list_view() and self._get_paginator()
        ):
            codes.append(404)
        has_body = "requestBody" in operation
        if has_body or any(parameter["in"] == "query" for parameter in parameters):
            codes.append(400)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append(403)
        if has_body:
            codes += [413, 415]
        responses = operation["responses"]
        for code in codes:
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    openapi_error(code), str(code)
                )
        return operation

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            if isinstance(serializer, RejectUnknownFieldsMixin):
                schema["additionalProperties"] = False
            for name, field in serializer.fields.items():
                if name in schema["properties"] and not has_override(field, "field"):
                    _text_rules(field, schema["properties"][name])
        # What fields cannot say alone ("names or ids"), as JSON Schema.
        schema.update(getattr(serializer, "schema_extra", {}))
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        serializer = force_instance(serializer)
        # No body is read as `{}` (DRF, and aimsite.api.read_json_body alike): the
        # body is required when `{}` is refused, which "names or ids" (anyOf) and
        # "a run or a list of runs" (a proxy's oneOf) also say.
        if self.method != "PATCH" and (
            "anyOf" in getattr(serializer, "schema_extra", {})
            or isinstance(serializer, PolymorphicProxySerializer)
        ):
            required = True
        return schema, required

    def _insert_field_validators(self, field, schema):
        # A field whose schema is given whole (@extend_schema_field) says all.
        if not has_override(field, "field"):
            super()._insert_field_validators(field, schema)

    def _unwrap_list_serializer(self, serializer, direction):
        schema = super()._unwrap_list_serializer(serializer, direction)
        if schema and getattr(serializer, "judges_items_alone", False):
            # Any item is taken, and a bad one answered in the results.
            schema["items"] = {"anyOf": [schema["items"], {}]}
        if schema and is_list_serializer(serializer):
            # A bounded list of objects (runs created in bulk).
            if serializer.min_length is not None:
                schema["minItems"] = serializer.min_length
            if serializer.max_length is not None:
                schema["maxItems"] = serializer.max_length
        return schema


def _text_rules(field: serializers.Field, schema: dict) -> None:
    """What DRF's CharField refuses, in the schema: NUL characters always, and
    text that is only white space when it trims and may not be blank."""
    if isinstance(field, serializers.ListField):
        if "items" in schema and not has_override(field.child, "field"):
            _text_rules(field.child, schema["items"])
        return
    if not isinstance(field, serializers.CharField):
        return
    target = schema["oneOf"][0] if "oneOf" in schema else schema
    if target.get("type") not in ("string", ["string", "null"]):
        return
    if "pattern" not in target:
        named = field.trim_whitespace and not field.allow_blank
        target["pattern"] = NAME_PATTERN if named else NO_NUL_PATTERN


def _refuse_nul(schema: dict) -> None:
    """Text query parameters refuse NUL (aimsite.middleware); say so."""
    kind = schema.get("type")
    if kind == "array":
        _refuse_nul(schema.get("items", {}))
    elif kind in ("string", ["string", "null"]) and not {"pattern", "enum"} & set(
        schema
    ):
        schema["pattern"] = NO_NUL_PATTERN
