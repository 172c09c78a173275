"""Browser tests for the runs explorer: search, sort, columns, live update,
archive, delete and export."""

import csv
import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from django.conf import settings
from playwright.sync_api import expect

from runs.models import Run
from tests.factories import make_run, make_tag, make_token, new_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/explorer-screens")


@pytest.fixture
def runs(signed_in_page):
    owner = signed_in_page.user
    best = make_tag("best")
    made = []
    for index, (lr, opt, loss) in enumerate(
        [
            (0.001, "adam", 0.31),
            (0.01, "sgd", 0.22),
            (0.1, "adam", 0.55),
            (0.03, "adamw", 0.12),
        ]
    ):
        run = make_run(
            owner,
            experiment="baseline" if index % 2 else "tuned",
            name=f"bert-{index}",
            params={
                "hparams": {"lr": lr, "optimizer": opt, "batch_size": 32 * (index + 1)},
                "dataset": {"name": "glue"},
            },
            metrics={
                "loss": [1.0, loss],
                ("loss", '{"subset": "val"}'): [loss + 0.1],
                "acc": [0.5 + index / 10],
            },
            status="finished" if index != 2 else None,
        )
        if index % 2:
            run.tags.add(best)
        made.append(run)
    return made


def _rows(page):
    return page.locator("#runs-table tbody tr[data-hash]")


def test_search_filters_runs_and_shows_query_errors_inline(signed_in_page, runs):
    page = signed_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{page.base_url}/runs/")
    expect(_rows(page)).to_have_count(4)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explorer.png"))

    page.fill(
        "#runs-query",
        'run.hparams.lr >= 0.01 and run.hparams.optimizer.startswith("adam")',
    )
    page.press("#runs-query", "Enter")
    expect(_rows(page)).to_have_count(2)
    assert "run.hparams.lr" in page.url or "q=" in page.url
    expect(page.locator("#runs-table")).to_contain_text("bert-2")
    expect(page.locator("#runs-table")).to_contain_text("bert-3")

    page.fill("#runs-query", "run.hparams.lr >> 1")
    page.press("#runs-query", "Enter")
    error = page.locator("[data-query-error]")
    expect(error).to_contain_text("operators")
    expect(error.locator(".query-error-caret")).to_contain_text(
        "run.hparams.lr >> 1\n" + " " * 15 + "^"
    )
    page.fill("#runs-query", "run.name ==")
    page.press("#runs-query", "Enter")
    expect(error).to_contain_text("syntax error")
    page.screenshot(path=str(SCREENSHOTS / "query-error.png"))


def test_a_metric_query_links_to_the_same_query_in_the_metrics_explorer(
    signed_in_page, runs
):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    expect(_rows(page)).to_have_count(4)
    query = 'metric.name == "loss" and run.hparams.lr > 0.01'
    page.fill("#runs-query", query)
    page.press("#runs-query", "Enter")
    error = page.locator("[data-query-error]")
    expect(error).to_contain_text(
        "`metric.*` reads metric sequences: use the Metrics explorer"
    )
    link = error.locator("a[data-query-error-explorer]")
    expect(link).to_have_text("Open this query in the Metrics explorer")
    href = link.get_attribute("href")
    assert href == "/metrics/?" + urlencode({"q": query})


def test_suggestions_complete_param_keys_and_recent_queries_are_offered(
    signed_in_page, runs
):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    page.fill("#runs-query", "")
    page.type("#runs-query", "run.hparams.l")
    option = page.locator("#query-suggestions li", has_text="run.hparams.lr")
    expect(option).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "suggestions.png"))
    option.dispatch_event("mousedown")
    expect(page.locator("#runs-query")).to_have_value("run.hparams.lr")
    page.type("#runs-query", " > 0.05")
    page.press("#runs-query", "Enter")
    expect(_rows(page)).to_have_count(1)
    page.fill("#runs-query", "")
    page.locator("#runs-query").blur()
    page.locator("#runs-query").focus()
    expect(
        page.locator("#query-suggestions li", has_text="run.hparams.lr > 0.05")
    ).to_be_visible()


def test_sorting_by_a_param_column_is_done_by_the_server(signed_in_page, runs):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    header = page.locator('th[data-col="p:[\\"hparams\\",\\"lr\\"]"] button')
    header.click()
    expect(page.locator('th[aria-sort="descending"]')).to_have_count(1)
    expect(_rows(page).first).to_contain_text("bert-2")  # lr 0.1
    header.click()
    expect(page.locator('th[aria-sort="ascending"]')).to_have_count(1)
    expect(_rows(page).first).to_contain_text("bert-0")  # lr 0.001
    assert "sort=" in page.url


