"""What the explorers' browser tests do alike: attach a tag from the shared popover
(lib/explorer_popover.js) and check it on the popover, the table and the run page."""

from playwright.sync_api import expect


def attach_tag_from_popover(page, run, tag_name: str, table_tags) -> None:
    """In the open popover of `run`: attach `tag_name` with the tag picker, see it on
    the popover and in `table_tags` (a locator of the table's tag names), then on
    the run's page."""
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover.get_by_role("link", name=f"Run: {run.name}")).to_be_visible()
    popover.get_by_role("button", name="+ Attach").click()
    picker = page.get_by_role("dialog", name="Select tag")
    picker.get_by_label(tag_name).check()
    picker.get_by_role("button", name="Attach").click()
    expect(popover.locator(".tag-name")).to_have_text([tag_name])
    expect(table_tags).to_have_text([tag_name])
    page.goto(f"{page.base_url}/runs/{run.hash}/")
    expect(page.locator(".tag-picker .tag-name")).to_have_text([tag_name])
