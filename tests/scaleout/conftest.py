"""Three `aimsite up` processes behind nginx, on PostgreSQL + Redis.

The cluster needs a shared database and the Redis channel layer: on SQLite or
the in-memory layer its tests skip and say why. Without nginx they skip too,
except where AIMSITE_REQUIRE_NGINX=1 (CI's PostgreSQL + Redis stage), where
they fail.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers.proxy import Cluster, nginx_available


def _why_not() -> str | None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        return (
            "the scale-out tests need PostgreSQL and Redis "
            "(set DATABASE_URL=postgres://… and REDIS_URL=redis://…)"
        )
    if not nginx_available():
        message = "nginx is not installed (apt-get install nginx)"
        if os.environ.get("AIMSITE_REQUIRE_NGINX") == "1":
            pytest.fail(f"{message}, but AIMSITE_REQUIRE_NGINX=1", pytrace=False)
        return message
    return None


@pytest.fixture(scope="session")
def cluster(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reason = _why_not()
        if reason:
            pytest.skip(reason)
        started = Cluster()
        try:
            started.start()
        except BaseException:
            started.stop()
            raise
    yield started
    started.stop()


@pytest.fixture
def alive(cluster):
    """After each test every process runs again (a test may kill one)."""
    yield cluster
    for server in cluster.servers:
        if server.process is None or server.process.poll() is not None:
            cluster.restart(server)
