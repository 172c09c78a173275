"""Browser tests: a metric read without its context, when it was only tracked with
contexts, gets a hint under the search bar whose links search each context
(issue 17, bug 7), in the runs explorer and in the Metrics explorer."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.factories import make_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TRAIN = ("loss", '{"subset": "train"}')
VAL = ("loss", '{"subset": "val"}')
QUERY = 'run.metrics["loss"].last < 0.3'
TRAIN_QUERY = 'run.metrics["loss", {"subset": "train"}].last < 0.3'


def test_runs_explorer_offers_the_contexts_of_a_metric_read_without_one(
    signed_in_page,
):
    page = signed_in_page
    make_run(page.user, name="converged", metrics={TRAIN: [0.9, 0.2], VAL: [0.6]})
    make_run(page.user, name="stuck", metrics={TRAIN: [0.9, 0.8], VAL: [0.1]})
    page.goto(f"{page.base_url}/runs/?q={quote(QUERY)}")
    expect(page.locator("#runs-table tbody tr[data-hash]")).to_have_count(0)
    hint = page.locator('.query-hint[data-hint-metric="loss"]')
    expect(hint).to_contain_text("was tracked with subset=train, subset=val")
    page.screenshot(path="/tmp/home-screens/query-hint.png")
    hint.get_by_role("link", name="subset=train").click()
    page.wait_for_url("**/runs/?q=*")
    expect(page.locator('input[name="q"]')).to_have_value(TRAIN_QUERY)
    rows = page.locator("#runs-table tbody tr[data-hash]")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("converged")
    expect(page.locator(".query-hint")).to_have_count(0)


def test_metrics_explorer_shows_the_hint_after_a_search_in_place(signed_in_page):
    page = signed_in_page
    make_run(page.user, name="converged", metrics={TRAIN: [0.9, 0.2]})
    page.goto(f"{page.base_url}/metrics/")
    box = page.locator('input[name="q"]')
    box.fill(QUERY)
    box.press("Enter")
    hint = page.locator('.query-hint[data-hint-metric="loss"]')
    expect(hint).to_contain_text("subset=train")
    expect(hint.get_by_role("link", name="subset=train")).to_have_attribute(
        "data-hint-query", TRAIN_QUERY
    )
    box.fill("run.hparams.lr > 0")
    box.press("Enter")
    expect(page.locator(".query-hint")).to_have_count(0)
