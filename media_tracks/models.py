from typing import TypedDict

from django.db import models

from runs.models import Run


class ObjectSequence(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image"
        AUDIO = "audio"
        TEXT = "text"
        FIGURE = "figure"
        DISTRIBUTION = "distribution"

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="object_sequences"
    )
    name = models.CharField(max_length=255)
    context = models.JSONField(default=dict, blank=True)
    context_key = models.CharField(max_length=1024, default="{}")
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    count = models.BigIntegerField(default=0)
    first_step = models.BigIntegerField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)
    max_index = models.IntegerField(default=0)

    class Meta:
        ordering = ["kind", "name", "context_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind", "name", "context_key"],
                name="unique_object_sequence",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.context_key}"

    def as_summary(self) -> "SequenceSummary":
        """The sequence without its records: the API and the run page's media
        tabs both send this shape."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "context": self.context,
            "count": self.count,
            "first_step": self.first_step,
            "last_step": self.last_step,
            "max_index": self.max_index,
        }


class SequenceSummary(TypedDict):
    id: int
    kind: str
    name: str
    context: dict
    count: int
    first_step: int | None
    last_step: int | None
    max_index: int


SEQUENCE_SUMMARY_FIELDS = list(SequenceSummary.__annotations__)

# A record's fields that a client sends in an upload and reads back as they were
# sent; the upload adds where the record goes (kind, name, context) and its file.
RECORD_FIELDS = ["step", "index", "epoch", "time", "caption", "format", "text", "data"]


def _object_upload_path(record: "ObjectRecord", filename: str) -> str:
    sequence = record.sequence
    return f"runs/{sequence.run.hash}/{sequence.kind}/{filename}"


class ObjectRecord(models.Model):
    sequence = models.ForeignKey(
        ObjectSequence, on_delete=models.CASCADE, related_name="records"
    )
    step = models.BigIntegerField()
    index = models.IntegerField(default=0, help_text="position in the step's batch")
    epoch = models.BigIntegerField(null=True, blank=True)
    time = models.FloatField(null=True, blank=True)
    # Images and audio: a file in storage. Texts: `text`. Figures: Plotly JSON in
    # `data`. Distributions: {"bins": [...], "range": [low, high]} in `data`.
    file = models.FileField(upload_to=_object_upload_path, max_length=500, blank=True)
    format = models.CharField(max_length=20, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    caption = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["sequence", "step", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "step", "index"], name="unique_object_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sequence} step {self.step} #{self.index}"

    def as_summary(self) -> "RecordSummary":
        """The record as the API sends it (its file as a URL)."""
        return record_summary(
            {column: getattr(self, column) for column in RECORD_COLUMNS}
        )


class RecordSummary(TypedDict):
    id: int
    step: int
    index: int
    epoch: int | None
    time: float | None
    caption: str
    format: str
    text: str
    data: dict | None
    width: int | None
    height: int | None
    size: int | None
    url: str | None


RECORD_SUMMARY_FIELDS = list(RecordSummary.__annotations__)
# What record_summary() reads: the record's columns, with `file` for `url`.
RECORD_COLUMNS = [*RECORD_SUMMARY_FIELDS[:-1], "file"]


def record_summary(row: dict) -> RecordSummary:
    """One record's API shape from its RECORD_COLUMNS (a model's attributes or a
    `values()` row: the explorers read thousands of records without building a
    model instance for each)."""
    summary = {column: row[column] for column in RECORD_SUMMARY_FIELDS[:-1]}
    summary["url"] = f"/api/v1/objects/{row['id']}/file" if row["file"] else None
    return summary
