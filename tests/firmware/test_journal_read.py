"""Reading the journal by seq (the inspection link's READ_RECORDS, the head statement).

Segments are numbered from 1 with no gap, so reading by seq never lists the
journal directory: these tests count what a read touches on a journal of
many segments, and hold its results to those of a full read.
"""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from littlefs import LittleFS

from firmware.journal import SEGMENT_BYTES, Journal, iter_frames, segment_name
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

CHIP = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=256)
RECORDS = 1200  # about 11 segments of 32 KiB


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


class Touches:
    """Counts what reads reach littlefs: directory listings, whole segments, first frames."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.listings = 0
        self.segments: list[str] = []
        self.first_frames = 0
        listdir, segment, first_record = LittleFS.listdir, Journal._segment, Journal._first_record

        def listed(fs: LittleFS, path: str = ".") -> Any:
            self.listings += 1
            return listdir(fs, path)

        def read(journal: Journal, path: str) -> bytes:
            self.segments.append(path)
            return segment(journal, path)

        def first(journal: Journal, index: int) -> bytes:
            self.first_frames += 1
            return first_record(journal, index)

        monkeypatch.setattr(LittleFS, "listdir", listed)
        monkeypatch.setattr(Journal, "_segment", read)
        monkeypatch.setattr(Journal, "_first_record", first)

    def reset(self) -> None:
        self.listings, self.segments, self.first_frames = 0, [], 0


def mounted(image: bytes) -> Journal:
    """A journal mounted as boot does from a checkpoint: the last segment found by stat."""
    journal = Journal.mount(RamFlash(CHIP, image))
    journal.locate(1)
    return journal


def segment_of_each_record(image: bytes) -> list[str]:
    """The segment path of each record, in journal order (a whole read, by index)."""
    journal = Journal.mount(RamFlash(CHIP, image))
    where: list[str] = []
    for index in range(1, journal.position()[0] + 1):
        data = journal.segment_data(index)
        assert data is not None
        where += [segment_name(index)] * len(list(iter_frames(segment_name(index), data)))
    return where


def test_a_dump_in_small_requests_equals_a_full_read_and_never_lists_the_journal(
    image: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = list(Journal.mount(RamFlash(CHIP, image)).records())
    where = segment_of_each_record(image)
    assert len(everything) == len(where) == RECORDS
    journal = mounted(image)
    touches = Touches(monkeypatch)
    got: list[bytes] = []
    first = 1
    while batch := journal.read_records(first, 37):
        # a request reads the segments it returns records from, and no other
        assert sorted(set(touches.segments)) == sorted(set(where[first - 1 : first - 1 + 37]))
        assert len(touches.segments) == len(set(touches.segments))
        touches.segments = []
        got += batch
        first += len(batch)
    assert got == everything
    assert touches.listings == 0
    # the segments' first frames: read once each at most, not once per request
    assert touches.first_frames <= journal.position()[0]


@pytest.mark.parametrize("first", [1, 2, 95, 96, 97, 500, 1111, RECORDS - 1, RECORDS, RECORDS + 1])
@pytest.mark.parametrize("count", [1, 7, 150, 5000])
def test_any_range_read_cold_equals_the_same_range_of_a_full_read(
    image: bytes, first: int, count: int
) -> None:
    everything = list(Journal.mount(RamFlash(CHIP, image)).records())
    assert mounted(image).read_records(first, count) == everything[first - 1 : first - 1 + count]


def test_the_last_record_costs_its_segment_only(
    image: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = mounted(image)
    last = segment_name(journal.position()[0])
    touches = Touches(monkeypatch)
    assert journal.read_records(RECORDS, 1) == [record(RECORDS)]  # the head statement's read
    assert (touches.segments, touches.first_frames, touches.listings) == ([last], 1, 0)
    touches.reset()
    assert journal.read_records(RECORDS, 1) == [record(RECORDS)]
    assert (touches.segments, touches.first_frames) == ([last], 0)


def test_records_appended_after_a_read_are_read_by_seq_too(
    image: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = mounted(image)
    assert journal.read_records(1, RECORDS) == [record(s) for s in range(1, RECORDS + 1)]
    more = range(RECORDS + 1, RECORDS + 400)  # into new segments
    for seq in more:
        journal.append(record(seq))
    assert journal.position()[1] < SEGMENT_BYTES
    touches = Touches(monkeypatch)
    assert journal.read_records(RECORDS - 2, 404) == [
        record(s) for s in range(RECORDS - 2, more[-1] + 1)
    ]
    assert journal.record_at(more[-1]) == record(more[-1])
    assert touches.listings == 0 and touches.first_frames == 0  # learnt while reading and appending


def test_a_segment_starting_with_a_record_without_seq_is_served_as_stored() -> None:
    # A damaged journal is the inspector's to judge: reading by seq falls back to
    # counting records from the first segment, and serves them as they are stored.
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    stored: list[bytes] = []
    for seq in range(1, 700):
        segment, size = journal.position()
        raw = b"not a record" if (segment, size >= SEGMENT_BYTES) == (4, True) else record(seq)
        journal.append(raw)
        stored.append(raw)
    assert b"not a record" in stored and journal.position()[0] > 5
    for first, count in [(1, 700), (300, 50), (len(stored), 1), (stored.index(b"not a record"), 3)]:
        again = Journal.mount(RamFlash(CHIP, flash.snapshot()))
        assert again.read_records(first, count) == stored[first - 1 : first - 1 + count]
