"""Browser tests for log records (level badges, level filter, search) and artifacts."""

import pytest
import requests
from playwright.sync_api import expect

from aimsite.sdk import Run, flush
from tests.factories import QUIET_RUN, make_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_run(signed_in_page, tmp_path, monkeypatch):
    """A run logged through the SDK: terminal lines, records of each level, artifacts."""
    page = signed_in_page
    monkeypatch.setenv("AIMSITE_SPOOL_DIR", str(tmp_path / "spool"))
    (tmp_path / "model.bin").write_bytes(b"weights")
    run = Run(server=page.base_url, token=make_token(page.user), **QUIET_RUN)
    run.log_lines(["epoch 1 starting", "plain <b>output</b>"])
    run.log_debug("tensor shapes", batch=64)
    run.log_info("epoch 1 done")
    run.log_warning("learning rate is high")
    run.log_error("loss is nan at epoch 1")
    run.log_artifact(tmp_path / "model.bin", name="models/model.bin")
    run.set_artifacts_uri("s3://bucket/runs")
    run.close(wait=True)
    yield run
    assert flush(timeout=60)


def test_log_records_show_level_badges_and_filter_by_level_and_search(
    signed_in_page, logged_run
):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/{logged_run.hash}/logs/")
    view = page.locator("#log-view")
    expect(view).to_have_attribute("data-ready", "true")
    rows = page.locator(".log-row")
    expect(rows).to_have_count(6)
    badges = page.locator(".log-level")
    expect(badges).to_have_text(["DEBUG", "INFO", "WARNING", "ERROR"])
    expect(page.locator('.log-row[data-line="1"]')).to_have_text("1plain <b>output</b>")
    expect(page.locator('.log-row[data-line="5"] .log-level')).to_have_class(
        "log-level log-level-error"
    )

    page.select_option("#logs-level", label="Warnings and errors")
    expect(rows).to_have_count(2)
    expect(badges).to_have_text(["WARNING", "ERROR"])
    expect(page.locator("#logs-count")).to_have_text("2 matching lines")

    page.fill("#logs-search", "NaN epoch")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("mark")).to_have_text(["nan", "epoch"])

    page.fill("#logs-search", "nothing like this")
    expect(rows).to_have_count(0)
    expect(page.locator(".log-empty")).to_have_text("No lines match the filter.")

    page.fill("#logs-search", "")
    page.select_option("#logs-level", label="All lines")
    expect(rows).to_have_count(6)

    # A record sent while the page is open arrives with its badge, through the filter.
    page.select_option("#logs-level", label="Errors")
    expect(rows).to_have_count(1)
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{logged_run.hash}/track",
        json={
            "seq": 99,
            "logs": [
                {"line": 6, "text": "just info", "level": "info"},
                {"line": 7, "text": "out of memory", "level": "error"},
            ],
        },
        headers={"Authorization": f"Bearer {make_token(page.user)}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(page.locator('.log-row[data-line="7"]')).to_have_text("7ERRORout of memory")
    expect(page.locator('.log-row[data-line="6"]')).to_have_count(0)
    page.screenshot(path="/tmp/run-page-screens/log-records.png", full_page=True)


def test_artifacts_card_lists_and_downloads_the_runs_files(signed_in_page, logged_run):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/{logged_run.hash}/")
    card = page.locator('[data-card="artifacts"]')
    expect(card.locator("tbody tr")).to_have_count(1)
    expect(card.locator("tbody tr td").nth(1)).to_have_text("7\xa0bytes")
    expect(card.locator(".artifacts-uri")).to_contain_text("s3://bucket/runs")
    with page.expect_download() as download_info:
        card.get_by_role("link", name="models/model.bin").click()
    download = download_info.value
    assert download.suggested_filename == "model.bin"
    with open(download.path(), "rb") as file:
        assert file.read() == b"weights"
    page.screenshot(path="/tmp/run-page-screens/artifacts.png", full_page=True)
