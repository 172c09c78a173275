"""Browser tests of the media explorer (/images/, /figures/, /audios/, /texts/), as a
user would use it, against the real /api/v1/objects/* endpoints: select and query,
group into rows and columns, attach a tag from an object's popover and see it on the
run page, reopen a copied address; and what each kind adds (lazy images and their
full-size modal, Plotly figures, audio durations before play, the texts search)."""

import json
import re
from urllib.parse import quote

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from media_tracks import services
from tests.factories import make_run, make_tag, make_token
from tests.helpers.explorer_pages import attach_tag_from_popover
from tests.runs.run_page_data import png, wav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KINDS = ["images", "figures", "audios", "texts"]
SINGULAR = {"images": "image", "figures": "figure", "audios": "audio", "texts": "text"}
STEPS = (0, 10, 20)
INDICES = (0, 1)


def _object(kind: str, name: str, context: dict, step: int, index: int) -> dict:
    raw = {
        "kind": SINGULAR[kind],
        "name": name,
        "context": context,
        "step": step,
        "index": index,
        "caption": f"{name} s{step} i{index}",
    }
    if kind in ("images", "audios"):
        raw["file"] = f"f{step}_{index}"
    elif kind == "texts":
        raw["text"] = f"the class of {name} at step {step}"
    elif kind == "figures":
        raw["data"] = {
            "data": [{"type": "bar", "x": [1, 2], "y": [step, index]}],
            "layout": {"height": 220},
        }
    return raw


def track(run, kind: str, name: str, context: dict, steps=STEPS, indices=INDICES):
    objects = [_object(kind, name, context, s, i) for s in steps for i in indices]
    content = png() if kind == "images" else wav()
    extension = "png" if kind == "images" else "wav"
    files = {
        o["file"]: SimpleUploadedFile(f"{o['file']}.{extension}", content)
        for o in objects
        if "file" in o
    }
    services.store_objects(run, services.parse_objects({"objects": objects}, files))


@pytest.fixture
def media_runs(signed_in_page):
    """Two runs of the user, lr 0.1 and 0.01, each with every kind: a sequence
    "samples" (subset val) and, for the first run, "extra" (subset train)."""
    runs = []
    for lr in (0.1, 0.01):
        run = make_run(
            signed_in_page.user,
            name=f"lr-{lr}",
            experiment="sweep",
            params={"hparams": {"lr": lr}},
        )
        for kind in KINDS:
            track(run, kind, "samples", {"subset": "val"})
            if lr == 0.1:
                track(run, kind, "extra", {"subset": "train"}, steps=(5,), indices=(0,))
        runs.append(run)
    return runs


def _open(page, kind: str, query: str = "") -> None:
    page.goto(f"{page.base_url}{reverse(f'runs:{kind}')}{query}")


def _pick(page, kind: str, name: str, context: str) -> None:
    page.get_by_role("button", name=f"+ {kind.capitalize()}").click()
    page.get_by_role("option").filter(has_text=name).filter(has_text=context).click()
    page.keyboard.press("Escape")


def _drawn(page):
    expect(page.locator("#media-explorer-grid")).to_have_attribute(
        "data-drawn", re.compile(r"\d+")
    )


def _cards(page):
    return page.locator("#media-explorer-grid .media-card")


def _select(name="samples", context=None) -> str:
    context = {"subset": "val"} if context is None else context
    return quote(json.dumps([{"name": name, "context": context}]))


@pytest.mark.parametrize("kind", KINDS)
def test_select_and_query(signed_in_page, media_runs, kind):
    page = signed_in_page
    _open(page, kind)
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "nothing")
    _pick(page, kind, "samples", "subset: val")
    _drawn(page)
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES) * 2)
    page.locator("[data-search-input]").fill("run.hparams.lr < 0.05")
    page.locator("[data-search-input]").press("Enter")
    expect(page.locator("#explorer-table tbody tr")).to_have_count(1)
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES))
    expect(_cards(page).first).to_have_attribute("data-run", media_runs[1].hash)
    expect(page.locator("[data-total-label]")).to_have_text("1 run")


