"""The browser suite's main flows through nginx in front of three `aimsite up`
processes (PostgreSQL + Redis): sign in, the runs explorer, a run page updated
live, the Metrics explorer; and a live page that reconnects when the process
holding its socket is SIGKILLed.

Run: DATABASE_URL=postgres://… REDIS_URL=redis://… python3 -m pytest tests/scaleout/browser -m e2e
"""

import contextlib
import re

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.factories import make_token, make_user, new_hash
from tests.helpers.clients import sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.scaleout,
    pytest.mark.django_db(transaction=True),
]

# Counts the run page's socket closes (body[data-live] is "open" / "closed").
COUNT_CLOSES = """() => {
  window.liveCloses = 0;
  new MutationObserver(() => {
    if (document.body.dataset.live === "closed") window.liveCloses += 1;
  }).observe(document.body, { attributes: true, attributeFilter: ["data-live"] });
}"""


@pytest.fixture
def visitor(page, alive):
    user = make_user("proxy-visitor")
    sign_in(page, alive.proxy, user)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {make_token(user)}"
    return page, api


def _track(api, url, run_hash, seq, **fields):
    answer = api.post(
        f"{url}/api/v1/runs/{run_hash}/track", json={"seq": seq, **fields}, timeout=10
    )
    answer.raise_for_status()


def test_explorer_run_page_live_and_metrics_explorer_through_the_proxy(visitor, alive):
    page, api = visitor
    proxy = alive.proxy.url
    run_hash = new_hash()
    api.post(
        f"{proxy}/api/v1/runs/",
        json={"hash": run_hash, "name": "behind-nginx", "experiment": "proxy"},
        timeout=10,
    ).raise_for_status()
    _track(
        api,
        alive.servers[0].url,
        run_hash,
        1,
        metrics=[
            {
                "name": "loss",
                "context": {"subset": "train"},
                "steps": [0, 1],
                "values": [0.9, 0.5],
            }
        ],
    )

    page.goto(f"{proxy}/runs/")
    expect(page.locator(f'tr[data-hash="{run_hash}"]')).to_contain_text("behind-nginx")

    page.goto(f"{proxy}/runs/{run_hash}/metrics/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    # Written to a process directly; the page's socket is on whichever one
    # nginx chose, so the event crosses processes through Redis.
    for index, server in enumerate(alive.servers):
        _track(
            api,
            server.url,
            run_hash,
            10 + index,
            metrics=[
                {
                    "name": "loss",
                    "context": {"subset": "train"},
                    "steps": [2 + index],
                    "values": [0.1],
                }
            ],
        )
    _track(api, alive.servers[1].url, run_hash, 20, status="finished")
    expect(page.locator("#run-status .badge")).to_have_text("finished")

    page.get_by_role("link", name="Open in explorer").click()
    page.wait_for_url("**/metrics/**")
    expect(page.locator("#charts")).to_have_attribute("data-drawn", re.compile(r"\d+"))
    expect(page.locator("#metrics-table tbody tr")).to_have_count(1)


def test_a_live_page_reconnects_when_its_process_is_killed(visitor, alive):
    page, api = visitor
    proxy = alive.proxy.url
    run_hash = new_hash()
    api.post(
        f"{proxy}/api/v1/runs/", json={"hash": run_hash, "name": "survivor"}, timeout=10
    ).raise_for_status()
    page.goto(f"{proxy}/runs/{run_hash}/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    page.evaluate(COUNT_CLOSES)

    # Each process in turn is SIGKILLed and started again: whichever one held
    # the page's socket went down once, and the page came back through nginx.
    for server in alive.servers:
        before = page.evaluate("window.liveCloses")
        server.kill()
        # The close reaches the page at once when this process held its socket.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"window.liveCloses > {before}", timeout=3000)
        expect(page.locator("body")).to_have_attribute(
            "data-live", "open", timeout=15_000
        )
        alive.restart(server)
    assert page.evaluate("window.liveCloses") >= 1

    _track(api, proxy, run_hash, 1, status="finished")
    expect(page.locator("#run-status .badge")).to_have_text("finished")
    page.reload()
    expect(page.locator("#run-status .badge")).to_have_text("finished")
