"""Journal.append on a chip that records every operation: durable on return, one sync each.

The journal's log (firmware/journal_log.py) programs each frame where the
last one ended, then syncs once: these tests count what an append costs the
flash and hold what a cut right after it keeps.
"""

from __future__ import annotations

import pytest

from firmware.journal import SEGMENT_BYTES, Journal, JournalError, encode_frame
from firmware.partitions import read_table
from hal.flash.emulated import OP_PROGRAM, EmulatedFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

CHIP = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=64)
IDENTITY = b"identity"


def fresh_journal(geometry: FlashGeometry = CHIP) -> tuple[EmulatedFlash, Journal]:
    ram = RamFlash(geometry)
    Journal.create(ram, IDENTITY)
    flash = EmulatedFlash(geometry, ram.snapshot())
    return flash, Journal.mount(flash)


def records_after_cut(flash: EmulatedFlash, k: int) -> list[bytes]:
    """The records a fresh mount finds on the chip as a clean cut after op k left it."""
    return list(Journal.mount(RamFlash(flash.geometry, flash.image_after(k))).records())


def test_every_append_is_one_sync_and_survives_a_cut_right_after_it_returns() -> None:
    flash, journal = fresh_journal()
    records = [bytes([i % 251]) * (200 + i % 100) for i in range(140)]  # two segments
    for i, record in enumerate(records):
        syncs_before, ops_before = len(flash.syncs), flash.op_count
        journal.append(record)
        k = flash.op_count
        assert flash.last_sync(k) == k, f"append {i}: an operation after the last sync"
        assert len(flash.syncs) - syncs_before == 1, f"append {i}: not exactly one sync"
        ops = flash.ops[ops_before:]
        assert all(op.kind == OP_PROGRAM for op in ops)  # nothing is erased in service
        assert sum(len(op.data) for op in ops) in (len(record) + 6, len(record) + 22)  # + header
        if i % 7 == 0 or i == len(records) - 1:
            assert records_after_cut(flash, k) == records[: i + 1]
    assert len(journal.segments()) == 2 and sum(map(len, records)) > SEGMENT_BYTES


def test_a_frame_opening_a_block_writes_its_header_with_it_in_one_program() -> None:
    flash, journal = fresh_journal()
    journal.append(b"a" * 4000)
    before = flash.op_count
    journal.append(b"b" * 300)  # runs into block 1: no frame starts there, no header
    assert [len(op.data) for op in flash.ops[before:]] == [4096 - 16 - 4006, 306 - 74]
    before = flash.op_count
    journal.append(b"c" * 10)  # the first frame starting in block 1: header, then the frame
    assert [(op.off, len(op.data)) for op in flash.ops[before:]] == [(0, 16), (16 + 232, 16)]
    log = read_table(flash).log
    assert log.read(1, 0, 16) != b"\xff" * 16


def test_a_full_log_refuses_the_append_writes_nothing_and_goes_on() -> None:
    small = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=8)
    flash, journal = fresh_journal(small)
    done: list[bytes] = []
    with pytest.raises(JournalError) as err:
        for i in range(1000):
            record = bytes([i % 251]) * 1000
            journal.append(record)
            done.append(record)
    assert err.value.code == "WRITE_FAILED"
    ops = flash.op_count
    with pytest.raises(JournalError):
        journal.append(b"x" * 1000)
    assert flash.op_count == ops  # nothing programmed for a refused append
    assert records_after_cut(flash, flash.op_count) == done
    journal.append(b"z")  # a record that fits still goes in after the refusal
    assert records_after_cut(flash, flash.op_count) == [*done, b"z"]


def test_frames_are_padded_to_the_program_unit_of_a_coarser_chip() -> None:
    coarse = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=64)
    flash, journal = fresh_journal(coarse)
    records = [bytes([i]) * (100 + 7 * i) for i in range(80)]
    for record in records:
        journal.append(record)
    assert all(op.off % 16 == 0 and len(op.data) % 16 == 0 for op in flash.ops)
    assert records_after_cut(flash, flash.op_count) == records
    assert journal.segment_data(1) == b"".join(encode_frame(r) for r in records)  # no padding


def test_a_side_file_is_read_in_parts_as_the_link_sends_an_archive() -> None:
    journal = Journal.create(RamFlash(FlashGeometry(1, 1, 4096, 64)), b"identity")
    data = bytes(range(256)) * 100  # 25,600 bytes: several littlefs blocks
    journal.replace_file("/fiscal/archives/a.zip", data)
    for offset, size in ((0, 10), (5000, 300), (25_500, 500), (30_000, 10)):
        part = journal.read_file("/fiscal/archives/a.zip", offset, size)
        assert part == data[offset : offset + size]
    assert journal.read_file("/fiscal/archives/a.zip") == data
    assert journal.read_file("/fiscal/archives/none.zip", 0, 10) is None
