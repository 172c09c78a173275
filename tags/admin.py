"""Admin for tags. Archive and delete go through tags.services so open pages
see the runs' chips change, as they do after the same action on the tags page."""

from django.contrib import admin
from django.db.models import Count

from runs import live
from tags import services
from tags.forms import TagForm
from tags.models import Tag


class TagAdminForm(TagForm):
    class Meta(TagForm.Meta):
        fields = ["name", "comment", "color", "is_archived", "owner", "created_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
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

    def save_model(self, request, tag, form, change) -> None:
        super().save_model(request, tag, form, change)
        if change and {"name", "color", "is_archived"} & set(form.changed_data):
            live.runs_tags_changed(list(tag.runs.values_list("hash", flat=True)))

    def delete_model(self, request, tag) -> None:
        services.delete_tag(tag, request.user)

    def delete_queryset(self, request, queryset) -> None:
        for tag in queryset:
            services.delete_tag(tag, request.user)

    def _set_archived(self, request, queryset, is_archived: bool) -> int:
        changed = [tag for tag in queryset if tag.is_archived != is_archived]
        for tag in changed:
            services.set_archived(tag, request.user, is_archived)
        return len(changed)

    @admin.action(description="Archive selected tags")
    def archive(self, request, queryset) -> None:
        self.message_user(
            request, f"Archived {self._set_archived(request, queryset, True)} tag(s)."
        )

    @admin.action(description="Unarchive selected tags")
    def unarchive(self, request, queryset) -> None:
        self.message_user(
            request,
            f"Unarchived {self._set_archived(request, queryset, False)} tag(s).",
        )
