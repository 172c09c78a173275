"""Static files over HTTP from a real daphne: hashed names, gzip, cache headers, 304."""

import gzip
import json
import posixpath
import re
from pathlib import Path

import pytest
import requests

from aimsite.static_files import PlotlyFinder, accepts_gzip, etag_matches, gzip_copy
from tests.factories import make_run
from tests.helpers.clients import signed_in_client
from tests.helpers.optional import built_plotly_partial_or_skip
from tests.helpers.servers import STATIC_ROOT

pytestmark = pytest.mark.django_db(transaction=True)

IMMUTABLE = "public, max-age=31536000, immutable"
FULL_PLOTLY = "vendor/plotly/plotly.min.js"
PARTIAL_PLOTLY = "vendor/plotly/plotly-partial.min.js"


def _manifest() -> dict[str, str]:
    return json.loads((STATIC_ROOT / "staticfiles.json").read_text())["paths"]


def _get(server, path: str, **headers) -> requests.Response:
    return requests.get(f"{server.url}{path}", headers=headers, timeout=30, stream=True)


def _raw(answer: requests.Response) -> bytes:
    # The bytes on the wire, before requests would undo a Content-Encoding.
    return answer.raw.read(decode_content=False)


def test_the_page_links_hashed_names(server):
    body = requests.get(f"{server.url}/accounts/login/", timeout=30).text
    assert f"/static/{_manifest()['css/app.css']}" in body
    # The app module's bundle where esbuild is installed (tests/aimsite/test_page_bundles.py).
    assert re.search(r'/static/(bundles/)?js/app\.[0-9a-f]{12}\.js"', body)


def test_a_hashed_file_is_gzipped_and_cached_for_a_year(server):
    name = _manifest()["vendor/plotly/plotly.min.js"]
    original = Path(PlotlyFinder().find("vendor/plotly/plotly.min.js")).read_bytes()
    answer = _get(server, f"/static/{name}", **{"Accept-Encoding": "gzip, deflate"})
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == IMMUTABLE
    assert answer.headers["Vary"] == "Accept-Encoding"
    assert answer.headers["Content-Type"].startswith("text/javascript")
    wire = _raw(answer)
    assert int(answer.headers["Content-Length"]) == len(wire) < len(original) / 3
    assert gzip.decompress(wire) == original


