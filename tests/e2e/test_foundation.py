import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from runs.models import Run
from tests.factories import make_user
from tests.helpers.clients import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_shows_the_demo_runs(page, server):
    user = make_user("dana", is_staff=True)
    call_command("demo", runs_per_experiment=2, steps=60, verbosity=0)
    page.goto(f"{server.url}/runs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(page, server, user)
    newest = Run.objects.order_by("-created_at").first()
    expect(page.get_by_role("link", name=newest.name).first).to_be_visible()
    sidebar = page.locator("aside.sidebar")
    for item in ["Runs", "Experiments", "Tags", "Admin"]:
        expect(sidebar.get_by_role("link", name=re.compile(item))).to_be_visible()
    page.screenshot(
        path=str(server.log_path.parent / "foundation-runs.png"), full_page=True
    )


def test_creating_a_token_shows_it_once_with_a_toast(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    expect(page.get_by_text("No tokens yet")).to_be_visible()
    page.fill("#id_name", "laptop")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".toast")).to_contain_text("laptop")
    expect(page.get_by_test_id("new-token")).to_contain_text("ams_")
    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)


def test_revoking_a_token_asks_first(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    page.fill("#id_name", "ci")
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("button", name="Revoke").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Revoke token?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("td .badge-finished")).to_have_text("active")
    page.get_by_role("button", name="Revoke").click()
    page.locator("dialog[open]").get_by_role("button", name="Revoke").click()
    expect(page.locator(".toast").last).to_contain_text("revoked")
    expect(page.locator("td .badge-archived")).to_have_text("revoked")


def test_wrong_password_is_refused_with_a_message(page, server):
    user = make_user("frank")
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("correct username and password")
