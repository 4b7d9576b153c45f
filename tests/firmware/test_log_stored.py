"""A segment cut by the block headers, frames unread: the careful read's bytes, or no decision.

firmware/log_stored.py serves the inspector's dump. On an intact log it
must cut exactly the segments the careful reader reads; where a power cut
left a torn frame, or a header does not hold, it must leave the decision
to the readers that check every frame; a frame damaged after it was
written is sent as stored, and the inspector's tool names it.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from firmware.frames import iter_frames
from firmware.journal import CorruptFrameError, Journal
from firmware.journal_log import Log
from firmware.log_blocks import READ_AHEAD_BLOCKS, Cursor
from firmware.log_stored import read_stored_segment
from firmware.partitions import read_table
from hal.flash.ram import RamFlash
from hal.ports import Flash, FlashGeometry
from tests.firmware.test_log_segment import (
    BYTE_UNITS,
    RECORDS,
    WORD_UNITS,
    careful,
    corrupted,
    journal_of,
    torn_in_the_middle,
    vars_of,
)


def test_an_intact_log_is_cut_as_the_careful_read_cuts_it() -> None:
    flash = journal_of(BYTE_UNITS, RECORDS)
    expected = careful(flash)
    log = Log(read_table(flash).log)
    at: Cursor | None = None
    for index, data in enumerate(expected[:-1], 1):
        alone = log.stored_segment(index)  # from a search over the block headers
        assert alone is not None and alone[0] == data, index
        chained = log.stored_segment(index, at)  # from where the former read stopped
        checked = log.segment(index, at)
        assert chained is not None and checked is not None and chained[0] == data
        assert vars_of(chained[1]) == vars_of(alone[1]) == vars_of(checked[1])
        at = chained[1]
    journal = Journal.mount(flash)
    assert list(journal.segments_from(1, len(expected), as_stored=True)) == expected


def test_padded_frames_are_left_to_the_bulk_read() -> None:
    flash = journal_of(WORD_UNITS, RECORDS)
    expected = careful(flash)
    log = Log(read_table(flash).log)
    assert all(log.stored_segment(i) is None for i in range(1, len(expected)))
    journal = Journal.mount(flash)
    assert list(journal.segments_from(1, len(expected), as_stored=True)) == expected


@pytest.mark.parametrize("name, flash", torn_in_the_middle(), ids=lambda v: str(v)[:12])
def test_a_segment_holding_a_torn_frame_is_left_to_the_readers_that_check(
    name: str, flash: RamFlash
) -> None:
    expected = careful(flash)
    journal = Journal.mount(flash)
    assert list(journal.segments_from(1, len(expected), as_stored=True)) == expected, name
    log = Log(read_table(flash).log)
    cut = [log.stored_segment(i) for i in range(1, len(expected))]
    assert None in cut  # the torn area's segment
    assert all(c[0] == data for c, data in zip(cut, expected[:-1], strict=True) if c is not None)


@pytest.mark.parametrize("name, flash", corrupted(), ids=lambda v: str(v)[:12])
def test_a_damaged_frame_is_sent_as_stored_and_a_damaged_header_is_not_vouched_for(
    name: str, flash: RamFlash
) -> None:
    journal = Journal.mount(flash)
    log = Log(read_table(flash).log)
    sent_as_stored = 0
    for index in range(1, journal.position()[0]):
        try:
            expected: bytes | None = journal.careful_segment(index)
        except CorruptFrameError:
            expected = None
        cut = log.stored_segment(index)
        if cut is None:
            continue  # the checking readers decide, as for any dump before
        if expected is not None:
            assert cut[0] == expected, (name, index)
        else:  # sent as stored: the inspector's tool finds the frame that does not hold
            assert name.startswith("frame-"), (name, index)
            with pytest.raises(CorruptFrameError, match="CRC"):
                list(iter_frames(str(index), cut[0]))
            sent_as_stored += 1
    # A frame's bytes damaged (its length intact) is sent; a damaged header is not vouched for.
    assert sent_as_stored == (1 if name.startswith("frame-") else 0), name


# The segment before a short last segment whose frames all start in the block of its own
# last header-named frame: no header of the last segment exists.
SHORT_LAST = [184, 631, 756, 1024, 1156, 1318, 1747, 1, 1, 1866, 6000, 6000, 6000, 6000, 1072]
SHORT_LAST += [149, 268, 368, 438, 450, 517, 574, 741, 1674, 2171, 6000, 6000, 6000, 6000, 1314, 1]


@settings(max_examples=12)
@example(SHORT_LAST, 0)
@given(st.lists(st.integers(1, 6000), min_size=20, max_size=60), st.integers(0, 255))
def test_any_intact_log_is_cut_as_the_careful_read_cuts_it(sizes: list[int], fill: int) -> None:
    records = [bytes([(fill + i) % 256]) * size for i, size in enumerate(sizes)]
    flash = journal_of(BYTE_UNITS, records)
    expected = careful(flash)
    assume(len(expected) >= 2)  # a segment before the last: the ones cut by the headers
    log = Log(read_table(flash).log)
    at: Cursor | None = None
    for index, data in enumerate(expected[:-1], 1):
        cut = log.stored_segment(index, at)
        if cut is None:
            # Only before a last segment no block header names a frame of: nothing after
            # the cut vouches for it, and the readers that check every frame take it.
            assert index == len(expected) - 1, index
            break
        assert cut[0] == data, index
        at = cut[1]
    assert b"".join(Journal.mount(flash).segments_from(1, len(expected), as_stored=True)) == (
        b"".join(expected)
    )


def test_before_a_last_segment_no_header_names_the_read_stops_within_a_frames_reach() -> None:
    big = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=2048)
    records = [bytes([i % 256]) * size for i, size in enumerate(SHORT_LAST)]
    flash = journal_of(big, records)
    log_flash = read_table(flash).log
    reads: list[int] = []
    counted = CountingReads(log_flash, reads)
    expected = careful(flash)
    assert len(expected) == 3 and log_flash.geometry.block_count > 1000
    assert read_stored_segment(counted, Log(log_flash).find_place(2, 0), 2) is None
    # A frame's reach of erased headers past the log's end (and a transfer's read-ahead),
    # not the partition's 1,000 blocks.
    assert len(reads) < 40 + READ_AHEAD_BLOCKS
    assert list(Journal.mount(flash).segments_from(1, 3, as_stored=True)) == expected


class CountingReads:
    """A flash that notes every block read, for the reads a cut costs."""

    def __init__(self, flash: Flash, reads: list[int]) -> None:
        self.geometry, self._flash, self._reads = flash.geometry, flash, reads

    def read(self, block: int, off: int, size: int) -> bytes:
        self._reads.append(block)
        return self._flash.read(block, off, size)

    def read_blocks(self, first: int, count: int) -> bytes:
        self._reads.extend(range(first, first + count))
        return self._flash.read_blocks(first, count)
