"""Spool files: requests that could not reach the server, kept on disk until they can.

A spool file belongs to one run session: a header line, then one JSON line per
request (method, path, content type, body). Every request the SDK sends is
idempotent on the server (run creation by hash, track batches by sequence number,
objects by step and index, tag attach/detach, field patches), so a spool can be
resent from its first line any number of times. The writing process holds an
exclusive `flock` on its file; another process (the next `Run`, `aimsite sync`)
only sends files whose lock it can take, i.e. whose writer has exited.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking, files are still resent
    fcntl = None

from aimsite.sdk.transport import (
    Connection,
    RejectedError,
    TransientError,
    normalize_server,
)

SUFFIX = ".spool"


def default_spool_dir() -> Path:
    configured = os.environ.get("AIMSITE_SPOOL_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".aimsite" / "spool"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/json"

    def to_line(self) -> bytes:
        record: dict = {"m": self.method, "p": self.path, "c": self.content_type}
        if self.body is not None:
            record["b"] = base64.b64encode(self.body).decode()
        return json.dumps(record).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Request:
        record = json.loads(line)
        body = base64.b64decode(record["b"]) if "b" in record else None
        return cls(record["m"], record["p"], body, record.get("c", "application/json"))


def send(connection: Connection, request: Request) -> object:
    _status, answer = connection.request(
        request.method, request.path, request.body, request.content_type
    )
    return answer


class SpoolWriter:
    """The spool file of one run session, created (and locked) on first use."""

    def __init__(self, directory: Path, server: str, run_hash: str):
        self.directory = Path(directory)
        self.server = normalize_server(server)
        self.run_hash = run_hash
        self.path: Path | None = None
        self._file = None
        self.count = 0

    def append(self, request: Request) -> None:
        if self._file is None:
            self._create()
        self._file.write(request.to_line())
        # Flushed to the OS at once: a killed process must still leave it behind.
        self._file.flush()
        self.count += 1

    def _create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.run_hash}-{int(time.time())}-{secrets.token_hex(4)}"
        temporary = self.directory / f"{name}.tmp"
        self._file = open(temporary, "ab")  # noqa: SIM115 - lives as long as the session
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        header = {
            "aimsite_spool": 1,
            "server": self.server,
            "run": self.run_hash,
            "created": time.time(),
        }
        self._file.write(json.dumps(header).encode() + b"\n")
        self._file.flush()
        # Renamed only once locked, so no reader ever sees an unlocked live file.
        self.path = self.directory / f"{name}{SUFFIX}"
        os.replace(temporary, self.path)

    def requests(self) -> Iterator[Request]:
        if self.path is None:
            return iter(())
        return _read_requests(self.path)

    def discard(self) -> None:
        """Everything in the file reached the server: remove it."""
        if self._file is not None:
            if self.path is not None:
                self.path.unlink(missing_ok=True)
            self._file.close()
        self._file, self.path, self.count = None, None, 0

    def release(self) -> None:
        """Keep the file for a later process and drop the lock."""
        if self._file is not None:
            self._file.close()
        self._file = None


def _read_requests(path: Path) -> Iterator[Request]:
    with open(path, "rb") as handle:
        handle.readline()  # header
        for line in handle:
            if line.endswith(b"\n"):  # a torn last line (killed mid-write) is skipped
                yield Request.from_line(line)


def _header(path: Path) -> dict | None:
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.readline())
    except (OSError, ValueError):
        return None


@dataclass
class SyncResult:
    files_sent: int = 0
    files_left: int = 0
    requests_sent: int = 0
    rejected: int = 0


def send_spool_files(
    directory: Path,
    server: str,
    token: str | None,
    warn=None,
    exclude: Path | None = None,
) -> SyncResult:
    """Send every abandoned spool file for `server` in `directory`; delete those fully sent.

    Files still locked by a live writer, or written for another server, are left alone.
    A 4xx answer is reported through `warn` and skipped; a network error or 5xx stops
    that file (it stays for the next try).
    """
    result = SyncResult()
    directory = Path(directory)
    if not directory.is_dir():
        return result
    server = normalize_server(server)
    connection: Connection | None = None
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        if exclude is not None and path == exclude:
            continue
        header = _header(path)
        if header is None or normalize_server(header.get("server", "")) != server:
            continue
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its writer is alive
                try:
                    if os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
                        continue
                except FileNotFoundError:
                    continue  # another process sent it while we waited
            connection = connection or Connection(server, token)
            complete = True
            for request in _read_requests(path):
                try:
                    send(connection, request)
                    result.requests_sent += 1
                except RejectedError as error:
                    result.rejected += 1
                    if warn is not None:
                        warn(
                            f"the server refused a spooled request {request.method} {request.path}: {error.message}"
                        )
                except TransientError:
                    complete = False
                    break
            if complete:
                path.unlink(missing_ok=True)
                result.files_sent += 1
            else:
                result.files_left += 1
                break  # the server is unreachable: leave the rest for later
        finally:
            handle.close()
    if connection is not None:
        connection.close()
    return result
