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
        # The name is taken: a conflict with another tag, not a malformed field.
        self.is_conflict = form.has_error("name", code="duplicate")
        super().__init__(self.message)


class UnknownTags(Exception):
    """Tags named for attaching that do not exist (and may not be created)."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        self.message = f"unknown tags: {', '.join(missing)}"
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


def create_tag_for_attach(name: str, user) -> Tag:
    """A tag named from the SDK's `run.add_tag("x")`: the existing one whatever its
    case (names are unique ignoring case), else a new one validated like the tags page's."""
    existing = Tag.objects.filter(name__iexact=name.strip()).first()
    return existing or create_tag(user, {"name": name})


def find_tags(names: list[str], ids: list[int]) -> tuple[list[Tag], list[str]]:
    """The tags named by `names` or `ids`, and those of them that match no tag
    (names first, then ids as text)."""
    found = list(Tag.objects.filter(name__in=names)) + list(
        Tag.objects.filter(pk__in=ids)
    )
    missing = sorted(set(names) - {tag.name for tag in found}) + [
        str(i) for i in sorted(set(ids) - {tag.id for tag in found})
    ]
    return found, missing


def tags_for_attach(
    user, names: list[str], ids: list[int], *, create_missing: bool = False
) -> list[Tag]:
    """The tags to attach to a run, named by `names` or `ids`.

    With `create_missing` (names only, as the SDK's `run.add_tag` does), names
    that match no tag are created; otherwise they raise UnknownTags.
    """
    found, missing = find_tags(names, ids)
    if missing and create_missing and not ids:
        return found + [create_tag_for_attach(name, user) for name in missing]
    if missing:
        raise UnknownTags(missing)
    return found


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
