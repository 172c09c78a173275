"""HTTP to the aimsite server: one keep-alive connection, JSON that keeps NaN/Infinity.

No Django here (the SDK is a client library). Errors are sorted into two kinds the
sender acts on: `TransientError` (network trouble, 5xx: retry later, spool) and
`RejectedError` (4xx: the server refused the data; warn once and move on, except
for uploads of tracked objects, which are split and kept: spool.send).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import socket
import urllib.parse
import uuid

try:  # orjson is much faster; the stdlib is the fallback.
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency of aimsite
    orjson = None

DEFAULT_SERVER = "http://127.0.0.1:43800"
API_PREFIX = "/api/v1"


class TransientError(Exception):
    """The request may succeed later: network error, timeout or a 5xx answer."""


class RejectedError(Exception):
    """The server answered 4xx: the request is wrong and retrying will not help.

    `answer` is the decoded JSON error (`error`, and `field` or `limits` when the
    server names them), or None.
    """

    def __init__(self, status: int, message: str, answer: dict | None = None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.answer = answer


def _has_non_finite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list | tuple):
        # A float sum is NaN or infinite when any term is; cheap for long columns.
        if value and all(
            type(item) is float or type(item) is int for item in value[:1]
        ):
            try:
                return not math.isfinite(math.fsum(value))
            except (TypeError, OverflowError):
                pass
            except ValueError:  # inf + -inf
                return True
        return any(_has_non_finite(item) for item in value)
    return False


def dumps(payload: object, *, non_finite: bool | None = None) -> bytes:
    """JSON bytes; NaN and ±Infinity are written as the NaN/Infinity tokens.

    orjson would write them as null, so it is only used when every float is finite.
    """
    if non_finite is None:
        non_finite = _has_non_finite(payload)
    if orjson is not None and not non_finite:
        return orjson.dumps(payload)
    return json.dumps(payload, separators=(",", ":"), allow_nan=True).encode()


def loads(body: bytes) -> object:
    if orjson is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body)


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    """Encode form fields and files (part name → (filename, bytes)) as multipart/form-data."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
            f"Content-Type: application/json\r\n\r\n".encode()
        )
        parts.append(value.encode() if isinstance(value, str) else value)
        parts.append(b"\r\n")
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def server_from_repo(repo) -> str:
    """The server address in Aim's `repo=` argument, or a ValueError saying what
    to pass instead."""
    if hasattr(repo, "server") and isinstance(repo.server, str):  # aimsite's Repo
        return repo.server
    if not isinstance(repo, str | os.PathLike):
        raise TypeError(
            "repo= takes a server address such as 'aim://127.0.0.1:43800' or "
            f"'http://127.0.0.1:43800', not a {type(repo).__name__}"
        )
    text = os.fspath(repo).strip()
    scheme, separator, rest = text.partition("://")
    if scheme in ("http", "https") and rest:
        return text
    if scheme == "aim" and rest:
        return f"http://{rest}"
    if not separator:
        raise ValueError(
            f"repo={text!r} looks like a local Aim repository; aimsite keeps runs "
            "on a server: pass server='http://HOST:43800' (or repo='aim://HOST:43800'), "
            "or set AIMSITE_SERVER"
        )
    raise ValueError(
        f"repo={text!r}: aimsite takes aim://HOST:PORT, http://… or https://… "
        "addresses of its server"
    )


def normalize_server(server: str) -> str:
    server = server.strip().rstrip("/")
    if "://" not in server:
        server = f"http://{server}"
    return server


class Connection:
    """One persistent HTTP/1.1 connection to the server, reopened after errors."""

    def __init__(self, server: str, token: str | None, timeout: float = 30.0):
        self.server = normalize_server(server)
        parsed = urllib.parse.urlsplit(self.server)
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or (443 if self._https else 80)
        self._base_path = parsed.path.rstrip("/")
        # The SDK reads nothing back from the run it creates (RFC 7240).
        self._headers = {"Connection": "keep-alive", "Prefer": "return=minimal"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = (
                http.client.HTTPSConnection
                if self._https
                else http.client.HTTPConnection
            )
            self._connection = cls(self._host, self._port, timeout=self.timeout)
            self._connection.connect()
            # Small batches must not wait for Nagle's algorithm.
            self._connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
        *,
        raw: bool = False,
        accept: str | None = None,
    ) -> tuple[int, object]:
        """Send one request; return (status, decoded JSON) for 2xx, or (status,
        the body's bytes) with `raw` (a file). `accept` asks for a media type.

        Raises TransientError or RejectedError. A connection the server closed
        while idle is retried once on a fresh one.
        """
        headers = dict(self._headers)
        if accept:
            headers["Accept"] = accept
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            try:
                connection = self._open()
                connection.request(
                    method, self._base_path + path, body=body, headers=headers
                )
                response = connection.getresponse()
                data = response.read()
                status = response.status
                if response.will_close:
                    self.close()
                break
            except (
                http.client.RemoteDisconnected,
                BrokenPipeError,
                ConnectionResetError,
            ) as error:
                self.close()
                if attempt:
                    raise TransientError(str(error) or type(error).__name__) from error
            except (OSError, http.client.HTTPException) as error:
                self.close()
                raise TransientError(str(error) or type(error).__name__) from error
        if status >= 500 or status in (408, 429):
            raise TransientError(f"server answered {status}")
        if status >= 400:
            message, answer = "", None
            try:
                decoded = loads(data)
                if isinstance(decoded, dict):
                    answer = decoded
                    message = answer.get("error") or answer.get("detail") or ""
            except ValueError:
                message = data[:200].decode(errors="replace")
            raise RejectedError(
                status, str(message) or http.client.responses.get(status, ""), answer
            )
        if raw:
            return status, data
        try:
            return status, loads(data) if data else None
        except ValueError:
            return status, None
