"""The inspector's reading of a flash image's partitions and journal log (docs/SPEC.md §1).

An implementation of its own, from the specification, sharing no code with
the terminal. Block 0 holds the partition table; the log partition holds
the frames in the data areas of its blocks (each block: a 16-byte header,
then data), back to back, a frame possibly running across blocks. Here the
data areas are laid end to end as one stream, read from the start: each
frame is cut out of it, its block header checked where it is the first
frame of its block, and its place in the segments computed by the rule of
§3. The segments come out byte for byte as the terminal's backup and
serial copy give them.

A torn frame (a power cut during an append) is skipped when it has the
shape of §1.2, and said as a note; any other damage is a problem, and the
frame is kept as its length declares, so that the verification of the
segment names it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

TABLE_MAGIC = b"NF525-PT"
TABLE_VERSION = 1
KIND_LOG = 1
KIND_LITTLEFS = 2
HEADER = 16
SEGMENT_BYTES = 32 * 1024
MAX_FRAME = 0xFFFF + 6
ERASED = 0xFF


class LayoutError(Exception):
    """The image holds no partition table this reader understands."""


@dataclass(frozen=True, slots=True)
class Partition:
    kind: int
    unit: int
    first: int
    count: int


@dataclass
class LogContents:
    """The segments read from the log, and what the reading found."""

    segments: dict[int, bytearray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # torn frames: worth saying, not anomalies
    problems: list[str] = field(default_factory=list)  # damage


def read_table(image: bytes) -> tuple[int, dict[int, Partition]]:
    """Return (block size, partitions by kind) from block 0 of ``image``."""
    if len(image) < 14 or image[:8] != TABLE_MAGIC:
        raise LayoutError("pas de table des partitions au bloc 0")
    version, count, block_size = image[8], image[9], int.from_bytes(image[10:14], "big")
    end = 14 + 12 * count
    crc = int.from_bytes(image[end : end + 4], "big")
    if len(image) < end + 4 or zlib.crc32(image[:end]) != crc:
        raise LayoutError("table des partitions endommagée (CRC-32)")
    if version != TABLE_VERSION:
        raise LayoutError(f"table des partitions de version {version} inconnue")
    parts: dict[int, Partition] = {}
    for i in range(count):
        kind, unit, _, first, blocks = struct.unpack_from(">BBHII", image, 14 + 12 * i)
        parts[kind] = Partition(kind, unit, first, blocks)
    if set(parts) != {KIND_LOG, KIND_LITTLEFS} or block_size <= HEADER:
        raise LayoutError("table des partitions sans journal ou sans littlefs")
    for part in parts.values():
        if part.first < 1 or part.unit < 1 or (part.first + part.count) * block_size > len(image):
            raise LayoutError("partition hors de l'image")
    return block_size, parts


def partition_bytes(image: bytes, block_size: int, part: Partition) -> bytes:
    return image[part.first * block_size : (part.first + part.count) * block_size]


def read_log(log: bytes, block_size: int, unit: int) -> LogContents:
    """Return the segments held in the log partition's bytes ``log``."""
    return _LogReader(log, block_size, unit).run()


