"""Browser tests for the Home page at the site root: empty and with data, an old
runs-explorer link redirected, pin and unpin, and a recent search run again."""

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.factories import make_experiment, make_run, new_hash
from tests.helpers.clients import token_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/home-screens")


def _shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_signing_in_lands_on_an_empty_home_that_says_what_to_do(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/")
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(page.locator("#welcome")).to_contain_text("No runs yet")
    expect(page.locator('[data-empty="pinned"]')).to_be_visible()
    expect(page.locator('[data-empty="searches"]')).to_be_visible()
    expect(page.locator('[data-empty="activity"]')).to_be_visible()
    expect(page.locator(".sidebar nav a").first).to_have_text("⌂ Home")
    expect(page.locator(".sidebar nav a.active")).to_have_text("⌂ Home")
    _shot(page, "home-empty")


def test_home_with_data_shows_counts_calendar_activity_and_links(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 1440, "height": 1000})
    make_run(page.user, experiment="mnist", name="lenet", metrics={"loss": [1, 0.5]})
    make_run(page.user, experiment="cifar", name="resnet", status="finished")
    page.goto(f"{page.base_url}/")
    expect(page.locator('[data-count-card="runs"] [data-count]')).to_have_text("2")
    expect(page.locator('[data-count-card="active"] [data-count]')).to_have_text("1")
    expect(page.locator('[data-count-card="points"]')).to_have_text("2 points")
    expect(page.locator("#welcome")).to_have_count(0)
    feed = page.locator("#activity-feed li")
    expect(feed.first).to_contain_text("finished")
    expect(page.locator("#activity-feed")).to_contain_text("lenet started in mnist")
    busy = page.locator('.calendar-cell[data-count="2"]')
    expect(busy).to_have_count(1)
    assert "2 runs on" in busy.get_attribute("title")
    _shot(page, "home-with-data")
    busy.click()
    page.wait_for_url("**/runs/?q=*")
    expect(page.locator("#runs-table tbody tr[data-hash]")).to_have_count(2)
    page.goto(f"{page.base_url}/")
    page.locator('[data-explorer-link="metrics"]').click()
    page.wait_for_url(f"{page.base_url}/metrics/")


def test_an_old_explorer_link_opens_the_runs_explorer_with_its_query(signed_in_page):
    page = signed_in_page
    make_run(page.user, name="keep", params={"hparams": {"lr": 0.1}})
    make_run(page.user, name="drop", params={"hparams": {"lr": 0.001}})
    page.goto(f"{page.base_url}/?q=run.hparams.lr+%3E+0.01&sort=name")
    assert urlparse(page.url).path == "/runs/"
    assert parse_qs(urlparse(page.url).query) == {
        "q": ["run.hparams.lr > 0.01"],
        "sort": ["name"],
    }
    expect(page.locator('input[name="q"]')).to_have_value("run.hparams.lr > 0.01")
    expect(page.locator("#runs-table tbody tr[data-hash]")).to_have_count(1)
    expect(page.locator("#runs-table tbody")).to_contain_text("keep")


def test_pin_on_the_experiment_page_then_unpin_from_home(signed_in_page):
    page = signed_in_page
    experiment = make_experiment("mnist")
    page.goto(f"{page.base_url}/experiments/{experiment.pk}/")
    page.get_by_role("button", name="☆ Pin").click()
    expect(page.locator(".toast")).to_contain_text("pinned to your Home page")
    expect(page.get_by_role("button", name="★ Pinned")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto(f"{page.base_url}/")
    pinned = page.locator('[data-pinned="mnist"]')
    expect(pinned).to_contain_text("0 runs")
    _shot(page, "home-pinned")
    pinned.get_by_role("button", name="★ Pinned").click()
    page.wait_for_url(f"{page.base_url}/")
    expect(page.locator(".toast")).to_contain_text("unpinned from your Home page")
    expect(page.locator('[data-pinned="mnist"]')).to_have_count(0)
    expect(page.locator('[data-empty="pinned"]')).to_be_visible()


def test_pin_from_the_experiments_list(signed_in_page):
    page = signed_in_page
    make_experiment("cifar")
    page.goto(f"{page.base_url}/experiments/")
    row = page.locator('tr[data-name="cifar"]')
    row.get_by_role("button", name="☆ Pin").click()
    expect(page.locator(".toast")).to_contain_text("pinned")
    expect(row.get_by_role("button", name="★ Pinned")).to_be_visible()
    page.goto(f"{page.base_url}/")
    expect(page.locator('[data-pinned="cifar"]')).to_be_visible()


def test_a_search_run_in_an_explorer_is_offered_again_on_home(signed_in_page):
    page = signed_in_page
    make_run(page.user, name="wanted", params={"hparams": {"lr": 0.5}})
    make_run(page.user, name="other", params={"hparams": {"lr": 0.0}})
    page.goto(f"{page.base_url}/runs/")
    box = page.locator('input[name="q"]')
    box.fill("run.hparams.lr > 0.1")
    box.press("Enter")
    expect(page.locator("#runs-table tbody tr[data-hash]")).to_have_count(1)
    page.goto(f"{page.base_url}/")
    recent = page.locator('[data-recent-search="runs"] a')
    expect(recent).to_have_text("run.hparams.lr > 0.1")
    expect(page.locator('[data-empty="searches"]')).to_be_hidden()
    _shot(page, "home-recent-search")
    recent.click()
    page.wait_for_url("**/runs/?q=*")
    expect(page.locator('input[name="q"]')).to_have_value("run.hparams.lr > 0.1")
    expect(page.locator("#runs-table tbody")).to_contain_text("wanted")
    expect(page.locator("#runs-table tbody tr[data-hash]")).to_have_count(1)


def test_counts_and_activity_follow_a_run_logged_while_home_is_open(signed_in_page):
    page = signed_in_page
    make_run(page.user, name="earlier")
    page.goto(f"{page.base_url}/")
    expect(page.locator('[data-count-card="runs"] [data-count]')).to_have_text("1")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    answer = token_session(page.user).post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": new_hash(), "experiment": "live", "name": "just-now"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    expect(page.locator('[data-count-card="runs"] [data-count]')).to_have_text(
        "2", timeout=15000
    )
    expect(page.locator("#activity-feed li").first).to_contain_text(
        "just-now started in live"
    )
