"""A segment read in bulk is the careful read's segment, or leaves the decision to it.

firmware/log_segment.py reads a segment's blocks at once and checks its
frames in one pass; anything irregular hands the segment to the careful
reader (``Log.frames``). These tests compare both on intact logs, logs
with a torn frame in the middle, and corrupted logs.
"""

from __future__ import annotations

import pytest

from firmware.frames import encode_frame
from firmware.journal import CorruptFrameError, Journal
from firmware.journal_log import Log
from firmware.log_blocks import ERASED_HEADER, Cursor
from firmware.partitions import read_table
from hal.flash.emulated import TORN_MODELS, EmulatedFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry
from tests.firmware.log_edit import alter_record

BYTE_UNITS = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=256)
WORD_UNITS = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=256)
# Small frames, frames across one boundary, a frame across whole blocks: about 5 segments.
RECORDS = [bytes([i % 251]) * (700 if i % 9 else 5000) + bytes([i]) * (i % 13) for i in range(160)]


def journal_of(geometry: FlashGeometry, records: list[bytes]) -> RamFlash:
    flash = RamFlash(geometry)
    journal = Journal.create(flash, b"identity")
    for record in records:
        journal.append(record)
    return flash


def careful(flash: RamFlash) -> list[bytes]:
    journal = Journal.mount(flash)
    return [journal.careful_segment(i) for i in range(1, journal.position()[0] + 1)]


@pytest.mark.parametrize("geometry", [BYTE_UNITS, WORD_UNITS], ids=["byte", "16-byte"])
def test_an_intact_log_is_read_in_bulk_as_the_careful_read_reads_it(
    geometry: FlashGeometry,
) -> None:
    flash = journal_of(geometry, RECORDS)
    expected = careful(flash)
    assert len(expected) >= 5
    assert b"".join(expected) == b"".join(encode_frame(r) for r in RECORDS)  # no padding
    log = Log(read_table(flash).log)
    at: Cursor | None = None
    for index, data in enumerate(expected[:-1], 1):
        alone = log.segment(index)  # from a search over the block headers
        assert alone is not None and alone[0] == data
        chained = log.segment(index, at)  # from where the former read stopped
        assert chained is not None and chained[0] == data
        assert vars_of(chained[1]) == vars_of(alone[1])
        at = chained[1]
    assert list(Journal.mount(flash).segments_from(1, len(expected))) == expected
    assert [Journal.mount(flash).segment_data(i) for i in range(1, len(expected) + 1)] == expected


def vars_of(c: Cursor) -> tuple[int, int, int, int, int, bool]:
    return (c.block, c.off, c.seq, c.segment, c.offset, c.fresh)


def torn_in_the_middle() -> list[tuple[str, RamFlash]]:
    """Logs where an append of a frame across blocks was cut, then more records followed."""
    ram = journal_of(BYTE_UNITS, RECORDS[:60])
    flash = EmulatedFlash(BYTE_UNITS, ram.snapshot())
    Journal.mount(flash).append(b"T" * 9000)
    logs = []
    for model in TORN_MODELS:
        for seed in range(2):
            after = RamFlash(BYTE_UNITS, flash.image_torn(1, model, seed))
            journal = Journal.mount(after)
            for record in RECORDS[60:]:
                journal.append(record)
            logs.append((f"{model}-{seed}", after))
    return logs


@pytest.mark.parametrize("name, flash", torn_in_the_middle(), ids=lambda v: str(v)[:12])
def test_a_segment_holding_a_torn_frame_is_left_to_the_careful_read(
    name: str, flash: RamFlash
) -> None:
    expected = careful(flash)
    records = list(Journal.mount(flash).records())
    assert b"T" * 9000 not in records and len(records) == len(RECORDS), name
    assert list(Journal.mount(flash).segments_from(1, len(expected))) == expected
    log = Log(read_table(flash).log)
    bulk = [log.segment(i) for i in range(1, len(expected))]
    assert None in bulk  # the torn area's segment: the careful read skips it
    assert all(
        found[0] == data
        for found, data in zip(bulk, expected[:-1], strict=True)
        if found is not None
    )


def corrupted() -> list[tuple[str, RamFlash]]:
    flashes = []
    for frame in (3, 46, 47, 100):  # inside segments, and segments' first frames
        flash = journal_of(BYTE_UNITS, RECORDS)
        alter_record(flash, frame, 300)
        flashes.append((f"frame-{frame}", flash))
    flash = journal_of(BYTE_UNITS, RECORDS)
    log = read_table(flash).log
    block = bytearray(log.read(5, 0, 4096))
    block[3] ^= 0x01  # the seq its header names, its CRC left wrong: no longer a header
    log.erase(5)
    log.program(5, 0, bytes(block))
    flashes.append(("header", flash))
    flash = journal_of(BYTE_UNITS, RECORDS)
    log = read_table(flash).log
    crossed = next(b for b in range(1, 60) if log.read(b, 0, 16) == ERASED_HEADER)
    log.program(crossed, 0, log.read(crossed - 1, 0, 16))  # a header inside a long frame
    flashes.append(("crossed", flash))
    return flashes


@pytest.mark.parametrize("name, flash", corrupted(), ids=lambda v: str(v)[:12])
def test_a_corrupted_log_is_refused_with_the_careful_reads_error(
    name: str, flash: RamFlash
) -> None:
    journal = Journal.mount(flash)
    refused = 0
    for index in range(1, journal.position()[0] + 1):
        try:
            expected: bytes | str = journal.careful_segment(index)
        except CorruptFrameError as exc:
            expected = str(exc)
        try:
            found: bytes | str | None = journal.segment_data(index)
        except CorruptFrameError as exc:
            found = str(exc)
        assert found == expected, (name, index)
        refused += isinstance(expected, str)
    assert refused, name  # the damage is on the way of at least one segment
    with pytest.raises(CorruptFrameError):
        list(journal.segments_from(1, journal.position()[0]))
