"""Journal frames (docs/SPEC.md section 3) and the journal's errors.

A frame is u16 BE length, the record, u32 BE CRC-32 of both: its own length
and CRC let the inspector check the bytes without trusting littlefs, and
name a torn or altered frame precisely. The journal reads no further into
a record than its seq (``seq_of``); the Verifier checks the rest.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import cbor2

MAX_RECORD_BYTES = 0xFFFF
FRAME_OVERHEAD = 6  # u16 length + u32 CRC-32


class JournalError(Exception):
    """The journal cannot be mounted, read or appended; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CorruptFrameError(JournalError):
    """A frame's length or CRC does not hold; ``segment`` and ``offset`` locate it."""

    def __init__(self, segment: str, offset: int, message: str) -> None:
        super().__init__("CORRUPT_FRAME", f"{segment} @ {offset}: {message}")
        self.segment = segment
        self.offset = offset


def encode_frame(record: bytes) -> bytes:
    """Return ``record`` framed: u16 BE length, the record, u32 BE CRC-32 of both."""
    size = len(record)
    if not 0 < size <= MAX_RECORD_BYTES:
        raise ValueError(f"record size {size} outside 1..{MAX_RECORD_BYTES}")
    head = size.to_bytes(2, "big")
    crc = zlib.crc32(record, zlib.crc32(head))  # the CRC of both, without joining them first
    return b"".join((head, record, crc.to_bytes(4, "big")))


def iter_frames(segment: str, data: bytes) -> Iterator[bytes]:
    """Yield the records framed in ``data``; raise CorruptFrameError on a bad frame."""
    offset = 0
    while offset < len(data):
        if len(data) - offset < FRAME_OVERHEAD:
            raise CorruptFrameError(segment, offset, "truncated frame header")
        (length,) = struct.unpack_from(">H", data, offset)
        end = offset + 2 + length + 4
        if length == 0 or end > len(data):
            raise CorruptFrameError(segment, offset, f"frame length {length} runs past the end")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[offset : end - 4]) != crc:
            raise CorruptFrameError(segment, offset, "CRC-32 mismatch")
        yield bytes(data[offset + 2 : end - 4])
        offset = end


def checked_records(data: bytes) -> Iterator[bytes]:
    """Yield the records of frames already checked (a segment the log's checking readers
    returned: lengths and CRCs held there), cut by their lengths alone."""
    offset, end = 0, len(data)
    while offset < end:
        length = data[offset] << 8 | data[offset + 1]
        yield data[offset + 2 : offset + 2 + length]
        offset += length + FRAME_OVERHEAD


def seq_of(record: bytes) -> int:
    """Return a record's seq, field 2 of its CBOR array (docs/SPEC.md section 4).

    Raises JournalError when the record has none.
    """
    try:
        fields = cbor2.loads(record)
        seq = fields[2]
    except Exception:  # cbor2 raises several error types on bad input
        seq = None
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise JournalError("UNREADABLE", "a segment's first record has no seq")
    return seq
