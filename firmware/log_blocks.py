"""The journal log's block header, and the places the log's readers and writer pass around.

Every block of the log partition starts with a 16-byte header (docs/SPEC.md
section 1.2), programmed by the append of the first frame that starts in
the block, in the same sync as that frame: the frame's seq, its offset in
the block, its logical place (segment index and offset in the segment,
section 3), and a CRC-32 of those 12 bytes. A block no frame starts in
keeps its header erased. So a header never states anything about a frame
that was not being appended with it, and a reader can start in any block
whose header holds: reading by seq or by place is a binary search over
the headers, never a scan from the first block.
"""

from __future__ import annotations

import struct
import zlib

from firmware.flash_layout import SEGMENT_BYTES
from hal.ports import Flash

HEADER_BYTES = 16
_FIELDS = struct.Struct(">IHIH")  # seq, start in the block, segment, offset in the segment
ERASED_HEADER = b"\xff" * HEADER_BYTES
READ_AHEAD_BLOCKS = 32  # blocks a BlockRun reads at least at once: 128 KiB of 4 KiB blocks


class Header:
    """A block header that holds: the first frame starting in its block, and where."""

    __slots__ = ("offset", "segment", "seq", "start")

    def __init__(self, seq: int, start: int, segment: int, offset: int) -> None:
        self.seq = seq
        self.start = start
        self.segment = segment
        self.offset = offset

    def encode(self) -> bytes:
        fields = _FIELDS.pack(self.seq, self.start, self.segment, self.offset)
        return fields + struct.pack(">I", zlib.crc32(fields))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Header) and self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(self.encode())


def decode_header(data: bytes) -> Header | None:
    """Return the header in ``data`` (16 bytes), or None when it is erased or does not hold."""
    fields = data[: _FIELDS.size]
    if len(data) < HEADER_BYTES or zlib.crc32(fields) != struct.unpack_from(">I", data, 12)[0]:
        return None
    return Header(*_FIELDS.unpack(fields))


class BlockRun:
    """Blocks of the log read whole from ``first`` on: their data areas end to end, and their
    headers, for the bulk readers (firmware/log_segment.py, firmware/log_stored.py).

    Block ``first + k``'s data are ``data[k * area:(k + 1) * area]``; ``view`` is a
    memoryview of ``data``, made again by each ``load`` (a bytearray grows only with
    no view on it).
    """

    __slots__ = ("area", "count", "data", "first", "flash", "headers", "size", "view")

    def __init__(self, flash: Flash, first: int) -> None:
        g = flash.geometry
        self.flash, self.first = flash, first
        self.size, self.count = g.block_size, g.block_count
        self.area = self.size - HEADER_BYTES
        self.data = bytearray()
        self.headers: list[bytes] = []
        self.view = memoryview(self.data)

    def load(self, upto: int) -> int:
        """Read whole blocks until ``data`` holds ``upto`` bytes; its length, 0 past the end.

        At least READ_AHEAD_BLOCKS per flash transfer (``read_blocks``): the bulk
        readers go on block after block, and a read per block cost more than the
        bytes (a dump of 100,000 records is some 5,700 blocks).
        """
        data, headers = self.data, self.headers
        if len(data) >= upto:
            return len(data)
        self.view.release()
        try:
            block = self.first + len(headers)
            need = -(-(upto - len(data)) // self.area)
            count = min(max(need, READ_AHEAD_BLOCKS), self.count - block)
            if count > 0:
                size = self.size
                raw = self.flash.read_blocks(block, count)
                run = memoryview(raw)
                for start in range(0, count * size, size):
                    headers.append(raw[start : start + HEADER_BYTES])
                    data += run[start + HEADER_BYTES : start + size]
                run.release()
            return len(data) if len(data) >= upto else 0
        finally:
            self.view = memoryview(data)

    def drop_before(self, block: int) -> None:
        """Forget the blocks before ``block`` (a run kept for a later read starts there)."""
        drop = min(max(block - self.first, 0), len(self.headers))
        if drop:
            self.view.release()
            del self.data[: drop * self.area]
            del self.headers[:drop]
            self.first += drop
            self.view = memoryview(self.data)


class Cursor:
    """Where the next frame goes: its block and offset, its seq, its logical place.

    ``fresh``: no frame has started in ``block`` before ``off`` (the frame
    at the cursor would program the block's header).
    """

    __slots__ = ("block", "fresh", "off", "offset", "segment", "seq")

    def __init__(
        self, block: int, off: int, seq: int, segment: int, offset: int, fresh: bool
    ) -> None:
        self.block = block
        self.off = off
        self.seq = seq
        self.segment = segment
        self.offset = offset
        self.fresh = fresh

    @classmethod
    def at(cls, block: int, header: Header) -> Cursor:
        """The cursor at the frame a block's header names."""
        return cls(block, header.start, header.seq, header.segment, header.offset, True)

    def header(self) -> Header:
        """The header a block opened by the frame at this cursor holds."""
        return Header(self.seq, self.off, self.segment, self.offset)


def next_place(segment: int, end: int) -> tuple[int, int]:
    """Return where the frame after one ending at byte ``end`` of ``segment`` starts.

    A frame starts in a segment only while it holds fewer than SEGMENT_BYTES.
    """
    return (segment, end) if end < SEGMENT_BYTES else (segment + 1, 0)


class Torn:
    """A frame whose append a power cut interrupted: never a record, skipped by readers."""

    __slots__ = ("block", "bytes", "off", "offset", "segment", "seq")

    def __init__(self, at: Cursor, programmed: int) -> None:
        self.seq = at.seq  # the seq it would have had: the next record takes it
        self.block = at.block  # block of the log partition, and offset in it
        self.off = at.off
        self.segment = at.segment
        self.offset = at.offset
        self.bytes = programmed  # bytes found programmed in the torn area

    def describe(self) -> str:
        """The JET 936 text (docs/SPEC.md section 6)."""
        return (
            f"trame interrompue ecartee: bloc {self.block} octet {self.off} du journal "
            f"(segment {self.segment} octet {self.offset}), {self.bytes} octets"
        )
