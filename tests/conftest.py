import os
from pathlib import Path

import pytest

from tests.factories import make_user
from tests.helpers.clients import api_for, signed_in_client
from tests.helpers.servers import ServerProcess


@pytest.fixture
def user(db):
    return make_user("alice")


@pytest.fixture
def other_user(db):
    return make_user("bob")


@pytest.fixture
def staff_user(db):
    return make_user("carol", is_staff=True)


@pytest.fixture
def api(user):
    """An API client signed in as `user` with a bearer token."""
    return api_for(user)


@pytest.fixture
def signed_in(user):
    """A client signed in as `user` with a session, for pages and session API calls."""
    return signed_in_client(user)


@pytest.fixture(scope="session")
def server(django_db_setup, django_db_blocker):
    """One daphne for the session; tests using it need django_db(transaction=True)."""
    with django_db_blocker.unblock():
        process = ServerProcess().start()
    yield process
    process.stop()


def pytest_sessionstart(session) -> None:
    """Build the partial Plotly bundle when it is missing (a few stats when it is not)."""
    import logging
    import sys

    from aimsite.assets import ensure_plotly_partial, logger

    # Django's log handler writes to the stderr pytest captures: a first build's
    # progress line (and any warning) goes to the terminal through one of our own.
    capture = session.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        terminal = logging.StreamHandler(sys.stderr)
        logger.addHandler(terminal)
        try:
            ensure_plotly_partial()
        finally:
            logger.removeHandler(terminal)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Remove this run's temporary data dir (see aimsite/settings.py)."""
    import shutil

    from django.conf import settings

    data_dir = Path(settings.DATA_DIR)
    if data_dir.name.startswith("aimsite-test-") and not os.environ.get(
        "AIMSITE_KEEP_TEST_DATA"
    ):
        shutil.rmtree(data_dir, ignore_errors=True)
