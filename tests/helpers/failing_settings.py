"""aimsite's settings with the test-only failing URLs (tests/helpers/failing_urls.py)."""

from aimsite.settings import *  # noqa: F403

ROOT_URLCONF = "tests.helpers.failing_urls"
DEBUG = False
