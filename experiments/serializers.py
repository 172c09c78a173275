from django.db import models
from django.urls import reverse
from rest_framework import serializers

from experiments.markdown import MAX_NOTES_LENGTH
from experiments.models import Experiment
from experiments.stats import run_progress
from runs.models import Run


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers, lists and booleans instead of coercing them."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RejectUnknownFieldsMixin:
    """A misspelt field is an error, not silently ignored."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    f"unknown field(s): {', '.join(unknown)}; allowed: "
                    + ", ".join(
                        name for name, f in self.fields.items() if not f.read_only
                    )
                )
        return super().validate(attrs)


class ExperimentSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
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
            "name": {"error_messages": {"blank": "A name is required."}},
        }

    def get_run_counts(self, experiment: Experiment) -> dict[str, int]:
        return {
            "total": getattr(experiment, "run_total", 0),
            "active": getattr(experiment, "run_active", 0),
            "finished": getattr(experiment, "run_finished", 0),
            "failed": getattr(experiment, "run_failed", 0),
            "archived": getattr(experiment, "run_archived", 0),
        }


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

    def get_progress(self, run: Run) -> dict:
        return run_progress(run)