@pytest.mark.parametrize("kind", KINDS)
def test_group_into_rows_and_columns(signed_in_page, media_runs, kind):
    page = signed_in_page
    _open(page, kind, f"?select={_select()}")
    _drawn(page)
    page.locator('[data-grouping="row"] summary').click()
    page.locator('[data-grouping="row"] input[value="record.step"]').check()
    expect(page.locator(".media-row-title")).to_have_text(
        [f"step={step}" for step in STEPS]
    )
    page.locator('[data-grouping="row"] summary').click()
    page.locator('[data-grouping="column"] summary').click()
    page.locator('[data-grouping="column"] input[value="run.hparams.lr"]').check()
    expect(page.locator(".media-column-title")).to_have_text(
        ["hparams.lr=0.01", "hparams.lr=0.1"]
    )
    # Each cell: one run's objects of one step, one per index.
    expect(page.locator(".media-cell")).to_have_count(len(STEPS) * 2)
    expect(page.locator(".media-cell").first.locator(".media-card")).to_have_count(
        len(INDICES)
    )
    first = page.locator(".media-cell").first.locator(".media-card").first
    expect(first).to_have_attribute("data-run", media_runs[1].hash)
    expect(first).to_have_attribute("data-step", "0")
    # A run reads as its name, not its hash.
    page.locator('[data-grouping="column"] input[value="run.hparams.lr"]').uncheck()
    page.locator('[data-grouping="column"] input[value="run.hash"]').check()
    titles = page.locator(".media-column-title")
    expect(titles.first).to_have_text(re.compile(r"^run="))
    assert sorted(titles.all_inner_texts()) == sorted(
        f"run={run.name}" for run in media_runs
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_tag_attached_from_an_objects_popover_shows_on_the_run_page(
    signed_in_page, media_runs, kind
):
    page = signed_in_page
    make_tag("promising")
    run = media_runs[0]
    query = quote(f'run.hash == "{run.hash}"')
    _open(page, kind, f"?q={query}&select={_select()}")
    _drawn(page)
    _cards(page).first.locator(".media-where").click()
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover).to_contain_text("samples")
    expect(popover).to_contain_text("Step")
    table_tags = page.locator("#explorer-table tbody tr .tag-name")
    attach_tag_from_popover(page, run, "promising", table_tags)


@pytest.mark.parametrize("kind", KINDS)
def test_a_copied_address_reopens_the_same_view(signed_in_page, media_runs, kind):
    page = signed_in_page
    _open(page, kind)
    page.locator("[data-search-input]").fill("run.hparams.lr > 0.05")
    page.locator("[data-search-input]").press("Enter")
    _pick(page, kind, "samples", "subset: val")
    _drawn(page)
    page.locator('[data-grouping="row"] summary').click()
    page.locator('[data-grouping="row"] input[value="record.index"]').check()
    page.locator('[data-grouping="row"] summary').click()
    page.locator('[data-range="step"] [data-range-min]').fill("1")
    page.locator('[data-range="step"] [data-range-min]').dispatch_event("change")
    expect(_cards(page)).to_have_count(2 * len(INDICES))
    if kind == "images":
        page.select_option("#image-rendering", "pixelated")
    if kind == "texts":
        page.get_by_label("Search texts").fill("step 20")
        expect(_cards(page)).to_have_count(len(INDICES))
    address = page.url

    other = page.context.new_page()
    other.goto(address)
    _drawn(other)
    expect(other.locator("[data-search-input]")).to_have_value("run.hparams.lr > 0.05")
    expect(other.locator(".metric-chip")).to_have_count(1)
    expect(other.locator(".metric-chip")).to_contain_text("subset: val")
    expect(other.locator(".media-row-title")).to_have_text(["index=0", "index=1"])
    expect(other.locator('[data-range="step"] [data-range-text]')).to_have_text(
        "10 \N{EN DASH} 20"
    )
    if kind == "texts":
        expect(other.get_by_label("Search texts")).to_have_value("step 20")
        expect(_cards(other)).to_have_count(len(INDICES))
    else:
        expect(_cards(other)).to_have_count(2 * len(INDICES))
    if kind == "images":
        expect(other.locator("#image-rendering")).to_have_value("pixelated")
        expect(other.locator("#media-explorer-grid")).to_have_class(
            re.compile("is-pixelated")
        )


