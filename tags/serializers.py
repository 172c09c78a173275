"""API shapes for tags. Validation of the writable fields lives in tags.forms.TagForm."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimsite.openapi import NAME_PATTERN
from aimsite.serializers import (
    RejectUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
)
from runs.models import Run
from tags.forms import COMMENT_MAX, NAME_MAX
from tags.models import TAG_COLORS, Tag


class TagSerializer(serializers.ModelSerializer):
    """A tag as read: `run_count` comes from the viewset's annotation."""

    owner = serializers.CharField(
        source="owner.username", read_only=True, default=None, allow_null=True
    )
    run_count = serializers.IntegerField(read_only=True, default=0)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = [
            "id",
            "name",
            "comment",
            "color",
            "is_archived",
            "owner",
            "created_at",
            "run_count",
            "can_edit",
        ]
        read_only_fields = fields

    def get_can_edit(self, tag: Tag) -> bool:
        request = self.context.get("request")
        return bool(request and tag.can_edit(request.user))


@extend_schema_field({"type": "string", "pattern": NAME_PATTERN, "maxLength": 50})
class TagNameField(StrictCharField):
    """A tag name as the tags page takes it: 1 to 50 characters once stripped."""

    def __init__(self, **kwargs):
        super().__init__(
            max_length=NAME_MAX,
            error_messages={
                "max_length": f"The name may be at most {NAME_MAX} characters."
            },
            **kwargs,
        )


class TagWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A tag's fields, PUT and PATCH alike (fields left out keep their values),
    checked again by TagForm as on the tags page (uniqueness, stripping)."""

    name = TagNameField(required=False)
    comment = StrictCharField(
        max_length=COMMENT_MAX,
        required=False,
        allow_blank=True,
        error_messages={
            "max_length": f"The comment may be at most {COMMENT_MAX} characters."
        },
    )
    color = serializers.ChoiceField(
        choices=TAG_COLORS,
        required=False,
        error_messages={
            "invalid_choice": "Pick a colour from the palette ({input} is not one)."
        },
    )
    is_archived = StrictBooleanField(required=False)


class TagCreateSerializer(TagWriteSerializer):
    name = TagNameField()


class TagRunSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    experiment = serializers.CharField(source="experiment.name", read_only=True)

    class Meta:
        model = Run
        fields = ["hash", "name", "experiment", "status", "is_archived", "created_at"]


class TagRunsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Runs carrying the tag.")
    runs = TagRunSerializer(many=True, help_text="The newest of them.")
