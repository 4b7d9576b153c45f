"""FileCounter: the simulator's monotonic counter, two checksummed slots in a small file.

Theory of operation. The file holds two slots, each in its own 4 KiB page
(so that writing one never rewrites the page of the other):

    offset 0 and 4096, 16 bytes each:
      0  4  magic b"MCT1"
      4  8  value, u64 big-endian
     12  4  CRC-32 (zlib.crc32) of bytes 0..11, u32 big-endian

The value is the largest value among the valid slots (magic and CRC
right). ``advance_to`` writes the new value into the *other* slot (the one
not holding the current value), syncs it, and only then returns. A power cut
during the write can damage only that slot, which then fails its CRC: the
slot holding the acknowledged value is never written again until a newer
value is durable in the other one. So a reader sees the acknowledged value
or the new one, never less and never a torn value (a torn slot passing its
CRC-32 has a chance of 2^-32).

Why not "write a new file, fsync, rename, fsync the directory": it would
also never expose a torn value, but it costs two fsyncs per commit, relies
on the host filesystem making rename atomic and durable (not true of every
filesystem the simulator may run on), and has no counterpart on a real NV
memory, where two alternating slots with a sequence and a CRC is the
standard scheme. The file is created whole once (temporary name, fsync,
rename, directory fsync), then only ever rewritten in place. ``advance_to``
syncs with ``fdatasync``: it persists the slot and all the metadata needed
to read it back, skipping only the time stamps, which here are all that
changes (``fsync`` would journal them: a second device flush on ext4).
"""

from __future__ import annotations

import os
import struct
import zlib
from types import TracebackType

from hal.counter import COUNTER_FAILED, COUNTER_UNREADABLE, CounterError, check_advance

SLOT_MAGIC = b"MCT1"
SLOT_BYTES = 16
SLOT_STRIDE = 4096
SLOT_COUNT = 2
FILE_BYTES = SLOT_STRIDE * SLOT_COUNT


def encode_slot(value: int) -> bytes:
    """Return the 16 bytes of a slot holding ``value``."""
    head = SLOT_MAGIC + struct.pack(">Q", value)
    return head + struct.pack(">I", zlib.crc32(head))


def decode_slot(data: bytes) -> int | None:
    """Return the value of a slot's 16 bytes, or None when the slot is not valid."""
    if len(data) != SLOT_BYTES or data[:4] != SLOT_MAGIC:
        return None
    (crc,) = struct.unpack_from(">I", data, 12)
    if zlib.crc32(data[:12]) != crc:
        return None
    (value,) = struct.unpack_from(">Q", data, 4)
    return int(value)


class FileCounter:
    """A MonotonicCounter kept in a file; build it with ``FileCounter.open``."""

    def __init__(self, fd: int, path: str) -> None:
        """Wrap a counter file already open read-write as ``fd``; prefer ``FileCounter.open``.

        Raises CounterError(COUNTER_UNREADABLE) when neither slot is valid.
        """
        self._fd = fd
        self.path = path
        self._value, self._slot = self._read_slots()

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False) -> FileCounter:
        """Open the counter file; with ``create``, first make one at 0 if it is missing.

        Raises FileNotFoundError when missing and not ``create``, ValueError
        when the file is not FILE_BYTES long, CounterError(COUNTER_UNREADABLE)
        when no slot is valid.
        """
        path = os.fspath(path)
        if create and not os.path.exists(path):
            _create(path)
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            if size != FILE_BYTES:
                raise ValueError(f"{path} is {size} bytes, a counter file is {FILE_BYTES}")
            return cls(fd, path)
        except BaseException:
            os.close(fd)
            raise

    def value(self) -> int:
        """Return the durable value."""
        return self._value

    def advance_to(self, n: int) -> None:
        """Make ``n`` the value, durably, before returning.

        Raises CounterError: COUNTER_BACKWARDS or COUNTER_RANGE (nothing
        written), COUNTER_FAILED when the write or fsync failed (on the file
        the value is then the previous one or ``n``; ``value()`` keeps
        saying the previous one, the only one known durable).
        """
        check_advance(self._value, n)
        if n == self._value:
            return
        target = 1 - self._slot
        try:
            _pwrite_all(self._fd, encode_slot(n), target * SLOT_STRIDE)
            os.fdatasync(self._fd)  # see the module docstring
        except OSError as exc:
            # Keep the previous value and slot: the only ones known durable. A
            # retry rewrites the same slot, never the one holding that value.
            raise CounterError(COUNTER_FAILED, f"{self.path}: {exc}") from None
        self._value, self._slot = n, target

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FileCounter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read_slots(self) -> tuple[int, int]:
        values = [
            decode_slot(os.pread(self._fd, SLOT_BYTES, i * SLOT_STRIDE)) for i in range(SLOT_COUNT)
        ]
        valid = [(v, i) for i, v in enumerate(values) if v is not None]
        if not valid:
            raise CounterError(COUNTER_UNREADABLE, f"{self.path}: no valid counter slot")
        return max(valid)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _create(path: str) -> None:
    """Write a counter file at 0 under a temporary name, then rename it into place durably."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _pwrite_all(fd, encode_slot(0).ljust(FILE_BYTES, b"\x00"), 0)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
