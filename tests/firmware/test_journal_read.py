"""Reading the journal by seq (the inspection link's READ_RECORDS, the head statement).

Every read starts with a binary search over the log's block headers: these
tests count what a read costs the flash on a journal of many blocks, and
hold its results to those of a full read.
"""

from __future__ import annotations

import cbor2
import pytest

from firmware.frames import checked_records
from firmware.journal import SEGMENT_BYTES, Journal, iter_frames
from hal.flash.contract import CheckedFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

CHIP = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=256)
RECORDS = 1200  # about 11 segments of 32 KiB, 90 blocks of the log


def record(seq: int) -> bytes:
    """A record as the journal sees it: a CBOR array with its seq in field 2."""
    return cbor2.dumps([1, 8, seq, b"x" * (200 + seq % 150)])


@pytest.fixture(scope="module")
def image() -> bytes:
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    for seq in range(1, RECORDS + 1):
        journal.append(record(seq))
    assert journal.position()[0] > 8
    return flash.snapshot()


class CountingFlash(RamFlash):
    """A RamFlash that counts the bytes read from it."""

    read_bytes = 0
    small_reads = 0  # reads of less than a block: a search over the block headers

    def read(self, block: int, off: int, size: int) -> bytes:
        self.read_bytes += size
        self.small_reads += size < self.geometry.block_size
        return CheckedFlash.read(self, block, off, size)

    def read_blocks(self, first: int, count: int) -> bytes:
        self.read_bytes += count * self.geometry.block_size
        return CheckedFlash.read_blocks(self, first, count)


def mounted(image: bytes) -> tuple[CountingFlash, Journal]:
    flash = CountingFlash(CHIP, image)
    return flash, Journal.mount(flash)


def test_a_dump_in_small_requests_equals_a_full_read(image: bytes) -> None:
    everything = list(Journal.mount(RamFlash(CHIP, image)).records())
    assert everything == [record(s) for s in range(1, RECORDS + 1)]
    _, journal = mounted(image)
    got: list[bytes] = []
    while batch := journal.read_records(len(got) + 1, 37):
        got += batch
    assert got == everything


@pytest.mark.parametrize("first", [1, 2, 95, 96, 97, 500, 1111, RECORDS - 1, RECORDS, RECORDS + 1])
@pytest.mark.parametrize("count", [1, 7, 150, 5000])
def test_any_range_read_cold_equals_the_same_range_of_a_full_read(
    image: bytes, first: int, count: int
) -> None:
    everything = [record(s) for s in range(1, RECORDS + 1)]
    assert mounted(image)[1].read_records(first, count) == everything[first - 1 : first - 1 + count]


@pytest.mark.parametrize("seq", [1, 600, RECORDS])
def test_a_record_by_seq_costs_a_few_blocks_whatever_the_journal(image: bytes, seq: int) -> None:
    flash, journal = mounted(image)
    journal.position()  # the end, as a mount's first append finds it
    flash.read_bytes = 0
    assert journal.record_at(seq) == record(seq)
    assert flash.read_bytes <= 3 * CHIP.block_size + 20 * 16  # a binary search of headers


def test_segments_are_the_frames_cut_by_the_segment_rule(image: bytes) -> None:
    _, journal = mounted(image)
    last, size = journal.position()
    sizes = [len(journal.segment_data(i) or b"") for i in range(1, last + 1)]
    assert all(s >= SEGMENT_BYTES for s in sizes[:-1]) and sizes[-1] == size
    assert journal.segment_data(0) is None and journal.segment_data(last + 1) is None
    frames = b"".join(journal.segment_data(i) or b"" for i in range(1, last + 1))
    assert len(frames) == sum(len(record(s)) + 6 for s in range(1, RECORDS + 1))
    assert journal.record_ending_at(last, size) == record(RECORDS)
    assert journal.record_ending_at(last, size - 1) is None
    in_first = len(list(iter_frames("1", journal.segment_data(1) or b"")))
    assert list(journal.frames_after(1, sizes[0])) == [
        record(s) for s in range(in_first + 1, RECORDS + 1)
    ]


