"""Benchmark data sets built once and kept on disk (SQLite only).

`cached_database(name, build)` restores /tmp/aimsite-bench-<name>-<schema>.sqlite3
into the test database when it exists, else runs `build()` and keeps a copy. Both
go through SQLite's backup API, not a file copy, so a server that has the test
database open (the session's daphne) sees a consistent database. The
file name carries a digest of the migration files, so a schema change builds
again. On PostgreSQL `build()` runs every time. Tests using it need
`django_db(transaction=True)` (the rows must be committed to be copied).
"""

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parent.parent.parent


def _schema_digest() -> str:
    names = sorted(
        str(path.relative_to(REPO)) for path in REPO.glob("*/migrations/0*.py")
    )
    return hashlib.md5("\n".join(names).encode()).hexdigest()[:8]


def cache_path(name: str) -> Path | None:
    if connection.vendor != "sqlite":
        return None
    return Path(f"/tmp/aimsite-bench-{name}-{_schema_digest()}.sqlite3")


def cached_database(name: str, build: Callable[[], None]) -> bool:
    """The data set `name` in the test database; True when it came from the cache."""
    cache = cache_path(name)
    if cache is not None and cache.exists():
        connection.ensure_connection()
        with sqlite3.connect(cache) as source:
            source.backup(connection.connection)
        print(f"\nrestored the {name!r} data set from {cache}")
        return True
    build()
    if cache is not None:
        connection.ensure_connection()
        partial = cache.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        target = sqlite3.connect(partial)
        connection.connection.backup(target)
        target.close()
        partial.rename(cache)
    return False
