"""Browser tests for the tags page, its modals, the used-in panel and the tag picker."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_run, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/tags-screens"


def _mount_picker(page, run, tags, can_edit=True, live=False) -> None:
    """Mount the shared picker module on the run page in a box of its own.

    The run page's sidebar mounts the same module; a separate box keeps this test
    about the picker's own contract (mountTagPicker / applyTagsEvent) whatever the
    sidebar around it does. With live=True the box follows the run's socket.
    """
    page.goto(f"{page.base_url}/runs/{run.hash}/")
    page.evaluate(
        """async ([hash, tags, canEdit, live]) => {
            const { mountTagPicker, applyTagsEvent } = await import('/static/js/lib/tag_picker.js');
            const box = document.createElement('div');
            box.id = 'picker-under-test';
            document.querySelector('main').append(box);
            mountTagPicker(box, { runHash: hash, tags, canEdit });
            if (live) {
                const { connectLive } = await import('/static/js/lib/live.js');
                await new Promise((resolve) => connectLive(`/ws/runs/${hash}/`, {
                    onOpen: resolve,
                    onEvent: (event) => applyTagsEvent(box, event),
                }));
            }
        }""",
        [run.hash, tags, can_edit, live],
    )


def test_picker_attaches_two_tags_at_once_and_removes_one_with_x(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, name="resnet")
    make_tag("baseline", color="#18AB6D")
    make_tag("tuned", color="#E64E48")
    make_tag("other")
    _mount_picker(page, run, [])
    box = page.locator("#picker-under-test")
    box.get_by_role("button", name="Attach").click()
    popover = page.get_by_role("dialog", name="Select tag")
    expect(popover).to_be_visible()
    popover.get_by_label("baseline").check()
    popover.get_by_label("tuned").check()
    page.screenshot(path=f"{SCREENSHOTS}/picker-open.png")
    popover.get_by_role("button", name="Attach 2 tags").click()
    expect(popover).to_be_hidden()
    expect(box.locator(".tag-picker-chips .tag-name")).to_have_text(
        ["baseline", "tuned"]
    )
    expect(page.locator(".toast")).to_contain_text("Attached 2 tags")
    assert sorted(run.tags.values_list("name", flat=True)) == ["baseline", "tuned"]
    box.get_by_role("button", name="Remove tag baseline").click()
    expect(box.locator(".tag-picker-chips .tag-name")).to_have_text(["tuned"])
    assert list(run.tags.values_list("name", flat=True)) == ["tuned"]
    page.screenshot(path=f"{SCREENSHOTS}/picker-after.png")


def test_picker_shows_chips_without_x_or_attach_for_a_run_of_someone_else(
    signed_in_page, other_user
):
    page = signed_in_page
    run = make_run(other_user)
    tag = make_tag("theirs")
    run.tags.add(tag)
    _mount_picker(
        page,
        run,
        [{"id": tag.id, "name": "theirs", "color": tag.color}],
        can_edit=False,
    )
    box = page.locator("#picker-under-test")
    expect(box.locator(".tag-name")).to_have_text(["theirs"])
    expect(box.get_by_role("button")).to_have_count(0)


def test_picker_search_narrows_the_choices_and_create_tag_opens_the_modal(
    signed_in_page,
):
    page = signed_in_page
    run = make_run(page.user)
    make_tag("bert-base")
    make_tag("resnet")
    _mount_picker(page, run, [])
    page.locator("#picker-under-test").get_by_role("button", name="Attach").click()
    popover = page.get_by_role("dialog", name="Select tag")
    expect(popover.get_by_role("checkbox")).to_have_count(2)
    popover.get_by_label("Search tags").fill("res")
    expect(popover.get_by_role("checkbox")).to_have_count(1)
    expect(popover.get_by_label("resnet")).to_be_visible()
    popover.get_by_label("Search tags").fill("zzz")
    expect(popover).to_contain_text("No tag matches the search.")
    popover.get_by_role("link", name="Create tag").click()
    expect(page).to_have_url(re.compile(r"/tags/"))
    expect(page.locator("#tag-create-modal")).to_be_visible()


def test_picker_follows_changes_made_in_another_page(signed_in_page, context):
    page = signed_in_page
    run = make_run(page.user)
    tag = make_tag("shared", owner=page.user)
    make_tag("second", owner=page.user)
    _mount_picker(page, run, [], live=True)
    watcher = page.locator("#picker-under-test .tag-picker-chips .tag-name")

    other = context.new_page()
    other.base_url = page.base_url
    _mount_picker(other, run, [])
    other.locator("#picker-under-test").get_by_role("button", name="Attach").click()
    popover = other.get_by_role("dialog", name="Select tag")
    popover.get_by_label("shared").check()
    popover.get_by_label("second").check()
    popover.get_by_role("button", name="Attach 2 tags").click()
    expect(watcher).to_have_text(["second", "shared"])

    # Deleting the tag on the tags page detaches it; the open run view follows.
    _tags_page(other)
    other.get_by_role("button", name="Delete shared").click()
    other.get_by_label("Type the tag's name to confirm").fill("shared")
    other.locator("#tag-delete-modal").get_by_role("button", name="Delete").click()
    expect(other.locator(".toast", has_text="removed from 1 run")).to_be_visible()
    expect(watcher).to_have_text(["second"])
    assert not run.tags.filter(pk=tag.pk).exists()


def _tags_page(page, query: str = ""):
    page.goto(f"{page.base_url}/tags/{query}")
    return page


def _row(page, name: str):
    return page.locator(f"#tags-table tbody tr[data-name='{name}']")


def _expect_toast_top_right(page, text: str) -> None:
    toast = page.locator(".toast", has_text=text)
    expect(toast).to_be_visible()
    box = toast.bounding_box()
    viewport = page.viewport_size
    assert box["y"] < 80
    assert box["x"] + box["width"] > viewport["width"] - 60


def test_tags_page_lists_tags_with_colour_comment_and_run_count(signed_in_page):
    page = signed_in_page
    used = make_tag(
        "baseline", owner=page.user, color="#18AB6D", comment="the reference runs"
    )
    make_tag("tuned", owner=page.user, color="#E64E48")
    make_tag("retired", owner=page.user, is_archived=True)
    for _ in range(2):
        make_run(page.user).tags.add(used)
    _tags_page(page)
    rows = page.locator("#tags-table tbody tr")
    expect(rows).to_have_count(2)
    first = _row(page, "baseline")
    expect(first).to_contain_text("the reference runs")
    expect(first.locator(".run-count")).to_have_text("2")
    expect(first.locator(".tag-chip")).to_have_css("--tag-color", "#18AB6D")
    page.screenshot(path=f"{SCREENSHOTS}/tags-page.png")


def test_search_filters_rows_as_you_type(signed_in_page):
    page = signed_in_page
    make_tag("bert-base")
    make_tag("resnet", comment="vision")
    _tags_page(page)
    page.get_by_label("Search tags").fill("vis")
    expect(_row(page, "resnet")).to_be_visible()
    expect(_row(page, "bert-base")).to_be_hidden()
    page.get_by_label("Search tags").press("Enter")
    expect(page).to_have_url(re.compile(r"q=vis"))
    expect(page.locator("#tags-table tbody tr")).to_have_count(1)


def test_archive_moves_a_tag_to_the_archived_tab_and_unarchive_brings_it_back(
    signed_in_page,
):
    page = signed_in_page
    tag = make_tag("old", owner=page.user)
    _tags_page(page)
    page.get_by_role("button", name="Archive old").click()
    _expect_toast_top_right(page, "archived")
    expect(_row(page, "old")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Archived")).click()
    expect(_row(page, "old")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/archived-tab.png")
    page.get_by_role("button", name="Unarchive old").click()
    _expect_toast_top_right(page, "restored")
    tag.refresh_from_db()
    assert not tag.is_archived


def test_create_validates_inline_then_saves_with_a_toast(signed_in_page):
    page = signed_in_page
    make_tag("taken")
    _tags_page(page)
    page.get_by_role("button", name="+ Create tag").click()
    dialog = page.locator("#tag-create-modal")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Blue")).to_be_checked()  # the default colour
    dialog.get_by_role(
        "button", name="Create"
    ).click()  # empty name: refused before submit
    expect(dialog.locator("[data-error-for=name]")).to_have_text("Give the tag a name.")
    dialog.get_by_label("Name").fill("Taken")
    expect(dialog.locator("[data-error-for=name]")).to_contain_text("already exists")
    expect(dialog.get_by_label("Name")).to_have_attribute("maxlength", "50")
    expect(dialog.get_by_label("Comment")).to_have_attribute("maxlength", "200")
    page.screenshot(path=f"{SCREENSHOTS}/create-invalid.png")
    dialog.get_by_label("Name").fill("fresh")
    expect(dialog.locator("[data-error-for=name]")).to_have_text("")
    dialog.get_by_label("Comment").fill("a new idea")
    dialog.get_by_label("Purple").check(force=True)
    dialog.get_by_role("button", name="Create").click()
    _expect_toast_top_right(page, "Tag “fresh” created.")
    expect(_row(page, "fresh")).to_contain_text("a new idea")
    expect(_row(page, "fresh")).to_have_attribute("data-color", "#7A4CE0")


def test_create_shows_server_errors_inline_after_submit(signed_in_page):
    page = signed_in_page
    _tags_page(page)
    make_tag("raced")  # made after the page loaded: only the server knows it
    page.get_by_role("button", name="+ Create tag").click()
    dialog = page.locator("#tag-create-modal")
    dialog.get_by_label("Name").fill("raced")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-error-for=name]")).to_contain_text("already exists")
    expect(dialog.get_by_label("Name")).to_have_value("raced")
    page.screenshot(path=f"{SCREENSHOTS}/create-server-error.png")


def test_create_tag_link_opens_the_create_modal(signed_in_page):
    page = signed_in_page
    _tags_page(page, "?create=1")
    expect(page.locator("#tag-create-modal")).to_be_visible()
    expect(page.locator("#tag-create-modal").get_by_label("Name")).to_be_focused()


def test_edit_reset_restores_close_discards_and_save_toasts(signed_in_page):
    page = signed_in_page
    tag = make_tag("orig", owner=page.user, comment="first", color="#18AB6D")
    _tags_page(page)
    dialog = page.locator("#tag-edit-modal")
    name, comment = dialog.get_by_label("Name"), dialog.get_by_label("Comment")

    page.get_by_role("button", name="Edit orig").click()
    expect(name).to_have_value("orig")
    expect(comment).to_have_value("first")
    expect(dialog.get_by_label("Green")).to_be_checked()
    name.fill("changed")
    dialog.get_by_label("Red").check(force=True)
    dialog.get_by_role("button", name="Reset").click()
    expect(name).to_have_value("orig")
    expect(dialog.get_by_label("Green")).to_be_checked()

    comment.fill("discard me")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Edit orig").click()
    expect(comment).to_have_value("first")
    tag.refresh_from_db()
    assert tag.comment == "first"

    name.fill("renamed")
    comment.fill("second")
    page.screenshot(path=f"{SCREENSHOTS}/edit-modal.png")
    dialog.get_by_role("button", name="Save").click()
    _expect_toast_top_right(page, "Tag “renamed” saved.")
    expect(_row(page, "renamed")).to_contain_text("second")
    tag.refresh_from_db()
    assert (tag.name, tag.comment, tag.color) == ("renamed", "second", "#18AB6D")


def test_delete_button_waits_for_the_exact_name_and_cancel_changes_nothing(
    signed_in_page,
):
    page = signed_in_page
    tag = make_tag("doomed", owner=page.user)
    runs = [make_run(page.user), make_run(page.user)]
    for run in runs:
        run.tags.add(tag)
    _tags_page(page)
    dialog = page.locator("#tag-delete-modal")
    page.get_by_role("button", name="Delete doomed").click()
    expect(dialog).to_contain_text("doomed")
    delete = dialog.get_by_role("button", name="Delete")
    expect(delete).to_be_disabled()
    confirm = dialog.get_by_label("Type the tag's name to confirm")
    confirm.fill("Doomed")
    expect(delete).to_be_disabled()
    confirm.fill("doome")
    expect(delete).to_be_disabled()
    page.screenshot(path=f"{SCREENSHOTS}/delete-modal.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert tag.runs.count() == 2

    page.get_by_role("button", name="Delete doomed").click()
    expect(confirm).to_have_value("")
    expect(delete).to_be_disabled()
    confirm.fill("doomed")
    expect(delete).to_be_enabled()
    delete.click()
    _expect_toast_top_right(page, "removed from 2 runs")
    expect(_row(page, "doomed")).to_have_count(0)
    for run in runs:
        assert run.tags.count() == 0


def test_used_in_panel_lists_runs_and_links_to_them(signed_in_page):
    page = signed_in_page
    tag = make_tag("shared")
    first = make_run(page.user, name="bert-large", experiment="nlp")
    second = make_run(page.user, name="resnet-50", experiment="vision")
    first.tags.add(tag)
    second.tags.add(tag)
    _tags_page(page)
    page.get_by_role("button", name="Runs using shared").click()
    panel = page.locator("#tag-runs-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-panel-count]")).to_have_text("2 runs")
    link = panel.get_by_role("link", name=re.compile("bert-large"))
    expect(link).to_contain_text(first.hash)
    expect(link).to_contain_text("nlp")
    expect(panel.get_by_role("link", name=re.compile("resnet-50"))).to_contain_text(
        "vision"
    )
    box = panel.bounding_box()
    assert box["x"] + box["width"] >= page.viewport_size["width"] - 1  # docked right
    page.screenshot(path=f"{SCREENSHOTS}/used-in.png")
    link.click()
    expect(page).to_have_url(f"{page.base_url}/runs/{first.hash}/")
