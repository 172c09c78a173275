"""Spool files: requests that could not reach the server, kept on disk until they can.

A spool file belongs to one run session: a header line, then one JSON line per
request (method, path, content type, body). Every request the SDK sends is
idempotent on the server (run creation by hash, track batches by sequence number,
objects by step and index, tag attach/detach, field patches), so a spool can be
resent from its first line any number of times. The writing process holds an
exclusive `flock` on its file; another process (the next `Run`, `aimsite sync`)
only sends files whose lock it can take, i.e. whose writer has exited.

Uploads of tracked objects the server refuses are never dropped. `send()` splits a
refused upload (400, 413) and resends the parts, down to single objects, so one
corrupt image never holds back the others. An object still refused, or an upload
refused as a whole (401, 403, 404), goes to a `.refused` file, one per upload and
named after its objects, with a warning naming the run and the object (kind, name,
context, step, index). The sender, the courier and the next Run leave `.refused`
files alone (resending them at once would only be refused again); `aimsite sync`
resends them and reports each. Refused again, an object stays in its `.refused`
file and every later `aimsite sync` reports it again, until the server takes it
(its limits raised, say) or the file is deleted: nothing is deleted unsent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking, files are still resent
    fcntl = None

from aimsite.sdk import uploads
from aimsite.sdk.transport import (
    Connection,
    RejectedError,
    TransientError,
    normalize_server,
)

SUFFIX = ".spool"
REFUSED_SUFFIX = ".refused"

Warn = Callable[[str], None]


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


def send(
    connection: Connection, request: Request, directory: Path, warn: Warn | None
) -> list[Path]:
    """Send one request; returns the `.refused` files it left in `directory`.

    An upload of tracked objects the server refuses is split and its parts resent;
    what is still refused is kept (see the module docstring) and never raised. Any
    other refusal raises RejectedError. Network trouble or a 5xx raises
    TransientError, even halfway through the parts: resending the whole request
    later is harmless, since delivered parts change nothing twice and a refused
    object is kept under the same file name again.
    """
    try:
        connection.request(
            request.method, request.path, request.body, request.content_type
        )
    except RejectedError as error:
        if not uploads.is_upload(request.method, request.path):
            raise
        return _upload_refused(connection, request, error, directory, warn)
    return []


def _upload_refused(
    connection: Connection,
    request: Request,
    error: RejectedError,
    directory: Path,
    warn: Warn | None,
) -> list[Path]:
    if error.status == 413:
        uploads.learn(connection.server, error.answer)
    try:
        items = uploads.decode(request.body or b"", request.content_type)
    except ValueError:
        items = []  # not an upload this SDK wrote: kept whole, as it is
    if len(items) < 2 or error.status not in uploads.SPLIT_STATUSES:
        return keep_refused(directory, connection.server, request, items, error, warn)
    parts, named = uploads.split(items, error, uploads.limits_for(connection.server))
    kept = []
    if named is not None:
        kept += keep_refused(
            directory,
            connection.server,
            _upload_request(request.path, [named]),
            [named],
            error,
            warn,
        )
    for part in parts:
        kept += send(connection, _upload_request(request.path, part), directory, warn)
    return kept


def _upload_request(path: str, items: list[uploads.Item]) -> Request:
    body, content_type = uploads.encode(items)
    return Request("POST", path, body, content_type)


def keep_refused(
    directory: Path,
    server: str,
    request: Request,
    items: list[uploads.Item],
    error: RejectedError,
    warn: Warn | None,
) -> list[Path]:
    """Write an upload the server refused to a `.refused` file and warn, naming the
    run and its objects; returns the file ([] if it could not be written).

    The file is named after the objects, so keeping the same objects again (a
    resend, a retry after a network error) replaces it instead of adding a copy;
    it is written whole and renamed into place, so no reader sees half of it.
    """
    directory = Path(directory)
    run_hash = uploads.run_hash_of(request.path)
    digest = (
        uploads.fingerprint(items)
        if items
        else hashlib.sha256(request.body or b"").hexdigest()[:16]
    )
    path = directory / f"{run_hash}-{digest}{REFUSED_SUFFIX}"
    reason = f"{error.status}: {error.message}"
    what = f"{uploads.describe(items)} of run {run_hash}"
    header = {
        "aimsite_spool": 1,
        "server": normalize_server(server),
        "run": run_hash,
        "created": time.time(),
        "refused": reason,
    }
    temporary = directory / f"{path.name}-{secrets.token_hex(4)}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(json.dumps(header).encode() + b"\n" + request.to_line())
        os.replace(temporary, path)
    except OSError as write_error:
        temporary.unlink(missing_ok=True)
        if warn is not None:
            warn(
                f"aimsite: the server refused {what} ({reason}), and it could not "
                f"be kept in {directory} ({write_error}); it is lost"
            )
        return []
    if warn is not None:
        warn(
            f"aimsite: the server refused {what} ({reason}); it is kept in {path} "
            "and `aimsite sync` sends it again"
        )
    return [path]


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
    # `.refused` files left behind: new ones, and resent ones refused again.
    refused: list[Path] = field(default_factory=list)


def send_spool_files(
    directory: Path,
    server: str,
    token: str | None,
    warn: Warn | None = None,
    exclude: Path | None = None,
    include_refused: bool = False,
) -> SyncResult:
    """Send every abandoned spool file for `server` in `directory`; delete those fully sent.

    Files still locked by a live writer, or written for another server, are left alone.
    A 4xx answer is reported through `warn` and skipped, except for uploads of
    tracked objects, which are split and kept in `.refused` files (see `send()`); a
    network error or 5xx stops that file (it stays for the next try). `.refused`
    files are resent only with `include_refused` (`aimsite sync`); one refused
    again stays where it is.
    """
    result = SyncResult()
    directory = Path(directory)
    if not directory.is_dir():
        return result
    server = normalize_server(server)
    connection: Connection | None = None
    paths = sorted(directory.glob(f"*{SUFFIX}"))
    if include_refused:
        # After the spool files, which may hold the creation of their runs.
        paths += sorted(directory.glob(f"*{REFUSED_SUFFIX}"))
    for path in paths:
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
            kept: list[Path] = []
            for request in _read_requests(path):
                try:
                    refused = send(connection, request, directory, warn)
                except RejectedError as error:
                    result.rejected += 1
                    if warn is not None:
                        warn(
                            f"the server refused a spooled request {request.method} {request.path}: {error.message}"
                        )
                    continue
                except TransientError:
                    complete = False
                    break
                kept += refused
                if not refused:
                    result.requests_sent += 1
            result.refused += [file for file in kept if file not in result.refused]
            if not complete:
                result.files_left += 1
                break  # the server is unreachable: leave the rest for later
            if path not in kept:  # refused again, it was rewritten in place
                path.unlink(missing_ok=True)
                result.files_sent += 1
        finally:
            handle.close()
    if connection is not None:
        connection.close()
    return result
