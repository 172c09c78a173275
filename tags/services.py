"""Writes on tags shared by the tags page, the API and the admin.

Each function validates through TagForm, checks the caller may edit the tag
(creator or staff), and tells open pages about runs whose visible tags changed:
a renamed, recoloured, archived or deleted tag changes the chips of every run
that carries it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from runs import live
from tags.forms import TagForm
from tags.models import DEFAULT_TAG_COLOR, Tag


class TagInvalid(Exception):
    """Bad tag fields; `errors` maps field → messages, `message` is the first one."""

    def __init__(self, form: TagForm):
        self.errors = {field: list(messages) for field, messages in form.errors.items()}
        self.field, self.message = form.first_error()
        super().__init__(self.message)


def check_can_edit(tag: Tag, user) -> None:
    if not tag.can_edit(user):
        raise PermissionDenied(
            f'Only the creator of tag "{tag.name}" or a staff member may change it. Nothing was changed.'
        )


def _run_hashes(tag: Tag) -> list[str]:
    return list(tag.runs.values_list("hash", flat=True))


def create_tag(user, data: dict) -> Tag:
    """Create a tag from name/comment/color; raises TagInvalid with nothing written."""
    form = TagForm({"color": DEFAULT_TAG_COLOR, **data})
    if not form.is_valid():
        raise TagInvalid(form)
    tag = form.save(commit=False)
    tag.owner = user
    tag.save()
    return tag


def update_tag(tag: Tag, user, data: dict) -> Tag:
    """Change name/comment/color; fields missing from `data` keep their value."""
    check_can_edit(tag, user)
    merged = {"name": tag.name, "comment": tag.comment, "color": tag.color, **data}
    form = TagForm(merged, instance=tag)
    if not form.is_valid():
        raise TagInvalid(form)
    with transaction.atomic():
        tag = form.save()
        if {"name", "color"} & set(form.changed_data) and not tag.is_archived:
            live.runs_tags_changed(_run_hashes(tag))
    return tag


def set_archived(tag: Tag, user, is_archived: bool) -> Tag:
    """Archive or unarchive; archived tags are hidden from runs' chips and the picker."""
    check_can_edit(tag, user)
    if tag.is_archived == is_archived:
        return tag
    with transaction.atomic():
        tag.is_archived = is_archived
        tag.save(update_fields=["is_archived"])
        live.runs_tags_changed(_run_hashes(tag))
    return tag


def delete_tag(tag: Tag, user) -> int:
    """Delete a tag and detach it from every run; returns how many runs had it."""
    check_can_edit(tag, user)
    with transaction.atomic():
        hashes = _run_hashes(tag)
        tag.delete()
        live.runs_tags_changed(hashes)
    return len(hashes)