@pytest.mark.parametrize("kind", ["images", "texts"])
def test_sort_by_a_field_in_either_order_and_reopen_it(
    signed_in_page, media_runs, kind
):
    page = signed_in_page
    _open(page, kind, f"?select={_select()}")
    _drawn(page)
    steps = _cards(page).evaluate_all("cards => cards.map((c) => c.dataset.step)")
    assert steps != sorted(steps, key=int)  # as tracked: run by run
    page.select_option("#media-sort", "record.step")
    expect(_cards(page).first).to_have_attribute("data-step", "0")
    expect(_cards(page).last).to_have_attribute("data-step", str(STEPS[-1]))
    page.select_option("#media-sort-order", "desc")
    expect(_cards(page).first).to_have_attribute("data-step", str(STEPS[-1]))
    page.select_option("#media-sort", "run.hparams.lr")  # 0.1 first, then 0.01
    expect(_cards(page).first).to_have_attribute("data-run", media_runs[0].hash)
    expect(_cards(page).last).to_have_attribute("data-run", media_runs[1].hash)

    other = page.context.new_page()
    other.goto(page.url)
    _drawn(other)
    expect(other.locator("#media-sort")).to_have_value("run.hparams.lr")
    expect(other.locator("#media-sort-order")).to_have_value("desc")
    expect(_cards(other).first).to_have_attribute("data-run", media_runs[0].hash)


def test_images_load_only_on_screen_and_open_full_size(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, name="many")
    track(run, "images", "grid", {}, steps=range(40), indices=(0, 1, 2))
    page.set_viewport_size({"width": 1200, "height": 800})
    fetched = []
    page.on(
        "request", lambda r: fetched.append(r.url) if r.url.endswith("/file") else None
    )
    _open(page, "images", f"?select={_select('grid', {})}&size=256")
    _drawn(page)
    expect(_cards(page)).to_have_count(120)
    expect(page.locator("#media-explorer-grid img[src]").first).to_be_visible()
    loaded = page.locator("#media-explorer-grid img[src]").count()
    assert 0 < loaded < 40, loaded
    page.locator("#media-explorer-grid .media-card").last.scroll_into_view_if_needed()
    expect(
        page.locator("#media-explorer-grid .media-card").last.locator("img[src]")
    ).to_have_count(1)
    assert len(set(fetched)) < 120
    page.get_by_role("button", name=re.compile("Open .* full size")).last.click()
    expect(page.locator("#image-modal")).to_be_visible()
    expect(page.locator("#image-modal-meta")).to_contain_text("grid")
    page.locator("#image-modal").get_by_role("button", name="Close").click()
    page.select_option("#image-fit", "original")
    expect(page.locator("#image-size-row")).to_be_hidden()
    expect(page.locator("#media-explorer-grid")).to_have_class(
        re.compile("is-original")
    )


def test_figures_are_drawn_with_plotly(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "figures", f"?select={_select()}")
    _drawn(page)
    plots = page.locator("#media-explorer-grid .js-plotly-plot")
    expect(plots.first).to_be_visible()
    expect(plots.first.locator(".bars .point")).to_have_count(2)
    # Side by side at their own width, not one figure across the whole page.
    first, second = (_cards(page).nth(n).bounding_box() for n in (0, 1))
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]


def test_audios_show_their_duration_before_playing(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "audios", f"?select={_select()}")
    _drawn(page)
    first = _cards(page).first
    expect(first.locator("audio")).to_have_attribute("preload", "metadata")
    expect(first.locator(".audio-duration")).to_have_text("0:00")
    assert first.locator("audio").evaluate("a => a.paused && a.duration > 0")


