from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group

from aimsite.models import ApiToken

admin.site.site_header = "aimsite administration"
admin.site.site_title = "aimsite administration"
admin.site.index_title = "Runs, experiments, tags and accounts"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # Secrets are shown once at creation: issue them from the tokens page or
        # `aimsite createtoken`, never from a form that cannot show the secret.
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


admin.site.unregister(Group)


@admin.register(Group)
class FilteredGroupAdmin(GroupAdmin):
    """Django's group admin with a filter too, as every changelist here has."""

    list_filter = ["permissions__content_type"]
