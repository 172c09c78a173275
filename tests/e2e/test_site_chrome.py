"""What every page shares: the sidebar, the favicon, the error pages."""

import io

import pytest
from playwright.sync_api import expect

from tests.factories import make_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIDEBAR_RGB = (0x0E, 0x1D, 0x36)


def test_the_dark_sidebar_runs_down_the_whole_page(signed_in_page):
    from PIL import Image

    page = signed_in_page
    page.set_viewport_size({"width": 1200, "height": 500})
    page.goto(f"{page.base_url}/runs/{make_run(page.user).hash}/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 750  # well past one screen
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    for y in (10, height // 2, height - 5):
        assert shot.getpixel((100, y)) == SIDEBAR_RGB, y
    page.mouse.wheel(0, height)
    expect(page.locator("aside.sidebar .account")).to_be_in_viewport()


def test_every_page_links_an_svg_favicon(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/tags/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    answer = page.request.get(f"{page.base_url}{href}")
    assert answer.ok
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in answer.body()


def test_favicon_ico_leads_to_the_svg_icon_even_signed_out(page, server):
    answer = page.request.get(f"{server.url}/favicon.ico")
    assert answer.ok
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in answer.body()


def test_a_missing_page_shows_the_layout_and_leads_back(signed_in_page):
    page = signed_in_page
    answer = page.goto(f"{page.base_url}/runs/0123456789abcdef01234567/")
    assert answer.status == 404
    expect(page.locator("aside.sidebar")).to_be_visible()
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Back to runs").click()
    expect(page.locator("#runs-table, .runs-table, table").first).to_be_visible()
