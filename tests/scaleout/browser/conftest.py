"""The browser suite's Chromium settings, for pages served through nginx."""

from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - a fixture
