"""Browser tests for the tags page, its modals, the used-in panel and the tag picker."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_run, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/tags-screens"


def _mount_picker(page, run, tags, can_edit=True) -> None:
    """Mount the shared picker into the run page (until the run page mounts it itself)."""
    page.goto(f"{page.base_url}/runs/{run.hash}/")
    page.evaluate(
        """async ([hash, tags, canEdit]) => {
            const { mountTagPicker } = await import('/static/js/lib/tag_picker.js');
            const box = document.createElement('div');
            box.id = 'picker-under-test';
            document.querySelector('main').append(box);
            mountTagPicker(box, { runHash: hash, tags, canEdit });
        }""",
        [run.hash, tags, can_edit],
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