def test_records_appended_after_a_read_are_read_by_seq_too(image: bytes) -> None:
    _, journal = mounted(image)
    assert journal.read_records(1, RECORDS) == [record(s) for s in range(1, RECORDS + 1)]
    more = range(RECORDS + 1, RECORDS + 400)  # into new segments
    for seq in more:
        journal.append(record(seq))
    assert journal.read_records(RECORDS - 2, 404) == [
        record(s) for s in range(RECORDS - 2, more[-1] + 1)
    ]
    assert journal.record_at(more[-1]) == record(more[-1])


def test_a_record_without_seq_is_served_as_stored() -> None:
    # A damaged journal is the inspector's to judge: reading by seq counts frames.
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    stored = [b"not a record" if seq == 350 else record(seq) for seq in range(1, 700)]
    for raw in stored:
        journal.append(raw)
    for first, count in [(1, 700), (300, 50), (len(stored), 1), (350, 3)]:
        again = Journal.mount(RamFlash(CHIP, flash.snapshot()))
        assert again.read_records(first, count) == stored[first - 1 : first - 1 + count]


@pytest.mark.parametrize("seq", [0, 1, 117, 118, 119, 600, RECORDS - 1, RECORDS, RECORDS + 5])
def test_the_records_after_a_seq_are_those_of_a_full_read(image: bytes, seq: int) -> None:
    everything = list(Journal.mount(RamFlash(CHIP, image)).records())
    _, journal = mounted(image)
    assert list(journal.records_after(seq)) == everything[seq:]


def test_the_records_after_one_near_the_end_read_only_the_blocks_after_it(image: bytes) -> None:
    flash, journal = mounted(image)
    journal.position()  # the end, as a mount's first append finds it
    flash.read_bytes = 0
    assert list(journal.records_after(RECORDS - 3)) == [
        record(s) for s in (RECORDS - 2, RECORDS - 1, RECORDS)
    ]
    # A binary search of headers, the blocks of those records, and a frame's reach of erased
    # blocks after them (how a read knows the log ends there): not the 90 blocks of the log.
    assert flash.read_bytes <= 24 * CHIP.block_size


def test_a_read_as_stored_goes_on_where_the_last_stopped_until_the_log_grows(
    image: bytes,
) -> None:
    fresh = Journal.mount(RamFlash(CHIP, image))
    expected = [fresh.careful_segment(i) for i in range(1, 10)]
    flash, journal = mounted(image)
    journal.position()  # the end, as a mount finds it
    assert list(journal.segments_from(1, 3, as_stored=True)) == expected[0:3]
    flash.small_reads = flash.read_bytes = 0
    assert list(journal.segments_from(4, 6, as_stored=True)) == expected[3:6]
    assert flash.small_reads == 0  # no search: on from the cursor where segment 4 starts
    assert flash.read_bytes <= sum(map(len, expected[3:6])) + 40 * CHIP.block_size
    # Another segment than the one where the read stopped: searched for.
    assert list(journal.segments_from(2, 2, as_stored=True)) == expected[1:2]
    assert flash.small_reads > 0
    assert list(journal.segments_from(3, 3, as_stored=True)) == expected[2:3]
    # A record appended since the last read: what was read may no longer be what is
    # stored, so the next read searches again (and still reads what the careful reader reads).
    journal.append(record(RECORDS + 1))
    flash.small_reads = 0
    assert list(journal.segments_from(4, 9, as_stored=True)) == expected[3:9]
    assert flash.small_reads > 0


def test_checked_segments_are_cut_into_records_by_their_lengths(image: bytes) -> None:
    journal = Journal.mount(RamFlash(CHIP, image))
    for index in range(1, journal.position()[0] + 1):
        data = journal.segment_data(index) or b""
        assert list(checked_records(data)) == list(iter_frames(str(index), data))
