"""Tags page: the list (active / archived tabs, search) and its create, edit,
archive and delete forms. Writes go through tags.services, like the API's."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tags import services
from tags.forms import TagForm
from tags.models import TAG_COLORS, Tag

TABS = ("active", "archived")


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the list tab the form came from; never off-site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        target = reverse("tags:list")
    return HttpResponseRedirect(target)


def _tag_list_context(request: HttpRequest, tab: str) -> dict:
    search = request.GET.get("q", "").strip()
    tags = Tag.objects.select_related("owner").annotate(run_count=Count("runs"))
    counts = Tag.objects.aggregate(
        active=Count("id", filter=Q(is_archived=False)),
        archived=Count("id", filter=Q(is_archived=True)),
    )
    tags = tags.filter(is_archived=tab == "archived")
    if search:
        tags = tags.filter(Q(name__icontains=search) | Q(comment__icontains=search))
    tags = list(tags.order_by("name"))
    for tag in tags:
        tag.is_editable = tag.can_edit(request.user)
    return {
        "section": "tags",
        "tags": tags,
        "tab": tab,
        "search": search,
        "counts": counts,
        "colors": TAG_COLORS,
        "tag_names": list(Tag.objects.values_list("name", flat=True)),
        "create_form": TagForm(),
        "open_dialog": "tag-create-modal" if request.GET.get("create") == "1" else "",
    }


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    return render(request, "tags/list.html", context, status=status)


@require_GET
def tag_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "active")
    return _render(
        request, _tag_list_context(request, tab if tab in TABS else "active")
    )


@require_POST
def tag_create(request: HttpRequest) -> HttpResponse:
    try:
        tag = services.create_tag(request.user, request.POST.dict())
    except services.TagInvalid:
        # Show the modal again with the submitted values and the errors inline.
        context = _tag_list_context(request, "active")
        context.update(
            create_form=TagForm(request.POST), open_dialog="tag-create-modal"
        )
        return _render(request, context, status=400)
    messages.success(request, f"Tag “{tag.name}” created.")
    return _back(request)


@require_POST
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=tag_id)
    initial = {"name": tag.name, "comment": tag.comment, "color": tag.color}
    data = {field: request.POST.get(field, "") for field in initial}
    try:
        services.update_tag(tag, request.user, data)
    except services.TagInvalid:
        tag.refresh_from_db()
        context = _tag_list_context(
            request, "archived" if tag.is_archived else "active"
        )
        context.update(
            edit_form=TagForm(data, instance=tag),
            edit_tag=tag,
            edit_initial=initial,
            open_dialog="tag-edit-modal",
        )
        return _render(request, context, status=400)
    messages.success(request, f"Tag “{tag.name}” saved.")
    return _back(request)


@require_POST
def tag_archive(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=tag_id)
    is_archived = request.POST.get("is_archived") != "false"
    services.set_archived(tag, request.user, is_archived)
    verb = "archived" if is_archived else "restored from the archive"
    messages.success(request, f"Tag “{tag.name}” {verb}.")
    return _back(request)


@require_POST
def tag_delete(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=tag_id)
    if request.POST.get("confirm_name") != tag.name:
        messages.error(
            request,
            f"Type the tag's name “{tag.name}” exactly to delete it. Nothing was deleted.",
        )
        return _back(request)
    name = tag.name
    run_count = services.delete_tag(tag, request.user)
    messages.success(
        request,
        f"Tag “{name}” deleted and removed from {run_count} run{'s' if run_count != 1 else ''}.",
    )
    return _back(request)
