"""A benchmark's data set, built once and kept on disk under /tmp, so that a timed
run (under a quiet machine) never spends its minutes building.

`cached_user(key, username, build)` returns the user `build(user)` filled the
database for. The first call builds and saves: SQLite copies the test database
(SQLite's backup API) to /tmp/aimsite-bench-<key>.sqlite3, PostgreSQL dumps its rows with
pg_dump to /tmp/aimsite-bench-<key>.pgdump. A later call empties the test
database and loads the saved copy instead (a few seconds). Delete the file after
a schema change. Tests using it need `django_db(transaction=True)`.
"""

import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection

from tests.factories import make_user


def _path(key: str) -> Path:
    suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
    return Path(f"/tmp/aimsite-bench-{key}.{suffix}")


def _pg_arguments() -> list[str]:
    settings = connection.settings_dict
    arguments = ["-d", settings["NAME"], "-U", settings["USER"] or "postgres"]
    if settings["HOST"]:
        arguments += ["-h", settings["HOST"]]
    if settings["PORT"]:
        arguments += ["-p", str(settings["PORT"])]
    return arguments


def _save(path: Path) -> None:
    if connection.vendor == "sqlite":
        # SQLite's backup API, not a file copy: a server process may hold the
        # database open meanwhile.
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return
    subprocess.run(
        ["pg_dump", "--data-only", "-Fc", "-f", str(path), *_pg_arguments()],
        check=True,
    )


def _load(path: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        source.backup(connection.connection)
        source.close()
        return
    # The flush before this test left Django's own rows (content types,
    # permissions): empty every table, then load the saved rows as they were.
    # django_migrations too: the dump holds its rows, and a duplicate fails the
    # restore.
    tables = connection.introspection.django_table_names(include_views=False)
    tables.append("django_migrations")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables)
        )
    connection.close()
    subprocess.run(
        ["pg_restore", "--data-only", "--disable-triggers", *_pg_arguments(), path],
        check=True,
    )


def cached_user(key: str, username: str, build: Callable) -> object:
    """The user named `username` with `build(user)`'s data, built or loaded."""
    path = _path(key)
    if path.exists():
        started = time.perf_counter()
        _load(path)
        print(f"\nloaded {path} in {time.perf_counter() - started:.1f} s")
        user = get_user_model().objects.get(username=username)
        user.raw_password = "pw-for-tests-1"  # make_user's default
        return user
    user = make_user(username)
    started = time.perf_counter()
    build(user)
    print(f"\nbuilt {key} in {time.perf_counter() - started:.1f} s")
    _save(path)
    return user
