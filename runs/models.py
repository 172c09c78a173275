import re
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from experiments.models import Experiment
from runs.metrics import finite_or_none
from tags.models import Tag, TagChip, visible_chips

HASH_RE = re.compile(r"^[0-9a-f]{24}\Z")  # \Z: "$" would take a trailing newline
SYSTEM_METRIC_PREFIX = "__system__"


def validate_run_hash(value: str) -> None:
    if not HASH_RE.match(value or ""):
        raise ValidationError("run hash must be 24 lowercase hex characters")


class Run(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        FINISHED = "finished"
        FAILED = "failed"

    hash = models.CharField(max_length=24, unique=True, validators=[validate_run_hash])
    name = models.CharField(max_length=200, blank=True, db_index=True)
    description = models.TextField(blank=True, max_length=5000)
    experiment = models.ForeignKey(
        Experiment, on_delete=models.PROTECT, related_name="runs"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_heartbeat = models.DateTimeField(default=timezone.now)
    # Set by the SDK's report_progress(expect_next_in=N): a run still active past
    # it (plus a grace period) is marked failed, as Aim's progress reports do.
    progress_deadline = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    is_archived = models.BooleanField(default=False, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="runs")
    params = models.JSONField(default=dict, blank=True)
    meta = models.JSONField(
        default=dict,
        blank=True,
        help_text="System params: cli args, env vars, packages, git info, hostname…",
    )
    pinned_metrics = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["experiment", "-created_at"]),
            models.Index(fields=["is_archived", "-created_at"]),
            models.Index(fields=["status", "last_heartbeat"]),
            # Counts by status and the latest update per experiment
            # (experiments.stats.counts_by_experiment), from the index alone.
            models.Index(fields=["experiment", "is_archived", "status", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name or self.hash

    @property
    def display_name(self) -> str:
        return self.name or f"Run {self.hash[:8]}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def duration(self) -> timedelta:
        return Run.duration_of(
            self.status, self.created_at, self.updated_at, self.finished_at
        )

    @staticmethod
    def duration_of(status, created_at, updated_at, finished_at) -> timedelta:
        """duration from the columns alone, for reads of plain rows."""
        end = finished_at or (
            timezone.now() if status == Run.Status.ACTIVE else updated_at
        )
        return max(end - created_at, timedelta(0))

    def can_edit(self, user) -> bool:
        return Run.owner_may_edit(self.owner_id, user)

    @staticmethod
    def owner_may_edit(owner_id: int | None, user) -> bool:
        """can_edit() from the owner's id alone, for reads of plain rows."""
        return bool(user.is_staff or (owner_id and owner_id == user.id))

    def as_brief(self) -> "BriefRun":
        """The run inside a series or sequence of the explorers' and the SDK's
        answers. Select the experiment first."""
        return {
            "hash": self.hash,
            "name": self.name,
            "experiment": self.experiment.name,
        }

    def as_explorer_entry(self, user) -> "ExplorerRun":
        """The run as the explorers' `runs` map sends it (the table under a chart
        or grid, and the point popover's tags). Select the experiment and prefetch
        the tags first."""
        return {
            "hash": self.hash,
            "name": self.name,
            "experiment": self.experiment.name,
            "experiment_id": self.experiment_id,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "is_archived": self.is_archived,
            "params": self.params,
            "tags": visible_chips(self.tags.all()),
            "can_edit": self.can_edit(user),
        }


class BriefRun(TypedDict):
    hash: str
    name: str
    experiment: str


class ExplorerRun(TypedDict):
    hash: str
    name: str
    experiment: str
    experiment_id: int
    created_at: str
    status: str
    is_archived: bool
    params: dict
    tags: list[TagChip]
    can_edit: bool


class AppliedBatch(models.Model):
    """The client sequence numbers already applied to a run: replays change nothing."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="applied_batches"
    )
    seq = models.BigIntegerField()
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "applied batch"
        verbose_name_plural = "applied batches"
        constraints = [
            models.UniqueConstraint(fields=["run", "seq"], name="unique_run_seq")
        ]

    def __str__(self) -> str:
        return f"batch {self.seq}"


class MetricSeriesQuerySet(models.QuerySet):
    def user_metrics(self) -> "MetricSeriesQuerySet":
        return self.exclude(name__startswith=SYSTEM_METRIC_PREFIX)

    def system_metrics(self) -> "MetricSeriesQuerySet":
        return self.filter(name__startswith=SYSTEM_METRIC_PREFIX)


class MetricSeries(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=255)
    context = models.JSONField(default=dict, blank=True)
    context_key = models.CharField(max_length=1024, default="{}")
    count = models.BigIntegerField(default=0)
    first_step = models.BigIntegerField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)
    # Non-finite values are stored where the database can (PostgreSQL keeps NaN and
    # ±inf, SQLite keeps ±inf and turns NaN into NULL); min/max ignore NaN.
    first = models.FloatField(null=True, blank=True)
    last = models.FloatField(null=True, blank=True)
    min = models.FloatField(null=True, blank=True)
    max = models.FloatField(null=True, blank=True)
    last_time = models.FloatField(null=True, blank=True)
    # The earliest wall time of any point: where a run's relative time starts.
    first_time = models.FloatField(null=True, blank=True)
    chunk_count = models.IntegerField(default=0)
    # Each bucket's extremes of the whole series (runs.overview), kept at ingest so
    # the explorers read one small row per series instead of every chunk.
    overview = models.BinaryField(null=True, blank=True, editable=False)

    objects = MetricSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name", "context_key"]
        verbose_name_plural = "metric series"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "name", "context_key"], name="unique_series_per_run"
            )
        ]
        indexes = [
            models.Index(fields=["name", "context_key"]),
            # run.metrics[…].last conditions (runs.query.compiler.metric_test):
            # the passing runs are read from the index alone, in `last` order.
            models.Index(
                fields=["name", "context_key", "last", "run"],
                name="runs_series_last_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.context_key}"

    @property
    def is_system(self) -> bool:
        return self.name.startswith(SYSTEM_METRIC_PREFIX)

    def as_summary(self) -> "SeriesSummary":
        """The series without its points: the API, the run page and live
        `run.updated` events all send this shape. Non-finite numbers become null
        (JSON has no NaN)."""
        return {
            "id": self.id,
            "name": self.name,
            "context": self.context,
            "count": self.count,
            "first_step": self.first_step,
            "last_step": self.last_step,
            "first": finite_or_none(self.first),
            "last": finite_or_none(self.last),
            "min": finite_or_none(self.min),
            "max": finite_or_none(self.max),
            "last_time": self.last_time,
        }


class SeriesSummary(TypedDict):
    id: int
    name: str
    context: dict
    count: int
    first_step: int | None
    last_step: int | None
    first: float | None
    last: float | None
    min: float | None
    max: float | None
    last_time: float | None


SERIES_SUMMARY_FIELDS = list(SeriesSummary.__annotations__)


class MetricChunk(models.Model):
    """Up to CHUNK_SIZE points of one series, as packed arrays (see runs.metrics)."""

    series = models.ForeignKey(
        MetricSeries, on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.IntegerField()
    count = models.IntegerField()
    first_step = models.BigIntegerField()
    last_step = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["series", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "index"], name="unique_chunk_index"
            )
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} ({self.count} points)"


class LogLineQuerySet(models.QuerySet):
    def for_run(self, run: Run) -> "LogLineQuerySet":
        return self.filter(run=run)

    def matching(self, levels: list[str], words: list[str]) -> "LogLineQuerySet":
        """Lines of one of `levels` (all when empty) holding every one of `words`,
        in any case (the Terminal Logs tab's level filter and search)."""
        lines = self.filter(level__in=levels) if levels else self
        for word in words:
            lines = lines.filter(text__icontains=word)
        return lines

    def page(
        self, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list["LogLine"]:
        """At most `limit` lines, in line order: those after `after` (live
        catch-up), else those before `before` (paging back), else the last ones."""
        if after is not None:
            return list(self.filter(line__gt=after).order_by("line")[:limit])
        if before is not None:
            return list(self.filter(line__lt=before).order_by("-line")[:limit])[::-1]
        return list(self.order_by("-line")[:limit])[::-1]


class LogLine(models.Model):
    class Level(models.TextChoices):
        """A log record's level (run.log_info() and the like, Aim's names);
        terminal output has none."""

        TERMINAL = "", "terminal"
        DEBUG = "debug"
        INFO = "info"
        WARNING = "warning"
        ERROR = "error"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="log_lines")
    line = models.BigIntegerField()
    text = models.TextField()
    time = models.FloatField(null=True, blank=True)
    level = models.CharField(
        max_length=7, choices=Level.choices, default="", blank=True
    )

    objects = LogLineQuerySet.as_manager()

    class Meta:
        ordering = ["run", "line"]
        indexes = [models.Index(fields=["run", "line"])]

    def __str__(self) -> str:
        return f"{self.line}: {self.text[:80]}"


def _artifact_upload_path(artifact: "Artifact", filename: str) -> str:
    return f"runs/{artifact.run.hash}/artifacts/{filename}"


class Artifact(models.Model):
    """A file a script logged with run.log_artifact(): stored through Django's
    storage, listed on the run page, removed with the run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=500, help_text="a relative path, as logged")
    file = models.FileField(upload_to=_artifact_upload_path, max_length=700)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="unique_artifact_name")
        ]

    def __str__(self) -> str:
        return self.name
