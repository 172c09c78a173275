from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count

from experiments import services
from experiments.markdown import RendererBusy
from experiments.models import Experiment, ExperimentPin


class ExperimentAdminForm(forms.ModelForm):
    """Renders changed notes while validating, so the admin refuses what the notes
    page refuses, as a form error; save_model then stores what was rendered."""

    rendered_notes: services.RenderedNotes | None = None

    class Meta:
        model = Experiment
        fields = ["name", "description", "notes", "owner", "created_at", "is_archived"]

    def clean_notes(self) -> str:
        notes = self.cleaned_data["notes"]
        if "notes" in self.changed_data:
            try:
                self.rendered_notes = services.render_notes(notes)
            except RendererBusy as error:
                raise ValidationError(str(error)) from error
        return notes


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    form = ExperimentAdminForm
    list_display = ["name", "owner", "run_count", "created_at", "is_archived"]
    list_filter = ["is_archived", "created_at"]
    search_fields = ["name", "description"]
    raw_id_fields = ["owner"]
    readonly_fields = ["notes_updated_at", "notes_updated_by"]
    actions = ["archive", "unarchive"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .annotate(run_total=Count("runs"))
        )

    def save_model(self, request, experiment, form, change) -> None:
        # The admin wraps this in one transaction, so the text saved here and
        # the HTML saved by the service are never seen apart.
        super().save_model(request, experiment, form, change)
        if form.rendered_notes is not None:
            services.save_notes(experiment, request.user, form.rendered_notes)

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


@admin.register(ExperimentPin)
class ExperimentPinAdmin(admin.ModelAdmin):
    """Pins are each user's own Home page shortcuts; shown for support."""

    list_display = ["experiment", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["experiment__name", "user__username"]
    raw_id_fields = ["experiment", "user"]
