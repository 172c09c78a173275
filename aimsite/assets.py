"""Front-end files built at install/start time, never committed: the partial Plotly bundle.

`ensure_plotly_partial()` builds `settings.PLOTLY_PARTIAL_PATH` (by default
tools/plotly_partial/dist/plotly-partial.min.js, gitignored) with npm from
tools/plotly_partial/'s lock file, when it is missing or older than that
directory's sources; otherwise it only compares a few mtimes. `aimsite up`,
`aimsite assets` (run by ./runtests) and the test session call it. Without
node/npm, or when the build fails, it logs one warning and `PlotlyFinder`
(aimsite/static_files.py) serves the full bundle of the `plotly` PyPI package
under the partial's name: pages load the larger file and work the same. See
docs/architecture.md, "Static files".
"""

import fcntl
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("aimsite")

BUILDER_DIR = Path(__file__).resolve().parent.parent / "tools" / "plotly_partial"
# What the output is made from: a newer one of these means a rebuild.
SOURCES = ("package.json", "package-lock.json", "entry.js", "build.mjs")
BUILD_TIMEOUT_SECONDS = 600


def plotly_partial_path() -> Path:
    return Path(settings.PLOTLY_PARTIAL_PATH)


def _is_fresh(output: Path) -> bool:
    if not output.is_file():
        return False
    built_at = output.stat().st_mtime
    return all(
        (BUILDER_DIR / name).stat().st_mtime <= built_at
        for name in SOURCES
        if (BUILDER_DIR / name).exists()
    )


def _needs_npm_ci() -> bool:
    # npm writes node_modules/.package-lock.json after each install.
    installed = BUILDER_DIR / "node_modules" / ".package-lock.json"
    return (
        not installed.is_file()
        or installed.stat().st_mtime
        < (BUILDER_DIR / "package-lock.json").stat().st_mtime
    )


def _run(command: list[str]) -> None:
    done = subprocess.run(
        command,
        cwd=BUILDER_DIR,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(
            f"`{' '.join(command)}` exited with {done.returncode}: " + " / ".join(tail)
        )


def _build(output: Path) -> None:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise RuntimeError("node and npm are not on PATH")
    if not (BUILDER_DIR / "package-lock.json").is_file():
        raise RuntimeError(f"{BUILDER_DIR} is missing (not a source checkout?)")
    if _needs_npm_ci():
        _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    # Written beside the output, then renamed: a server never reads half a file.
    partial = output.with_name(output.name + ".part")
    _run([node, "build.mjs", str(partial)])
    os.replace(partial, output)


def ensure_plotly_partial() -> Path | None:
    """Build the partial Plotly bundle unless it is already up to date.

    Returns its path, or None when it could not be built: then the full bundle is
    served in its place (one warning says why). Safe to call from several processes
    at once: they take turns on a lock file, and the later ones find it built.
    """
    output = plotly_partial_path()
    if _is_fresh(output):
        return output
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        logger.warning(
            "Partial Plotly bundle not built (%s): serving the full one", error
        )
        return None
    with open(output.with_name(output.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_fresh(output):
            return output
        logger.info(
            "Building the partial Plotly bundle into %s (npm lock file and esbuild in %s; "
            "some seconds the first time)…",
            output,
            BUILDER_DIR,
        )
        started = time.monotonic()
        try:
            _build(output)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
            logger.warning(
                "Partial Plotly bundle not built (%s): pages get the full bundle of "
                "the plotly package instead (4.8 MB instead of 1.5 MB).",
                error,
            )
            return None
    logger.info(
        "Built the partial Plotly bundle in %.1f s (%.2f MB)",
        time.monotonic() - started,
        output.stat().st_size / 1e6,
    )
    return output
