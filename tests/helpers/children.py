"""Python snippets run in a fresh interpreter, as a user's training script would be."""

import os
import subprocess
import sys
import textwrap

from tests.helpers.servers import REPO


def run_child(
    code: str, env: dict, timeout: float = 60, **popen
) -> subprocess.CompletedProcess:
    """Run a Python snippet in a fresh interpreter with the SDK importable."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **popen,
    )
