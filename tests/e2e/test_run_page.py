"""Browser tests for the single run page: every tab, live logs, pins, sliders, settings."""

import time
from pathlib import Path

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from runs.models import LogLine, Run
from tests.factories import make_run, make_token, make_user
from tests.runs.run_page_data import make_full_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/run-page-screens")
SCREENSHOTS.mkdir(exist_ok=True)


def _open(page, run, tab: str) -> None:
    page.goto(f"{page.base_url}/runs/{run.hash}/{tab}/")


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_each_tab_renders_its_data(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 1400, "height": 900})
    run = make_full_run(page.user)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _open(page, run, "overview")
    expect(page.locator('[data-card="packages"] tbody tr')).to_have_count(301)
    page.locator('[data-card="packages"] [data-table-search]').fill("numpy")
    expect(page.locator('[data-card="packages"] tbody tr:visible')).to_have_count(1)
    expect(page.locator('[data-card="argv"]')).to_contain_text("--lr=0.001")
    expect(page.locator('[data-card="git"]')).to_contain_text("abc1234")
    expect(page.locator('[data-card="metrics"]')).to_contain_text("subset: train")
    _shot(page, "overview")

    _open(page, run, "params")
    expect(page.locator("#params-tree")).to_contain_text('"adam"')
    page.get_by_role("button", name="Collapse all").click()
    expect(page.locator(".json-string", has_text="adam")).to_be_hidden()
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".json-string", has_text="adam")).to_be_visible()
    _shot(page, "params")

    _open(page, run, "metrics")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)
    loss = page.locator('.chart-card[data-metric="loss"]').first
    expect(loss).to_contain_text("subset: train")
    expect(loss.locator(".series-plot")).to_have_attribute("data-drawn", "canvas")
    page.locator("#chart-smoothing").fill("0.6")
    expect(loss.locator(".scatterlayer .trace")).to_have_count(2)
    page.select_option("#chart-x-axis", "epoch")
    expect(loss.locator(".g-xtitle")).to_have_text("epoch")
    loss.locator(".nsewdrag").first.hover(position={"x": 5, "y": 10})
    _shot(page, "metrics")

    _open(page, run, "system")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(2)
    expect(page.locator(".chart-card").first).to_contain_text("cpu")
    _shot(page, "system")

    _open(page, run, "distributions")
    expect(page.locator("#dist-histogram")).to_have_attribute("data-step", "27")
    expect(
        page.locator("#dist-heatmap .hm, #dist-heatmap .heatmaplayer")
    ).not_to_have_count(0)
    page.fill("#dist-step-input", "10")
    page.click("#dist-jump button")
    expect(page.locator("#dist-histogram")).to_have_attribute("data-step", "9")
    _shot(page, "distributions")

    _open(page, run, "audios")
    expect(page.locator(".audio-card audio")).to_have_count(1)
    expect(page.locator(".audio-card")).to_contain_text("a tone")
    _shot(page, "audios")

    _open(page, run, "figures")
    expect(page.locator(".figure-plot .main-svg").first).to_be_visible()
    assert page.evaluate(
        "document.getElementById('figure-list').scrollWidth > document.getElementById('figure-list').clientWidth"
    )
    _shot(page, "figures")

    _open(page, run, "logs")
    first_line = page.locator('.log-row[data-line="0"] .log-text')
    expect(first_line).to_have_text("Starting training")
    expect(first_line.locator("span").first).to_have_css("color", "rgb(24, 171, 109)")
    expect(page.locator("#log-view")).not_to_contain_text("[32m")
    _shot(page, "logs")

    _open(page, run, "settings")
    expect(page.get_by_role("button", name="Archive")).to_be_enabled()
    _shot(page, "settings")
    assert errors == []


def test_empty_run_shows_every_empty_state(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, name="empty", status="finished")
    for tab in [
        "overview",
        "params",
        "metrics",
        "system",
        "distributions",
        "images",
        "audios",
        "texts",
        "figures",
        "logs",
    ]:
        _open(page, run, tab)
        expect(page.locator("[data-empty]").first).to_be_visible()
        if tab == "overview":
            expect(page.locator("[data-empty]")).to_have_count(8)
        _shot(page, f"empty-{tab}")


