from django.contrib import admin
from django.db.models import Count

from experiments.models import Experiment


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "run_count", "created_at", "is_archived"]
    list_filter = ["is_archived", "created_at"]
    search_fields = ["name", "description"]
    raw_id_fields = ["owner", "notes_updated_by"]
    actions = ["archive", "unarchive"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .annotate(run_total=Count("runs"))
        )

    @admin.display(description="runs", ordering="run_total")
    def run_count(self, experiment) -> int:
        return experiment.run_total

    @admin.action(description="Archive selected experiments")
    def archive(self, request, queryset) -> None:
        self.message_user(
            request, f"Archived {queryset.update(is_archived=True)} experiment(s)."
        )

    @admin.action(description="Unarchive selected experiments")
    def unarchive(self, request, queryset) -> None:
        self.message_user(
            request, f"Unarchived {queryset.update(is_archived=False)} experiment(s)."
        )
