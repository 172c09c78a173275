"""NumPy `.npz` archives written as a stream: `.npy` columns in a zip whose
entries are stored (not compressed), with every size known before the first
byte. An answer of any length then goes out a piece at a time, with its
Content-Length, and `numpy.load` reads it like any `np.savez` file.

Each column's length is fixed up front; its data comes later, from an iterable
of arrays (or of bytes already in the column's type) asked for only when that
column is written. An entry's CRC-32 follows
its data in a data descriptor (the zip format's way of streaming) and the
central directory at the end repeats it for readers. No zip64: one column holds
at most 4 GiB (about 500 million float64 values).
"""

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_DESCRIPTOR = struct.Struct("<IIII")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # zip 2.0: stored entries, data descriptors
_HAS_DESCRIPTOR = 0x08
_DOS_DATE = (1 << 5) | 1  # 1980-01-01: the archive carries no meaningful time
MAX_COLUMN_BYTES = 0xFFFFFFFF


@dataclass(frozen=True)
class Column:
    name: str  # the array's name in numpy.load's archive
    dtype: str  # little-endian NumPy type: "<i8", "<f8"
    count: int
    pieces: Callable[[], Iterable[np.ndarray | bytes | memoryview]]

    @property
    def file_name(self) -> bytes:
        return f"{self.name}.npy".encode()

    def header(self) -> bytes:
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            buffer,
            {"descr": self.dtype, "fortran_order": False, "shape": (self.count,)},
        )
        return buffer.getvalue()

    def size(self) -> int:
        return len(self.header()) + self.count * np.dtype(self.dtype).itemsize


def archive_size(columns: list[Column]) -> int:
    """The archive's length in bytes, before any of it is written."""
    return _END.size + sum(
        _LOCAL.size + _DESCRIPTOR.size + _CENTRAL.size
        + 2 * len(column.file_name) + column.size()
        for column in columns
    )  # fmt: skip


def stream(columns: list[Column]) -> Iterator[bytes]:
    """The archive, piece by piece: a column's data as its pieces come.

    Raises ValueError before the first byte when a column is too large, and
    while writing when a column's pieces do not add up to its count.
    """
    for column in columns:
        if column.size() > MAX_COLUMN_BYTES:
            raise ValueError(f"{column.name} is over 4 GiB")
    offset = 0
    directory = []
    for column in columns:
        name, header, size = column.file_name, column.header(), column.size()
        local = _LOCAL.pack(
            0x04034B50,
            _VERSION,
            _HAS_DESCRIPTOR,
            0,
            0,
            _DOS_DATE,
            0,
            0,
            0,
            len(name),
            0,
        )
        yield local + name + header
        crc, written = zlib.crc32(header), len(header)
        for piece in column.pieces():
            data = piece
            if isinstance(piece, np.ndarray):
                data = np.ascontiguousarray(piece, column.dtype).data.cast("B")
            crc = zlib.crc32(data, crc)
            written += len(data)
            yield bytes(data)
        if written != size:
            raise ValueError(f"{column.name}: {written} bytes written, not {size}")
        yield _DESCRIPTOR.pack(0x08074B50, crc, size, size)
        directory.append(
            _CENTRAL.pack(
                0x02014B50, _VERSION, _VERSION, _HAS_DESCRIPTOR, 0, 0, _DOS_DATE,
                crc, size, size, len(name), 0, 0, 0, 0, 0, offset,
            )
            + name
        )  # fmt: skip
        offset += len(local) + len(name) + size + _DESCRIPTOR.size
    central = b"".join(directory)
    yield central + _END.pack(
        0x06054B50, 0, 0, len(directory), len(directory), len(central), offset, 0
    )


def archive_bytes(
    arrays: dict[str, np.ndarray], files: dict[str, bytes] | None = None
) -> bytes:
    """A whole archive in memory, every entry's size in its local header (what
    the browser's reader, lib/npz.js, reads): `<name>.npy` for each array, plus
    any other `files` as they are (numpy.load gives their bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in (files or {}).items():
            archive.writestr(name, data)
        for name, column in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, column, allow_pickle=False)
    return buffer.getvalue()
