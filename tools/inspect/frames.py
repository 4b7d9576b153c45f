"""Journal framing (docs/SPEC.md §3): u16 BE length, record, CRC-32 BE of both.

A segment is frames end to end. A damaged stretch must not hide the rest
of the segment: the reader resumes at the damaged frame's declared end if a
valid frame starts there, else at the next offset where one does. A valid
frame needs its CRC-32 to match, so a false start is a 1 in 2^32 event,
and candidates are only tried where a record's first byte (0x8A, the head of
a 10-element CBOR array) appears.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

FRAME_OVERHEAD = 6  # u16 length + u32 CRC-32
RECORD_FIRST_BYTE = 0x8A  # CBOR head of a 10-element array


@dataclass(slots=True, unsafe_hash=True)  # not frozen: one a record, and a frozen init is slow
class Frame:
    """A frame whose length and CRC hold; ``record`` is its payload."""

    segment: str
    offset: int
    record: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A stretch of a segment that is not a valid frame; ``record`` is a best guess."""

    segment: str
    offset: int
    problem: str
    record: bytes


def split_frames(segment: str, data: bytes) -> list[Frame | BadFrame]:
    """Return the frames of a segment in order.

    A damaged stretch becomes one BadFrame; reading resumes where the damaged
    frame's length points if a valid frame starts there, else at the next
    offset where one does (CRC-32 makes a false start very unlikely).
    """
    items: list[Frame | BadFrame] = []
    offset = 0
    while offset < len(data):
        end = _frame_end(data, offset)
        if end:
            items.append(Frame(segment, offset, data[offset + 2 : end - 4]))
            offset = end
            continue
        declared = _declared_end(data, offset)
        if declared and (declared == len(data) or _frame_end(data, declared)):
            resume = declared
        else:
            resume = _next_frame_start(data, offset + 1)
        guess = data[offset + 2 : max(offset + 2, resume - 4)]  # up to the CRC, if whole
        items.append(BadFrame(segment, offset, _frame_problem(data, offset), guess))
        offset = resume
    return items


def _declared_end(data: bytes, offset: int) -> int:
    if len(data) - offset < FRAME_OVERHEAD:
        return 0
    (length,) = struct.unpack_from(">H", data, offset)
    end = offset + length + FRAME_OVERHEAD
    return end if length and end <= len(data) else 0


def _frame_end(data: bytes, offset: int) -> int:
    """Return the end offset of a valid frame starting at ``offset``, else 0."""
    end = _declared_end(data, offset)
    if end and zlib.crc32(data[offset : end - 4]) == struct.unpack_from(">I", data, end - 4)[0]:
        return end
    return 0


def _next_frame_start(data: bytes, start: int) -> int:
    position = data.find(RECORD_FIRST_BYTE, start + 2)
    while position != -1:
        if _frame_end(data, position - 2):
            return position - 2
        position = data.find(RECORD_FIRST_BYTE, position + 1)
    return len(data)


def _frame_problem(data: bytes, offset: int) -> str:
    if len(data) - offset < FRAME_OVERHEAD:
        return "trame tronquée (en-tête incomplet)"
    (length,) = struct.unpack_from(">H", data, offset)
    if length == 0:
        return "trame de longueur nulle"
    if offset + length + FRAME_OVERHEAD > len(data):
        return f"trame tronquée (longueur {length} au-delà de la fin du segment)"
    return "CRC-32 de la trame invalide"
