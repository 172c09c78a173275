"""The partial Plotly bundle, built at install/start time (aimsite/assets.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.contrib.staticfiles import finders

from aimsite.static_files import PLOTLY_NAME, PLOTLY_PARTIAL_NAME, PlotlyFinder
from tests.factories import make_run
from tests.helpers.clients import signed_in_client
from tests.helpers.optional import built_plotly_partial_or_skip

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "tools" / "plotly_partial"


def _assets(tmp_path: Path, *, path: str, output: Path | None = None):
    """`aimsite assets` in a child process with PATH set to `path`."""
    env = {**os.environ, "PATH": path, "DJANGO_SETTINGS_MODULE": "aimsite.settings"}
    if output is not None:
        env["AIMSITE_PLOTLY_PARTIAL"] = str(output)
    return subprocess.run(
        [sys.executable, "-m", "aimsite.cli", "assets"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _no_npm(tmp_path: Path) -> str:
    empty = tmp_path / "bin-without-npm"
    empty.mkdir(exist_ok=True)
    return str(empty)


def _plotly_version(source: bytes) -> str:
    return re.search(rb"plotly\.js v(\d+\.\d+\.\d+)", source[:300]).group(1).decode()


def test_the_built_partial_is_the_full_bundles_major_version():
    # When the plotly package moves on, tools/plotly_partial's pin must follow.
    partial = built_plotly_partial_or_skip().read_bytes()
    full = Path(PlotlyFinder().find(PLOTLY_NAME)).read_bytes()
    assert b"partial bundle" in partial[:300]
    assert _plotly_version(partial).split(".")[0] == _plotly_version(full).split(".")[0]


def test_the_partial_is_not_in_version_control():
    tracked = subprocess.run(
        ["git", "ls-files", "--", "aimsite/static/vendor", "tools/plotly_partial"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not [name for name in tracked if name.endswith(".min.js")]
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            "-q",
            "tools/plotly_partial/dist/plotly-partial.min.js",
        ],
        cwd=REPO,
        check=False,
    )
    assert ignored.returncode == 0


def test_an_up_to_date_partial_is_not_rebuilt(tmp_path):
    built = built_plotly_partial_or_skip()
    # Without npm on PATH, any attempt to build would warn.
    done = _assets(tmp_path, path=_no_npm(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"partial Plotly bundle: {built}"
    assert "not built" not in done.stderr


def test_a_partial_older_than_its_sources_is_rebuilt(tmp_path):
    built = built_plotly_partial_or_skip()
    output = tmp_path / "dist" / "plotly-partial.min.js"
    output.parent.mkdir()
    output.write_text("/* stale */")
    os.utime(output, (0, 0))
    done = _assets(tmp_path, path=os.environ["PATH"], output=output)
    assert done.returncode == 0, done.stderr
    assert "Building the partial Plotly bundle" in done.stderr
    assert output.read_bytes() == built.read_bytes()
    assert not list(output.parent.glob("*.part"))


def test_without_npm_it_warns_and_pages_get_the_full_bundle_in_its_place(
    tmp_path, user, settings
):
    output = tmp_path / "dist" / "plotly-partial.min.js"
    done = _assets(tmp_path, path=_no_npm(tmp_path), output=output)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "not built" in line]
    assert len(warnings) == 1
    assert "node and npm are not on PATH" in warnings[0]
    assert "full bundle" in warnings[0]
    assert not output.exists()

    settings.PLOTLY_PARTIAL_PATH = output
    run = make_run(user)
    page = signed_in_client(user).get(f"/runs/{run.hash}/metrics/")
    assert page.status_code == 200
    [src] = re.findall(
        r'<template data-plotly="partial"[^>]* data-src="([^"]+)"',
        page.content.decode(),
    )
    assert src == f"/static/{PLOTLY_PARTIAL_NAME}"
    full = Path(finders.find(PLOTLY_NAME)).read_bytes()
    # What the server serves before collectstatic, and what collectstatic copies.
    assert Path(finders.find(PLOTLY_PARTIAL_NAME)).read_bytes() == full
    listed = dict(PlotlyFinder().list([]))
    with listed["plotly-partial.min.js"].open("plotly-partial.min.js") as served:
        assert served.read() == full