class _LogReader:
    def __init__(self, log: bytes, block_size: int, unit: int) -> None:
        self.log = log
        self.size = block_size
        self.area = block_size - HEADER
        self.blocks = len(log) // block_size
        self.unit = unit
        self.stream = b"".join(
            log[b * block_size + HEADER : (b + 1) * block_size] for b in range(self.blocks)
        )
        self.last_written = len(log.rstrip(bytes([ERASED]))) - 1  # -1: nothing written
        self.reach = 2 * (MAX_FRAME // self.area + 2) + 2  # blocks a torn area may cover
        self.out = LogContents()

    def header(self, block: int) -> tuple[int, int, int, int] | None:
        raw = self.log[block * self.size : block * self.size + HEADER]
        if zlib.crc32(raw[:12]) != int.from_bytes(raw[12:16], "big"):
            return None
        seq, start, segment, offset = struct.unpack(">IHIH", raw[:12])
        return seq, start, segment, offset

    def erased_header(self, block: int) -> bool:
        start = block * self.size
        return self.log[start : start + HEADER] == bytes([ERASED]) * HEADER

    def run(self) -> LogContents:
        pos, seq, segment, offset = 0, 1, 1, 0
        started = -1  # the last block a frame started in
        while pos < len(self.stream):
            block, inside = divmod(pos, self.area)
            fresh = block != started
            untouched = not fresh or self.erased_header(block)  # no header for a frame here yet
            if untouched and self.last_written < block * self.size + HEADER + inside:
                break  # nothing written from here on: the end of the journal
            place = (seq, HEADER + inside, segment, offset)
            frame = self.frame_at(pos)
            if frame is not None and (not fresh or self.header(block) == place):
                self.check_crossed(pos, len(frame), segment, offset)
            else:
                resume, resumed = self.torn_resume(block, place)
                where = f"bloc {block} octet {HEADER + inside} du journal"
                where += f" ({segment:08d}.log @ {offset})"
                if resumed and resume is not None:
                    self.out.notes.append(
                        f"trame interrompue par une coupure de courant, écartée : {where}"
                    )
                    pos, started = resume * self.area, -1
                    continue
                if resume is not None:  # nothing after it: a cut, or damage to the last frame
                    self.out.notes.append(
                        f"dernière trame incomplète : {where} ; une coupure de courant pendant "
                        "son écriture (le terminal la trace au démarrage suivant, JET 936) "
                        "ou un dommage"
                    )
                if frame is None:  # kept as declared: the segment's verification names it
                    frame = self.declared(pos)
                else:
                    self.out.problems.append(f"en-tête de bloc faux au bloc {block} du journal")
                if frame is None:
                    rest = self.stream[pos:].rstrip(bytes([ERASED]))
                    self.out.segments.setdefault(segment, bytearray()).extend(rest)
                    break
            self.out.segments.setdefault(segment, bytearray()).extend(frame)
            started = block
            end = offset + len(frame)
            segment, offset = (segment, end) if end < SEGMENT_BYTES else (segment + 1, 0)
            seq += 1
            pos += len(frame)
            pos += -pos % self.unit
        return self.out

    def frame_at(self, pos: int) -> bytes | None:
        """The frame at ``pos`` when its length and CRC-32 hold."""
        frame = self.declared(pos)
        if frame is None or zlib.crc32(frame[:-4]) != int.from_bytes(frame[-4:], "big"):
            return None
        return frame

    def declared(self, pos: int) -> bytes | None:
        """The bytes at ``pos`` as long as their length field says, if they are all there."""
        length = int.from_bytes(self.stream[pos : pos + 2], "big")
        end = pos + 2 + length + 4
        return self.stream[pos:end] if length and end <= len(self.stream) else None

    def check_crossed(self, pos: int, length: int, segment: int, offset: int) -> None:
        """A block whose data a frame fills to its end has no header (no frame starts in it)."""
        first = pos // self.area + 1
        for block in range(first, (pos + length) // self.area + 1):
            if (block + 1) * self.area <= pos + length and not self.erased_header(block):
                self.out.problems.append(
                    f"en-tête au bloc {block} du journal, dans la trame "
                    f"{segment:08d}.log @ {offset}"
                )

    def torn_resume(self, block: int, place: tuple[int, int, int, int]) -> tuple[int | None, bool]:
        """Where the log goes on after a torn frame at ``place`` in ``block``, and whether
        a later append resumed there; (None, False) when it cannot be a torn frame.

        A torn frame is followed by nothing but headerless blocks up to a
        block whose header names the same seq and place at its start, or by
        nothing written at all; and no whole frame starts inside it.
        """
        resume, resumed = self.last_written // self.size + 1, False
        for later in range(block + 1, self.blocks):
            header = self.header(later)
            if header is not None:
                if header != (place[0], HEADER, place[2], place[3]):
                    return None, False
                resume, resumed = later, True
                break
        if resume - block > self.reach:
            return None, False
        start = block * self.area + place[1] - HEADER
        area = self.stream[start : resume * self.area]
        for at in range(self.unit, len(area) - 5, self.unit):  # nothing whole after a cut
            length = int.from_bytes(area[at : at + 2], "big")
            frame = area[at : at + length + 6]
            whole = length and len(frame) == length + 6
            if whole and zlib.crc32(frame[:-4]) == int.from_bytes(frame[-4:], "big"):
                return None, False
        return resume, resumed