def test_the_partial_plotly_bundle_is_hashed_gzipped_and_a_third_of_the_full_one(
    server,
):
    built_plotly_partial_or_skip()
    name = _manifest()[PARTIAL_PLOTLY]
    assert re.fullmatch(r"vendor/plotly/plotly-partial\.min\.[0-9a-f]{12}\.js", name)
    answer = _get(server, f"/static/{name}", **{"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == IMMUTABLE
    partial = gzip.decompress(_raw(answer))
    full = Path(PlotlyFinder().find(FULL_PLOTLY)).read_bytes()
    assert len(partial) < len(full) / 3


@pytest.mark.parametrize(
    ("path", "bundle"),
    [
        ("/runs/{hash}/metrics/", PARTIAL_PLOTLY),
        ("/runs/{hash}/system/", PARTIAL_PLOTLY),
        ("/runs/{hash}/distributions/", PARTIAL_PLOTLY),
        ("/metrics/", PARTIAL_PLOTLY),
        ("/scatters/", PARTIAL_PLOTLY),
        # Its parallel coordinates are our own canvas (parcoords_canvas.js).
        ("/params/", None),
        # Tracked figures may hold any trace type.
        ("/runs/{hash}/figures/", FULL_PLOTLY),
        ("/figures/", FULL_PLOTLY),
        ("/images/", None),
        ("/runs/{hash}/overview/", None),
    ],
)
def test_each_page_loads_one_plotly_bundle_the_full_one_where_figures_are_drawn(
    user, path, bundle
):
    run = make_run(user)
    body = signed_in_client(user).get(path.format(hash=run.hash)).content.decode()
    # A script, or a lazy template that js/lib/plotly.js turns into one on first use.
    loaded = re.findall(
        r'<(?:script async|template) data-plotly="(\w+)"[^>]* (?:data-)?src="([^"]+)"',
        body,
    )
    if bundle is None:
        assert loaded == []
        return
    assert len(loaded) == 1
    [(kind, src)] = loaded
    assert src == f"/static/{bundle}"
    assert kind == ("full" if bundle == FULL_PLOTLY else "partial")
    if kind == "partial":
        assert f'data-full-src="/static/{FULL_PLOTLY}"' in body


@pytest.mark.parametrize("tab", ["metrics", "system"])
def test_the_run_page_chart_tabs_load_plotly_only_when_asked(user, tab):
    # Their first screen is drawn on a canvas (issue 17): Plotly comes on interaction.
    run = make_run(user)
    body = signed_in_client(user).get(f"/runs/{run.hash}/{tab}/").content.decode()
    assert "<script async data-plotly" not in body
    assert (
        f'<template data-plotly="partial" data-full-src="/static/{FULL_PLOTLY}" '
        in body
    )


def test_a_client_without_gzip_gets_the_plain_bytes(server):
    name = _manifest()["css/app.css"]
    for accept in ("identity", "gzip;q=0", ""):
        answer = _get(server, f"/static/{name}", **{"Accept-Encoding": accept})
        assert answer.status_code == 200
        assert "Content-Encoding" not in answer.headers
        assert answer.headers["Vary"] == "Accept-Encoding"
        assert _raw(answer) == (STATIC_ROOT / name).read_bytes()


def test_a_known_etag_gets_304_per_encoding(server):
    name = _manifest()["css/app.css"]
    zipped = _get(server, f"/static/{name}", **{"Accept-Encoding": "gzip"})
    plain = _get(server, f"/static/{name}", **{"Accept-Encoding": "identity"})
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = _get(
        server,
        f"/static/{name}",
        **{"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304 and _raw(again) == b""
    assert again.headers["Cache-Control"] == IMMUTABLE
    stale = _get(
        server,
        f"/static/{name}",
        **{"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]},
    )
    assert stale.status_code == 200


def test_the_plain_name_still_answers_but_is_revalidated(server):
    answer = _get(server, "/static/css/app.css")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-cache"
    again = _get(
        server, "/static/css/app.css", **{"If-None-Match": answer.headers["ETag"]}
    )
    assert again.status_code == 304


def test_module_imports_point_at_hashed_modules_that_exist(server):
    name = _manifest()["runs/js/run_detail.js"]
    source = _get(server, f"/static/{name}").text
    imports = re.findall(r'(?:from |import\()"(\.[^"]+)"', source)
    assert imports and all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports)
    base = f"/static/{name.rsplit('/', 1)[0]}/"
    for path in imports:
        assert _get(server, base + path).status_code == 200, path


def test_every_module_imports_hashed_modules_once_hashed(server):
    # A comment holding the word "export" once made Django hash a name twice.
    hashed = set(_manifest().values())
    ours = [
        name
        for original, name in _manifest().items()
        if original.endswith(".js")
        and original.split("/")[0]
        in ("js", "runs", "experiments", "tags", "media_tracks")
    ]
    assert len(ours) > 30
    for name in ours:
        source = (STATIC_ROOT / name).read_text()
        for path in re.findall(r'(?:from\s*|import\s*\(?)"(\.[^"]+)"', source):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
            assert target in hashed, f"{name} imports {path}"


def test_unknown_files_and_other_methods_are_refused(server):
    assert _get(server, "/static/css/nothing.css").status_code == 404
    assert _get(server, "/static/css/").status_code == 404
    answer = requests.post(f"{server.url}/static/css/app.css", timeout=30)
    assert answer.status_code == 405 and "GET" in answer.text
    assert answer.headers["Allow"] == "GET, HEAD"


def test_head_sends_headers_without_a_body(server):
    name = _manifest()["css/app.css"]
    answer = requests.head(f"{server.url}/static/{name}", timeout=30)
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["Cache-Control"] == IMMUTABLE


def test_accept_encoding_and_if_none_match_parsing():
    assert accepts_gzip("gzip") and accepts_gzip("br, gzip;q=0.5") and accepts_gzip("*")
    assert (
        not accepts_gzip("gzip;q=0") and not accepts_gzip("br") and not accepts_gzip("")
    )
    assert etag_matches('W/"a", "b"', '"b"') and etag_matches("*", '"x"')
    assert not etag_matches('"a"', '"b"')


def test_gzip_copies_are_deterministic(tmp_path):
    source = tmp_path / "a.js"
    source.write_text("const answer = 42;\n" * 200)
    gzip_copy(source)
    first = (tmp_path / "a.js.gz").read_bytes()
    (tmp_path / "a.js.gz").unlink()
    gzip_copy(source)
    assert (tmp_path / "a.js.gz").read_bytes() == first
    assert gzip.decompress(first) == source.read_bytes()
