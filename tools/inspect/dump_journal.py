"""The journal of a copy on disk: journal frames, segments, and syncing them (docs/LINK.md §6).

``fiscal-inspect dump`` writes the records it receives as the terminal
writes them (docs/SPEC.md §3): each in a frame (u16 BE length, record,
CRC-32 BE of both), frames end to end in ``journal/NNNNNNNN.log``, a new
segment once the current one holds SEGMENT_BYTES, so the segments come out
byte-identical to the flash's. ``read_stored`` tells what a copy holds (to
resume it); ``dump_sync.Syncer`` makes the segments durable.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SEGMENT_BYTES = 32 * 1024  # docs/SPEC.md §3: a frame starts only below this offset
_UINT_SIZES = {24: 1, 25: 2, 26: 4, 27: 8}  # CBOR head argument sizes


class DumpError(Exception):
    """The copy cannot be made or resumed; the message is for the inspector."""


@dataclass
class Stored:
    """What a copy directory holds: record count, last record, where the next frame goes."""

    count: int = 0
    last: bytes = b""
    segment: int = 0  # index of the last segment file, 0 when none
    size: int = 0  # bytes in it


def frame(record: bytes) -> bytes:
    """Return ``record`` as a journal frame: u16 BE length, record, CRC-32 BE of both."""
    head = len(record).to_bytes(2, "big")
    return head + record + zlib.crc32(record, zlib.crc32(head)).to_bytes(4, "big")


def record_seq(record: bytes) -> int | None:
    """Return a record's seq (docs/SPEC.md §4, field 2) from its CBOR heads, or None.

    Version and doc_type are one-byte unsigned integers in every record, so
    the seq's head is the fourth byte.
    """
    if len(record) < 4 or record[0] != 0x8A or record[1] > 23 or record[2] > 23:
        return None
    info = record[3]
    size = _UINT_SIZES.get(info, -1) if info > 23 else 0
    if size < 0:
        return None
    return info if size == 0 else int.from_bytes(record[4 : 4 + size], "big")


def read_stored(out: Path, repair: bool = False) -> Stored:
    """Return what the copy in ``out`` holds, a torn last frame aside (cut off with ``repair``).

    Raises DumpError when a segment is missing or damaged before its last frame.
    """
    stored = Stored()
    names = sorted(p.name for p in (out / "journal").glob("*.log"))
    for index, name in enumerate(names, 1):
        if name != f"{index:08d}.log":
            raise DumpError(f"copie incomplète : {index:08d}.log absent de {out / 'journal'}")
        path = out / "journal" / name
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack_from(">H", data, offset) if len(data) - offset > 1 else (0,)
            end = offset + 2 + length + 4
            good = (
                length
                and end <= len(data)
                and zlib.crc32(data[offset : end - 4]) == int.from_bytes(data[end - 4 : end], "big")
            )
            if not good:  # only the last frame of the last segment may be torn
                if index != len(names):
                    raise DumpError(f"copie endommagée : {path} à l'octet {offset}")
                if repair:
                    with path.open("r+b") as f:
                        f.truncate(offset)
                data = data[:offset]
                break
            stored.count += 1
            stored.last = data[offset + 2 : end - 4]
            offset = end
        stored.segment, stored.size = index, len(data)
    return stored


def append_frames(out: Path, stored: Stored, frames: list[bytes]) -> None:
    """Append frames to the segments as the terminal does: a new one from SEGMENT_BYTES on."""
    pending = bytearray()
    for item in frames:
        if stored.segment == 0 or stored.size + len(pending) >= SEGMENT_BYTES:
            _write(out, stored.segment, pending)
            stored.segment, stored.size, pending = stored.segment + 1, 0, bytearray()
        pending += item
    _write(out, stored.segment, pending)
    stored.size += len(pending)
    stored.count += len(frames)


def _write(out: Path, segment: int, data: bytes | bytearray) -> None:
    if segment and data:
        with (out / "journal" / f"{segment:08d}.log").open("ab") as f:
            f.write(data)  # an interrupted copy is repaired on resume: fsync once full (dump_sync)
