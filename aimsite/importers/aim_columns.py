"""Aim metric series read in bulk from a run's RocksDB, in this process or in a
helper process (no Django and no `aim` SDK here: a helper starts in a blink).

Aim's own `data.numpy()` decodes one RocksDB record at a time in Python (about
25,000 points a second here). A v2 metric is four arrays under the series' key
prefix, in key order `epoch`, `step`, `time`, `val`: each an array marker record
(b"\\x06") followed by one 9-byte record per point (a type byte, then an int64
or a float64), keyed by the step's hash, so all four in the same order. They
are read as values only (RocksDB's cheapest walk) and decoded with numpy.
Anything else (markers not where four equal blocks put them, records that are
not plain ints or floats, blocks whose last keys differ) answers None, and the
reader falls back to Aim's way: the result is always what Aim reads.
"""

from __future__ import annotations

import itertools

import numpy as np

COLUMNS = ("epoch", "step", "time", "val")  # the order RocksDB keeps them in
_ARRAY_MARKER = b"\x06"
_INT, _FLOAT = 2, 3  # Aim's type bytes for int64 and float64 values
_RECORD = 9  # type byte + 8 bytes
_PAGE = 4096


def read_columns(database, prefix: bytes) -> tuple | None:
    """(steps, values, epochs, times) of the v2 metric under `prefix` in an
    aimrocks `database`, sorted by step, or None when its records are not the
    plain shape this decodes."""
    markers = [prefix + column.encode() + b"\xfe" for column in COLUMNS]
    keys = database.iterkeys()
    keys.seek(prefix)
    try:
        if keys.get() != markers[0]:
            return None
    except ValueError:  # past the last key
        return None
    # The epoch block's length is where the step marker is.
    values = database.itervalues()
    values.seek(prefix)
    records: list[bytes] = []
    while True:
        page = list(itertools.islice(values, _PAGE))
        records += page
        try:
            count = records.index(_ARRAY_MARKER, 1) - 1
            break
        except ValueError:
            if len(page) < _PAGE:
                return None
    total = 4 * (count + 1)
    if len(records) < total:
        records += list(itertools.islice(values, total - len(records)))
    del records[total:]
    if len(records) != total or count == 0:
        return None
    if any(records[block * (count + 1)] != _ARRAY_MARKER for block in range(4)):
        return None
    # The epoch and val blocks end on the same step hash, inside this prefix.
    ends = []
    for marker in (markers[0], markers[3]):
        keys.seek_for_prev(marker + b"\xff")
        ends.append(keys.get()[len(marker) :])
    if ends[0] != ends[1]:
        return None
    columns = {}
    for block, column in enumerate(COLUMNS):
        first = block * (count + 1) + 1
        decoded = _numbers(records[first : first + count])
        if decoded is None:
            return None
        columns[column] = decoded
    steps = columns["step"]
    if np.any(steps != np.round(steps)):
        return None
    order = np.argsort(steps, kind="stable")
    return (
        steps[order].astype(np.int64),
        columns["val"][order],
        columns["epoch"][order],
        columns["time"][order],
    )


def _numbers(records: list[bytes]) -> np.ndarray | None:
    """Float64 values of records that are all Aim-encoded ints or floats."""
    raw = b"".join(records)
    if len(raw) != _RECORD * len(records):
        return None
    table = np.frombuffer(raw, np.uint8).reshape(len(records), _RECORD)
    kinds = table[:, 0]
    payload = np.ascontiguousarray(table[:, 1:])
    as_float = payload.view("<f8").ravel()
    if np.all(kinds == _FLOAT):
        return as_float.astype(np.float64)
    if not np.all((kinds == _FLOAT) | (kinds == _INT)):
        return None
    as_int = payload.view("<i8").ravel()
    return np.where(kinds == _INT, as_int.astype(np.float64), as_float)


def read_run(path: str, prefixes: list[bytes]) -> list[tuple | None]:
    """In a helper process: each prefix's columns (or None) from the run's
    sequence database at `path` (a scratch copy), opened read-only."""
    import aimrocks

    try:
        database = aimrocks.DB(
            path, aimrocks.Options(create_if_missing=False), read_only=True
        )
    except Exception:
        return [None] * len(prefixes)
    try:
        found = []
        for prefix in prefixes:
            try:
                found.append(read_columns(database, prefix))
            except Exception:
                found.append(None)
        return found
    finally:
        del database