def test_texts_search_matches_whole_words_only_when_asked(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "texts", f"?select={_select()}")
    _drawn(page)
    total = len(STEPS) * len(INDICES) * 2
    expect(_cards(page)).to_have_count(total)
    page.get_by_label("Search texts").fill("clas")
    expect(_cards(page)).to_have_count(total)
    page.get_by_label("Whole words").check()
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "nosearch")
    expect(_cards(page)).to_have_count(0)
    page.get_by_label("Search texts").fill("CLASS")
    expect(_cards(page)).to_have_count(total)
    page.get_by_label("Match case").check()
    expect(_cards(page)).to_have_count(0)


def test_a_fresh_install_says_how_to_track_objects(signed_in_page):
    page = signed_in_page
    for kind in KINDS:
        _open(page, kind)
        expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "fresh")
        expect(page.locator("#explorer-empty")).to_contain_text(
            f"No {kind} tracked yet"
        )


def test_a_query_error_points_at_its_position(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "images", "?adv=1&q=images.name ==")
    expect(page.locator("[data-query-error]")).to_be_visible()
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "error")


def test_the_kind_switch_keeps_the_query(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "images", "?q=run.hparams.lr < 0.05")
    page.locator("[data-kind-switch]").get_by_role("link", name="Texts").click()
    expect(page).to_have_url(re.compile(r"/texts/\?q=run\.hparams\.lr"))
    expect(page.locator("[data-search-input]")).to_have_value("run.hparams.lr < 0.05")


def test_doors_into_the_media_explorers(signed_in_page, media_runs):
    page = signed_in_page
    run = media_runs[0]
    page.goto(f"{page.base_url}{reverse('runs:metrics')}")
    for label in ("Images", "Figures", "Audios", "Texts"):
        expect(page.locator(".sidebar").get_by_role("link", name=label)).to_be_visible()
    page.goto(f"{page.base_url}{reverse('runs:detail_tab', args=[run.hash, 'images'])}")
    page.get_by_role("link", name="Compare in the Images explorer").click()
    expect(page.locator("[data-search-input]")).to_have_value(
        f'run.hash == "{run.hash}"'
    )
    # The run's image sequences come picked: its objects show without a click.
    expect(page.locator(".metric-chip")).to_have_count(2)
    _drawn(page)
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES) + 1)
    _pick(page, "images", "samples", "subset: val")  # unpick one
    _drawn(page)
    expect(_cards(page)).to_have_count(1)
    page.goto(f"{page.base_url}{reverse('runs:list')}")
    page.locator(f'tr[data-hash="{run.hash}"] [data-select-row]').check()
    page.get_by_role("button", name="Open in …").click()
    page.get_by_role("menuitem", name="Open in Audios explorer").click()
    expect(page).to_have_url(re.compile(r"/audios/\?q="))
    expect(page.locator("[data-search-input]")).to_have_value(
        f'run.hash in ["{run.hash}"]'
    )
    _pick(page, "audios", "samples", "subset: val")
    _drawn(page)
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES))
    page.goto(f"{page.base_url}{reverse('experiments:runs', args=[run.experiment_id])}")
    page.get_by_role("button", name="Compare in explorer").click()
    page.get_by_role("menuitem", name="Open in Figures explorer").click()
    expect(page).to_have_url(re.compile(r"/figures/\?q="))
    expect(page.locator("[data-search-input]")).to_have_value(
        'run.experiment == "sweep"'
    )


