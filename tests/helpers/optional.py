"""Optional third-party packages (frameworks, importer sources) in the tests.

Where a package is absent its tests skip, with the reason; CI sets
``AIMSITE_REQUIRE_OPTIONAL=1`` and then an absent package fails the test instead,
so a broken install can never pass as a row of skips. A package CI cannot install
(named in the README, with how to run its tests by hand) is imported with
``in_ci=False``: its tests skip wherever it is missing, CI included.
"""

from __future__ import annotations

import importlib
import os

import pytest


def required() -> bool:
    return os.environ.get("AIMSITE_REQUIRE_OPTIONAL") == "1"


def import_or_skip(name: str, *, module_level: bool = False, in_ci: bool = True):
    """Import ``name``; skip (or fail, in CI) with a message when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        message = f"{name} is not installed ({error})"
        if required() and in_ci:
            pytest.fail(
                f"{message}, but AIMSITE_REQUIRE_OPTIONAL=1 requires it",
                pytrace=False,
            )
        pytest.skip(message, allow_module_level=module_level)


def built_plotly_partial_or_skip():
    """The built partial Plotly bundle; skip (or fail, in CI) where node/npm is missing.

    The test session builds it at start (tests/conftest.py); with npm on PATH a
    missing file is a failed build, never a skip.
    """
    import shutil
    from pathlib import Path

    from django.conf import settings

    built = Path(settings.PLOTLY_PARTIAL_PATH)
    if built.is_file():
        return built
    message = f"the partial Plotly bundle is not built at {built}"
    if shutil.which("npm") is None and not required():
        pytest.skip(f"{message}: node/npm is not on PATH (the full bundle stands in)")
    pytest.fail(
        f"{message}; see the warning at the start of the session", pytrace=False
    )
