from rest_framework import serializers

from aimsite.api import INT64_MAX, SummarySerializer
from runs.models import SERIES_SUMMARY_FIELDS, MetricSeries, Run
from tags.models import Tag, TagChip, visible_chips


class TagBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class RunSerializer(serializers.ModelSerializer):
    experiment = serializers.CharField(source="experiment.name", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    tags = serializers.SerializerMethodField()
    duration = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Run
        fields = [
            "hash",
            "name",
            "description",
            "experiment",
            "owner",
            "status",
            "is_active",
            "is_archived",
            "created_at",
            "updated_at",
            "finished_at",
            "last_heartbeat",
            "duration",
            "tags",
            "params",
            "pinned_metrics",
        ]
        read_only_fields = [
            "hash",
            "status",
            "created_at",
            "updated_at",
            "finished_at",
            "last_heartbeat",
            "params",
        ]

    def get_duration(self, run: Run) -> float:
        return run.duration.total_seconds()

    def get_tags(self, run: Run) -> list[TagChip]:
        # Uses the prefetched tags when the view prefetched them.
        return visible_chips(run.tags.all())


class RunDetailSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "meta"]


class RunUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    description = serializers.CharField(
        max_length=5000, allow_blank=True, required=False
    )
    pinned_metrics = serializers.ListField(
        child=serializers.CharField(max_length=1300), max_length=200, required=False
    )
    is_archived = serializers.BooleanField(required=False)


class RunCreateSerializer(serializers.Serializer):
    hash = serializers.CharField(max_length=24, min_length=24)
    experiment = serializers.CharField(max_length=200, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True
    )
    params = serializers.JSONField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=100, required=False
    )

    def validate_hash(self, value: str) -> str:
        from runs.models import HASH_RE

        if not HASH_RE.match(value):
            raise serializers.ValidationError("must be 24 lowercase hex characters")
        return value

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {"detail": f"unknown fields: {', '.join(sorted(unknown))}"}
            )
        return attrs


class MetricSeriesSerializer(SummarySerializer):
    class Meta:
        model = MetricSeries
        fields = read_only_fields = SERIES_SUMMARY_FIELDS


class RunTagsSerializer(serializers.Serializer):
    names = serializers.ListField(
        child=serializers.CharField(max_length=50, min_length=1),
        min_length=1,
        max_length=100,
        required=False,
    )
    ids = serializers.ListField(
        # Bounded like the database's ids: a larger one cannot match a row, and
        # SQLite raises OverflowError on it instead of finding nothing.
        child=serializers.IntegerField(min_value=1, max_value=INT64_MAX),
        min_length=1,
        max_length=100,
        required=False,
    )
    create_missing = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("names") and not attrs.get("ids"):
            raise serializers.ValidationError("give tag names or ids")
        return attrs
