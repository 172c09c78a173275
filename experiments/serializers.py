"""API shapes for experiments; the answer-only serializers document the schema."""

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimsite.serializers import (
    RejectUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
)
from experiments.markdown import MAX_NOTES_LENGTH
from experiments.models import Experiment
from experiments.stats import StatusCounts, run_progress
from runs.models import Run


class RunCountsSerializer(serializers.Serializer):
    """Runs by status (not archived ones), archived runs, and all of them."""

    total = serializers.IntegerField()
    active = serializers.IntegerField()
    finished = serializers.IntegerField()
    failed = serializers.IntegerField()
    archived = serializers.IntegerField()


class ExperimentSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
    }
    owner = serializers.CharField(
        source="owner.username", read_only=True, default=None, allow_null=True
    )
    run_counts = serializers.SerializerMethodField()
    last_activity = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "created_at",
            "updated_at",
            "is_archived",
            "run_counts",
            "last_activity",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            # Uniqueness is the database's to enforce: the view answers 409.
            "name": {
                "error_messages": {"blank": "A name is required."},
                "validators": [],
            },
        }

    @extend_schema_field(RunCountsSerializer)
    def get_run_counts(self, experiment: Experiment) -> dict[str, int]:
        # A new experiment (just created) was not counted: it has no runs.
        return getattr(experiment, "run_counts", StatusCounts()).as_dict()


class NotesSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    notes = StrictCharField(
        allow_blank=True, trim_whitespace=False, max_length=MAX_NOTES_LENGTH
    )


class ActivitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "hash",
            "name",
            "url",
            "status",
            "is_archived",
            "created_at",
            "finished_at",
            "progress",
        ]

    def get_url(self, run: Run) -> str:
        return reverse("runs:detail", args=[run.hash])

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": list(Run.Status.values)},
                "last_step": {"type": ["integer", "null"]},
                "elapsed_seconds": {"type": ["integer", "null"]},
            },
            "required": ["status", "last_step", "elapsed_seconds"],
        }
    )
    def get_progress(self, run: Run) -> dict:
        return run_progress(run)


class NotesAnswerSerializer(serializers.Serializer):
    notes = serializers.CharField(help_text="Markdown.")
    html = serializers.CharField(help_text="The notes rendered and sanitised.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)


class MarkdownPreviewSerializer(serializers.Serializer):
    html = serializers.CharField()


class _ShareSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField()


class _QueriesSerializer(serializers.Serializer):
    total = serializers.CharField()
    active = serializers.CharField()
    finished = serializers.CharField()
    failed = serializers.CharField()
    archived = serializers.CharField()


class StatsSerializer(serializers.Serializer):
    counts = RunCountsSerializer()
    shares = _ShareSerializer(many=True)
    queries = _QueriesSerializer(help_text="The explorer query behind each count.")


class PinSerializer(serializers.Serializer):
    """Whether the signed-in user pinned the experiment to their Home page."""

    pinned = serializers.BooleanField()


class _CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()
    level = serializers.IntegerField()
    query = serializers.CharField()


class CalendarSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    time_zone = serializers.CharField()
    total = serializers.IntegerField()
    max_count = serializers.IntegerField()
    days = _CalendarDaySerializer(many=True, help_text="Days with runs only.")
