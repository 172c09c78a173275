"""Debian's Chromium and the flags it runs headless with here: for the browser tests
(tests/e2e/conftest.py) and the screenshot script (docs/screenshots/take.py).
No Django and no pytest, so a plain script may import it."""

import os
import shutil

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
