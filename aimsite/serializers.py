"""Serializer fields that take JSON as the schema says, shared by every app's API.

DRF coerces by default: `"12"` passes an IntegerField, `1` and `"yes"` a
BooleanField, `12` a CharField. The OpenAPI schema says `integer`, `boolean`,
`string`, and a client that sends another type has made a mistake worth a 400,
so the API's fields refuse other JSON types instead of guessing.
"""

from rest_framework import serializers

from aimsite.numbers import json_int


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers, lists and booleans instead of coercing them."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The length as sent (what the schema's maxLength counts), not as trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, nothing else (no "yes", 1 or "true")."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: 12 or 12.0 (the same JSON number), not "12" or true."""

    def to_internal_value(self, data):
        number = json_int(data)
        if number is None:
            self.fail("invalid")
        return super().to_internal_value(number)


class RejectUnknownFieldsMixin:
    # A misspelt field is an error, not silently ignored. (A comment, not a
    # docstring: drf-spectacular would show it as every serializer's description.)

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            writable = [name for name, f in self.fields.items() if not f.read_only]
            unknown = sorted(set(self.initial_data) - set(writable))
            if unknown:
                raise serializers.ValidationError(
                    f"unknown fields: {', '.join(unknown)}; allowed: "
                    + ", ".join(writable)
                )
        return super().validate(attrs)
