from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone

DEFAULT_EXPERIMENT_NAME = "default"


class ExperimentQuerySet(models.QuerySet):
    def default(self) -> "Experiment":
        experiment, _ = self.get_or_create(name=DEFAULT_EXPERIMENT_NAME)
        return experiment

    def with_pinned(self, user) -> "ExperimentQuerySet":
        """Annotate `is_pinned`: whether this user pinned the experiment."""
        pins = ExperimentPin.objects.filter(user=user, experiment=OuterRef("pk"))
        return self.annotate(is_pinned=Exists(pins))


class Experiment(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    notes = models.TextField(blank=True, help_text="Markdown, rendered and sanitised")
    # Rendered once when saved (services.save_notes): rendering can take long
    # enough that doing it on every view would let one note stall the server.
    notes_html = models.TextField(blank=True, editable=False)
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    notes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experiments",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_archived = models.BooleanField(default=False, db_index=True)

    objects = ExperimentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def last_activity(self):
        """Latest run update if stats.attach_run_counts counted the runs, else
        the row's own."""
        counts = getattr(self, "run_counts", None)
        latest = counts.last_run_activity if counts else None
        return max(latest, self.updated_at) if latest else self.updated_at

    def can_edit(self, user) -> bool:
        return bool(user.is_staff or (self.owner_id and self.owner_id == user.id))


class ExperimentPin(models.Model):
    """An experiment one user pinned to their Home page (per user, not shared)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pins"
    )
    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="pins"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "experiment"], name="one_pin_per_user_and_experiment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} pinned {self.experiment}"
