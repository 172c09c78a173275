from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from runs import services
from runs.models import (
    AppliedBatch,
    Artifact,
    LogLine,
    MetricChunk,
    MetricSeries,
    Run,
)


class MetricSeriesInline(admin.TabularInline):
    model = MetricSeries
    fields = [
        "name",
        "context",
        "count",
        "first_step",
        "last_step",
        "first",
        "last",
        "min",
        "max",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class ArtifactInline(admin.TabularInline):
    """Read-only: artifacts come from the SDK and go with their run
    (services.delete_runs removes their files)."""

    model = Artifact
    fields = ["name", "size", "created_at", "file"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = [
        "hash",
        "name",
        "experiment",
        "owner",
        "status",
        "is_archived",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "is_archived", "experiment", "tags", "created_at"]
    search_fields = [
        "hash",
        "name",
        "description",
        "experiment__name",
        "owner__username",
    ]
    list_select_related = ["experiment", "owner"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["tags"]
    readonly_fields = ["hash", "created_at", "updated_at", "last_heartbeat"]
    date_hierarchy = "created_at"
    inlines = [MetricSeriesInline, ArtifactInline]
    actions = ["archive", "unarchive", "mark_finished", "delete_with_files"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's bulk delete would leave media files behind; ours removes them.
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, run) -> None:
        services.delete_runs([run], request.user)

    def _run_service(self, request, action, done: str) -> None:
        try:
            count = action()
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, done.format(count=count), messages.SUCCESS)

    @admin.action(description="Archive selected runs")
    def archive(self, request, queryset) -> None:
        self._run_service(
            request,
            lambda: services.archive_runs(queryset, request.user),
            "Archived {count} run(s).",
        )

    @admin.action(description="Unarchive selected runs")
    def unarchive(self, request, queryset) -> None:
        self._run_service(
            request,
            lambda: services.archive_runs(queryset, request.user, is_archived=False),
            "Unarchived {count} run(s).",
        )

    @admin.action(description="Mark selected active runs as finished")
    def mark_finished(self, request, queryset) -> None:
        from django.utils import timezone

        count = queryset.filter(status=Run.Status.ACTIVE).update(
            status=Run.Status.FINISHED, finished_at=timezone.now()
        )
        self.message_user(request, f"Marked {count} run(s) finished.", messages.SUCCESS)

    @admin.action(description="Delete selected runs with their files (irreversible)")
    def delete_with_files(self, request, queryset) -> None:
        self._run_service(
            request,
            lambda: services.delete_runs(queryset, request.user),
            "Deleted {count} run(s).",
        )


@admin.register(MetricSeries)
class MetricSeriesAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "context",
        "run",
        "count",
        "last_step",
        "last",
        "min",
        "max",
    ]
    list_filter = ["name"]
    search_fields = ["name", "run__hash", "run__name"]
    list_select_related = ["run"]
    readonly_fields = [
        "run",
        "count",
        "first_step",
        "last_step",
        "first",
        "last",
        "min",
        "max",
        "last_time",
        "chunk_count",
    ]


@admin.register(MetricChunk)
class MetricChunkAdmin(admin.ModelAdmin):
    list_display = ["series", "index", "count", "first_step", "last_step"]
    list_filter = ["series__name", "series__run__experiment"]
    search_fields = ["series__name", "series__run__hash"]
    list_select_related = ["series"]
    exclude = ["data"]
    readonly_fields = ["series", "index", "count", "first_step", "last_step"]


@admin.register(LogLine)
class LogLineAdmin(admin.ModelAdmin):
    list_display = ["run", "line", "level", "text", "time"]
    list_filter = ["level", "run__experiment", "run__status"]
    search_fields = ["text", "run__hash"]
    list_select_related = ["run"]
    raw_id_fields = ["run"]


@admin.register(AppliedBatch)
class AppliedBatchAdmin(admin.ModelAdmin):
    list_display = ["run", "seq", "applied_at"]
    list_filter = ["run__experiment", "applied_at"]
    search_fields = ["run__hash"]
    raw_id_fields = ["run"]


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    """Read-only, as on the run: the SDK uploads artifacts and deleting their run
    removes their files (services.delete_runs)."""

    list_display = ["name", "run", "size", "created_at"]
    list_filter = ["run__experiment", "created_at"]
    search_fields = ["name", "run__hash", "run__name"]
    list_select_related = ["run"]
    readonly_fields = ["run", "name", "file", "size", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
