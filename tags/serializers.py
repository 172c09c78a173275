"""API shapes for tags. Validation of the writable fields lives in tags.forms.TagForm."""

from rest_framework import serializers

from runs.models import Run
from tags.models import DEFAULT_TAG_COLOR, TAG_COLORS, Tag


class TagSerializer(serializers.ModelSerializer):
    """A tag as read: `run_count` comes from the viewset's annotation."""

    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
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


class TagWriteSerializer(serializers.Serializer):
    """Documents the write body for the schema; TagForm does the validating."""

    name = serializers.CharField(max_length=50, required=False)
    comment = serializers.CharField(max_length=200, required=False, allow_blank=True)
    color = serializers.ChoiceField(
        choices=TAG_COLORS, default=DEFAULT_TAG_COLOR, required=False
    )
    is_archived = serializers.BooleanField(required=False)


class TagRunSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    experiment = serializers.CharField(source="experiment.name", read_only=True)

    class Meta:
        model = Run
        fields = ["hash", "name", "experiment", "status", "is_archived", "created_at"]