def test_column_choice_hides_columns_and_is_remembered(signed_in_page, runs):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    column = page.locator('th[data-col="p:[\\"hparams\\",\\"batch_size\\"]"]')
    expect(column).to_be_visible()
    page.click("#columns-menu summary")
    page.locator("[data-columns-list] label", has_text="hparams.batch_size").locator(
        "input"
    ).uncheck()
    expect(column).to_be_hidden()
    page.reload()
    expect(page.locator('th[data-col="p:[\\"hparams\\",\\"lr\\"]"]')).to_be_visible()
    expect(
        page.locator('th[data-col="p:[\\"hparams\\",\\"batch_size\\"]"]')
    ).to_be_hidden()


def test_live_update_shows_new_runs_matching_the_query_within_a_second(
    signed_in_page, runs
):
    page = signed_in_page
    token = make_token(page.user)
    page.goto(
        f"{page.base_url}/runs/?q=" + requests.utils.quote('run.experiment == "live"')
    )
    expect(page.locator("[data-empty]")).to_be_visible()
    page.check("#live-update", force=True)
    expect(page.locator("[data-live-status]")).to_be_visible()
    page.wait_for_function(
        "() => !document.querySelector('[data-live-status]').classList.contains('offline')"
    )
    headers = {"Authorization": f"Bearer {token}"}
    other = requests.post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": new_hash(), "experiment": "elsewhere", "name": "not-me"},
        headers=headers,
        timeout=5,
    )
    assert other.status_code == 201
    created = requests.post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": new_hash(), "experiment": "live", "name": "fresh-run"},
        headers=headers,
        timeout=5,
    )
    assert created.status_code == 201
    expect(_rows(page).filter(has_text="fresh-run")).to_have_count(1)
    expect(_rows(page)).to_have_count(1)

    run_hash = created.json()["hash"]
    requests.post(
        f"{page.base_url}/api/v1/runs/{run_hash}/track",
        json={"seq": 1, "status": "finished"},
        headers=headers,
        timeout=5,
    )
    expect(page.locator(f'tr[data-hash="{run_hash}"] [data-status]')).to_have_text(
        "finished"
    )
    requests.delete(
        f"{page.base_url}/api/v1/runs/{run_hash}/", headers=headers, timeout=5
    )
    expect(_rows(page)).to_have_count(0)

    page.reload()
    expect(page.locator("#live-update")).to_be_checked()


def test_archive_asks_for_confirmation_and_cancel_changes_nothing(signed_in_page, runs):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    page.locator(f'tr[data-hash="{runs[0].hash}"] [data-select-row]').check()
    page.click("[data-action=archive]")
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text("Archive 1 run")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert not Run.objects.get(pk=runs[0].pk).is_archived

    page.locator(f'tr[data-hash="{runs[1].hash}"] [data-select-row]').check()
    page.click("[data-action=archive]")
    page.screenshot(path=str(SCREENSHOTS / "archive-confirm.png"))
    page.locator("dialog.modal[open]").get_by_role("button", name="Archive").click()
    expect(page.locator(".toast")).to_contain_text("Archived 2 runs")
    expect(_rows(page)).to_have_count(2)
    assert Run.objects.filter(is_archived=True).count() == 2


def test_select_all_matching_then_unarchive(signed_in_page, runs):
    page = signed_in_page
    Run.objects.update(is_archived=True)
    page.goto(f"{page.base_url}/runs/?q=run.archived")
    expect(_rows(page)).to_have_count(4)
    page.check("[data-select-page]")
    expect(page.locator("[data-selection-label]")).to_have_text("4 runs selected")
    page.click("[data-action=unarchive]")
    page.locator("dialog.modal[open]").get_by_role("button", name="Unarchive").click()
    expect(page.locator(".toast")).to_contain_text("Unarchived 4 runs")
    assert not Run.objects.filter(is_archived=True).exists()


def test_delete_warns_and_removes_rows_and_files(signed_in_page, runs):
    page = signed_in_page
    victim = runs[2]
    media = Path(settings.MEDIA_ROOT) / "runs" / victim.hash
    media.mkdir(parents=True, exist_ok=True)
    (media / "image.png").write_bytes(b"\x89PNG fake")
    page.goto(f"{page.base_url}/runs/")
    page.locator(f'tr[data-hash="{victim.hash}"] [data-select-row]').check()
    page.click("[data-action=delete]")
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text("irreversible")
    page.screenshot(path=str(SCREENSHOTS / "delete-confirm.png"))
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".toast")).to_contain_text("Deleted 1 run")
    expect(page.locator(f'tr[data-hash="{victim.hash}"]')).to_have_count(0)
    assert not Run.objects.filter(pk=victim.pk).exists()
    assert not media.exists()


def test_export_downloads_the_matching_runs_as_csv(signed_in_page, runs):
    page = signed_in_page
    page.goto(
        f"{page.base_url}/runs/?q=" + requests.utils.quote('run.experiment == "tuned"')
    )
    expect(_rows(page)).to_have_count(2)
    with page.expect_download() as download_info:
        page.click("#export-csv")
    content = Path(download_info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert sorted(row["name"] for row in rows) == ["bert-0", "bert-2"]
    assert {row["hparams.lr"] for row in rows} == {"0.001", "0.1"}
    assert "loss" in rows[0]
