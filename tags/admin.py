from django.contrib import admin
from django.db.models import Count

from tags.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "color",
        "comment",
        "run_count",
        "is_archived",
        "created_at",
    ]
    list_filter = ["is_archived", "color"]
    search_fields = ["name", "comment"]
    raw_id_fields = ["owner"]
    actions = ["archive", "unarchive"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(run_total=Count("runs"))

    @admin.display(description="runs", ordering="run_total")
    def run_count(self, tag) -> int:
        return tag.run_total

    @admin.action(description="Archive selected tags")
    def archive(self, request, queryset) -> None:
        self.message_user(
            request, f"Archived {queryset.update(is_archived=True)} tag(s)."
        )

    @admin.action(description="Unarchive selected tags")
    def unarchive(self, request, queryset) -> None:
        self.message_user(
            request, f"Unarchived {queryset.update(is_archived=False)} tag(s)."
        )