def test_pin_and_unpin_persist_after_reload(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "metrics")
    accuracy = page.locator('.chart-card[data-metric="accuracy"]')
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)
    expect(page.locator("#pinned-charts .chart-card")).to_have_count(0)
    accuracy.get_by_role("button", name="Pin").click()
    expect(page.locator("#pinned-charts .chart-card")).to_have_count(1)
    expect(page.locator(".toast")).to_contain_text("Pinned accuracy")
    page.reload()
    expect(
        page.locator('#pinned-charts .chart-card[data-metric="accuracy"]')
    ).to_have_count(1)
    expect(page.locator("#pinned-charts .chart-card").first).to_have_attribute(
        "data-loaded", "true"
    )
    _shot(page, "metrics-pinned")
    page.locator('.chart-card[data-metric="accuracy"]').get_by_role(
        "button", name="Unpin"
    ).click()
    expect(page.locator("#pinned-charts .chart-card")).to_have_count(0)
    expect(page.locator(".toast").last).to_contain_text("Unpinned accuracy")
    page.reload()
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)
    expect(page.locator("#pinned-charts .chart-card")).to_have_count(0)
    assert Run.objects.get(pk=run.pk).pinned_metrics == []


def test_another_user_gets_a_read_only_run_page(page, server):
    from tests.helpers.clients import sign_in

    owner = make_user("owner1")
    viewer = make_user("viewer1")
    run = make_full_run(owner)
    sign_in(page, server, viewer)
    page.goto(f"{server.url}/runs/{run.hash}/metrics/")
    expect(page.locator(".pin-button").first).to_be_disabled()
    expect(page.locator("#run-name-edit")).to_have_count(0)
    page.goto(f"{server.url}/runs/{run.hash}/settings/")
    expect(page.locator("#delete-button")).to_be_disabled()
    expect(page.locator("#archive-button")).to_be_disabled()


def test_image_sliders_slice_and_one_step_message_shows(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "images")
    cards = page.locator(".image-card")
    expect(cards).to_have_count(9)
    # The sliders move over positions in the tracked steps (0, 10, 20).
    page.fill('[data-range="step"] [data-range-min]', "1")
    expect(page.locator('[data-range="step"] [data-range-text]')).to_have_text(
        "10 \N{EN DASH} 20"
    )
    expect(cards).to_have_count(6)
    page.fill('[data-range="index"] [data-range-max]', "1")
    expect(cards).to_have_count(4)
    shown = cards.evaluate_all(
        "nodes => nodes.map(n => `${n.dataset.step}:${n.dataset.index}`)"
    )
    assert shown == ["10:0", "10:1", "20:0", "20:1"]
    page.fill('[data-range="step"] [data-range-max]', "1")
    expect(cards).to_have_count(2)
    cards.first.click()
    expect(page.locator("#image-modal")).to_be_visible()
    expect(page.locator("#image-modal-caption")).to_have_text("sample 0 at step 10")
    expect(page.locator("#image-modal-meta")).to_contain_text("step 10 · index 0")
    _shot(page, "images-modal")
    page.locator("#image-modal").get_by_role("button", name="Close").click()

    page.locator(".sequence-item", has_text="single").click()
    expect(cards).to_have_count(1)
    step_info = page.locator('[data-range="step"] [data-range-info]')
    index_info = page.locator('[data-range="index"] [data-range-info]')
    expect(step_info).to_be_visible()
    expect(step_info).to_contain_text("Only one step (5)")
    expect(index_info).to_contain_text("Only one index")
    expect(page.locator('[data-range="step"] [data-range-inputs]')).to_be_hidden()
    _shot(page, "images-single")
    page.reload()  # the chosen set survives a reload
    expect(page.locator(".sequence-item.selected")).to_contain_text("single")


