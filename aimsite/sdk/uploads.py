"""Uploads of tracked objects: packed to fit the server's limits, split when refused.

An upload is one multipart request to `POST runs/<hash>/objects`: a `batch` JSON
field listing the records, and one file part per image or audio clip. `take()`
fills an upload up to the limits of limits.py, lowered to the server's own once a
413 answer has named them (`learn()`). `split()` divides an upload the server
refused: around the object its answer names, otherwise in halves. `decode()` reads
an upload back (from a request that was refused, or from a spool file), so the same
splitting serves the sender, the courier and the resending of spool files; spool.py
decides what is sent again and what is kept as refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from dataclasses import dataclass

from aimsite.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, MAX_UPLOAD_OBJECTS
from aimsite.sdk.transport import (
    API_PREFIX,
    RejectedError,
    dumps,
    loads,
    multipart,
    normalize_server,
)

Item = tuple[dict, bytes | None]  # a record and, for images and audio, its file

# Refusals that may concern only some objects of an upload (a corrupt image, an
# upload over the limits): splitting can deliver the others. 401, 403 and 404
# concern the whole upload, and splitting it would not help.
SPLIT_STATUSES = frozenset({400, 413, 422})

# An upper bound on a part's boundary and headers, and on the bytes a record's
# JSON gains in the batch (its "file" key, a comma).
_PART_OVERHEAD = 256
_RECORD_OVERHEAD = 64

_UPLOAD_PATH = re.compile(rf"^{re.escape(API_PREFIX)}/runs/([^/]+)/objects$")
_NAMED_OBJECT = re.compile(r"^objects\[(\d+)\]")
_PART_NAME = re.compile(rb'name="([^"]*)"')


@dataclass(frozen=True)
class UploadLimits:
    files: int = MAX_UPLOAD_FILES
    bytes: int = MAX_UPLOAD_BYTES
    objects: int = MAX_UPLOAD_OBJECTS


DEFAULT_LIMITS = UploadLimits()
_learned: dict[str, UploadLimits] = {}  # server → the lower limits it named


def limits_for(server: str) -> UploadLimits:
    return _learned.get(normalize_server(server), DEFAULT_LIMITS)


def learn(server: str, answer: object) -> None:
    """Lower the limits for `server` to those its 413 answer names (never raise them
    above the SDK's own)."""
    named = answer.get("limits") if isinstance(answer, dict) else None
    if not isinstance(named, dict):
        return
    current = limits_for(server)

    def lowered(key: str, value: int) -> int:
        limit = named.get(key)
        return min(value, limit) if type(limit) is int and limit > 0 else value

    _learned[normalize_server(server)] = UploadLimits(
        files=lowered("files", current.files),
        bytes=lowered("bytes", current.bytes),
        objects=lowered("objects", current.objects),
    )


def is_upload(method: str, path: str) -> bool:
    return method == "POST" and _UPLOAD_PATH.match(path) is not None


def run_hash_of(path: str) -> str:
    match = _UPLOAD_PATH.match(path)
    return match.group(1) if match else ""


def take(queue: deque[Item], limits: UploadLimits) -> list[Item]:
    """Pop from the front of `queue` the items of one upload within `limits`. An item
    too large for any upload goes alone; the server's answer then decides."""
    items: list[Item] = []
    files, size = 0, 2 * _PART_OVERHEAD  # the batch part and the closing boundary
    while queue:
        record, content = queue[0]
        cost = len(dumps(record)) + _RECORD_OVERHEAD
        if content is not None:
            cost += len(content) + _PART_OVERHEAD
        if items and (
            len(items) >= limits.objects
            or (content is not None and files >= limits.files)
            or size + cost > limits.bytes
        ):
            break
        queue.popleft()
        items.append((record, content))
        files += content is not None
        size += cost
    return items


def encode(items: list[Item]) -> tuple[bytes, str]:
    """The multipart body and content type of an upload of `items`."""
    records, files = [], {}
    for record, content in items:
        record = {key: value for key, value in record.items() if key != "file"}
        if content is not None:
            part = f"file{len(files)}"
            record["file"] = part
            files[part] = (f"{part}.{record.get('format') or 'bin'}", content)
        records.append(record)
    return multipart({"batch": dumps({"objects": records})}, files)


def decode(body: bytes, content_type: str) -> list[Item]:
    """The items of an upload `encode()` made; ValueError if it is not one."""
    boundary = content_type.partition("boundary=")[2].strip().strip('"')
    if not boundary:
        raise ValueError("not a multipart upload")
    marker = b"\r\n--" + boundary.encode()
    parts: dict[str, bytes] = {}
    # Every part follows CRLF + marker once the body is given a leading CRLF.
    for section in (b"\r\n" + body).split(marker)[1:]:
        if section.startswith(b"--"):
            break  # the closing boundary
        head, separator, content = section[2:].partition(b"\r\n\r\n")
        name = _PART_NAME.search(head)
        if not separator or name is None:
            raise ValueError("a part of the upload has no name")
        parts[name.group(1).decode()] = content
    batch = loads(parts.pop("batch", b"null"))
    if not isinstance(batch, dict) or not isinstance(batch.get("objects"), list):
        raise ValueError('the upload has no "batch" of objects')
    items: list[Item] = []
    for record in batch["objects"]:
        part = record.pop("file", None)
        if part is not None and part not in parts:
            raise ValueError(f"the upload has no file part {part!r}")
        items.append((record, parts[part] if part is not None else None))
    return items


def split(
    items: list[Item], error: RejectedError, limits: UploadLimits
) -> tuple[list[list[Item]], Item | None]:
    """How to resend an upload of several items the server refused: the parts to
    send again, and the item the server's answer named (refused; not sent again)."""
    named = _named_position(error, len(items))
    if named is not None:
        parts = [items[:named], items[named + 1 :]]
        return [part for part in parts if part], items[named]
    if error.status == 413:
        queue, parts = deque(items), []
        while queue:
            parts.append(take(queue, limits))
        if len(parts) > 1:  # the limits it named are lower than what was sent
            return parts, None
    half = len(items) // 2
    return [items[:half], items[half:]], None


def _named_position(error: RejectedError, count: int) -> int | None:
    """The position of the object the server's answer names (`field: objects[3]`):
    the server validates in order, so the objects before it passed."""
    field = (error.answer or {}).get("field")
    match = _NAMED_OBJECT.match(field) if isinstance(field, str) else None
    if match is None or int(match.group(1)) >= count:
        return None
    return int(match.group(1))


def describe(items: list[Item]) -> str:
    """The objects of an upload, named for a person: kind, name, context, step, index."""
    if not items:
        return "an upload of tracked objects"
    first = _describe_record(items[0][0])
    if len(items) == 1:
        return first
    return f"{len(items)} objects ({first}, …)"


def _describe_record(record: dict) -> str:
    context = record.get("context")
    where = f" {json.dumps(context, sort_keys=True)}" if context else ""
    return (
        f'{record.get("kind")} "{record.get("name")}"{where} '
        f"step {record.get('step')} index {record.get('index')}"
    )


def fingerprint(items: list[Item]) -> str:
    """A short digest of which objects these are (the server's identity of an object:
    kind, name, context, step, index), the same however the upload was encoded."""
    keys = [
        [r.get("kind"), r.get("name"), r.get("context"), r.get("step"), r.get("index")]
        for r, _content in items
    ]
    return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:16]
