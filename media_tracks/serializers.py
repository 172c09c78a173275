"""API shapes for tracked objects. The upload batch is validated by
media_tracks.services (with its files); its serializers here document it."""

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from aimsite.api import SummarySerializer
from aimsite.numbers import FLOAT64_MAX
from aimsite.openapi import (
    JSON_NUMBER,
    JSON_VALUE_REF,
    NO_NUL_PATTERN,
    JsonValueField,
    json_number,
)
from aimsite.serializers import RejectUnknownFieldsMixin
from media_tracks import services
from media_tracks.models import (
    RECORD_SUMMARY_FIELDS,
    SEQUENCE_SUMMARY_FIELDS,
    ObjectRecord,
    ObjectSequence,
)
from runs.serializers import ContextField, SequenceNameField


class ObjectSequenceSerializer(SummarySerializer):
    class Meta:
        model = ObjectSequence
        fields = read_only_fields = SEQUENCE_SUMMARY_FIELDS


class ObjectRecordSerializer(SummarySerializer):
    url = serializers.CharField(
        allow_null=True, help_text="the record's file (images, audio), else null"
    )
    data = JsonValueField(
        read_only=True, help_text="Figures: Plotly JSON. Distributions: bins, range."
    )

    class Meta:
        model = ObjectRecord
        fields = read_only_fields = RECORD_SUMMARY_FIELDS


class RecordsPageSerializer(serializers.Serializer):
    records = ObjectRecordSerializer(many=True)
    has_more = serializers.BooleanField(help_text="More records past this page.")


class UploadResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField(help_text="New records (a resent one is not).")


# -- the upload batch, as documented (media_tracks.services validates it) ---------


def _kind(kind: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[kind])


@extend_schema_field({"type": ["string", "null"], "description": "Not read."})
class _IgnoredFormatField(serializers.CharField):
    """`format` of a kind that does not read it (the SDK sends it anyway)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, allow_blank=True, **kwargs)


class _ObjectSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = SequenceNameField()
    context = ContextField(required=False, allow_null=True)
    step = serializers.IntegerField(min_value=0, max_value=services.MAX_STEP, default=0)
    index = serializers.IntegerField(
        min_value=0,
        max_value=services.MAX_INDEX,
        default=0,
        help_text="Position in the step's batch.",
    )
    epoch = serializers.IntegerField(
        min_value=0, max_value=services.MAX_STEP, required=False, allow_null=True
    )
    time = serializers.FloatField(
        min_value=-FLOAT64_MAX, max_value=FLOAT64_MAX, required=False, allow_null=True
    )
    caption = serializers.CharField(
        max_length=services.MAX_CAPTION_LENGTH,
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
    )


class ImageObjectSerializer(_ObjectSerializer):
    kind = _kind("image")
    file = serializers.CharField(help_text="The name of this upload's file part.")
    format = _IgnoredFormatField()


@extend_schema_field(
    {
        "type": ["string", "null"],
        "pattern": "^([wW][aA][vV]|[mM][pP]3|[oO][gG][gG]|[fF][lL][aA][cC])?$",
        "description": "wav, mp3, ogg or flac; left out: the file name's extension.",
    }
)
class _AudioFormatField(serializers.CharField):
    pass


class AudioObjectSerializer(_ObjectSerializer):
    kind = _kind("audio")
    file = serializers.CharField(help_text="The name of this upload's file part.")
    format = _AudioFormatField(required=False, allow_null=True, allow_blank=True)


class TextObjectSerializer(_ObjectSerializer):
    kind = _kind("text")
    text = serializers.CharField(
        max_length=services.MAX_TEXT_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="NUL characters are dropped.",
    )
    format = _IgnoredFormatField()


@extend_schema_field(
    {
        "type": "object",
        "description": "A Plotly figure: {data: [traces], layout: {...}}.",
        "properties": {"data": {"type": "array", "items": JSON_VALUE_REF}},
        "propertyNames": {"pattern": NO_NUL_PATTERN},
        "additionalProperties": JSON_VALUE_REF,
    }
)
class _FigureField(serializers.JSONField):
    pass


class FigureObjectSerializer(_ObjectSerializer):
    kind = _kind("figure")
    data = _FigureField()
    format = _IgnoredFormatField()


@extend_schema_field(json_number(minimum=0))
class _CountField(serializers.FloatField):
    pass


@extend_schema_field(JSON_NUMBER)
class _NumberField(serializers.FloatField):
    pass


class _DistributionDataSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    bins = serializers.ListField(
        child=_CountField(),
        min_length=1,
        max_length=services.MAX_BINS,
        help_text="Counts per bin.",
    )
    range = serializers.ListField(
        child=_NumberField(),
        min_length=2,
        max_length=2,
        help_text="[low, high] with low <= high.",
    )


class DistributionObjectSerializer(_ObjectSerializer):
    kind = _kind("distribution")
    data = _DistributionDataSerializer()
    format = _IgnoredFormatField()


_KINDS = {
    "image": ImageObjectSerializer,
    "audio": AudioObjectSerializer,
    "text": TextObjectSerializer,
    "figure": FigureObjectSerializer,
    "distribution": DistributionObjectSerializer,
}


def _objects(component_name: str, kinds: list[str]) -> serializers.ListField:
    return serializers.ListField(
        child=PolymorphicProxySerializer(
            component_name=component_name,
            serializers={kind: _KINDS[kind] for kind in kinds},
            resource_type_field_name="kind",
        ),
        min_length=1,
        max_length=settings.AIMSITE_MAX_UPLOAD_OBJECTS,
    )


def _seq() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=services.MAX_STEP, required=False, allow_null=True
    )


class ObjectBatchSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    objects = _objects("TrackedObject", list(_KINDS))
    seq = _seq()


class ObjectUploadSerializer(serializers.Serializer):
    """multipart/form-data: a `batch` part holding JSON, and the files it names."""

    schema_extra = {
        "additionalProperties": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
        }
    }
    batch = ObjectBatchSerializer()


class JsonObjectBatchSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    objects = _objects("TrackedObjectWithoutFile", ["text", "figure", "distribution"])
    seq = _seq()


class JsonObjectUploadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A JSON body: no file parts, so no images or audio."""

    batch = JsonObjectBatchSerializer()


class SequenceStepsSerializer(serializers.Serializer):
    steps = serializers.ListField(
        child=serializers.IntegerField(), help_text="Distinct steps, ascending."
    )
