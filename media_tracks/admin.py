from django.contrib import admin

from media_tracks.models import ObjectRecord, ObjectSequence


@admin.register(ObjectSequence)
class ObjectSequenceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "context",
        "run",
        "count",
        "first_step",
        "last_step",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "run__hash", "run__name"]
    list_select_related = ["run"]
    raw_id_fields = ["run"]


@admin.register(ObjectRecord)
class ObjectRecordAdmin(admin.ModelAdmin):
    list_display = ["sequence", "step", "index", "format", "caption", "size"]
    list_filter = ["sequence__kind", "format"]
    search_fields = ["caption", "text", "sequence__name", "sequence__run__hash"]
    list_select_related = ["sequence"]
    raw_id_fields = ["sequence"]
