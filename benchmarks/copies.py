"""A copy of a generated journal as ``fiscal-inspect dump`` writes it, for the verification runs.

``copy_of(count)`` lays the records of ``generator.cached_frames(count)``
out as a copy directory (docs/LINK.md §6): ``identity.cbor``, the journal
cut into segments by the terminal's rule (a frame starts in a segment only
below 32,768 bytes) in ``journal/segments.bin`` and ``segments.idx``, a
head statement signed by the workload's key over a fixed nonce, and an
archive file for each fiscal-year ARCHIVE record. The generator signs each
archive's name as its file's SHA-256, so the file holds the name's bytes:
intact, though no zip (a warning, not a finding). The copy is built once
per machine next to the frame cache, then reused.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from benchmarks.generator import CACHE_DIR, SALES_PER_DAY, TERMINAL_ID, Workload, cached_frames
from fiscal_core.head import HeadStatement
from fiscal_core.records import Record

SEGMENT_BYTES = 32 * 1024  # docs/SPEC.md §3
NONCE = bytes(range(200, 232))
COPY_VERSION = 3  # part of the directory name: bump when the layout changes (3: segments.bin)
_ARCHIVE_NAME = re.compile(rb"BENCH-0001-[A-Za-z0-9._-]*\.zip")  # the year label may be empty


def copy_of(count: int, seed: int = 0, sales_per_day: int = SALES_PER_DAY) -> Path:
    """Return the copy directory of the ``count`` generated records, built once."""
    frames = cached_frames(count, seed, sales_per_day)
    path = CACHE_DIR / f"copy-v{COPY_VERSION}-{frames.stem}"
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "journal").mkdir(parents=True)
    workload = Workload(seed, sales_per_day)
    (partial / "identity.cbor").write_bytes(workload.identity())
    data = frames.read_bytes()
    last = _write_segments(partial / "journal", data)
    names = sorted(set(_ARCHIVE_NAME.findall(data)))
    if names:
        (partial / "archives").mkdir()
    for name in names:
        (partial / "archives" / name.decode()).write_bytes(name)
    record = Record.decode(last)
    when = record.time_utc + 60
    statement = HeadStatement(TERMINAL_ID, record.seq, record.signature, 0, when, 60, NONCE)
    (partial / "head.bin").write_bytes(statement.sign(workload.signer))
    (partial / "head.nonce").write_bytes(NONCE)
    partial.rename(path)
    return path


def _write_segments(journal: Path, data: bytes) -> bytes:
    """Write the frames in ``data`` as the copy's segments (``segments.bin``, the frames end to
    end, and ``segments.idx``, the length of each segment but the last); return the last record."""
    lengths: list[int] = []
    start, offset, last = 0, 0, b""
    while offset < len(data):
        if offset - start >= SEGMENT_BYTES:
            lengths.append(offset - start)
            start = offset
        length = int.from_bytes(data[offset : offset + 2], "big")
        last = data[offset + 2 : offset + 2 + length]
        offset += length + 6
    (journal / "segments.bin").write_bytes(data[:offset])
    (journal / "segments.idx").write_bytes(b"".join(n.to_bytes(4, "big") for n in lengths))
    return last


def copy_size(path: Path) -> int:
    """Return the bytes of the copy's journal segments."""
    return os.path.getsize(path / "journal" / "segments.bin")
