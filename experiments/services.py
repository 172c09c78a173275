"""Writes on experiments shared by the pages, the API and the admin.

Each function checks permission first (owner or staff) and raises PermissionDenied
with a message; nothing is written when a check fails. Shape validation (name
required, unique, length) is the job of the form or serializer in front of these.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from experiments.markdown import MAX_NOTES_LENGTH, render_markdown
from experiments.models import Experiment, ExperimentPin


class ExperimentNotEmpty(ValidationError):
    """Deleting an experiment that still has runs."""


def check_editable(experiment: Experiment, user) -> None:
    if not experiment.can_edit(user):
        raise PermissionDenied(
            f"Only the owner of experiment “{experiment.name}” or a staff member may change it."
        )


def create_experiment(*, name: str, description: str = "", owner) -> Experiment:
    return Experiment.objects.create(name=name, description=description, owner=owner)


def update_experiment(experiment: Experiment, user, **fields) -> Experiment:
    """Change name / description / is_archived."""
    check_editable(experiment, user)
    allowed = {"name", "description", "is_archived"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(experiment, key, value)
    experiment.save(update_fields=[*fields, "updated_at"])
    return experiment


def set_archived(experiment: Experiment, user, is_archived: bool = True) -> Experiment:
    return update_experiment(experiment, user, is_archived=is_archived)


def delete_refusal(experiment: Experiment) -> str:
    """Why this experiment cannot be deleted, or "" when it can."""
    count = experiment.runs.count()
    if count:
        return (
            f"Experiment “{experiment.name}” still has {count} run{'s' if count != 1 else ''}; "
            "delete or move them first. Archive it instead to hide it."
        )
    return ""


def delete_experiment(experiment: Experiment, user) -> None:
    """Delete an experiment that has no runs.

    The default experiment may be deleted too when empty: ingest recreates it on
    demand. A run logged into it between the check and the delete is protected by
    the foreign key (PROTECT), reported as the same refusal.
    """
    check_editable(experiment, user)
    with transaction.atomic():
        refusal = delete_refusal(experiment)
        if refusal:
            raise ExperimentNotEmpty(refusal)
        try:
            experiment.delete()
        except ProtectedError as error:
            raise ExperimentNotEmpty(
                delete_refusal(experiment) or "It has runs."
            ) from error


def set_pinned(experiment: Experiment, user, pinned: bool = True) -> bool:
    """Pin or unpin an experiment on this user's Home page; any signed-in user
    may pin any experiment (a pin is theirs alone). Idempotent; returns whether
    the experiment is pinned now."""
    if pinned:
        ExperimentPin.objects.get_or_create(user=user, experiment=experiment)
    else:
        ExperimentPin.objects.filter(user=user, experiment=experiment).delete()
    return pinned


@dataclass(frozen=True)
class RenderedNotes:
    """Notes text with its sanitised HTML, as made by render_notes()."""

    text: str
    html: str


def render_notes(notes: str) -> RenderedNotes:
    """Check the length and render within the time budget.

    Raises ValidationError (too long; MarkdownRefused: too complex to render in
    time) or experiments.markdown.RendererBusy.
    """
    if len(notes) > MAX_NOTES_LENGTH:
        raise ValidationError(f"Notes are limited to {MAX_NOTES_LENGTH:,} characters.")
    return RenderedNotes(text=notes, html=render_markdown(notes))


def save_notes(experiment: Experiment, user, notes: str | RenderedNotes) -> Experiment:
    """Store Markdown notes, their rendered HTML, and who edited them when.

    Pass the text, or RenderedNotes when a form already rendered it to validate
    (the admin), so it is not rendered twice. Nothing is written when the check,
    the length or the rendering fails.
    """
    check_editable(experiment, user)
    rendered = notes if isinstance(notes, RenderedNotes) else render_notes(notes)
    experiment.notes = rendered.text
    experiment.notes_html = rendered.html
    experiment.notes_updated_at = timezone.now()
    experiment.notes_updated_by = user
    experiment.save(
        update_fields=[
            "notes",
            "notes_html",
            "notes_updated_at",
            "notes_updated_by",
            "updated_at",
        ]
    )
    return experiment
