"""Screenshots of the portal as a newcomer sees it after `aimsite up --demo`.

    python3 docs/screenshots/take.py docs/screenshots/after

Starts `manage.py up --demo` from this checkout on a free 127.0.0.1 port with a
temporary data directory (SQLite, an `admin` user), signs in with Debian's
Chromium (the flags of tests/e2e/conftest.py) and saves full-page PNGs at
1440x900 of: the runs explorer, a run's Overview and Metrics tabs, and the Home
page (`/`). The server is stopped and the temporary directory removed at the end.
"""

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.helpers.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.helpers.servers import free_port  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}
PASSWORD = "admin-screenshots"


def start_portal(data_dir: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "AIMSITE_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'aimsite.sqlite3'}",
        "AIMSITE_ADMIN_USER": "admin",
        "AIMSITE_ADMIN_PASSWORD": PASSWORD,
    }
    env.pop("REDIS_URL", None)
    log = open(data_dir / "up.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--demo", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((data_dir / "up.log").read_text()[-3000:])
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the portal did not start in 15 minutes")


def stop_portal(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def save(page, path: Path) -> None:
    """A full-page PNG, palette-quantised with Pillow when that keeps it readable."""
    page.wait_for_timeout(1500)  # let charts finish their transitions
    png = page.screenshot(full_page=True)
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(png)).convert("RGB")
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        image.save(path, optimize=True)
    except ImportError:
        path.write_bytes(png)
    print(f"  {path} ({path.stat().st_size // 1024} KB)")


def explorer_url(page, base: str) -> str:
    """The runs explorer: `/runs/` once Home owns `/`, the site root before that."""
    answer = page.request.get(f"{base}/runs/")
    return f"{base}/runs/" if answer.ok else f"{base}/"


def pick_run(page, base: str) -> str:
    """A finished run with media, so the run page shows every card."""
    answer = page.request.get(
        f"{base}/api/v1/runs/",
        params={"q": 'run.status == "finished"', "ordering": "created_at"},
    )
    runs = answer.json()["results"]
    for run in runs:
        objects = page.request.get(f"{base}/api/v1/runs/{run['hash']}/objects")
        if objects.ok and objects.json():
            return run["hash"]
    return runs[0]["hash"]


def take(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="aimsite-screens-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"Starting the portal with demo data on {base} (data in {data_dir})…")
    process = start_portal(data_dir, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            run_hash = pick_run(page, base)
            shots = [
                ("runs-explorer", explorer_url(page, base)),
                ("run-overview", f"{base}/runs/{run_hash}/"),
                ("run-metrics", f"{base}/runs/{run_hash}/metrics/"),
                ("home", f"{base}/"),
            ]
            for name, url in shots:
                page.goto(url)
                page.wait_for_load_state("networkidle")
                save(page, folder / f"{name}.png")
            browser.close()
    finally:
        stop_portal(process)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the PNGs go")
    take(parser.parse_args().folder)


if __name__ == "__main__":
    main()