def test_live_update_shows_objects_uploaded_while_the_page_is_open(
    signed_in_page, media_runs
):
    page = signed_in_page
    run = media_runs[0]
    query = quote(f'run.hash == "{run.hash}"')
    _open(page, "images", f"?q={query}&select={_select()}")
    _drawn(page)
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES))
    page.locator("#live-update + .switch-track").click()
    expect(page.locator("[data-live-status]")).not_to_have_class("live-dot offline")
    batch = {"objects": [_object("images", "samples", {"subset": "val"}, 30, 0)]}
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/objects",
        data={"batch": json.dumps(batch)},
        files={"f30_0": ("f30_0.png", png(), "image/png")},
        headers={"Authorization": f"Bearer {make_token(page.user)}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(_cards(page)).to_have_count(len(STEPS) * len(INDICES) + 1)
    expect(_cards(page).last).to_have_attribute("data-step", "30")


def test_texts_read_as_text_markdown_html_or_code_kept_in_the_address(
    signed_in_page,
):
    page = signed_in_page
    run = make_run(page.user, name="writer")
    services.store_objects(
        run,
        services.parse_objects(
            {
                "objects": [
                    {
                        "kind": "text",
                        "name": "notes",
                        "step": 0,
                        "text": "**bold** and <b>tag</b>\n"
                        '<img src=x onerror="window.pwned = 1">',
                    }
                ]
            },
            {},
        ),
    )
    _open(page, "texts", f"?select={_select('notes', {})}")
    _drawn(page)
    body = _cards(page).first.locator(".text-body")
    expect(page.locator("#text-mode")).to_have_value("text")  # Aim's default
    expect(body).to_contain_text("**bold** and <b>tag</b>")
    page.select_option("#text-mode", "markdown")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("b")).to_have_text("tag")
    page.select_option("#text-mode", "html")
    expect(body.locator("b")).to_have_text("tag")
    expect(body).to_contain_text("**bold**")
    assert page.evaluate("window.pwned") is None
    expect(body.locator("img")).not_to_have_attribute("onerror", re.compile(""))
    page.select_option("#text-mode", "code")
    expect(body).to_have_class(re.compile("text-mode-code"))
    expect(body).to_contain_text("**bold** and <b>tag</b>")
    assert "text_mode=code" in page.url

    other = page.context.new_page()
    other.goto(page.url.replace("text_mode=code", "text_mode=markdown"))
    _drawn(other)
    expect(other.locator("#text-mode")).to_have_value("markdown")
    expect(_cards(other).first.locator(".text-body strong")).to_have_text("bold")


def test_ranges_show_only_once_something_is_picked(signed_in_page, media_runs):
    page = signed_in_page
    ranges = page.locator(".range-panel")
    for kind in KINDS:
        _open(page, kind)
        expect(page.locator("#explorer-empty")).to_have_attribute(
            "data-empty", "nothing"
        )
        expect(page.locator("#explorer-empty")).to_contain_text(
            f"Pick {kind} with the + button"
        )
        expect(ranges).to_be_hidden()
    _pick(page, "texts", "samples", "subset: val")
    _drawn(page)
    expect(ranges).to_be_visible()
    expect(page.get_by_label("Last step")).to_be_visible()
    _open(page, "texts", "?adv=1")
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "advanced")
    expect(ranges).to_be_hidden()


def test_sort_by_keeps_its_width_with_a_long_param_name(signed_in_page):
    page = signed_in_page
    name = "a_learning_rate_schedule_with_a_very_long_name_indeed_" * 2
    run = make_run(page.user, name="long", params={"hparams": {name: 1}})
    track(run, "texts", "samples", {"subset": "val"})
    page.set_viewport_size({"width": 1200, "height": 800})
    _open(page, "texts", f"?select={_select()}&sort=run.hparams.{name}")
    _drawn(page)
    sort = page.locator("#media-sort")
    expect(sort).to_have_value(f"run.hparams.{name}")
    expect(sort).to_have_attribute("title", f"hparams.{name}")
    assert sort.bounding_box()["width"] <= 210
    assert sort.evaluate("s => getComputedStyle(s).textOverflow") == "ellipsis"
    controls = page.locator("#controls").bounding_box()
    assert controls["height"] < 80  # one row of controls, not pushed onto a second


def test_an_audio_downloads_from_its_card(signed_in_page, media_runs):
    page = signed_in_page
    _open(page, "audios", f"?select={_select()}")
    _drawn(page)
    link = _cards(page).first.get_by_role("link", name=re.compile("Download the audio"))
    with page.expect_download() as download:
        link.click()
    name = download.value.suggested_filename
    assert name.endswith(".wav"), name
    assert download.value.path().read_bytes()[:4] == b"RIFF"
