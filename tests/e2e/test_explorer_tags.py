"""Browser tests for the tag picker on every runs-table row: the explorer and the
experiment page's Runs tab (one component)."""

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.factories import make_run, make_tag, make_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/explorer-screens")


def _row(page, run):
    return page.locator(f'#runs-table tr[data-hash="{run.hash}"]')


def _chips(row):
    return row.locator("td[data-col=tags] .tag-picker-chips .tag-name")


def _wait_live(page):
    page.check("#live-update", force=True)
    page.wait_for_function(
        "() => { const dot = document.querySelector('[data-live-status]');"
        " return !dot.hidden && !dot.classList.contains('offline'); }"
    )


def test_attach_two_tags_to_a_row_then_remove_one_with_x_without_reload(
    signed_in_page,
):
    page = signed_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    run = make_run(page.user, name="resnet", experiment="vision")
    make_run(page.user, name="bert", experiment="nlp")
    make_tag("baseline", color="#18AB6D")
    make_tag("tuned", color="#E64E48")
    make_tag("other")
    page.goto(f"{page.base_url}/runs/")
    row = _row(page, run)
    expect(row.get_by_role("button", name="Attach")).to_be_visible()
    page.evaluate("() => { window.__notReloaded = true; }")

    row.get_by_role("button", name="Attach").click()
    popover = page.get_by_role("dialog", name="Select tag")
    expect(popover).to_be_visible()
    expect(popover.get_by_role("link", name="Create tag")).to_have_attribute(
        "href", "/tags/?create=1"
    )
    popover.get_by_placeholder("Search tags").fill("e")
    popover.get_by_label("baseline").check()
    popover.get_by_label("tuned").check()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explorer-tag-picker-open.png"))
    popover.get_by_role("button", name="Attach 2 tags").click()

    expect(popover).to_be_hidden()
    expect(_chips(row)).to_have_text(["baseline", "tuned"])
    expect(page.locator(".toast")).to_contain_text("Attached 2 tags")
    assert sorted(run.tags.values_list("name", flat=True)) == ["baseline", "tuned"]
    # Clicks inside the picker neither selected the row nor navigated.
    expect(row.locator("[data-select-row]")).not_to_be_checked()
    expect(page.locator("[data-selection-label]")).to_have_text("No runs selected")

    row.get_by_role("button", name="Remove tag baseline").click()
    expect(_chips(row)).to_have_text(["tuned"])
    assert list(run.tags.values_list("name", flat=True)) == ["tuned"]
    expect(row.locator("[data-select-row]")).not_to_be_checked()
    assert page.evaluate("() => window.__notReloaded") is True
    assert page.url == f"{page.base_url}/runs/"
    page.screenshot(path=str(SCREENSHOTS / "explorer-tag-picker-after.png"))

    page.reload()
    expect(_chips(_row(page, run))).to_have_text(["tuned"])


def test_a_row_of_another_users_run_shows_read_only_chips(signed_in_page, other_user):
    page = signed_in_page
    theirs = make_run(other_user, name="their-run")
    theirs.tags.add(make_tag("shared", color="#18AB6D"))
    mine = make_run(page.user, name="my-run")
    page.goto(f"{page.base_url}/runs/")
    row = _row(page, theirs)
    expect(_chips(row)).to_have_text(["shared"])
    expect(row).to_have_attribute("data-can-edit", "false")
    expect(row.get_by_role("button", name="Attach")).to_have_count(0)
    expect(row.locator(".tag-remove")).to_have_count(0)
    expect(_row(page, mine).get_by_role("button", name="Attach")).to_be_visible()


def test_a_tag_attached_through_the_api_elsewhere_appears_live_in_the_explorer(
    signed_in_page,
):
    page = signed_in_page
    run = make_run(page.user, name="watched")
    fresh = make_tag("fresh", color="#E64E48")
    headers = {"Authorization": f"Bearer {make_token(page.user)}"}
    page.goto(f"{page.base_url}/runs/")
    row = _row(page, run)
    expect(row.get_by_role("button", name="Attach")).to_be_visible()
    _wait_live(page)

    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/tags/",
        json={"ids": [fresh.id]},
        headers=headers,
        timeout=5,
    )
    assert answer.status_code == 200
    expect(_chips(row)).to_have_text(["fresh"], timeout=2000)
    # The live update went to the picker: it can remove the tag it just learned about.
    row.get_by_role("button", name="Remove tag fresh").click()
    expect(_chips(row)).to_have_count(0)
    assert run.tags.count() == 0


def test_an_open_popover_survives_live_refreshes_of_its_row(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, name="training", status=None)
    make_tag("keeper")
    headers = {"Authorization": f"Bearer {make_token(page.user)}"}
    page.goto(f"{page.base_url}/runs/")
    row = _row(page, run)
    _wait_live(page)
    row.get_by_role("button", name="Attach").click()
    popover = page.get_by_role("dialog", name="Select tag")
    popover.get_by_label("keeper").check()

    requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={"seq": 1, "status": "finished"},
        headers=headers,
        timeout=5,
    )
    expect(row.locator("[data-status]")).to_have_text("finished")
    expect(popover).to_be_visible()
    expect(popover.get_by_label("keeper")).to_be_checked()
    popover.get_by_role("button", name="Attach").click()
    expect(_chips(row)).to_have_text(["keeper"])


def test_the_experiment_runs_tab_rows_have_the_same_tag_picker(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, name="exp-run", experiment="mnist")
    make_tag("from-experiment")
    page.goto(f"{page.base_url}/experiments/{run.experiment.pk}/runs/")
    row = page.locator(f'#experiment-runs tr[data-hash="{run.hash}"]')
    row.get_by_role("button", name="Attach").click()
    popover = page.get_by_role("dialog", name="Select tag")
    popover.get_by_label("from-experiment").check()
    popover.get_by_role("button", name="Attach").click()
    expect(row.locator(".tag-picker-chips .tag-name")).to_have_text(["from-experiment"])
    expect(row.locator("[data-select-row]")).not_to_be_checked()
    expect(page.locator("#selection-count")).to_have_text("")
    assert list(run.tags.values_list("name", flat=True)) == ["from-experiment"]
