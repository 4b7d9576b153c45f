"""The journal of a copy on disk: journal frames, segments, and syncing them (docs/LINK.md §6).

``fiscal-inspect dump`` writes the records it receives as the terminal
writes them (docs/SPEC.md §3): each in a frame (u16 BE length, record,
CRC-32 BE of both), frames end to end, a new segment once the current one
holds SEGMENT_BYTES, so the segments come out byte-identical to the
flash's. They go to ``journal/segments.bin`` end to end, the length of each
but the last to ``journal/segments.idx`` (``tools/inspect/dumpdir.py``).
``read_stored`` tells what a copy holds (to resume it);
``dump_sync.JournalFiles`` writes the two files and makes them durable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tools.inspect.dumpdir import (
    INDEX_ENTRY,
    INDEX_FILE,
    JOURNAL_DIR,
    SEGMENTS_FILE,
    index_lengths,
)
from tools.inspect.image import SEGMENT_NAME

if TYPE_CHECKING:
    from tools.inspect.dump_sync import JournalFiles

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
    found: int = 0  # bytes in segments.bin and segments.idx as read, whole records or not


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
    """Return what the copy in ``out`` holds, as far as a resumed copy can go on from.

    An interrupted copy may have lost the tail of ``segments.bin`` or of
    ``segments.idx`` (synced together, not one before the other): index
    entries past the end of ``segments.bin`` are left out, and so is a torn
    last frame, or frames of a next segment whose entry was lost (a frame
    starting in the rest of the file at SEGMENT_BYTES or beyond); the copy
    goes on from there, asking for those bytes again. With ``repair`` both
    files are cut to what is kept. Raises DumpError when a segment before
    the last is damaged, or the copy is in the former layout (a file per
    segment), which is verified but not resumed.
    """
    journal = out / JOURNAL_DIR
    data = _read_or_empty(journal / SEGMENTS_FILE)
    index = _read_or_empty(journal / INDEX_FILE)
    if not data and not index and any(SEGMENT_NAME.fullmatch(p.name) for p in journal.glob("*")):
        raise DumpError(
            f"{out} est une copie au format précédent (un fichier par segment) : elle se "
            "vérifie, mais ne se reprend pas ; refaire la copie dans un autre répertoire"
        )
    kept, offset = [], 0
    for length in index_lengths(index):
        if offset + length > len(data):
            break
        kept.append(length)
        offset += length
    stored = Stored(found=len(data) + len(index))
    start = 0
    for index_number, length in enumerate(kept, 1):
        end = _walk(data, start, start + length, stored)
        if end != start + length:
            raise DumpError(
                f"copie endommagée : segment {index_number} ({journal / SEGMENTS_FILE} "
                f"à l'octet {end})"
            )
        start = end
    end = _walk(data, start, len(data), stored, SEGMENT_BYTES)
    if kept or end > start:
        stored.segment, stored.size = len(kept) + 1, end - start
    if repair:
        _cut(journal / INDEX_FILE, len(index), len(kept) * INDEX_ENTRY)
        _cut(journal / SEGMENTS_FILE, len(data), end)
    return stored


def _walk(data: bytes, start: int, stop: int, stored: Stored, rule: int = 0) -> int:
    """Count in ``stored`` the whole frames from ``start`` to ``stop``, CRC-32 checked; return
    where they end: at ``stop``, or at the first frame that is torn, damaged, or (``rule``)
    starts ``rule`` bytes or more from ``start``."""
    offset = start
    while offset < stop and not (rule and offset - start >= rule):
        length = int.from_bytes(data[offset : offset + 2], "big") if stop - offset > 1 else 0
        end = offset + 2 + length + 4
        if (
            not length
            or end > stop
            or zlib.crc32(data[offset : end - 4]) != int.from_bytes(data[end - 4 : end], "big")
        ):
            break
        stored.count += 1
        stored.last = data[offset + 2 : end - 4]
        offset = end
    return offset


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _cut(path: Path, size: int, keep: int) -> None:
    if keep < size:
        with path.open("r+b") as f:
            f.truncate(keep)


def append_frames(files: JournalFiles, stored: Stored, frames: list[bytes]) -> None:
    """Append frames to the copy as the terminal does: a new segment from SEGMENT_BYTES on."""
    pending = bytearray()
    left: list[int] = []  # lengths of the segments left for the next one
    size = stored.size
    for item in frames:
        if stored.segment == 0 or size >= SEGMENT_BYTES:
            if stored.segment:
                left.append(size)
            stored.segment, size = stored.segment + 1, 0
        pending += item
        size += len(item)
    files.write(pending)
    files.close(left)
    stored.size = size
    stored.count += len(frames)
