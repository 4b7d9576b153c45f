"""Journal.append on a chip that records every operation: durable on return, atomic on failure.

The segment stays open between appends and each append ends with littlefs's
file sync (firmware/journal.py): these tests hold what that must keep from
the former open / write / close per record.
"""

from __future__ import annotations

import pytest

from firmware.journal import SEGMENT_BYTES, Journal, JournalError
from hal.flash.emulated import EmulatedFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

CHIP = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=32)
IDENTITY = b"identity"


def fresh_journal(geometry: FlashGeometry = CHIP) -> tuple[EmulatedFlash, Journal]:
    ram = RamFlash(geometry)
    Journal.create(ram, IDENTITY)
    flash = EmulatedFlash(geometry, ram.snapshot())
    return flash, Journal.mount(flash)


def records_after_cut(flash: EmulatedFlash, k: int) -> list[bytes]:
    """The records a fresh mount finds on the chip as a clean cut after op k left it."""
    return list(Journal.mount(RamFlash(flash.geometry, flash.image_after(k))).records())


def test_every_append_is_synced_and_survives_a_cut_right_after_it_returns() -> None:
    flash, journal = fresh_journal()
    records = [bytes([i % 251]) * (200 + i % 100) for i in range(140)]  # two segments
    for i, record in enumerate(records):
        syncs_before = len(flash.syncs)
        journal.append(record)
        k = flash.op_count
        assert flash.last_sync(k) == k, f"append {i}: an operation after the last sync"
        new_syncs = len(flash.syncs) - syncs_before
        assert new_syncs >= 1, f"append {i} returned without reaching the flash's sync"
        if i % 7 == 0 or i == len(records) - 1:
            assert records_after_cut(flash, k) == records[: i + 1]
    assert len(journal.segments()) == 2 and sum(map(len, records)) > SEGMENT_BYTES


def test_an_append_into_data_blocks_syncs_its_data_before_its_metadata() -> None:
    # littlefs's ordering: the frame's data block is synced before the metadata
    # commit that points to it; without that sync a cache may keep the commit
    # and lose the block, and with it the records copied from the old tail block.
    flash, journal = fresh_journal()
    journal.append(b"x" * 300)  # past the 256-byte inline size: the file has a data block
    syncs_before = len(flash.syncs)
    journal.append(b"y" * 300)
    assert len(flash.syncs) - syncs_before == 2


def test_a_failed_append_commits_nothing_and_the_journal_goes_on() -> None:
    small = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=8)
    flash, journal = fresh_journal(small)
    done: list[bytes] = []
    with pytest.raises(JournalError) as err:
        for i in range(1000):
            record = bytes([i % 251]) * 1000
            journal.append(record)
            done.append(record)
    assert err.value.code == "WRITE_FAILED"
    assert records_after_cut(flash, flash.op_count) == done  # nothing of the failed one
    assert list(journal.records()) == done
    # The errored file was closed; a record that fits still goes in after the refusal.
    journal.append(b"z")
    assert records_after_cut(flash, flash.op_count) == [*done, b"z"]


def test_a_side_file_is_read_in_parts_as_the_link_sends_an_archive() -> None:
    journal = Journal.create(RamFlash(FlashGeometry(16, 16, 4096, 64)), b"identity")
    data = bytes(range(256)) * 100  # 25,600 bytes: several littlefs blocks
    journal.replace_file("/fiscal/archives/a.zip", data)
    for offset, size in ((0, 10), (5000, 300), (25_500, 500), (30_000, 10)):
        part = journal.read_file("/fiscal/archives/a.zip", offset, size)
        assert part == data[offset : offset + size]
    assert journal.read_file("/fiscal/archives/a.zip") == data
    assert journal.read_file("/fiscal/archives/none.zip", 0, 10) is None
