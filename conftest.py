"""Loaded before Django is set up: give the test run its own data directory."""

import os
import tempfile

os.environ.setdefault("AIMSITE_DATA_DIR", tempfile.mkdtemp(prefix="aimsite-test-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimsite.settings")
