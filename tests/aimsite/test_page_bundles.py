"""Each page's modules bundled into one file at collect time (aimsite/page_bundles.py)."""

import json
import logging
import re
from pathlib import Path

import pytest
import requests
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Template, TemplateSyntaxError

from aimsite import page_bundles
from aimsite.static_files import MIN_COMPRESS_BYTES
from tests.factories import make_run
from tests.helpers.clients import signed_in_client
from tests.helpers.optional import required
from tests.helpers.servers import STATIC_ROOT, ServerProcess

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
IMMUTABLE = "public, max-age=31536000, immutable"


def _manifest() -> dict[str, str]:
    return json.loads((STATIC_ROOT / "staticfiles.json").read_text())["paths"]


def _esbuild_or_skip() -> None:
    if page_bundles.esbuild() is None:
        message = f"esbuild is not installed in {page_bundles.BUILDER_DIR}/node_modules"
        if required():
            pytest.fail(f"{message}, but AIMSITE_REQUIRE_OPTIONAL=1 requires it")
        pytest.skip(f"{message} (node/npm build it with the partial Plotly bundle)")


def test_every_page_names_a_listed_entry_and_every_entry_is_used():
    used = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert 'type="module"' not in text, f"{template}: use {{% page_module %}}"
        used += re.findall(r'{% page_module "([^"]+)" %}', text)
    assert sorted(used) == sorted(page_bundles.ENTRIES)


def test_an_unlisted_entry_is_refused():
    with pytest.raises(TemplateSyntaxError, match="not a page entry"):
        Template('{% load page_modules %}{% page_module "js/lib/dom.js" %}').render(
            Context()
        )


def test_the_tag_gives_the_bundle_only_when_the_manifest_has_it(monkeypatch):
    template = Template(
        '{% load page_modules %}{% page_module "runs/js/run_detail.js" %}'
    )
    monkeypatch.setattr(staticfiles_storage, "hashed_files", {}, raising=False)
    assert template.render(Context()) == (
        '<script type="module" src="/static/runs/js/run_detail.js"></script>'
    )
    monkeypatch.setattr(
        staticfiles_storage,
        "hashed_files",
        {"bundles/runs/js/run_detail.js": "bundles/runs/js/run_detail.0123456789ab.js"},
        raising=False,
    )
    assert template.render(Context()) == (
        '<script type="module" '
        'src="/static/bundles/runs/js/run_detail.0123456789ab.js"></script>'
    )


def test_without_esbuild_nothing_is_bundled_and_stale_bundles_go(
    tmp_path, monkeypatch, caplog
):
    stale = tmp_path / "bundles" / "js" / "app.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    monkeypatch.setattr(page_bundles, "esbuild", lambda: None)
    with caplog.at_level(logging.WARNING, logger="aimsite"):
        assert page_bundles.build(tmp_path) == []
    assert not (tmp_path / "bundles").exists()
    assert "pages load their module graphs instead" in caplog.text


def test_a_failed_build_leaves_no_bundle(tmp_path, caplog):
    _esbuild_or_skip()
    entry = tmp_path / "js" / "app.js"
    entry.parent.mkdir(parents=True)
    entry.write_text('import { nothing } from "./missing.js";\nnothing();\n')
    with caplog.at_level(logging.WARNING, logger="aimsite"):
        assert page_bundles.build(tmp_path) == []
    assert not (tmp_path / "bundles").exists()
    assert "missing.js" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_every_entry_is_bundled_hashed_gzipped_and_self_contained(server):
    _esbuild_or_skip()
    manifest = _manifest()
    for entry in page_bundles.ENTRIES:
        name = manifest[page_bundles.bundle_name(entry)]
        answer = requests.get(
            f"{server.url}/static/{name}",
            headers={"Accept-Encoding": "gzip"},
            timeout=30,
        )
        assert answer.status_code == 200, entry
        assert answer.headers["Cache-Control"] == IMMUTABLE
        source = answer.text
        if len(source) >= MIN_COMPRESS_BYTES:
            assert answer.headers["Content-Encoding"] == "gzip", entry
        # Everything it imports is inside, import()ed tab modules too.
        assert not re.search(r'(?:from\s*|import\s*\(?)\s*"\.', source), entry


@pytest.mark.django_db(transaction=True)
def test_the_run_page_loads_its_bundle_and_preloads_nothing(server, user):
    _esbuild_or_skip()
    run = make_run(user, name="bundled")
    client = requests.Session()
    signed_in = signed_in_client(user)
    client.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
    body = client.get(f"{server.url}/runs/{run.hash}/metrics/", timeout=30).text
    manifest = _manifest()
    assert f'src="/static/{manifest["bundles/runs/js/run_detail.js"]}"' in body
    assert f'src="/static/{manifest["bundles/js/app.js"]}"' in body
    assert "modulepreload" not in body


@pytest.mark.django_db(transaction=True)
def test_a_server_never_collected_serves_the_module_graph(user, tmp_path):
    run = make_run(user, name="plain")
    plain = ServerProcess(extra_env={"AIMSITE_STATIC_ROOT": str(tmp_path)}).start()
    try:
        client = requests.Session()
        client.cookies.set(
            "sessionid", signed_in_client(user).cookies["sessionid"].value
        )
        body = client.get(f"{plain.url}/runs/{run.hash}/metrics/", timeout=30).text
    finally:
        plain.stop()
    assert 'src="/static/runs/js/run_detail.js"' in body
    assert 'rel="modulepreload" href="/static/runs/js/run_tab_charts.js"' in body
    assert "bundles/" not in body
