"""The runs explorer's table: readable headers, columns that fit and scroll under a
sticky name and header, rows of one height, Live Update on by default with a pill
for new runs when off, and counts that agree."""

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import make_run, make_tag, make_token, new_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _explorer(page, query: str = "") -> None:
    url = f"{page.base_url}{reverse('runs:list')}"
    page.goto(url + (f"?q={requests.utils.quote(query)}" if query else ""))


def _rows(page):
    return page.locator("#runs-table tbody tr[data-hash]")


def _create_run(page, experiment: str, name: str) -> str:
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": new_hash(), "experiment": experiment, "name": name},
        headers={"Authorization": f"Bearer {make_token(page.user)}"},
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["hash"]


def _wait_live(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-live-status]').classList.contains('offline')"
    )


def test_metric_headers_read_name_and_context(signed_in_page):
    page = signed_in_page
    make_run(page.user, metrics={("accuracy", '{"subset": "train"}'): [0.5, 0.9]})
    _explorer(page)
    header = page.locator("#runs-table thead th.col-metric")
    expect(header).to_have_count(1)
    expect(header.locator(".col-label")).to_have_text("accuracy · subset=train")


def test_columns_fit_their_content_and_scroll_under_a_sticky_name_and_header(
    signed_in_page,
):
    page = signed_in_page
    params = {f"a_rather_long_parameter_name_{index}": index for index in range(12)}
    for number in range(30):
        make_run(page.user, name=f"run-{number}", params=params)
    page.set_viewport_size({"width": 1100, "height": 700})
    _explorer(page)
    expect(_rows(page)).to_have_count(30)
    truncated = page.evaluate(
        """() => [...document.querySelectorAll('#runs-table thead .col-label')]
             .filter((label) => label.scrollWidth > label.clientWidth + 1)
             .map((label) => label.textContent)"""
    )
    assert truncated == []
    wrap = page.locator(".runs-table-wrap")
    assert page.evaluate("(w) => w.scrollWidth > w.clientWidth", wrap.element_handle())
    box = wrap.bounding_box()
    name_cell = _rows(page).first.locator('[data-col="name"]')
    before = name_cell.bounding_box()["x"]
    wrap.evaluate("(w) => { w.scrollLeft = w.scrollWidth; w.scrollTop = 400; }")
    page.wait_for_timeout(100)
    # The last param column came into view; the name stayed where it was.
    last_header = page.locator("#runs-table thead th").last
    last = last_header.bounding_box()
    assert last["x"] + last["width"] <= box["x"] + box["width"] + 1
    assert (
        abs(
            _rows(page).nth(10).locator('[data-col="name"]').bounding_box()["x"]
            - before
        )
        < 1
    )
    # The header stayed on top of the scrolled rows.
    assert abs(last["y"] - box["y"]) < 2
    corner = page.locator('#runs-table thead th[data-col="name"]').bounding_box()
    assert abs(corner["x"] - before) < 1 and abs(corner["y"] - box["y"]) < 2


def test_rows_keep_one_height_whatever_their_tags(signed_in_page):
    page = signed_in_page
    tagged = make_run(page.user, name="many-tags")
    tagged.tags.add(
        *[make_tag(name) for name in ("baseline", "best", "needs-review", "tuned")]
    )
    for number in range(3):
        make_run(page.user, name=f"plain-{number}")
    page.set_viewport_size({"width": 1100, "height": 700})
    _explorer(page)
    expect(_rows(page)).to_have_count(4)
    expect(page.locator(".tag-picker-attach").first).to_be_visible()
    heights = page.evaluate(
        "() => [...document.querySelectorAll('#runs-table tbody tr[data-hash]')]"
        ".map((row) => Math.round(row.getBoundingClientRect().height))"
    )
    assert len(set(heights)) == 1, heights


def test_live_update_is_on_by_default_and_every_count_agrees_after_an_insert(
    signed_in_page,
):
    page = signed_in_page
    for number in range(2):
        make_run(page.user, experiment="live", name=f"old-{number}")
    _explorer(page, 'run.experiment == "live"')
    expect(page.locator("#live-update")).to_be_checked()
    _wait_live(page)
    expect(page.locator("[data-total-label]")).to_have_text("2 runs")
    _create_run(page, "live", "fresh-run")
    expect(_rows(page)).to_have_count(3)
    expect(page.locator("[data-total-label]")).to_have_text("3 runs")
    expect(page.locator("[data-count-label]")).to_have_text("3 runs")
    page.reload()
    expect(page.locator("[data-count-label]")).to_have_text("3 runs")


def test_with_live_update_off_a_pill_counts_new_runs_and_shows_them(signed_in_page):
    page = signed_in_page
    make_run(page.user, experiment="live", name="old")
    _explorer(page, 'run.experiment == "live"')
    page.uncheck("#live-update", force=True)
    expect(page.locator("[data-live-status]")).to_be_hidden()
    page.reload()  # the choice is kept in this browser
    expect(page.locator("#live-update")).not_to_be_checked()
    pill = page.locator("[data-live-pending]")
    expect(pill).to_be_hidden()
    page.wait_for_timeout(500)  # the counting socket opens
    _create_run(page, "elsewhere", "not-counted")
    first = _create_run(page, "live", "new-1")
    expect(pill).to_have_text("1 new run — show")
    _create_run(page, "live", "new-2")
    _create_run(page, "live", "new-3")
    expect(pill).to_have_text("3 new runs — show")
    expect(_rows(page)).to_have_count(1)  # nothing moved under the reader's eyes
    pill.click()
    expect(_rows(page)).to_have_count(4)
    expect(page.locator(f'tr[data-hash="{first}"]')).to_be_visible()
    expect(pill).to_be_hidden()
    expect(page.locator("#live-update")).not_to_be_checked()
    expect(page.locator("[data-total-label]")).to_have_text("4 runs")
    expect(page.locator("[data-count-label]")).to_have_text("4 runs")
