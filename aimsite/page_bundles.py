"""Each page's ES modules bundled into one file when static files are collected.

A page names its entry module with `{% page_module "runs/js/run_detail.js" %}`
(aimsite/templatetags/page_modules.py). Unbundled, the run page's Metrics tab ran 17
modules: on a warm visit each one is still a cache read, a code-cache lookup and an
instantiation, and the tab's own module came by `import()` a task later. Measured
in Chromium on the same machine, the bundle drew the tab's first screen about 40 ms
sooner warm and 100 ms sooner cold (docs/performance.md, issue 17).

`build(static_root)` runs during `collectstatic`, before hashing
(`HashedStaticStorage.post_process`): esbuild bundles each entry of ENTRIES from the
collected tree (plain names, the layout the imports are written against) into
`bundles/<entry>`, with everything it imports, `import()`ed tab modules included.
The bundles are then hashed, gzipped and served immutable like every other file. A
page uses its bundle when the collected manifest has it, and its module graph
otherwise: a checkout served before `collectstatic`, the in-process test client, or
a machine without the esbuild that `npm ci` installs beside the partial Plotly
bundle (aimsite/assets.py). Same code either way, more requests without.

No minifying and no source maps: the bundles read like the modules they join.
"""

import logging
import shutil
import subprocess
from pathlib import Path

from aimsite.assets import BUILDER_DIR

logger = logging.getLogger("aimsite")

# Every page's entry module, as its template names it. The template tag refuses
# any other name, so a new page is bundled once it is listed here.
ENTRIES = (
    "js/app.js",
    "js/home.js",
    "runs/js/runs_list.js",
    "runs/js/run_detail.js",
    "runs/js/metrics_explorer.js",
    "runs/js/params_explorer.js",
    "runs/js/scatters_explorer.js",
    "runs/js/media_explorer.js",
    "experiments/js/list.js",
    "experiments/js/notes.js",
    "experiments/js/runs.js",
    "tags/js/tag_list.js",
)
PREFIX = "bundles/"
BUILD_TIMEOUT_SECONDS = 120


def bundle_name(entry: str) -> str:
    return PREFIX + entry


def esbuild() -> Path | None:
    """esbuild as `npm ci` installs it for the partial Plotly bundle, if it is there."""
    binary = BUILDER_DIR / "node_modules" / ".bin" / "esbuild"
    return binary if binary.is_file() else None


def build(static_root: Path) -> list[str]:
    """Bundle every entry found under `static_root` into `static_root/bundles/`.

    Returns the bundles' names. Without esbuild, or when it fails, removes any
    earlier bundles (they would be stale) and returns []: one warning says why.
    """
    out = static_root / PREFIX
    shutil.rmtree(out, ignore_errors=True)
    binary = esbuild()
    if binary is None:
        logger.warning(
            "Page modules not bundled: esbuild is not installed in %s "
            "(node/npm build it with the partial Plotly bundle); pages load their "
            "module graphs instead.",
            BUILDER_DIR / "node_modules",
        )
        return []
    entries = [entry for entry in ENTRIES if (static_root / entry).is_file()]
    try:
        done = _run(binary, entries, static_root)
    except (OSError, subprocess.TimeoutExpired) as error:
        done = subprocess.CompletedProcess(
            [], returncode=-1, stdout="", stderr=str(error)
        )
    if done.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        logger.warning(
            "Page modules not bundled (esbuild exited with %s: %s); pages load "
            "their module graphs instead.",
            done.returncode,
            tail,
        )
        return []
    return [bundle_name(entry) for entry in entries]


def _run(
    binary: Path, entries: list[str], static_root: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(binary),
            *entries,
            "--bundle",
            "--format=esm",
            f"--outdir={PREFIX}",
            "--outbase=.",
            "--charset=utf8",
            "--legal-comments=none",
            "--log-level=error",
        ],
        cwd=static_root,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