def test_lazy_image_loading_fetches_pages(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user, image_steps=range(0, 40), images_per_step=3)
    page.set_viewport_size({"width": 1200, "height": 700})
    _open(page, run, "images")
    cards = page.locator(".image-card")
    expect(cards).to_have_count(48)  # the first page only
    page.locator("#media-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(96)


def test_text_search_options_are_real_and_combine(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "texts")
    cards = page.locator(".text-card")
    marks = page.locator(".text-card mark")
    expect(cards).to_have_count(4)
    search = page.get_by_label("Search texts")
    search.fill("cat")
    expect(cards).to_have_count(3)
    expect(marks).to_have_text(["Cat", "cat", "CAT"])
    page.get_by_label("Whole words").check()  # "cats" is not the word "cat"
    expect(cards).to_have_count(2)
    expect(marks).to_have_text(["Cat", "CAT"])
    search.fill("ca")
    expect(page.locator(".empty")).to_have_text("No text matches the search.")
    search.fill("CAT")
    page.get_by_label("Match case").check()  # whole words and case together
    expect(marks).to_have_text(["CAT"])
    page.get_by_label("Whole words").uncheck()
    search.fill("cat")
    expect(marks).to_have_text(["cat"])
    page.get_by_label("Match case").uncheck()
    page.get_by_label("Regex").check()
    search.fill(r"\d+")
    expect(cards).to_have_count(2)
    expect(marks).to_have_text(["3", "42"])
    page.get_by_label("Whole words").check()  # regex and whole words together
    search.fill(r"\d")
    expect(marks).to_have_text(["3"])
    search.fill("(")
    expect(page.locator("[data-text-search-status]")).to_have_text(
        "Invalid regular expression: Unterminated group"
    )
    _shot(page, "texts-search")


def _track(run, objects, files=None):
    from media_tracks import services as media

    media.store_objects(run, media.parse_objects({"objects": objects}, files or {}))


def test_choosing_another_layer_draws_its_histogram(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _track(
        run,
        [
            {
                "kind": "distribution",
                "name": "weights",
                "context": {"layer": "fc2"},
                "step": step,
                "data": {"bins": [5, 1, 1, 5, 2, 2], "range": [-2.0, 2.0]},
            }
            for step in (0, 4)
        ],
    )
    _open(page, run, "distributions")
    histogram = page.locator("#dist-histogram")
    expect(histogram).to_have_attribute("data-step", "27")
    expect(histogram.locator(".bars .point")).to_have_count(4)
    page.locator(".sequence-item", has_text="fc2").click()
    expect(histogram).to_have_attribute("data-step", "4")
    expect(histogram.locator(".bars .point")).to_have_count(6)
    page.locator(".sequence-item", has_text="fc1").click()
    expect(histogram).to_have_attribute("data-step", "27")
    expect(histogram.locator(".bars .point")).to_have_count(4)
    # Two tracked steps: the slider snaps between them and shows them as ticks.
    page.locator(".sequence-item", has_text="fc2").click()
    expect(histogram).to_have_attribute("data-step", "4")
    slider = page.locator("#dist-step-slider")
    expect(page.locator(f"#{slider.get_attribute('list')} option")).to_have_count(2)
    slider.focus()
    page.keyboard.press("ArrowLeft")
    expect(histogram).to_have_attribute("data-step", "0")


def test_step_sliders_move_from_one_tracked_step_to_the_next(signed_in_page):
    from tests.runs.run_page_data import png

    page = signed_in_page
    run = make_run(page.user, name="sparse")
    steps = (0, 10, 200, 201)
    _track(
        run,
        [
            {"kind": "image", "name": "x", "step": step, "file": f"f{step}"}
            for step in steps
        ],
        {f"f{step}": SimpleUploadedFile(f"f{step}.png", png()) for step in steps},
    )
    _open(page, run, "images")
    cards = page.locator(".image-card")
    expect(cards).to_have_count(4)
    low = page.locator('[data-range="step"] [data-range-min]')
    label = page.locator('[data-range="step"] [data-range-text]')
    expect(label).to_have_text("0 \N{EN DASH} 201")
    expect(page.locator(f"#{low.get_attribute('list')} option")).to_have_count(4)
    low.focus()
    for expected in ("10 \N{EN DASH} 201", "200 \N{EN DASH} 201"):
        page.keyboard.press("ArrowRight")
        expect(label).to_have_text(expected)
    low.dispatch_event("change")
    expect(cards).to_have_count(2)
    assert cards.evaluate_all("nodes => nodes.map(n => n.dataset.step)") == [
        "200",
        "201",
    ]


def test_audio_shows_its_duration_before_it_plays(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "audios")
    card = page.locator(".audio-card")
    expect(card.locator("audio")).to_have_attribute("preload", "metadata")
    expect(card.locator(".audio-duration")).to_have_text("0:00")
    assert card.locator("audio").evaluate("a => a.paused && a.duration > 0")


def test_log_line_sent_while_page_is_open_appears_within_a_second(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    token = make_token(page.user)
    _open(page, run, "logs")
    expect(page.locator("#log-view")).to_have_attribute("data-ready", "true")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    started = time.monotonic()
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={
            "seq": 5,
            "logs": [{"line": 30, "text": "\x1b[31mlive line from the trainer\x1b[0m"}],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(page.locator('.log-row[data-line="30"]')).to_have_text(
        "30live line from the trainer", timeout=1000
    )
    print(f"live log line shown after {time.monotonic() - started:.3f}s")


def test_follow_mode_stops_when_scrolling_up_and_100k_lines_stay_windowed(
    signed_in_page,
):
    page = signed_in_page
    run = make_run(page.user, name="chatty")
    LogLine.objects.bulk_create(
        [
            LogLine(run=run, line=i, text=f"line {i} \x1b[1mbold\x1b[0m")
            for i in range(100_000)
        ],
        batch_size=5000,
    )
    started = time.monotonic()
    _open(page, run, "logs")
    expect(page.locator('.log-row[data-line="99999"]')).to_be_visible()
    print(f"100,000-line log tab ready in {time.monotonic() - started:.2f}s")
    assert page.locator(".log-row").count() < 150
    expect(page.locator("#logs-count")).to_contain_text("100,000 lines")
    view = page.locator("#log-view")
    expect(view).to_have_attribute("data-following", "true")
    view.hover()
    page.mouse.wheel(0, -3000)
    expect(view).to_have_attribute("data-following", "false")
    # Scrolling to the top pages older lines in.
    page.evaluate("document.getElementById('log-view').scrollTop = 0")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.log-row')].some((row) => Number(row.dataset.line) < 98000)"
    )
    assert page.locator(".log-row").count() < 150
    page.get_by_role("button", name="Follow").click()
    expect(page.locator('.log-row[data-line="99999"]')).to_be_visible()
    expect(view).to_have_attribute("data-following", "true")


def test_archive_then_delete_from_settings(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user, name="doomed")
    _open(page, run, "settings")
    page.get_by_role("button", name="Archive").click()
    dialog = page.locator("#archive-run")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Archive").click()
    expect(page.locator(".toast")).to_contain_text("archived")
    expect(page.locator("#archived-banner")).to_be_visible()
    expect(page.locator("#run-status .badge")).to_have_text("archived")
    assert Run.objects.get(pk=run.pk).is_archived
    page.get_by_role("button", name="Unarchive").click()
    page.locator("#archive-run").get_by_role("button", name="Unarchive").click()
    expect(page.locator(".toast").last).to_contain_text("unarchived")
    assert not Run.objects.get(pk=run.pk).is_archived

    page.get_by_role("button", name="Delete").click()
    dialog = page.locator("#delete-run")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("cannot be undone")
    _shot(page, "settings-delete-modal")
    dialog.get_by_role("button", name="Delete").click()
    page.wait_for_url(f"{page.base_url}/runs/")
    expect(page.locator(".toast")).to_contain_text("deleted")
    assert not Run.objects.filter(pk=run.pk).exists()


def test_new_points_of_an_active_run_appear_without_reload(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    token = make_token(page.user)
    _open(page, run, "metrics")
    accuracy = page.locator('.chart-card[data-metric="accuracy"]')
    expect(accuracy).to_have_attribute("data-points", "50")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={
            "seq": 9,
            "metrics": [
                {
                    "name": "accuracy",
                    "context": {},
                    "steps": [50, 51],
                    "values": [0.99, 1.0],
                }
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(accuracy).to_have_attribute("data-points", "52")


def _debiased_ema(values: list[float], weight: float) -> list[float]:
    last, out = 0.0, []
    for count, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        out.append(last / (1 - weight**count))
    return out


def test_live_points_extend_the_smoothed_chart_without_redrawing_it(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    token = make_token(page.user)
    _open(page, run, "metrics")
    accuracy = page.locator('.chart-card[data-metric="accuracy"]')
    expect(accuracy).to_have_attribute("data-points", "50")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    page.locator("#chart-smoothing").fill("0.6")
    expect(accuracy.locator(".scatterlayer .trace")).to_have_count(2)
    plot = accuracy.locator(".series-plot")
    # Count whole redraws (Plotly.react) against in-place appends (extendTraces).
    plot.evaluate(
        """(element) => {
            element.dataset.reacts = "0";
            element.dataset.extends = "0";
            element.on("plotly_react", () => { element.dataset.reacts++; });
            element.on("plotly_redraw", () => { element.dataset.extends++; });
        }"""
    )
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={
            "seq": 9,
            "metrics": [
                {"name": "accuracy", "context": {}, "steps": [50, 51], "values": [1, 0]}
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(accuracy).to_have_attribute("data-points", "52")
    expect(plot).to_have_attribute("data-extends", "1")
    assert plot.get_attribute("data-reacts") == "0"
    raw, smoothed = plot.evaluate(
        "(element) => element.data.map((trace) => [trace.type, trace.x, trace.y])"
    )
    values = [i / 50 for i in range(50)] + [1, 0]
    assert raw == ["scatter", list(range(52)), values]
    assert smoothed[:2] == ["scatter", list(range(52))]
    assert smoothed[2] == pytest.approx(_debiased_ema(values, 0.6))


def test_run_page_charts_use_svg_and_take_no_webgl_context(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "metrics")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)
    page.locator("#chart-smoothing").fill("0.6")
    expect(page.locator(".chart-card .scatterlayer .trace")).to_have_count(6)
    expect(page.locator(".chart-card canvas")).to_have_count(0)
    types = page.locator(".series-plot").evaluate_all(
        "(plots) => plots.flatMap((plot) => plot.data.map((trace) => trace.type))"
    )
    assert types == ["scatter"] * 6


def test_series_chart_switches_to_webgl_past_its_svg_point_budget(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "system")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(2)
    types = page.evaluate(
        """async () => {
            const { createSeriesChart } = await import("/static/js/lib/series_chart.js");
            const box = document.createElement("div");
            box.style.width = "600px";
            document.body.append(box);
            const chart = createSeriesChart(box, { svgMaxPoints: 4000 });
            const line = (n) => ({ id: "a", x: [...Array(n).keys()], y: Array(n).fill(1), color: "#000" });
            const seen = [];
            for (const n of [3000, 4001]) {
              await chart.draw({ lines: [line(n)], xAxis: { title: "step" } });
              seen.push([chart.element.data[0].type, box.querySelectorAll("canvas").length > 0]);
            }
            await chart.draw({ lines: [line(3000)], xAxis: {} });
            await chart.extend([{ id: "a", x: [3000, 3001], y: [2, 2] }]);
            seen.push([chart.element.data[0].type, chart.element.data[0].x.length]);
            await chart.extend([{ id: "a", x: [...Array(1000).keys()].map((i) => 3002 + i), y: Array(1000).fill(3) }]);
            seen.push([chart.element.data[0].type, chart.element.data[0].x.length]);
            return seen;
        }"""
    )
    assert types == [
        ["scatter", False],
        ["scattergl", True],
        ["scatter", 3002],
        ["scattergl", 4002],
    ]


def test_owner_renames_the_run_from_the_sidebar_and_copies_the_hash(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open(page, run, "overview")
    page.get_by_role("button", name="Rename run").click()
    page.get_by_label("Run name").fill("renamed-run")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#run-name")).to_have_text("renamed-run")
    assert Run.objects.get(pk=run.pk).name == "renamed-run"
    page.reload()
    expect(page.locator("#run-name")).to_have_text("renamed-run")
    expect(page.locator("#run-hash")).to_have_text(run.hash)
