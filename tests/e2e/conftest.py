"""Browser tests: Playwright driving Debian's Chromium against a real daphne."""

import os

import pytest

from tests.factories import make_user
from tests.helpers.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.clients import sign_in

# page.* runs an event loop in this thread; Django's ORM refuses to run beside it otherwise
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def signed_in_page(page, server, transactional_db):
    """A page signed in as a fresh user (page.user); base URL at page.base_url."""
    user = make_user("erin")
    sign_in(page, server, user)
    page.user = user
    page.base_url = server.url
    return page
