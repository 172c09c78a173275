"""Browser tests of the media explorer (/images/, /figures/, /audios/, /texts/), as a
user would use it, against the real /api/v1/objects/* endpoints: select and query,
group into rows and columns, attach a tag from an object's popover and see it on the
run page, reopen a copied address; and what each kind adds (lazy images and their
full-size modal, Plotly figures, audio durations before play, the texts search)."""

import json
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from media_tracks import services
from tests.factories import make_run, make_tag
from tests.runs.run_page_data import png, wav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KINDS = ["images", "figures", "audios", "texts"]
SINGULAR = {"images": "image", "figures": "figure", "audios": "audio", "texts": "text"}
STEPS = (0, 10, 20)
INDICES = (0, 1)


def _object(kind: str, name: str, context: dict, step: int, index: int) -> dict:
    raw = {"kind": SINGULAR[kind], "name": name, "context": context, "step": step,
           "index": index, "caption": f"{name} s{step} i{index}"}
    if kind in ("images", "audios"):
        raw["file"] = f"f{step}_{index}"
    elif kind == "texts":
        raw["text"] = f"the class of {name} at step {step}"
    elif kind == "figures":
        raw["data"] = {"data": [{"type": "bar", "x": [1, 2], "y": [step, index]}],
                       "layout": {"height": 220}}
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
        run = make_run(signed_in_page.user, name=f"lr-{lr}", experiment="sweep",
                       params={"hparams": {"lr": lr}})
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
    expect(page.locator("#media-explorer-grid")).to_have_attribute("data-drawn", re.compile(r"\d+"))


def _cards(page):
    return page.locator("#media-explorer-grid .media-card")


def _select(name="samples", context=None) -> str:
    return quote(json.dumps([{"name": name, "context": context or {"subset": "val"}}]))


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
