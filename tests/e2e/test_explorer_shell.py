"""Browser tests for js/lib/explorer_shell.js: used the way a second explorer (Metrics)
will use it, and by the runs explorer."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.factories import make_run, make_token, new_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The runs explorer's server-rendered shell markup, in place of the whole page, with
# a fresh shell configured as another explorer would (its own name and state keys).
MOUNT_ANOTHER_EXPLORER = """async (options) => {
  const html = await (await fetch("/runs/")).text();
  const main = new DOMParser().parseFromString(html, "text/html").querySelector("main");
  document.body.replaceChildren(document.adoptNode(main));
  const { createExplorerShell } = await import("/static/js/lib/explorer_shell.js");
  window.calls = [];
  window.events = [];
  window.shell = createExplorerShell({
    name: "metrics",
    suggestionsUrl: "/api/v1/runs/suggestions",
    stateKeys: { group: "", smoothing: "0" },
    onQuery: (query) => calls.push(["query", query]),
    onStateChange: options.followState
      ? (state, query) => calls.push(["state", state, query]) : null,
    live: options.live ? {
      path: "/ws/runs/",
      onEvent: (event) => events.push(event),
      catchUp: () => calls.push(["catchUp"]),
    } : null,
  });
}"""


def _address(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _stored(page, key: str):
    return page.evaluate(f"() => JSON.parse(localStorage.getItem({json.dumps(key)}))")


def _another_explorer(page, *, follow_state: bool = True, live: bool = False) -> None:
    page.goto(f"{page.base_url}/runs/")
    page.evaluate(MOUNT_ANOTHER_EXPLORER, {"followState": follow_state, "live": live})


def test_another_explorer_keeps_its_state_keys_in_the_address_and_history(
    signed_in_page,
):
    page = signed_in_page
    _another_explorer(page)

    page.evaluate("shell.setState({ group: 'run.experiment' }, { push: true })")
    assert _address(page) == {"group": ["run.experiment"]}
    page.evaluate("shell.setState({ smoothing: '0.6' })")
    assert _address(page) == {"group": ["run.experiment"], "smoothing": ["0.6"]}
    page.evaluate(
        "shell.setState({ smoothing: '0' })"
    )  # the default leaves the address
    assert _address(page) == {"group": ["run.experiment"]}
    assert page.evaluate("shell.state()") == {
        "group": "run.experiment",
        "smoothing": "0",
    }
    refused = page.evaluate(
        "() => { try { shell.setState({ colour: 'red' }); }"
        " catch (error) { return error.message; } }"
    )
    assert refused == "Unknown explorer state key: colour"

    page.evaluate("history.back()")
    page.wait_for_function("calls.length === 1")
    assert page.evaluate("calls") == [["state", {"group": "", "smoothing": "0"}, ""]]
    assert _address(page) == {}


def test_another_explorer_searches_in_place_with_its_own_recent_queries(
    signed_in_page,
):
    page = signed_in_page
    make_run(page.user, params={"hparams": {"lr": 0.1}})
    _another_explorer(page)
    page.evaluate("shell.setState({ group: 'run.experiment' })")

    page.fill("[data-search-input]", "run.hparams.l")
    option = page.locator("[data-search-suggestions] li", has_text="run.hparams.lr")
    option.dispatch_event("mousedown")
    page.type("[data-search-input]", " > 0.01")
    page.press("[data-search-input]", "Enter")

    # No page load: the same window still holds the calls, and the address has the
    # query beside the state.
    page.wait_for_function("calls.length === 1")
    assert page.evaluate("calls") == [["query", "run.hparams.lr > 0.01"]]
    assert _address(page) == {
        "group": ["run.experiment"],
        "q": ["run.hparams.lr > 0.01"],
    }
    assert page.evaluate("shell.query") == "run.hparams.lr > 0.01"
    assert _stored(page, "metrics.recentQueries") == ["run.hparams.lr > 0.01"]
    assert _stored(page, "runs.recentQueries") is None

    page.fill("[data-search-input]", "")
    page.locator("[data-search-input]").blur()
    page.locator("[data-search-input]").focus()
    expect(
        page.locator(
            "[data-search-suggestions] li[role=option]", has_text="run.hparams"
        )
    ).to_have_count(1)

    page.evaluate("history.back()")
    page.wait_for_function("calls.length === 2")
    assert page.evaluate("calls[1]") == [
        "state",
        {"group": "run.experiment", "smoothing": "0"},
        "",
    ]
    expect(page.locator("[data-search-input]")).to_have_value("")


def test_without_a_state_handler_back_reruns_the_query_it_returns_to(
    signed_in_page,
):
    page = signed_in_page
    _another_explorer(page, follow_state=False)
    for query in ("run.name == 'a'", "run.name == 'b'"):
        page.fill("[data-search-input]", query)
        page.press("[data-search-input]", "Enter")
    page.press("[data-search-input]", "Enter")  # the same again: no new history entry
    page.wait_for_function("calls.length === 3")

    page.evaluate("history.back()")
    page.wait_for_function("calls.length === 4")
    assert page.evaluate("calls[3]") == ["query", "run.name == 'a'"]
    expect(page.locator("[data-search-input]")).to_have_value("run.name == 'a'")
    assert _address(page) == {"q": ["run.name == 'a'"]}

    page.evaluate("history.back()")
    page.wait_for_function("calls.length === 5")
    assert page.evaluate("calls[4]") == ["query", ""]


def test_another_explorer_shows_errors_totals_and_selection_in_the_shell(
    signed_in_page,
):
    page = signed_in_page
    _another_explorer(page)
    page.evaluate(
        """async () => {
          const response = await fetch("/runs/table?q=" + encodeURIComponent("run.name =="));
          const { parseHtml } = await import("/static/js/lib/dom.js");
          shell.showError(parseHtml(await response.text()));
        }"""
    )
    expect(page.locator("[data-query-error]")).to_contain_text("Query error")
    page.evaluate("shell.showError(null)")
    expect(page.locator("[data-query-error]")).to_have_count(0)

    page.evaluate("shell.setTotal(1); shell.updateSelection({ count: 3 })")
    expect(page.locator("[data-total-label]")).to_have_text("1 run")
    expect(page.locator("[data-selection-label]")).to_have_text("3 runs selected")
    page.evaluate("shell.setTotal(null); shell.updateSelection({ count: 0 })")
    expect(page.locator("[data-total-label]")).to_have_text("")
    expect(page.locator("[data-selection-label]")).to_have_text("No runs selected")


def test_another_explorers_live_switch_feeds_its_own_handler(signed_in_page):
    page = signed_in_page
    _another_explorer(page, live=True)
    page.check("[data-live-switch]", force=True)
    page.wait_for_function(
        "() => !document.querySelector('[data-live-status]').hidden"
        " && !document.querySelector('[data-live-status]').classList.contains('offline')"
    )
    assert _stored(page, "metrics.liveUpdate") is True
    # The runs explorer under it stored its own switch (on by default); untouched.
    assert _stored(page, "runs.liveUpdate") is True

    created = requests.post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": new_hash(), "experiment": "live", "name": "fresh-run"},
        headers={"Authorization": f"Bearer {make_token(page.user)}"},
        timeout=5,
    )
    assert created.status_code == 201
    page.wait_for_function(
        "hash => events.some((e) => e.type === 'run.created' && e.run.hash === hash)",
        arg=created.json()["hash"],
    )

    page.uncheck("[data-live-switch]", force=True)
    expect(page.locator("[data-live-status]")).to_be_hidden()
    assert _stored(page, "metrics.liveUpdate") is False


def test_a_new_search_keeps_the_sort_chosen_in_the_runs_table(signed_in_page):
    page = signed_in_page
    for index in range(3):
        make_run(page.user, name=f"run-{index}", params={"lr": index / 10})
    page.goto(f"{page.base_url}/runs/")
    page.locator('th[data-col="name"] button').click()
    expect(page.locator('th[data-col="name"][aria-sort="descending"]')).to_have_count(1)
    assert _address(page) == {"sort": ["-name"]}

    page.fill("#runs-query", "run.lr >= 0.1")
    with page.expect_navigation():
        page.press("#runs-query", "Enter")
    assert _address(page) == {"q": ["run.lr >= 0.1"], "sort": ["-name"]}
    rows = page.locator("#runs-table tbody tr[data-hash]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("run-2")
    expect(page.locator('th[data-col="name"][aria-sort="descending"]')).to_have_count(1)

    # The default sort stays out of the address.
    page.locator('th[data-col="created"] button').click()
    expect(
        page.locator('th[data-col="created"][aria-sort="descending"]')
    ).to_have_count(1)
    with page.expect_navigation():
        page.press("#runs-query", "Enter")
    expect(
        page.locator('th[data-col="created"][aria-sort="descending"]')
    ).to_have_count(1)
    assert _address(page) == {"q": ["run.lr >= 0.1"]}
